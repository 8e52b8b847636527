"""`make run`'s last step (scripts/run-assistant): says where to chat, answers, stops on Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from servers import MODEL, VENV_BIN, free_port
from support import REPO_ROOT

pytestmark = pytest.mark.rest


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_run_says_where_to_chat_answers_and_stops_cleanly_on_ctrl_c(tmp_path, sample_catalogue_db):
    rasa_port, actions_port = free_port(), free_port()
    catalogue = tmp_path / "catalogue.db"
    shutil.copy(sample_catalogue_db, catalogue)
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTIONS_PORT": str(actions_port), "VAR_DIR": str(tmp_path),
           "MODEL": str(MODEL), "BIN": str(VENV_BIN), "CATALOGUE_DB": str(catalogue),
           "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(REPO_ROOT)}
    output = tmp_path / "output.txt"
    # As from a terminal: its own process group, where Ctrl-C reaches every process.
    process = subprocess.Popen(
        [str(REPO_ROOT / "scripts" / "run-assistant")], env=env, cwd=REPO_ROOT, start_new_session=True,
        stdout=output.open("w"), stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 240
        while "The assistant is ready." not in output.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, output.read_text()
            time.sleep(1)
        printed = output.read_text()
        assert f"POST http://localhost:{rasa_port}/webhooks/rest/webhook" in printed
        reply = requests.post(f"http://localhost:{rasa_port}/webhooks/rest/webhook",
                              json={"sender": "ctrl-c", "message": "Goedemorgen"}, timeout=60).json()
        assert reply[0]["text"].startswith("Hallo!")

        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert output.read_text().rstrip().endswith("Stopped.")
    assert not listening(rasa_port) and not listening(actions_port)
