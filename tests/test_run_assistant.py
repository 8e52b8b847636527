"""`make run`'s last step (scripts/run-assistant): what it serves, to whom, what it keeps and logs, and how it stops."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time

import pytest
import requests
import yaml
from click.testing import CliRunner

from bot.conversations import cli as conversations_cli
from bot.conversations import purge
from servers import MODEL, RUN_ASSISTANT, listening, running_servers
from support import REPO_ROOT

DOMAIN = yaml.safe_load((REPO_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
FULL_STACK = "dh-webdev-fullstack-27"  # asks: Actiris, residence, age, French level
ASK_ELIGIBILITY = '/ask_eligibility{"course_id": "%s"}' % FULL_STACK
ALLOWED_ORIGINS = ("https://www.example.be", "https://partner.example.be")


def response_text(name: str, language: str) -> str:
    for variant in DOMAIN["responses"][name]:
        if {"type": "slot", "name": "language", "value": language} in variant["condition"]:
            return variant["text"]
    raise KeyError((name, language))


def last_text(replies) -> str:
    return replies[-1].get("text", "") if replies else ""


def run_script(env_overrides, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "VAR_DIR": str(cwd / "var"), "RASA_PORT": "1", "ACTIONS_PORT": "2", **env_overrides}
    return subprocess.run([str(RUN_ASSISTANT)], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


# CORS_ORIGINS is checked before anything starts: no server needed.

@pytest.mark.parametrize("origins", ["*", "https://www.example.be *", "https://www.example.be\n*", "https://*.example.be"])
def test_a_wildcard_origin_is_refused_before_anything_starts(tmp_path, origins):
    # Files a glob would expand to, had the value gone through the shell unquoted.
    (tmp_path / "https:").mkdir()
    (tmp_path / "https:" / "evil.example.com").touch()
    (tmp_path / "index.html").touch()
    result = run_script({"CORS_ORIGINS": origins}, tmp_path)
    assert result.returncode == 2
    assert "contains '*'" in result.stderr and "List the exact origins instead" in result.stderr
    assert "index.html" not in result.stderr and "evil" not in result.stderr
    assert not (tmp_path / "var").exists()  # nothing written, nothing started


@pytest.mark.parametrize("origin", ["https://www.example.be/", "www.example.be", "https://www.example.be/chat", "https://a.be|https://b.be"])
def test_something_that_is_not_an_origin_is_refused_with_the_form_to_write(tmp_path, origin):
    result = run_script({"CORS_ORIGINS": f"https://ok.example.be {origin}"}, tmp_path)
    assert result.returncode == 2
    assert f"'{origin}' is not an origin: write scheme://host[:port]" in result.stderr


@pytest.mark.rest
def test_a_model_that_cannot_be_loaded_stops_make_run_with_what_to_do(tmp_path, sample_catalogue_db):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(MODEL.read_bytes()[:100_000])  # as a model caught while being written
    catalogue = tmp_path / "catalogue.db"
    shutil.copy(sample_catalogue_db, catalogue)
    with pytest.raises(RuntimeError) as stopped:
        with running_servers(catalogue, tmp_path / "var", model=broken, api=False, timeout=240):
            pass
    message = str(stopped.value)
    assert "run-assistant: exit 1" in message
    assert f"The Rasa server could not load the model {broken}: Compressed file ended" in message
    assert "Train it again with `make train` (or set MODEL)" in message
    assert "The assistant is ready." not in message


# One assistant started as a plain `make run` does (no RASA_API_TOKEN), with two allowed origins.

@pytest.fixture(scope="module")
def assistant(tmp_path_factory, sample_catalogue_db):
    workdir = tmp_path_factory.mktemp("make-run")
    catalogue = workdir / "catalogue.db"
    shutil.copy(sample_catalogue_db, catalogue)
    with running_servers(catalogue, workdir, api=False, env={"CORS_ORIGINS": "  ".join(ALLOWED_ORIGINS)}) as running:
        yield running


@pytest.mark.rest
def test_make_run_serves_the_chat_channels_and_closes_the_http_api(assistant, sender):
    printed = assistant.printed()
    assert f"POST http://localhost:{assistant.rasa_url.rsplit(':', 1)[1]}/webhooks/rest/webhook" in printed
    assert "HTTP API     : off (set RASA_API_TOKEN to turn it on)" in printed
    assert assistant.texts(sender, "Goedemorgen") == [response_text("utter_greet", "nl")]
    socket_io = requests.get(f"{assistant.rasa_url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert socket_io.status_code == 200 and '"sid"' in socket_io.text

    url = assistant.rasa_url
    refused = {
        "read a conversation": requests.get(f"{url}/conversations/{sender}/tracker", timeout=10),
        "add events to it": requests.post(f"{url}/conversations/{sender}/tracker/events",
                                          json={"event": "slot", "name": "language", "value": "fr"}, timeout=10),
        "replace the model": requests.put(f"{url}/model", json={"model_file": "/tmp/other.tar.gz"}, timeout=10),
        "train a model": requests.post(f"{url}/model/train", data="{}", timeout=10),
        "read the status": requests.get(f"{url}/status", timeout=10),
        "parse a message": requests.post(f"{url}/model/parse", json={"text": "bonjour"}, timeout=10),
    }
    assert {what: r.status_code for what, r in refused.items() if r.status_code not in (401, 403, 404, 405)} == {}
    # The conversation was not touched: it still goes on in Dutch.
    assert assistant.texts(sender, "bedankt") == [response_text("utter_thanks", "nl")]


@pytest.mark.rest
@pytest.mark.parametrize("origin", ALLOWED_ORIGINS)
def test_the_listed_origins_may_call_the_rest_channel_from_a_browser(assistant, origin):
    url = f"{assistant.rasa_url}/webhooks/rest/webhook"
    preflight = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert preflight.headers.get("Access-Control-Allow-Origin") == origin
    answer = requests.post(url, json={"sender": "cors-test", "message": "Bonjour"}, headers={"Origin": origin}, timeout=60)
    assert answer.status_code == 200 and answer.headers.get("Access-Control-Allow-Origin") == origin


@pytest.mark.rest
def test_another_origin_gets_no_cors_permission(assistant):
    url = f"{assistant.rasa_url}/webhooks/rest/webhook"
    origin = "https://evil.example.com"
    preflight = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}, timeout=10)
    answer = requests.post(url, json={"sender": "cors-test", "message": "Bonjour"}, headers={"Origin": origin}, timeout=60)
    for response in (preflight, answer):
        assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.rest
def test_nothing_personal_is_logged(assistant, sender):
    age, municipality = "61", "Watermael-Boitsfort"
    said = ["oui je suis inscrit chez Actiris", f"j'habite à {municipality}", f"j'ai {age} ans"]
    replies = assistant.send(sender, ASK_ELIGIBILITY, metadata={"language": "fr"})
    assert last_text(replies) == response_text("utter_ask_elig_registered_jobseeker", "fr")
    assistant.send(sender, said[0])
    assert last_text(assistant.send(sender, said[1])) == response_text("utter_ask_elig_age", "fr")
    # The age was understood (the next question comes): it went through both servers.
    assert last_text(assistant.send(sender, said[2])) == response_text("utter_ask_elig_level_fr", "fr")
    logs = assistant.logs()
    assert "Rasa server is up and running" in logs  # the logs are the server's, at their usual level
    leaks = [text for text in said + [municipality, "Boitsfort", f"{age} ans"] if text.lower() in logs.lower()]
    leaks += re.findall(rf"""['"]?elig_age['"]?\W{{0,4}}{age}\b""", logs)
    # Rasa's JSON tracebacks list each frame's local variables, among them every slot's value.
    leaks += [line[:200] for line in logs.splitlines() if '"locals": {' in line]
    assert leaks == []


@pytest.mark.rest
def test_a_conversation_can_be_forgotten_and_old_ones_purged_while_the_assistant_runs(assistant, sender):
    said = "je cherche une formation en cybersecurite pour Zebulon-Quentin"  # ASCII: stored as JSON
    assistant.send(sender, said)
    with sqlite3.connect(assistant.tracker_db) as db:
        stored = db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]
    assert stored > 0 and said.encode() in assistant.tracker_db.read_bytes()

    result = CliRunner().invoke(conversations_cli, ["forget", sender, "--db", str(assistant.tracker_db)])
    assert (result.exit_code, result.output) == (0, f"Deleted {stored} events of this conversation.\n")
    assert said.encode() not in assistant.tracker_db.read_bytes()
    # The same person writes again: a new conversation, from a new session, nothing of the old one.
    assert assistant.texts(sender, "Bonjour") == [response_text("utter_greet", "fr")]
    with sqlite3.connect(assistant.tracker_db) as db:
        kinds = [row[0] for row in db.execute(
            "select coalesce(action_name, type_name) from events where sender_id = ? order by id", (sender,))]
        senders = db.execute("select count(distinct sender_id) from events").fetchone()[0]
    assert kinds[:2] == ["action_session_start", "session_started"]

    # Ninety-one days later, every conversation here is past its retention.
    report = purge(assistant.tracker_db, days=90, now=time.time() + 91 * 86400)
    assert report.conversations_deleted == senders
    with sqlite3.connect(assistant.tracker_db) as db:
        assert db.execute("select count(*) from events").fetchone()[0] == 0
    assert assistant.texts(sender, "Bonjour") == [response_text("utter_greet", "fr")]


# With RASA_API_TOKEN, and across a restart.

@pytest.mark.rest
def test_a_conversation_goes_on_after_a_restart_and_the_api_needs_its_token(tmp_path, sample_catalogue_db, sender):
    catalogue = tmp_path / "catalogue.db"
    shutil.copy(sample_catalogue_db, catalogue)
    tracker_db = tmp_path / "conversations.db"
    with running_servers(catalogue, tmp_path / "first", tracker_db=tracker_db) as first:
        assert "HTTP API     : on" in first.printed()
        replies = first.send(sender, ASK_ELIGIBILITY, metadata={"language": "fr"})
        assert last_text(replies) == response_text("utter_ask_elig_registered_jobseeker", "fr")
        assert last_text(first.send(sender, "oui")) == response_text("utter_ask_elig_brussels_resident", "fr")

        tracker_url = f"{first.rasa_url}/conversations/{sender}/tracker"
        assert requests.get(tracker_url, timeout=10).status_code == 401
        assert requests.get(tracker_url, params={"token": "not-the-token"}, timeout=10).status_code == 401
        assert requests.get(f"{first.rasa_url}/status", timeout=10).status_code == 401
        assert first.tracker(sender)["active_loop"]["name"] == "eligibility_form"
        ports = [int(first.rasa_url.rsplit(":", 1)[1])]
        # Ctrl-C in make run's terminal: both servers stop, and the script says so.
        assert first.stop() == 0
        assert first.printed().rstrip().endswith("Stopped.")
        assert set(first.pids) == {"rasa", "actions"}
        assert not any(_alive(pid) for pid in first.pids.values())
        assert not listening(ports[0]) and not listening(first.actions_port)
        assert first.api_token not in first.printed() + first.logs()

    with running_servers(catalogue, tmp_path / "second", tracker_db=tracker_db) as second:
        slots = second.slots(sender)
        assert (slots["elig_registered_jobseeker"], slots["requested_slot"]) == (True, "elig_brussels_resident")
        # The next question, not the first one again.
        assert last_text(second.send(sender, "j'habite à Schaerbeek")) == response_text("utter_ask_elig_age", "fr")
        assert last_text(second.send(sender, "j'ai 24 ans")) == response_text("utter_ask_elig_level_fr", "fr")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
