"""A reader during a sync sees the old catalogue or the new one, never half of it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

from catalogue_sync_helpers import REPO_ROOT, big_feed

from catalogue_sync import db as catalogue_db
from catalogue_sync.read import Catalogue
from catalogue_sync.sync import sync_catalogue

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def test_a_reader_thread_sees_the_old_or_the_new_catalogue(sample, write_feed, db_path):
    old, new = big_feed(sample, 1500), big_feed(sample, 1900, renamed=True)
    sync_catalogue(write_feed(old, "old.json"), db_path)
    catalogue = Catalogue(db_path)
    old_state = (catalogue.summary(NOW)["active_courses"], catalogue.summary(NOW)["upcoming_sessions"])
    seen, stop = [], threading.Event()

    def read_in_a_loop():
        while not stop.is_set():
            counts = catalogue.summary(NOW)
            seen.append((time.monotonic(), (counts["active_courses"], counts["upcoming_sessions"])))

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        time.sleep(0.05)
        started = time.monotonic()
        report = sync_catalogue(write_feed(new, "new.json"), db_path)
        finished = time.monotonic()
        time.sleep(0.05)
    finally:
        stop.set()
        reader.join()
    new_state = (catalogue.summary(NOW)["active_courses"], catalogue.summary(NOW)["upcoming_sessions"])
    assert old_state[0] == 1500 and new_state[0] == 1900 and len(report.changes.updated) == 1500
    during = [state for moment, state in seen if started <= moment <= finished]
    assert len(during) >= 5, "the reader did not run during the sync"
    assert {state for _, state in seen} <= {old_state, new_state}
    assert seen[0][1] == old_state and seen[-1][1] == new_state


READER = """
import os, sys
from datetime import datetime, timezone
from catalogue_sync.read import Catalogue
catalogue = Catalogue(sys.argv[1])
now = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
while True:
    stopping = os.path.exists(sys.argv[2])
    counts = catalogue.summary(now)
    print(counts["active_courses"], counts["upcoming_sessions"], flush=True)
    if stopping:
        break
"""


def test_a_reader_process_sees_the_old_or_the_new_catalogue(sample, write_feed, db_path, tmp_path):
    old, new = big_feed(sample, 1500), big_feed(sample, 1000)
    for course in new["courses"]:
        course["info_sessions"].pop()
    sync_catalogue(write_feed(old, "old.json"), db_path)
    catalogue = Catalogue(db_path)
    old_state = (catalogue.summary(NOW)["active_courses"], catalogue.summary(NOW)["upcoming_sessions"])
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db_path), str(tmp_path / "stop")],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    first = reader.stdout.readline()  # the reader is reading: now sync
    report = sync_catalogue(write_feed(new, "new.json"), db_path, allow_mass_withdrawal=True)
    (tmp_path / "stop").touch()
    output, _ = reader.communicate(timeout=30)
    states = {tuple(map(int, line.split())) for line in [first, *output.splitlines()]}
    assert len(report.changes.withdrawn) == 500
    new_state = (catalogue.summary(NOW)["active_courses"], catalogue.summary(NOW)["upcoming_sessions"])
    assert old_state[0] == 1500 and new_state[0] == 1000
    assert states == {old_state, new_state}


def stored_search_index(db_path) -> dict:
    """The SQL of the search index and its triggers, as the catalogue file holds them."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("select name, sql from sqlite_master where name like 'courses_fts%' and sql is not null")
        return dict(rows)


def test_readers_keep_their_search_index_while_a_sync_rebuilds_it(sample, write_feed, db_path, monkeypatch):
    current = catalogue_db._fts_definitions()
    # A catalogue written by an older catalogue_sync: another tokenizer, so the next sync rebuilds the index.
    older = {name: sql.replace(catalogue_db.FTS_TOKENIZER, "unicode61") for name, sql in current.items()}
    assert older != current
    path = write_feed(big_feed(sample, 3000))
    with monkeypatch.context() as patch:
        patch.setattr(catalogue_db, "_fts_definitions", lambda: older)
        sync_catalogue(path, db_path)
    assert stored_search_index(db_path).items() >= older.items()
    catalogue = Catalogue(db_path)
    seen, errors, stop = [], [], threading.Event()

    def search_in_a_loop():
        while not stop.is_set():
            try:
                seen.append((time.monotonic(), len(catalogue.search_courses("python", limit=5))))
            except Exception as e:  # noqa: BLE001 - any failure of a reader is what this test looks for
                errors.append(repr(e))

    reader = threading.Thread(target=search_in_a_loop)
    reader.start()
    try:
        time.sleep(0.05)
        started = time.monotonic()
        report = sync_catalogue(path, db_path)
        finished = time.monotonic()
        time.sleep(0.05)
    finally:
        stop.set()
        reader.join()
    assert report.outcome == "unchanged"
    assert stored_search_index(db_path).items() >= current.items(), "the index was not rebuilt"
    assert errors == []
    assert len([moment for moment, _ in seen if started <= moment <= finished]) >= 5, "no read during the sync"
    assert all(found == 5 for _, found in seen)
