"""Starts the assistant as `make run` does (scripts/run-assistant) on free loopback ports (tests, benchmarks)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL = REPO_ROOT / "models" / "assistant.tar.gz"
VENV_BIN = Path(sys.executable).parent
RUN_ASSISTANT = REPO_ROOT / "scripts" / "run-assistant"
READY = "The assistant is ready."
# What `make run` exports, and what a test must not inherit from the shell that runs it.
MAKE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONPATH": str(REPO_ROOT)}
NOT_INHERITED = ("RASA_API_TOKEN", "CORS_ORIGINS", "RASA_INTERFACE", "TRACKER_DB", "VAR_DIR", "SMTP_HOST",
                 "REGISTRATIONS_WEBHOOK_URL")


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something accepts connections on this loopback port."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Servers:
    """The running action server and Rasa server, and a way to talk to them.

    Attributes:
        rasa_url: the Rasa server's base URL.
        catalogue_db: the catalogue the actions read.
        tracker_db: the SQLite tracker store the conversations are kept in.
        var_dir: where run-assistant wrote endpoints.yml, rasa.log and actions.log.
        api_token: the token of Rasa's HTTP API, or None when the API is off (as by default).
        pids: {"rasa": pid, "actions": pid} of the two servers.
        actions_port: the action server's port.
        output: the file holding what run-assistant printed.
        returncode: run-assistant's exit code once stopped, else None.
    """

    def __init__(self, rasa_url: str, catalogue_db: Path, tracker_db: Optional[Path] = None,
                 var_dir: Optional[Path] = None, api_token: Optional[str] = None):
        self.rasa_url = rasa_url
        self.catalogue_db = catalogue_db
        self.tracker_db = tracker_db
        self.var_dir = var_dir
        self.api_token = api_token
        self.pids: Dict[str, int] = {}
        self.actions_port: Optional[int] = None
        self.output: Optional[Path] = None
        self.returncode: Optional[int] = None
        self._process: Optional[subprocess.Popen] = None

    def send(self, sender: str, message: str, metadata: Optional[Dict] = None) -> List[Dict]:
        """Posts a message to the REST channel and returns the bot's messages."""
        payload = {"sender": sender, "message": message}
        if metadata is not None:
            payload["metadata"] = metadata
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json=payload, timeout=60)
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, message: str, metadata: Optional[Dict] = None) -> List[str]:
        """The texts of the bot's replies to a message."""
        return [m.get("text", "") for m in self.send(sender, message, metadata)]

    def tracker(self, sender: str) -> Dict:
        """The conversation's tracker, from the HTTP API (started with its token)."""
        if self.api_token is None:
            raise RuntimeError("These servers run without the HTTP API: start them with api=True.")
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                                params={"token": self.api_token}, timeout=30)
        response.raise_for_status()
        return response.json()

    def slots(self, sender: str) -> Dict:
        """The conversation's slots, from the HTTP API."""
        return self.tracker(sender)["slots"]

    def logs(self) -> str:
        """What the Rasa server and the action server logged so far."""
        return "".join((self.var_dir / name).read_text(errors="replace")
                       for name in ("rasa.log", "actions.log") if (self.var_dir / name).exists())

    def printed(self) -> str:
        """What run-assistant printed so far."""
        return self.output.read_text(errors="replace") if self.output else ""

    def stop(self, timeout: float = 60) -> Optional[int]:
        """Stops both servers as Ctrl-C in `make run`'s terminal does; kills them if they linger.

        Returns:
            run-assistant's exit code (0 for a clean stop).
        """
        process = self._process
        if process is None:
            return self.returncode
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (a server the script could not stop) goes too.
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()
        self.returncode = process.returncode
        self._process = None
        return self.returncode


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def _server_pids(script_pid: int) -> Dict[str, int]:
    """The pids of the two servers, children of run-assistant, told apart by their command line."""
    pids: Dict[str, int] = {}
    for children in Path(f"/proc/{script_pid}/task").glob("*/children"):
        for pid in children.read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"bot.actions.server" in cmdline:
                pids["actions"] = int(pid)
            elif b"run" in cmdline and b"--endpoints" in cmdline:
                pids["rasa"] = int(pid)
    return pids


@contextmanager
def running_servers(catalogue_db: Path, workdir: Path, model: Path = MODEL, *,
                    tracker_db: Optional[Path] = None, api: bool = True,
                    env: Optional[Mapping[str, str]] = None, timeout: float = 300) -> Iterator[Servers]:
    """The assistant started by scripts/run-assistant, as `make run` starts it; stopped on exit.

    Args:
        catalogue_db: the catalogue the actions read.
        workdir: VAR_DIR: endpoints.yml, the logs, and what the script printed (run-assistant.out).
        model: the trained model.
        tracker_db: the tracker store's SQLite file (workdir/conversations.db by default); the
            same file again continues the same conversations.
        api: turn Rasa's HTTP API on, with a fresh RASA_API_TOKEN (Servers.api_token), so that
            tests can read trackers; False starts it as a plain `make run` does.
        env: more environment for run-assistant (CORS_ORIGINS...).
        timeout: seconds to wait for "The assistant is ready.".
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tracker_db = tracker_db or workdir / "conversations.db"
    rasa_port, actions_port = free_port(), free_port()
    token = secrets.token_urlsafe(24) if api else None
    run_env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    run_env.update(MAKE_ENV)
    run_env.update({"RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port), "VAR_DIR": str(workdir),
                    "MODEL": str(model), "BIN": str(VENV_BIN), "CATALOGUE_DB": str(catalogue_db),
                    "TRACKER_DB": str(tracker_db),
                    # Bookings and the mails they write stay in the test's directory.
                    "REGISTRATIONS_DB": str(workdir / "registrations.db"), "OUTBOX_DIR": str(workdir / "outbox")})
    if token:
        run_env["RASA_API_TOKEN"] = token
    run_env.update(env or {})
    running = Servers(f"http://127.0.0.1:{rasa_port}", catalogue_db, tracker_db=tracker_db,
                      var_dir=workdir, api_token=token)
    running.actions_port = actions_port
    running.output = workdir / "run-assistant.out"
    with running.output.open("w") as output:
        # Its own process group, where Ctrl-C (SIGINT) reaches the script and both servers, as in a
        # terminal; SIGINT back to default, since a shell that runs pytest in the background ignores it.
        running._process = subprocess.Popen(
            [str(RUN_ASSISTANT)], cwd=REPO_ROOT, env=run_env, start_new_session=True,
            stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        deadline = time.monotonic() + timeout
        while READY not in running.printed():
            if running._process.poll() is not None or time.monotonic() > deadline:
                state = (f"exit {running._process.returncode}" if running._process.poll() is not None
                         else f"not ready after {timeout} s")
                raise RuntimeError(f"run-assistant: {state}:\n{running.printed()}\n{running.logs()[-4000:]}")
            time.sleep(0.5)
        running.pids = _server_pids(running._process.pid)
        running.send("warm-up", "Bonjour")  # the first message loads lazily-built parts
        yield running
    finally:
        running.stop()
