"""The `registrations` staff command, run through click's CliRunner on real SQLite files.

The store, the catalogue (synced by catalogue_sync from a feed file), the .eml outbox folder, the
tracker store (a SQLite file with Rasa's `events` table) and the SMTP server are all real.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from mail_helpers import SENDER, SmtpSink, free_port

import registrations
from catalogue_sync.read import Catalogue
from catalogue_sync.sync import sync_catalogue
from registrations.catalogue import session_from_catalogue, sessions_from_catalogue, sync_from_catalogue
from registrations.cli import EXPORT_COLUMNS, cli
from registrations.sqlite_store import SQLiteRegistrationStore
from registrations.store import Person

REPO_ROOT = Path(registrations.__file__).resolve().parents[1]
DEMO_FEED = REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json"
BRUSSELS = ZoneInfo("Europe/Brussels")
# Rasa's SQLTrackerStore table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent).
TRACKER_SCHEMA = """
CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
);
CREATE INDEX ix_events_sender_id ON events (sender_id);
"""
COMMANDS = ("list", "export", "cancel", "outbox", "retry", "send", "sync-sessions", "forget", "retention")


def days_ahead(days: float) -> str:
    """A session start `days` from the real clock (the CLI books and sends at the real time), Brussels time."""
    return (datetime.now(timezone.utc) + timedelta(days=days)).astimezone(BRUSSELS).replace(
        microsecond=0, second=0).isoformat()


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean environment: no SMTP, no webhook, mails as .eml files in tmp_path/outbox."""
    for name in list(os.environ):
        if name.startswith(("SMTP_", "REGISTRATIONS_", "REMINDER_", "TRACKER_DB", "CATALOGUE_DB", "PRIVACY_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    return tmp_path


@pytest.fixture
def run(db_path, env):
    """run(*args, input=None, env=None): the command's result, with --db pointing at the test's database."""
    runner = CliRunner(mix_stderr=False)

    def invoke(*args, input=None, env=None):
        return runner.invoke(cli, ["--db", str(db_path), *map(str, args)], input=input, env=env,
                             catch_exceptions=False)

    return invoke


@pytest.fixture
def future_session(session):
    """future_session(number=1, capacity=10, days=30): a session weeks after the real time."""

    def make(number: int = 1, capacity: int = 10, days: float = 30, course_id: str = "data-101"):
        return session(number, capacity=capacity, starts_at=days_ahead(days), course_id=course_id, ends_at=None)

    return make


@pytest.fixture
def booked(db_path, future_session, person):
    """A session of 2 seats with 2 confirmed people and 1 waiting; returns their references."""
    with SQLiteRegistrationStore(db_path) as store:
        references = [store.book(future_session(capacity=2), person(number), join_waiting_list=True).reference
                      for number in (1, 2, 3)]
    return references


def personal_data_in(text: str) -> bool:
    return any(fragment in text.lower() for fragment in ("@example.org", "amina", "idrissi", "+3247012"))


def make_tracker(path: Path, conversations: dict) -> Path:
    """A tracker store with `conversations` {sender_id: number of events}."""
    conn = sqlite3.connect(path)
    conn.executescript(TRACKER_SCHEMA)
    for sender_id, count in conversations.items():
        for number in range(count):
            conn.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                         (sender_id, 1_700_000_000 + number, json.dumps({"text": "je m'appelle Amina"})))
    conn.commit()
    conn.close()
    return path


def tracker_counts(path: Path) -> dict:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT sender_id, count(*) FROM events GROUP BY sender_id").fetchall())


def everything_in(db_path: Path) -> str:
    """Every value of every table of a SQLite file, as one text (to look for personal data)."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in conn.execute(f"SELECT * FROM [{table}]"))
    finally:
        conn.close()


# --- Help ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_with_examples(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"registrations {command}" in result.output


def test_the_group_help_lists_every_command_and_the_exit_codes():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert all(command in result.output for command in COMMANDS)
    assert "Exit codes:" in result.output


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_seats_and_waiting_list_and_no_people_unless_asked(run, booked):
    result = run("list")
    assert result.exit_code == 0
    [line] = result.output.splitlines()
    assert "data-101-is1" in line and "Analyste de données" in line and "seats 2/2  waiting 1" in line
    assert not personal_data_in(result.output)
    assert not any(reference in result.output for reference in booked)

    people = run("list", "--people").output
    assert all(reference in people for reference in booked)
    assert "person1@example.org" in people and "Amina3 El Idrissi" in people
    assert f"{booked[2]}  waiting #1" in people

    waiting_only = run("list", "--people", "--status", "waiting").output
    assert booked[2] in waiting_only and booked[0] not in waiting_only


def test_list_flags_sessions_the_feed_cancelled_moved_or_dropped(run, db_path, future_session, person):
    sessions = [future_session(number) for number in (1, 2, 3)]
    with SQLiteRegistrationStore(db_path) as store:
        store.sync_sessions(sessions)
        store.book(sessions[0], person(1))
        moved = sessions[0].__class__(**{**sessions[0].__dict__, "starts_at": days_ahead(31)})
        cancelled = sessions[1].__class__(**{**sessions[1].__dict__, "status": "cancelled"})
        store.sync_sessions([moved, cancelled])  # the third is no longer in the feed

    lines = {line.split()[2]: line for line in run("list").output.splitlines()}
    was = datetime.fromisoformat(sessions[0].starts_at).strftime("%Y-%m-%d %H:%M")
    assert f"[moved (was {was})]" in lines["data-101-is1"]
    assert "[cancelled]" in lines["data-101-is2"]
    assert "[missing_from_feed]" in lines["data-101-is3"]
    assert "(session moved)" in run("list", "--people", "--session", "data-101-is1").output


def test_list_filters_by_course_and_session(run, db_path, future_session, person):
    with SQLiteRegistrationStore(db_path) as store:
        store.book(future_session(1, course_id="data-101"), person(1))
        store.book(future_session(1, course_id="web-201"), person(2))
    assert [line.split()[2] for line in run("list", "--course", "web-201").output.splitlines()] == ["web-201-is1"]
    assert [line.split()[2] for line in run("list", "--session", "data-101-is1").output.splitlines()] == [
        "data-101-is1"]


@pytest.mark.parametrize("args, exit_code, message", [
    (("list", "--session", "nope-is9"), 1, "No session 'nope-is9'"),
    (("list", "--status", "waiting"), 2, "add --people"),
    (("list", "--status", "lost", "--people"), 2, "Invalid value for '--status'"),
])
def test_list_refuses_what_it_cannot_show(run, booked, args, exit_code, message):
    result = run(*args)
    assert result.exit_code == exit_code
    assert message in result.stderr


def test_a_command_on_a_database_that_does_not_exist_says_so_and_creates_nothing(run, db_path):
    result = run("list")
    assert result.exit_code == 3
    assert f"No registrations database at {db_path}" in result.stderr
    assert not db_path.exists()


# --- export -------------------------------------------------------------------------------------


def test_export_csv_has_every_column_and_neutralises_formulas(run, db_path, future_session, person, tmp_path):
    with SQLiteRegistrationStore(db_path) as store:
        store.book(future_session(), person(1))
        store.book(future_session(), Person("=HYPERLINK(\"http://x\")", "@Mallory", "mallory@example.net",
                                            "+32470999999", "nl"))
    target = tmp_path / "inscriptions.csv"
    result = run("export", "--format", "csv", "-o", target)
    assert result.exit_code == 0 and "Wrote 2 registrations" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    by_email = {row["email"]: row for row in rows}
    assert by_email["person1@example.org"]["first_name"] == "Amina1"
    assert by_email["person1@example.org"]["course_title_nl"] == "Data-analist"
    mallory = by_email["mallory@example.net"]
    assert mallory["first_name"] == "'=HYPERLINK(\"http://x\")" and mallory["last_name"] == "'@Mallory"
    assert mallory["phone"] == "+32470999999"  # a number stays a number


def test_export_json_to_the_screen_filtered_by_status(run, booked):
    everyone = json.loads(run("export", "--format", "json").output)
    assert [row["reference"] for row in everyone] == booked
    assert [row["status"] for row in everyone] == ["confirmed", "confirmed", "waiting"]
    waiting = json.loads(run("export", "--format", "json", "--status", "waiting").output)
    assert [(row["reference"], row["waiting_position"]) for row in waiting] == [(booked[2], 1)]


# --- cancel -------------------------------------------------------------------------------------


def test_cancel_asks_first_then_gives_the_seat_to_the_waiting_list(run, db_path, booked, outbox_rows):
    declined = run("cancel", booked[0], input="n\n")
    assert declined.exit_code == 1
    with SQLiteRegistrationStore(db_path) as store:
        assert store.get(booked[0]).status == "confirmed"

    result = run("cancel", booked[0].lower(), "--yes")
    assert result.exit_code == 0
    assert f"Cancelled {booked[0]}. The seat went to {booked[2]}" in result.output
    assert not personal_data_in(result.output)
    with SQLiteRegistrationStore(db_path) as store:
        assert (store.get(booked[0]).status, store.get(booked[0]).cancelled_by) == ("cancelled", "staff")
        assert store.get(booked[2]).status == "confirmed"
    events = [(row["event"], row["payload"]["reference"]) for row in outbox_rows(db_path, kind="email")]
    assert ("booking_cancelled", booked[0]) in events and ("promoted", booked[2]) in events

    again = run("cancel", booked[0], "--yes")
    assert again.exit_code == 0 and "already cancelled" in again.output


def test_cancel_of_an_unknown_reference_fails_with_a_hint(run, booked):
    result = run("cancel", "ZZZ999", "--yes")
    assert result.exit_code == 1
    assert "No registration has the reference 'ZZZ999'" in result.stderr


# --- outbox and retry ---------------------------------------------------------------------------


def test_outbox_lists_messages_without_personal_data_and_retry_puts_a_failed_one_back(run, db_path, booked):
    with SQLiteRegistrationStore(db_path) as store:
        item = store.claim_outbox(datetime.now(timezone.utc), limit=1)[0]
        store.outbox_failed(item.id, "the mail server refused the recipient (550 5.1.1)", None)

    listing = run("outbox")
    assert listing.exit_code == 0
    assert listing.output.splitlines()[0] == "Outbox: 4 pending, 0 sent, 1 failed, 0 cancelled"
    assert all(reference in listing.output for reference in booked)
    assert not personal_data_in(listing.output)
    failed = run("outbox", "--status", "failed").output.splitlines()
    assert len(failed) == 3 and failed[2].split()[0] == str(item.id) and "refused the recipient" in failed[2]

    assert run("retry", item.id).output == "1 row back in the queue.\n"
    assert run("outbox", "--status", "failed").output.splitlines()[0].endswith("0 failed, 0 cancelled")
    assert run("retry", item.id).exit_code == 1  # pending now: nothing to retry
    assert run("retry", "--all-failed").output == "0 rows back in the queue.\n"


@pytest.mark.parametrize("args, exit_code, message", [
    (("retry",), 2, "Give one outbox row ID, or --all-failed"),
    (("retry", "1", "--all-failed"), 2, "Give one outbox row ID, or --all-failed"),
    (("retry", "99999"), 1, "No outbox row has the id 99999"),
])
def test_retry_needs_one_existing_row_or_all_failed(run, booked, args, exit_code, message):
    result = run(*args)
    assert (result.exit_code, message in result.stderr) == (exit_code, True)


# --- send ---------------------------------------------------------------------------------------


def test_send_once_mails_through_the_configured_smtp_server(run, booked):
    sink = SmtpSink(port=free_port()).start()
    try:
        result = run("send", "--once", env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port),
                                            "SMTP_FROM": SENDER, "CATALOGUE_DB": "/nonexistent/catalogue.db"})
        assert result.exit_code == 0, result.stderr
        assert "Outbox: 3 sent, 0 to retry, 0 given up, 0 skipped." in result.output
        assert f"mails through 127.0.0.1:{sink.port}" in result.stderr
        assert "no catalogue at /nonexistent/catalogue.db" in result.stderr
        assert sorted(address for mail in sink.received for address in mail.rcpt_tos) == [
            "person1@example.org", "person2@example.org", "person3@example.org"]
        assert run("send").output == "Outbox: 0 sent, 0 to retry, 0 given up, 0 skipped.\n"
    finally:
        sink.stop()
    assert not personal_data_in(result.stderr)


def test_send_without_smtp_writes_eml_files_in_the_outbox_folder(run, booked, env):
    result = run("send")
    assert result.exit_code == 0
    files = sorted(path.name for path in (env / "outbox").glob("*.eml"))
    assert len(files) == 3 and all(name.startswith(("booking_confirmed_", "waitlist_joined_")) for name in files)
    assert "written as .eml files" in result.stderr


def test_send_refuses_a_wrong_setting_with_exit_code_4(run, booked):
    result = run("send", env={"REGISTRATIONS_WEBHOOK_URL": "https://backend.example/hook"})
    assert result.exit_code == 4
    assert "REGISTRATIONS_WEBHOOK_SECRET" in result.stderr


def test_send_forever_runs_until_sigterm_and_sends_what_is_booked_meanwhile(db_path, env, future_session, person):
    with SQLiteRegistrationStore(db_path):
        pass  # an empty database, as before the first booking
    process = subprocess.Popen(
        [sys.executable, "-m", "registrations.cli", "--db", str(db_path), "send", "--forever", "--interval", "0.2"],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with SQLiteRegistrationStore(db_path) as store:
            store.book(future_session(), person(1))
        deadline = time.monotonic() + 30
        while not list((env / "outbox").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list((env / "outbox").glob("*.eml"))) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "outbox sender stopped: 1 sent" in err and "Sender stopped." in err
    assert not personal_data_in(out + err)


# --- sync-sessions ------------------------------------------------------------------------------


@pytest.fixture
def feed(tmp_path):
    """A feed of two demo courses whose info sessions are weeks ahead of the real time; write() saves it."""
    document = json.loads(DEMO_FEED.read_text(encoding="utf-8"))
    document["courses"] = copy.deepcopy(document["courses"][:2])
    for course in document["courses"]:
        for index, info_session in enumerate(course["info_sessions"]):
            info_session["starts_at"] = days_ahead(20 + 7 * index)
            info_session["ends_at"] = days_ahead(20 + 7 * index + 0.1)
            info_session["capacity"] = 2

    class Feed:
        data = document
        path = tmp_path / "feed.json"
        catalogue = tmp_path / "catalogue.db"

        def sync(self):
            self.path.write_text(json.dumps(self.data), encoding="utf-8")
            sync_catalogue(self.path, self.catalogue)

        def sessions(self, course: int = 0):
            return self.data["courses"][course]["info_sessions"]

    return Feed()


def test_sessions_from_the_catalogue_are_every_feed_session_with_titles_and_published_times(feed):
    feed.sessions()[1]["status"] = "cancelled"
    feed.sync()
    sessions = sessions_from_catalogue(Catalogue(feed.catalogue))
    by_id = {session.session_id: session for session in sessions}
    published = feed.sessions()[0]
    first = by_id[published["id"]]
    assert first.starts_at == published["starts_at"] and first.ends_at == published["ends_at"]
    assert first.course_title == {"fr": feed.data["courses"][0]["title"]["fr"],
                                  "nl": feed.data["courses"][0]["title"]["nl"]}
    assert (first.capacity, first.status, first.format) == (2, "scheduled", published["format"])
    assert by_id[feed.sessions()[1]["id"]].status == "cancelled"
    assert len(sessions) == sum(len(course["info_sessions"]) for course in feed.data["courses"])


def test_sync_sessions_marks_cancelled_moved_and_dropped_sessions_and_tells_their_people(run, feed, db_path,
                                                                                        outbox_rows, person):
    feed.sync()
    first = run("sync-sessions", "--catalogue", feed.catalogue)
    total = sum(len(course["info_sessions"]) for course in feed.data["courses"])
    assert first.exit_code == 0
    assert first.output == f"Read {total} sessions from {feed.catalogue}: {total} new, 0 changed.\n"

    moved_id, cancelled_id, dropped_id = (session["id"] for session in feed.sessions()[:3])
    with SQLiteRegistrationStore(db_path) as store:
        sessions = {session.session_id: session for session in sessions_from_catalogue(Catalogue(feed.catalogue))}
        store.book(sessions[moved_id], person(1))
        store.book(sessions[cancelled_id], person(2))
    feed.sessions()[0]["starts_at"] = days_ahead(21)
    feed.sessions()[1]["status"] = "cancelled"
    del feed.sessions()[2]
    feed.sync()

    second = run("sync-sessions", "--catalogue", feed.catalogue)
    assert second.exit_code == 0
    assert f"cancelled: {cancelled_id}" in second.output and f"moved: {moved_id}" in second.output
    assert f"missing from the feed: {dropped_id}" in second.output  # flagged, nobody mailed
    assert "2 registrations told by email" in second.output
    told = {(row["event"], row["payload"]["session"]["id"]) for row in outbox_rows(db_path, kind="email")}
    assert {("session_moved", moved_id), ("session_cancelled", cancelled_id)} <= told
    assert run("sync-sessions", "--catalogue", feed.catalogue).output.endswith(": 0 new, 0 changed.\n")


def test_sync_from_catalogue_is_what_the_bot_calls_after_a_catalogue_sync(feed, db_path):
    feed.sync()
    with SQLiteRegistrationStore(db_path) as store:
        result = sync_from_catalogue(store, feed.catalogue)
        assert result.added == len(store.session_summaries())


def test_sync_sessions_without_a_catalogue_fails_with_exit_code_5(run, tmp_path):
    result = run("sync-sessions", "--catalogue", tmp_path / "none.db")
    assert result.exit_code == 5
    assert "no catalogue at" in result.stderr and "catalogue-sync sync" in result.stderr


# --- forget and retention -----------------------------------------------------------------------


def test_forget_erases_the_person_everywhere_and_prints_counts_only(run, db_path, env, future_session, person):
    with SQLiteRegistrationStore(db_path) as store:
        store.book(future_session(1, capacity=1), person(1))
        store.book(future_session(2), person(1))
        store.book(future_session(1, capacity=1), person(2), join_waiting_list=True)
        other = store.book(future_session(2), person(3)).reference
    assert run("send").exit_code == 0  # the confirmation mails are .eml files now
    tracker = make_tracker(env / "conversations.db", {"conversation-1": 5, "conversation-3": 4})

    declined = run("forget", "Person1@Example.org", "--tracker-db", tracker, input="n\n")
    assert declined.exit_code == 1 and "person1@example.org" in everything_in(db_path)

    result = run("forget", "Person1@Example.org", "--tracker-db", tracker, "--yes")
    assert result.exit_code == 0, result.stderr
    # Outbox: two confirmations (sent) and two reminders (pending); files: the two confirmations.
    assert result.output == (
        "Erased 2 registrations: 2 future bookings cancelled, 0 waiting-list places removed, 1 seat given to the "
        "waiting list; 4 outbox messages and 2 mail files deleted; 1 conversation deleted (5 events).\n")
    assert not personal_data_in(result.output)
    stored = everything_in(db_path)
    assert "person1@example.org" not in stored and "Amina1" not in stored
    assert "person3@example.org" in stored
    mails = [path.read_bytes() for path in (env / "outbox").glob("*.eml")]
    assert mails and not any(b"person1@example.org" in mail for mail in mails)
    assert any(other.encode() in mail for mail in mails)
    assert tracker_counts(tracker) == {"conversation-3": 4}


def test_forget_says_when_there_is_nobody_or_no_tracker_store(run, booked, env):
    assert run("forget", "nobody@example.org", "--yes").output == (
        "No registration has this email address: nothing erased.\n")
    result = run("forget", "person1@example.org", "--yes", "--tracker-db", env / "missing.db")
    assert result.exit_code == 0
    assert f"1 conversation NOT deleted: no conversation store at {env / 'missing.db'}" in result.output
    assert run("forget", "not-an-address", "--yes").exit_code == 2


def test_retention_anonymises_past_sessions_and_deletes_their_mail_files_and_conversations(run, db_path, env,
                                                                                          session, person):
    long_ago = datetime.now(timezone.utc) - timedelta(days=60)
    past = session(1, starts_at=days_ahead(-40), ends_at=None)
    coming = session(2, starts_at=days_ahead(30), ends_at=None)
    with SQLiteRegistrationStore(db_path) as store:
        old = store.book(past, person(1), now=long_ago).reference
        recent = store.book(coming, person(2)).reference
    assert run("send").exit_code == 0  # both confirmations written; the old reminder given up
    tracker = make_tracker(env / "conversations.db", {"conversation-1": 3, "conversation-2": 2})

    result = run("retention", "--days", "30", "--tracker-db", tracker)

    assert result.exit_code == 0, result.stderr
    assert result.output == ("Anonymised 1 registration of sessions over for more than 30 days; 2 outbox messages "
                             "and 1 mail file deleted; 1 conversation deleted (3 events).\n")
    files = [path.name for path in (env / "outbox").glob("*.eml")]
    assert len(files) == 1 and recent in files[0] and not any(old in name for name in files)
    assert tracker_counts(tracker) == {"conversation-2": 2}
    stored = everything_in(db_path)
    assert "person1@example.org" not in stored and "person2@example.org" in stored
    assert run("retention", "--days", "30", "--tracker-db", tracker).output.startswith("Anonymised 0 registrations")


def test_the_database_comes_from_registrations_db_when_no_db_option_is_given(booked, db_path, env):
    result = CliRunner(mix_stderr=False).invoke(cli, ["list"], env={"REGISTRATIONS_DB": str(db_path)})
    assert result.exit_code == 0 and "seats 2/2  waiting 1" in result.output


def test_list_shows_sessions_from_today_on_unless_past_ones_are_asked_for(run, db_path, session, person):
    with SQLiteRegistrationStore(db_path) as store:
        store.book(session(1, starts_at=days_ahead(-10), ends_at=None), person(1),
                   now=datetime.now(timezone.utc) - timedelta(days=20))
        store.book(session(2, starts_at=days_ahead(10), ends_at=None), person(2))
    assert [line.split()[2] for line in run("list").output.splitlines()] == ["data-101-is2"]
    assert [line.split()[2] for line in run("list", "--past").output.splitlines()] == ["data-101-is1", "data-101-is2"]
    assert [line.split()[2] for line in run("list", "--session", "data-101-is1").output.splitlines()] == [
        "data-101-is1"]


def test_a_session_the_bot_reads_from_the_catalogue_books_as_the_synced_one(feed, db_path, person):
    feed.sync()
    catalogue = Catalogue(feed.catalogue)
    course_id = feed.data["courses"][0]["id"]
    [coming] = catalogue.next_info_sessions(course_id, limit=1)
    read_by_the_bot = session_from_catalogue(coming, catalogue.get_course(course_id))
    assert read_by_the_bot in sessions_from_catalogue(catalogue)
    with SQLiteRegistrationStore(db_path) as store:
        assert store.book(read_by_the_bot, person(1)).outcome == "confirmed"
