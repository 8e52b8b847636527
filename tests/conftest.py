"""Shared fixtures: a real catalogue database, and the real servers (action server + Rasa)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
SAMPLE_FEED = SHARED / "catalogue-feed" / "sample.json"
DEMO_FEED = REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json"
MODEL = REPO_ROOT / "models" / "assistant.tar.gz"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sync_catalogue(source: Path, db_path: Path) -> subprocess.CompletedProcess:
    """Runs the real sync CLI, as staff would, into `db_path`."""
    result = subprocess.run(
        [sys.executable, "-m", "catalogue_sync", "sync", str(source), "--db", str(db_path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert result.returncode in (0, 4), result.stdout + result.stderr
    return result


def shift_feed_dates(feed: Dict, weeks: int) -> Dict:
    """The feed with every date moved by whole weeks (weekdays stay the same)."""
    delta = timedelta(weeks=weeks)

    def moved(value: str) -> str:
        if len(value) == 10:
            return (date.fromisoformat(value) + delta).isoformat()
        return (datetime.fromisoformat(value) + delta).isoformat()

    feed = json.loads(json.dumps(feed))
    feed["generated_at"] = moved(feed["generated_at"])
    for course in feed["courses"]:
        if course.get("start_date"):
            course["start_date"] = moved(course["start_date"])
        for session in course.get("info_sessions") or []:
            for key in ("starts_at", "ends_at"):
                if session.get(key):
                    session[key] = moved(session[key])
    return feed


def sample_feed_from_now() -> Dict:
    """The shared sample feed, its dates moved so that its first info session is 1 to 2 weeks
    ahead: tests keep working whatever day they run."""
    feed = json.loads(SAMPLE_FEED.read_text(encoding="utf-8"))
    first = min(datetime.fromisoformat(s["starts_at"]) for c in feed["courses"] for s in c["info_sessions"])
    days_ahead = (first - datetime.now(timezone.utc)).days
    return shift_feed_dates(feed, weeks=-((days_ahead - 7) // 7))


@pytest.fixture(scope="session")
def sample_feed() -> Dict:
    """The sample feed as the catalogue fixtures synced it (dates moved to be ahead of now)."""
    return sample_feed_from_now()


@pytest.fixture(scope="session")
def sample_catalogue_db(tmp_path_factory, sample_feed) -> Path:
    """A SQLite catalogue filled by the real sync from the shared sample feed."""
    workdir = tmp_path_factory.mktemp("catalogue")
    feed_path = workdir / "feed.json"
    feed_path.write_text(json.dumps(sample_feed, ensure_ascii=False), encoding="utf-8")
    db_path = workdir / "catalogue.db"
    sync_catalogue(feed_path, db_path)
    return db_path


@pytest.fixture
def catalogue_env(sample_catalogue_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample catalogue that the actions read (CATALOGUE_DB)."""
    db_path = tmp_path / "catalogue.db"
    shutil.copy(sample_catalogue_db, db_path)
    monkeypatch.setenv("CATALOGUE_DB", str(db_path))
    return db_path


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


def _wait_until(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
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


@pytest.fixture(scope="session")
def servers(tmp_path_factory, sample_catalogue_db) -> Servers:
    """Starts the action server and a Rasa server with the trained model, on free loopback ports."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` (make test does it).")
    workdir = tmp_path_factory.mktemp("servers")
    db_path = workdir / "catalogue.db"
    shutil.copy(sample_catalogue_db, db_path)
    actions_port, rasa_port = free_port(), free_port()
    env = {**os.environ, "CATALOGUE_DB": str(db_path), "RASA_TELEMETRY_ENABLED": "false",
           "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')

    actions_log = workdir / "actions.log"
    rasa_log = workdir / "rasa.log"
    processes = []
    try:
        actions = subprocess.Popen(
            [sys.executable, "-m", "bot.actions.server", "--port", str(actions_port)],
            cwd=REPO_ROOT, env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(actions)
        rasa = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--enable-api", "--model", str(MODEL),
             "--endpoints", str(endpoints), "--credentials", str(REPO_ROOT / "credentials.yml"),
             "--port", str(rasa_port), "--interface", "127.0.0.1"],
            cwd=REPO_ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
        )
        processes.append(rasa)
        _wait_until(f"http://127.0.0.1:{actions_port}/health", actions, actions_log, 60)
        _wait_until(f"http://127.0.0.1:{rasa_port}/status", rasa, rasa_log, 240)
        running = Servers(f"http://127.0.0.1:{rasa_port}", db_path)
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


@pytest.fixture
def sender() -> str:
    """A new conversation id."""
    return f"test-{uuid.uuid4().hex[:12]}"
