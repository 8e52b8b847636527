"""Syncing the catalogue: what is stored, what changes, what is withdrawn or cancelled, never deleted."""

from __future__ import annotations

import json
import sqlite3

import pytest

from catalogue_sync import db as catalogue_db
from catalogue_sync.db import ensure_db_shape, open_db
from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.read import Catalogue
from catalogue_sync.sync import sync_catalogue

WEBDEV = "dh-webdev-fullstack-27"
ANALYST = "dh-data-analyst-en-27"


def rows(db_path, sql, params=()):
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]


def test_courses_are_stored_flat_for_staff(sample, write_feed, db_path):
    report = sync_catalogue(write_feed(sample), db_path)
    assert (report.outcome, len(report.changes.added), report.courses_in_feed) == ("ok", 24, 24)
    [course] = rows(db_path, "select * from courses where id = ?", [WEBDEV])
    feed_course = sample["courses"][0]
    assert course["title_fr"] == feed_course["title"]["fr"]
    assert course["title_nl"] == feed_course["title"]["nl"]
    assert course["summary_en"] == feed_course["summary"]["en"]
    assert course["certificate_en"] is None
    assert json.loads(course["topics"]) == feed_course["topics"]
    assert json.loads(course["teaching_languages"]) == ["fr"]
    assert json.loads(course["eligibility"]) == feed_course["eligibility"]
    assert json.loads(course["location"]) == feed_course["location"]
    assert (course["level"], course["format"], course["duration_weeks"], course["start_date"]) == (
        "beginner", "onsite", 30, "2027-03-01",
    )
    assert course["withdrawn_at"] is None and course["first_seen_at"] == course["updated_at"]


def test_a_course_without_status_is_open(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    assert rows(db_path, "select status from courses where id = 'dh-webdev-women-27'") == [{"status": "open"}]


def test_session_times_are_stored_in_utc_with_the_published_time_kept(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    [session] = rows(db_path, "select * from info_sessions where id = ?", [f"{WEBDEV}-is1"])
    assert session["starts_at"] == "2026-12-03T09:00:00+00:00"
    assert session["starts_at_local"] == "2026-12-03T10:00:00+01:00"
    assert session["ends_at"] == "2026-12-03T11:00:00+00:00"
    assert (session["status"], session["capacity"], session["course_id"]) == ("scheduled", 30, WEBDEV)


def test_faq_and_organisation_are_stored_per_language(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    [cost] = rows(db_path, "select * from faq where topic = 'cost'")
    assert cost["answer_nl"] == sample["faq"][0]["answer"]["nl"]
    [organisation] = rows(db_path, "select * from organisation")
    assert organisation["opening_hours_fr"] == sample["organisation"]["opening_hours"]["fr"]
    assert organisation["phone"] == sample["organisation"]["phone"]


def test_the_same_feed_twice_changes_nothing_at_all(sample, write_feed, db_path, snapshot, sync_runs):
    path = write_feed(sample)
    sync_catalogue(path, db_path)
    before = snapshot(db_path)
    report = sync_catalogue(path, db_path)
    assert report.outcome == "unchanged" and not report.changes.any
    assert snapshot(db_path) == before
    assert [r["outcome"] for r in sync_runs(db_path)] == ["ok", "unchanged"]


def test_a_renamed_course_is_found_by_its_new_title_only(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    [before] = rows(db_path, "select updated_at, first_seen_at from courses where id = ?", [ANALYST])
    other_before = rows(db_path, "select id, updated_at from courses where id != ?", [ANALYST])
    sample["courses"][2]["title"]["fr"] = "Analyste de données quantiques"
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.updated == {ANALYST}
    catalogue = Catalogue(db_path)
    assert [c["id"] for c in catalogue.search_courses("quantiques")] == [ANALYST]
    assert catalogue.get_course(ANALYST)["title_fr"] == "Analyste de données quantiques"
    assert rows(db_path, "select id, updated_at from courses where id != ?", [ANALYST]) == other_before
    [after] = rows(db_path, "select updated_at, first_seen_at from courses where id = ?", [ANALYST])
    assert after["first_seen_at"] == before["first_seen_at"]


def test_renaming_drops_the_old_title_from_search(sample, write_feed, db_path):
    sample["courses"][2]["title"] = {"fr": "Zythologie appliquée", "nl": "Toegepaste zythologie"}
    sync_catalogue(write_feed(sample), db_path)
    assert Catalogue(db_path).count_courses("zythologie") == 1
    sample["courses"][2]["title"] = {"fr": "Analyse de données", "nl": "Data-analyse"}
    sync_catalogue(write_feed(sample), db_path)
    assert Catalogue(db_path).count_courses("zythologie") == 0


def test_a_course_that_leaves_the_feed_is_withdrawn_not_deleted(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    gone = sample["courses"].pop(0)
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.withdrawn == {WEBDEV}
    assert report.changes.updated == set()
    [course] = rows(db_path, "select status, withdrawn_at from courses where id = ?", [WEBDEV])
    assert course["status"] == "open" and course["withdrawn_at"] is not None
    sessions = rows(db_path, "select status, cancel_reason from info_sessions where course_id = ?", [WEBDEV])
    assert sessions == [{"status": "cancelled", "cancel_reason": "no longer in feed"}] * len(gone["info_sessions"])
    catalogue = Catalogue(db_path)
    assert catalogue.get_course(WEBDEV)["withdrawn"] is True
    assert WEBDEV not in [c["id"] for c in catalogue.search_courses("javascript", limit=50)]
    assert WEBDEV not in [c["id"] for c in catalogue.active_courses()]
    assert catalogue.next_info_sessions(WEBDEV) == []


def test_a_withdrawn_course_that_comes_back_is_active_again(sample, write_feed, db_path):
    full = write_feed(sample, "full.json")
    sync_catalogue(full, db_path)
    gone = sample["courses"].pop(0)
    sync_catalogue(write_feed(sample, "without.json"), db_path)
    report = sync_catalogue(full, db_path)
    assert report.changes.added == {WEBDEV}
    assert len(report.changes.sessions_updated) == len(gone["info_sessions"])
    assert rows(db_path, "select withdrawn_at from courses where id = ?", [WEBDEV]) == [{"withdrawn_at": None}]
    statuses = rows(db_path, "select status, cancelled_at from info_sessions where course_id = ?", [WEBDEV])
    assert statuses == [{"status": "scheduled", "cancelled_at": None}] * 3
    assert WEBDEV in [c["id"] for c in Catalogue(db_path).search_courses("javascript", limit=50)]


def test_a_session_cancelled_in_the_feed_is_marked_cancelled(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    sample["courses"][0]["info_sessions"][0]["status"] = "cancelled"
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.sessions_cancelled == {f"{WEBDEV}-is1"}
    assert report.changes.updated == {WEBDEV}
    [session] = rows(db_path, "select * from info_sessions where id = ?", [f"{WEBDEV}-is1"])
    assert (session["status"], session["cancel_reason"]) == ("cancelled", "cancelled in feed")
    assert session["cancelled_at"] is not None


def test_a_session_that_disappears_is_cancelled_and_kept(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    sample["courses"][0]["info_sessions"].pop()
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.sessions_cancelled == {f"{WEBDEV}-is3"}
    [session] = rows(db_path, "select status, cancel_reason from info_sessions where id = ?", [f"{WEBDEV}-is3"])
    assert session == {"status": "cancelled", "cancel_reason": "no longer in feed"}


def test_a_session_back_in_the_feed_is_scheduled_again(sample, write_feed, db_path):
    full = write_feed(sample, "full.json")
    sync_catalogue(full, db_path)
    sample["courses"][0]["info_sessions"].pop()
    sync_catalogue(write_feed(sample, "less.json"), db_path)
    sync_catalogue(full, db_path)
    [session] = rows(db_path, "select status, cancelled_at from info_sessions where id = ?", [f"{WEBDEV}-is3"])
    assert session == {"status": "scheduled", "cancelled_at": None}


def test_a_sync_never_touches_registrations(sample, write_feed, db_path, snapshot):
    sync_catalogue(write_feed(sample), db_path)
    with sqlite3.connect(db_path) as conn:
        conn.executemany(
            "insert into registrations (id, session_id, course_id, status, created_at, language) values (?,?,?,?,?,?)",
            [
                ("r1", f"{WEBDEV}-is1", WEBDEV, "active", "2026-11-22T08:00:00+00:00", "fr"),
                ("r2", f"{WEBDEV}-is2", WEBDEV, "cancelled", "2026-11-22T08:05:00+00:00", "nl"),
            ],
        )
    before = snapshot(db_path)["registrations"]
    sample["courses"].pop(0)
    sync_catalogue(write_feed(sample), db_path)
    assert snapshot(db_path)["registrations"] == before
    assert len(rows(db_path, "select id from info_sessions where course_id = ?", [WEBDEV])) == 3


def test_a_faq_topic_that_leaves_the_feed_is_no_longer_answered(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    sample["faq"] = [entry for entry in sample["faq"] if entry["topic"] != "childcare"]
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.faq_changed == {"childcare"} and report.outcome == "ok"
    assert Catalogue(db_path).faq("childcare") is None


def test_a_feed_without_faq_or_organisation_keeps_the_stored_ones(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    del sample["faq"], sample["organisation"]
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.outcome == "unchanged"
    assert Catalogue(db_path).faq("cost") is not None and Catalogue(db_path).organisation() is not None


def test_a_changed_organisation_is_updated(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    sample["organisation"]["phone"] = "+32 2 555 00 00"
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.organisation_changed and report.outcome == "ok"
    assert Catalogue(db_path).organisation()["phone"] == "+32 2 555 00 00"


def test_a_failure_while_saving_rolls_everything_back(sample, write_feed, db_path, snapshot, monkeypatch):
    sync_catalogue(write_feed(sample), db_path)
    before = snapshot(db_path)
    sample["courses"].pop(0)
    sample["courses"][0]["title"]["fr"] = "Nouveau titre"

    def broken_sessions(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(catalogue_db, "_save_sessions", broken_sessions)
    with pytest.raises(CatalogueUnavailable, match="disk I/O error"):
        sync_catalogue(write_feed(sample), db_path)
    assert snapshot(db_path) == before


def test_a_file_that_is_not_a_database_is_reported(tmp_path, sample, write_feed):
    not_a_db = tmp_path / "catalogue.db"
    not_a_db.write_text("hello")
    with pytest.raises(CatalogueUnavailable, match="not a database"):
        sync_catalogue(write_feed(sample), not_a_db)


def test_the_database_is_in_wal_mode_and_its_folder_created(sample, write_feed, tmp_path):
    db_path = tmp_path / "var" / "catalogue.db"
    sync_catalogue(write_feed(sample), db_path)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_ensure_db_shape_is_idempotent_and_completes_older_tables(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("create table courses (id text primary key, title_fr text)")
        conn.execute("insert into courses values ('old-1', 'Ancienne formation')")
    db = open_db(db_path)
    ensure_db_shape(db)
    ensure_db_shape(db)
    schema = {t.name: t.columns_dict for t in db.tables}
    db.close()
    assert schema["courses"]["withdrawn_at"] is str and schema["courses"]["duration_weeks"] is float
    assert schema["info_sessions"]["capacity"] is int
    assert set(schema["registrations"]) == {"id", "session_id", "course_id", "status", "created_at", "language"}
    assert {"sync_runs", "faq", "organisation", "courses_fts"} <= set(schema)
    assert [c["id"] for c in Catalogue(db_path).search_courses("ancienne")] == ["old-1"]


def test_a_dropped_search_index_is_rebuilt_by_the_next_sync(sample, write_feed, db_path):
    path = write_feed(sample)
    sync_catalogue(path, db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("drop table courses_fts")
    report = sync_catalogue(path, db_path)
    assert report.outcome == "unchanged"
    assert {c["id"] for c in Catalogue(db_path).search_courses("cyberveiligheid")} == {
        "dh-soc-analyst-27", "dh-ethical-hacking-27",
    }
