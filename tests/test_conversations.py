"""Retention and erasure (`conversations purge` / `forget`) on tracker stores written by Rasa's own SQL store."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import pytest
from click.testing import CliRunner
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversations import NoTrackerStore, PurgeReport, cli, forget, purge

DAY = 86400.0
NOW = 1_800_000_000.0  # a fixed "now", so that the cutoff is exact
DOMAIN = Domain.from_dict({"slots": {"age": {"type": "any", "mappings": [{"type": "custom"}]}}})


def days_ago(days: float) -> float:
    return NOW - days * DAY


def session(start: float, messages: Sequence[float]) -> List:
    """The events Rasa logs for one session: its start, then a user message and a reply per time."""
    # As Rasa logs them: SessionStarted is created inside action_session_start, which is logged
    # (with a slightly later time) before it.
    events = [ActionExecuted("action_session_start", timestamp=start + 0.001), SessionStarted(timestamp=start),
              ActionExecuted("action_listen", timestamp=start + 0.002)]
    for at in messages:
        events += [UserUttered(f"message sent at {at}", timestamp=at),
                   SlotSet("age", "37", timestamp=at + 0.1),
                   BotUttered("reply", timestamp=at + 0.2),
                   ActionExecuted("action_listen", timestamp=at + 0.3)]
    return events


def write_conversations(db_path: Path, conversations: Dict[str, List[Tuple[float, Sequence[float]]]]) -> SQLTrackerStore:
    """Saves each sender's sessions through Rasa's SQL tracker store, as the server does."""
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db_path))
    for sender, sessions in conversations.items():
        events = [event for start, messages in sessions for event in session(start, messages)]
        tracker = DialogueStateTracker.from_events(sender, events, DOMAIN.slots)
        asyncio.run(store.save(tracker))
    return store


def rows(db_path: Path) -> Dict[str, List[float]]:
    """Each sender's event timestamps, in the order Rasa stored them."""
    found: Dict[str, List[float]] = {}
    with sqlite3.connect(db_path) as db:
        for sender, timestamp in db.execute("select sender_id, timestamp from events order by id"):
            found.setdefault(sender, []).append(timestamp)
    return found


def current_session(store: SQLTrackerStore, sender: str) -> List[Dict]:
    """The events Rasa loads for the sender's conversation, as it does on each message."""
    tracker = asyncio.run(store.retrieve(sender))
    return [event.as_dict() for event in tracker.events] if tracker else []


CONVERSATIONS = {
    # Over before the cutoff: deleted whole.
    "gone-quiet": [(days_ago(100), [days_ago(100), days_ago(99)])],
    # Two old sessions, one that spans the cutoff (kept whole), one recent.
    "regular": [(days_ago(200), [days_ago(200)]), (days_ago(120), [days_ago(120)]),
                (days_ago(95), [days_ago(95), days_ago(85)]), (days_ago(1), [days_ago(1)])],
    # Its old session ended before the cutoff even though the next one began after it.
    "came-back": [(days_ago(100), [days_ago(100)]), (days_ago(10), [days_ago(10)])],
    "recent": [(days_ago(3), [days_ago(3), days_ago(2)])],
}


@pytest.fixture
def tracker_db(tmp_path) -> Tuple[Path, SQLTrackerStore]:
    db_path = tmp_path / "conversations.db"
    store = write_conversations(db_path, CONVERSATIONS)
    return db_path, store


def test_purge_deletes_old_conversations_and_the_sessions_that_ended_before_the_cutoff(tracker_db):
    db_path, store = tracker_db
    before = rows(db_path)
    regular_now = current_session(store, "regular")

    report = purge(db_path, days=90, now=NOW)

    after = rows(db_path)
    assert set(after) == {"regular", "came-back", "recent"}
    assert min(after["regular"]) == days_ago(95)  # the session spanning the cutoff, from its start
    assert after["regular"] == [t for t in before["regular"] if t >= days_ago(95)]
    assert min(after["came-back"]) == days_ago(10)
    assert after["recent"] == before["recent"]
    deleted = sum(map(len, before.values())) - sum(map(len, after.values()))
    assert report == PurgeReport(conversations_deleted=1, conversations_trimmed=2,
                                 events_deleted=deleted, cutoff=days_ago(90))
    # Rasa goes on with the same conversation: its current session is untouched.
    assert current_session(store, "regular") == regular_now
    assert current_session(store, "gone-quiet") == []


def test_a_second_purge_finds_nothing_more(tracker_db):
    db_path, _ = tracker_db
    purge(db_path, days=90, now=NOW)
    assert purge(db_path, days=90, now=NOW) == PurgeReport(0, 0, 0, days_ago(90))


@pytest.mark.parametrize("days, gone, trimmed", [
    (1, {"gone-quiet", "came-back", "recent"}, {"regular"}),  # "regular" spoke a day ago: its last session stays
    (5, {"gone-quiet", "came-back"}, {"regular"}),
    (150, set(), {"regular"}),
    (365, set(), set()),
])
def test_the_retention_decides_what_goes(tracker_db, days, gone, trimmed):
    db_path, _ = tracker_db
    before = rows(db_path)
    report = purge(db_path, days=days, now=NOW)
    after = rows(db_path)
    assert set(before) - set(after) == gone
    assert {s for s in after if after[s] != before[s]} == trimmed
    assert (report.conversations_deleted, report.conversations_trimmed) == (len(gone), len(trimmed))


def test_dry_run_counts_and_deletes_nothing(tracker_db):
    db_path, _ = tracker_db
    before = rows(db_path)
    counted = purge(db_path, days=90, now=NOW, dry_run=True)
    assert rows(db_path) == before
    assert counted == purge(db_path, days=90, now=NOW)


def test_forget_deletes_one_conversation_and_only_it(tracker_db):
    db_path, store = tracker_db
    before = rows(db_path)
    assert forget(db_path, "regular") == len(before["regular"])
    after = rows(db_path)
    assert set(after) == set(before) - {"regular"}
    assert all(after[s] == before[s] for s in after)
    assert current_session(store, "regular") == []
    assert forget(db_path, "regular") == 0
    assert forget(db_path, "no-such-conversation") == 0


def test_forgotten_words_are_not_left_in_the_file(tmp_path):
    db_path = tmp_path / "conversations.db"
    write_conversations(db_path, {"someone": [(days_ago(1), [days_ago(1)])], "other": [(days_ago(1), [])]})
    said = f"message sent at {days_ago(1)}".encode()
    assert said in db_path.read_bytes()
    forget(db_path, "someone")
    assert said not in db_path.read_bytes() and b"someone" not in db_path.read_bytes()


def test_purge_waits_for_a_write_in_progress(tracker_db):
    db_path, _ = tracker_db
    # As Rasa during a turn: a write transaction open; it ages "recent" and commits half a second later.
    writer = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    writer.execute("begin immediate")
    writer.execute("update events set timestamp = timestamp - ? where sender_id = 'recent'", (365 * DAY,))
    timer = threading.Timer(0.5, lambda: writer.execute("commit"))
    timer.start()
    try:
        report = purge(db_path, days=90, now=NOW)  # "database is locked" if it did not wait
    finally:
        timer.join()
        writer.close()
    # It read after the writer's commit: "recent" is now old enough to go.
    assert report.conversations_deleted == 2 and "recent" not in rows(db_path)


@pytest.mark.parametrize("content", [None, b"", b"not a database at all, just text" * 10])
def test_a_file_that_is_not_a_tracker_store_is_refused_and_left_alone(tmp_path, content):
    db_path = tmp_path / "conversations.db"
    if content is not None:
        db_path.write_bytes(content)
    with pytest.raises(NoTrackerStore):
        purge(db_path, days=90)
    with pytest.raises(NoTrackerStore):
        forget(db_path, "someone")
    assert db_path.exists() == (content is not None)


# The command line, as staff (and cron) use it.

def invoke(args, env=None):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_cli_purge_prints_counts_and_never_content(tracker_db, monkeypatch):
    db_path, _ = tracker_db
    # The command uses the real clock: the fixture's "now" is years ahead, so move every row back.
    with sqlite3.connect(db_path) as db:
        db.execute("update events set timestamp = timestamp - ?", (NOW - time.time(),))
    result = invoke(["purge", "--db", str(db_path)])
    assert result.exit_code == 0
    assert result.output == ("Deleted 32 events older than 90 days: 1 conversation whole, "
                             "and earlier sessions of 2 conversations still going on.\n")
    assert "message" not in result.output and "gone-quiet" not in result.output


def test_cli_reads_the_retention_and_the_file_from_the_environment(tracker_db):
    db_path, _ = tracker_db
    with sqlite3.connect(db_path) as db:
        db.execute("update events set timestamp = timestamp - ?", (NOW - time.time(),))
    result = invoke(["purge", "--dry-run"], env={"TRACKER_DB": str(db_path), "CONVERSATION_RETENTION_DAYS": "150"})
    assert result.output == ("Would delete 7 events older than 150 days: 0 conversations whole, "
                             "and earlier sessions of 1 conversation still going on.\n")
    assert invoke(["purge", "--days", "150"], env={"TRACKER_DB": str(db_path)}).output.startswith("Deleted 7 events")


def test_cli_forget(tracker_db):
    db_path, _ = tracker_db
    result = invoke(["forget", "recent", "--db", str(db_path)])
    assert (result.exit_code, result.output) == (0, "Deleted 11 events of this conversation.\n")
    result = invoke(["forget", "recent", "--db", str(db_path)])
    assert result.output == "No conversation has this id: nothing deleted (already purged, or check the id).\n"


@pytest.mark.parametrize("args", [["purge"], ["forget", "someone"]])
def test_cli_says_which_file_is_missing_and_what_to_set(tmp_path, args):
    missing = tmp_path / "nowhere.db"
    result = CliRunner().invoke(cli, args + ["--db", str(missing)])
    assert result.exit_code == 1
    assert result.output == (f"Error: No tracker database at {missing}. Point --db (or TRACKER_DB) at the file "
                             "the assistant writes (`make run` uses var/conversations.db by default).\n")
    assert not missing.exists()


@pytest.mark.parametrize("days", ["0", "-3", "ninety"])
def test_cli_refuses_a_retention_that_is_not_a_positive_number_of_days(tracker_db, days):
    db_path, _ = tracker_db
    before = rows(db_path)
    result = CliRunner().invoke(cli, ["purge", "--days", days, "--db", str(db_path)])
    assert result.exit_code == 2 and "Invalid value for '--days'" in result.output
    assert rows(db_path) == before


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented_with_an_example(command):
    result = invoke([command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"conversations {command}" in result.output
