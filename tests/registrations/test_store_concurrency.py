"""Many processes (and threads) on one registrations file: no overbooking, nothing lost, order kept.

The workers run in processes started with "spawn" (a fresh interpreter each, as separate servers
would be), released together by a barrier once each has its connection open.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest

from registrations.sqlite_store import SQLiteRegistrationStore
from registrations.store import Person, Session

NOW = datetime(2026, 12, 2, 9, 15, tzinfo=timezone.utc)
SPAWN = multiprocessing.get_context("spawn")


def info_session(capacity: int, number: int = 1) -> Session:
    """The session the workers fight over (defined here: spawned workers cannot import conftest)."""
    return Session(
        session_id=f"data-101-is{number}", course_id="data-101", course_title={"fr": "Data", "nl": "Data"},
        starts_at="2027-01-12T18:00:00+01:00", ends_at=None, location="Bruxelles", format="onsite",
        language="fr", capacity=capacity,
    )


def someone(number: int) -> Person:
    return Person(f"Person{number}", "Test", f"person{number}@example.org", None, "nl", f"conversation-{number}")


def book_worker(db_path: str, number: int, capacity: int, join: bool, barrier, results) -> None:
    """Books one seat for person `number` once the barrier opens; reports what the store said."""
    store = SQLiteRegistrationStore(db_path)
    store.outbox_counts()  # the connection is open before the race starts
    barrier.wait()
    try:
        result = store.book(info_session(capacity), someone(number), join_waiting_list=join, now=NOW)
        results.put((number, result.outcome, result.reference, result.position))
    except Exception as error:  # reported, so that the test shows it instead of hanging
        results.put((number, "error", repr(error), None))
    finally:
        store.close()


def cancel_worker(db_path: str, number: int, reference: str, barrier, results) -> None:
    """Cancels person `number`'s booking `reference` once the barrier opens."""
    store = SQLiteRegistrationStore(db_path)
    store.outbox_counts()
    barrier.wait()
    try:
        result = store.cancel(reference, f"person{number}@example.org", now=NOW)
        results.put((number, result.outcome, reference, None))
    except Exception as error:
        results.put((number, "error", repr(error), None))
    finally:
        store.close()


def claim_worker(db_path: str, barrier, results) -> None:
    """Claims the outbox a few rows at a time until nothing is left, marking each row sent."""
    store = SQLiteRegistrationStore(db_path)
    store.outbox_counts()
    barrier.wait()
    claimed = []
    try:
        while True:
            items = store.claim_outbox(NOW, limit=7, lease_seconds=600)
            if not items:
                break
            for item in items:
                claimed.append(item.id)
                store.outbox_sent(item.id, NOW)
        results.put(claimed)
    except Exception as error:
        results.put(repr(error))
    finally:
        store.close()


def run_together(jobs) -> list:
    """Starts one spawned process per (function, args) job, opens the barrier, returns what they reported."""
    barrier = SPAWN.Barrier(len(jobs))
    results = SPAWN.Queue()
    processes = [SPAWN.Process(target=function, args=(*args, barrier, results)) for function, args in jobs]
    for process in processes:
        process.start()
    reported = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return reported


def rows(db_path: Path, query: str, *params) -> list:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path) -> Path:
    path = tmp_path / "registrations.db"
    SQLiteRegistrationStore(path).close()  # created and migrated before the workers open it
    return path


def test_fifty_processes_race_for_the_last_ten_seats(db_path):
    with SQLiteRegistrationStore(db_path) as store:
        for number in range(100, 120):
            assert store.book(info_session(30), someone(number), now=NOW).outcome == "confirmed"
    # Half of the latecomers would rather wait than be told "full".
    jobs = [(book_worker, (str(db_path), number, 30, number % 2 == 0)) for number in range(50)]
    reported = run_together(jobs)

    assert [r for r in reported if r[1] == "error"] == []
    outcomes = {number: outcome for number, outcome, _, _ in reported}
    confirmed = [n for n, outcome in outcomes.items() if outcome == "confirmed"]
    waiting = [n for n, outcome in outcomes.items() if outcome == "waiting"]
    full = [n for n, outcome in outcomes.items() if outcome == "full"]
    assert len(confirmed) == 10 and len(confirmed) + len(waiting) + len(full) == 50
    assert all(n % 2 == 0 for n in waiting) and all(n % 2 == 1 for n in full)
    assert len(waiting) == len([n for n in range(50) if n % 2 == 0 and n not in confirmed])

    references = [reference for _, outcome, reference, _ in reported if outcome in ("confirmed", "waiting")]
    assert len(set(references)) == len(references) == 10 + len(waiting)
    assert sorted(position for _, outcome, _, position in reported if outcome == "waiting") == list(
        range(1, len(waiting) + 1))
    # What the file holds is what the processes were told: 30 seats, the waiting list, nothing else.
    stored = dict(rows(db_path, "SELECT reference, status FROM registrations"))
    assert len(stored) == 20 + 10 + len(waiting)
    assert all(stored[reference] == outcome for _, outcome, reference, _ in reported
               if outcome in ("confirmed", "waiting"))
    assert rows(db_path, "SELECT count(*) FROM registrations WHERE status = 'confirmed'") == [(30,)]
    assert rows(db_path, "SELECT event, count(*) FROM outbox WHERE kind = 'email' GROUP BY event ORDER BY event") == [
        ("booking_confirmed", 30), ("reminder", 30), ("waitlist_joined", len(waiting))]


def test_concurrent_cancels_and_bookings_keep_the_counts_and_the_order(db_path):
    capacity = 10
    with SQLiteRegistrationStore(db_path) as store:
        seated = {n: store.book(info_session(capacity), someone(n), now=NOW).reference for n in range(10)}
        waiting = {n: store.book(info_session(capacity), someone(n), join_waiting_list=True, now=NOW).reference
                   for n in range(10, 20)}
    jobs = [(cancel_worker, (str(db_path), n, seated[n])) for n in range(10)]
    jobs += [(cancel_worker, (str(db_path), n, waiting[n])) for n in range(15, 20)]
    jobs += [(book_worker, (str(db_path), n, capacity, True)) for n in range(20, 30)]

    samples, stop = [], threading.Event()

    def watch() -> None:
        # Reads while the processes write: a seat count above capacity must never be visible.
        with SQLiteRegistrationStore(db_path) as watcher:
            while not stop.is_set():
                summary = watcher.session_summaries()[0]
                samples.append((summary.confirmed, summary.waiting))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        reported = run_together(jobs)
    finally:
        stop.set()
        watcher.join()

    assert [r for r in reported if r[1] == "error"] == []
    assert sorted(outcome for number, outcome, _, _ in reported if number < 20) == ["cancelled"] * 15
    assert samples and max(confirmed for confirmed, _ in samples) <= capacity

    status = dict(rows(db_path, "SELECT reference, status FROM registrations"))
    assert [status[waiting[n]] for n in range(10, 15)] == ["confirmed"] * 5  # ahead of every newcomer
    bookers = rows(db_path, "SELECT id, status FROM registrations WHERE email_key LIKE 'person2_@example.org'"
                            " ORDER BY id")
    assert len(bookers) == 10
    # 15 people want a seat, 10 seats: the 5 newcomers who came last are the ones still waiting.
    assert [s for _, s in bookers] == ["confirmed"] * 5 + ["waiting"] * 5
    assert rows(db_path, "SELECT count(*) FROM registrations WHERE status = 'confirmed'") == [(capacity,)]
    # Seats went to the waiting list in its order: promotions follow the order people joined it.
    promoted = rows(db_path, "SELECT r.id FROM outbox o JOIN registrations r ON r.id = o.registration_id"
                             " WHERE o.event = 'promoted' AND o.kind = 'email' ORDER BY o.id")
    assert [row[0] for row in promoted] == sorted(row[0] for row in promoted)
    positions = rows(db_path, "SELECT position FROM registrations WHERE status = 'waiting' ORDER BY position")
    assert len(positions) == 5


def test_two_senders_never_claim_the_same_outbox_row(db_path):
    with SQLiteRegistrationStore(db_path) as store:
        for number in range(150):
            store.book(info_session(1000), someone(number), now=NOW)
    due = {row[0] for row in rows(db_path, "SELECT id FROM outbox WHERE due_at <= ?", "2026-12-02T09:15:00+00:00")}
    assert len(due) == 150

    reported = run_together([(claim_worker, (str(db_path),)) for _ in range(3)])
    assert all(isinstance(claimed, list) for claimed in reported), reported
    everything = [item for claimed in reported for item in claimed]
    assert len(everything) == len(set(everything)) and set(everything) == due
    assert rows(db_path, "SELECT status, count(*) FROM outbox GROUP BY status ORDER BY status") == [
        ("pending", 150), ("sent", 150)]  # the reminders are due in January


def test_threads_sharing_one_store_do_not_overbook(db_path):
    with SQLiteRegistrationStore(db_path) as store:
        start = threading.Barrier(20)

        def book(number: int) -> str:
            start.wait()
            return store.book(info_session(5), someone(number), now=NOW).outcome

        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(book, range(20)))
    assert sorted(outcomes) == ["confirmed"] * 5 + ["full"] * 15
    assert rows(db_path, "SELECT count(*) FROM registrations") == [(5,)]
