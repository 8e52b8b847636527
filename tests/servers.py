"""Starts the real action server and Rasa server on free loopback ports (tests and benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL = REPO_ROOT / "models" / "assistant.tar.gz"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """The running action server and Rasa server, and a way to talk to them."""

    def __init__(self, rasa_url: str, catalogue_db: Path):
        self.rasa_url = rasa_url
        self.catalogue_db = catalogue_db

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

    def slots(self, sender: str) -> Dict:
        """The conversation's slots, from the HTTP API."""
        tracker = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=30).json()
        return tracker["slots"]


def wait_until(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server stopped (exit {process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server not ready after {seconds} s:\n{log.read_text()[-4000:]}")



@contextmanager
def running_servers(catalogue_db: Path, workdir: Path, model: Path = MODEL) -> Iterator[Servers]:
    """The action server and a Rasa server with `model`, reading `catalogue_db`; stopped on exit."""
    actions_port, rasa_port = free_port(), free_port()
    env = {**os.environ, "CATALOGUE_DB": str(catalogue_db), "RASA_TELEMETRY_ENABLED": "false",
           "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    actions_log = workdir / "actions.log"
    rasa_log = workdir / "rasa.log"
    processes: List[subprocess.Popen] = []
    try:
        actions = subprocess.Popen(
            [sys.executable, "-m", "bot.actions.server", "--port", str(actions_port)],
            cwd=REPO_ROOT, env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(actions)
        rasa = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--enable-api", "--model", str(model),
             "--endpoints", str(endpoints), "--credentials", str(REPO_ROOT / "credentials.yml"),
             "--port", str(rasa_port), "--interface", "127.0.0.1"],
            cwd=REPO_ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(rasa)
        wait_until(f"http://127.0.0.1:{actions_port}/health", actions, actions_log, 60)
        wait_until(f"http://127.0.0.1:{rasa_port}/status", rasa, rasa_log, 240)
        running = Servers(f"http://127.0.0.1:{rasa_port}", catalogue_db)
        running.pids = {"rasa": rasa.pid, "actions": actions.pid}
        running.send("warm-up", "Bonjour")  # the first message loads lazily-built parts
        yield running
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
