"""The feed contract: broken documents change nothing, bad records are skipped and reported."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest
from catalogue_sync_helpers import DEMO_FEED, SHARED_SCHEMA

from catalogue_sync.errors import FeedInvalid
from catalogue_sync.feed import SCHEMA_PATH, check_feed, parse_feed
from catalogue_sync.sync import sync_catalogue

WEBDEV = "dh-webdev-fullstack-27"


def test_the_package_carries_the_shared_contract():
    assert json.loads(SCHEMA_PATH.read_text("utf-8")) == json.loads(SHARED_SCHEMA.read_text("utf-8"))


def test_the_sample_feed_is_accepted_whole(sample):
    feed = check_feed(sample)
    assert (len(feed.courses), len(feed.sessions), len(feed.faq), feed.rejected) == (24, 66, 13, [])


def test_the_demo_catalogue_is_valid_and_fit_for_a_demo():
    demo = json.loads(DEMO_FEED.read_text("utf-8"))
    feed = check_feed(parse_feed(DEMO_FEED.read_bytes(), str(DEMO_FEED)))
    assert feed.rejected == []
    assert len(feed.courses) >= 20 and feed.organisation and len(feed.faq) >= 10
    assert min(s["starts_at"] for s in feed.sessions) > "2026-11-22"
    assert datetime.fromisoformat(demo["generated_at"]) <= datetime(2026, 11, 22, 23, 59, tzinfo=timezone.utc)
    assert sum(s["status"] == "cancelled" for s in feed.sessions) >= 2
    assert [c["status"] for c in feed.courses].count("full") == 1


BROKEN_DOCUMENTS = {
    "not JSON": (b"<html>502 Bad Gateway</html>", "not valid JSON: Expecting value", "line 1, column 1"),
    "truncated": (None, "not valid JSON (it looks truncated)", "line "),
    "empty": (b"  \n", "the feed is empty", None),
    "not UTF-8": ('{"feed_version": 1, "x": "caf\u00e9"}'.encode("latin-1"), "not UTF-8", "byte 29"),
    "a list": (b"[]", "the feed is a JSON list, not an object", "$"),
    "wrong version": (b'{"feed_version": 2, "generated_at": "2026-11-22T06:00:00Z", "courses": []}',
                      "feed_version is 2, this catalogue_sync reads version 1", "$.feed_version"),
    "no courses": (b'{"feed_version": 1, "generated_at": "2026-11-22T06:00:00Z"}',
                   "'courses' is a required property", "$"),
    "courses not a list": (b'{"feed_version": 1, "generated_at": "2026-11-22T06:00:00Z", "courses": {}}',
                           "courses: {} is not of type 'array'", "$.courses"),
    "bad generated_at": (b'{"feed_version": 1, "generated_at": "yesterday", "courses": []}',
                         "generated_at: 'yesterday' is not a date-time", "$.generated_at"),
}


@pytest.mark.parametrize("name", BROKEN_DOCUMENTS)
def test_a_broken_document_changes_nothing_and_says_what_and_where(
    name, sample_bytes, write_feed, db_path, snapshot, sync_runs
):
    body, reason, where = BROKEN_DOCUMENTS[name]
    if body is None:
        body = sample_bytes[: len(sample_bytes) // 2]
    sync_catalogue(write_feed(sample_bytes, "good.json"), db_path)
    before = snapshot(db_path)
    with pytest.raises(FeedInvalid) as raised:
        sync_catalogue(write_feed(body, "broken.json"), db_path)
    assert reason in raised.value.reason
    if where is None:
        assert raised.value.where is None
    else:
        assert raised.value.where.startswith(where)
    assert snapshot(db_path) == before
    last = sync_runs(db_path)[-1]
    assert last["outcome"] == "failed" and reason in last["error"]


def _break(document, path, value):
    *parents, last = path
    target = document
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value


DELETE = object()
BAD_RECORDS = {
    "course without title": (("courses", 0, "title"), DELETE, "course", WEBDEV, "'title' is a required property"),
    "course with unknown level": (("courses", 0, "level"), "expert", "course", WEBDEV,
                                  "level: 'expert' is not one of ['beginner', 'intermediate', 'advanced']"),
    "course title in English only": (("courses", 0, "title"), {"en": "Web developer"}, "course", WEBDEV,
                                     "title: needs a French (fr) or Dutch (nl) text"),
    "course with bad start date": (("courses", 0, "start_date"), "2027-02-30", "course", WEBDEV,
                                   "start_date: '2027-02-30' is not a valid date"),
    "course with negative duration": (("courses", 0, "duration_weeks"), -3, "course", WEBDEV,
                                      "duration_weeks: -3 is less than the minimum of 0"),
    "course id with a space": (("courses", 0, "id"), "web dev", "course", "web dev",
                               "id: 'web dev' does not match"),
    "course that is not an object": (("courses", 0), "oops", "course", None, "is a JSON str, not an object"),
    "session with negative capacity": (("courses", 0, "info_sessions", 1, "capacity"), -1, "info_session",
                                       f"{WEBDEV}-is2", "capacity: -1 is less than the minimum of 0"),
    "session without offset": (("courses", 0, "info_sessions", 1, "starts_at"), "2027-01-12T18:00:00",
                               "info_session", f"{WEBDEV}-is2", "has no UTC offset"),
    "session without id": (("courses", 0, "info_sessions", 1, "id"), DELETE, "info_session", None,
                           "'id' is a required property"),
    "faq without answer": (("faq", 0, "answer"), DELETE, "faq", "cost", "'answer' is a required property"),
    "organisation phone as a number": (("organisation", "phone"), 25554820, "organisation", None,
                                       "phone: 25554820 is not of type 'string'"),
}


@pytest.mark.parametrize("name", BAD_RECORDS)
def test_a_bad_record_is_skipped_with_its_id_and_reason(name, sample, write_feed, db_path):
    path, value, kind, record_id, reason = BAD_RECORDS[name]
    _break(sample, path, value)
    report = sync_catalogue(write_feed(sample), db_path)
    assert [(r.kind, r.id) for r in report.rejected] == [(kind, record_id)]
    assert reason in report.rejected[0].reason
    assert report.partial and report.outcome == "ok"
    with sqlite3.connect(db_path) as conn:
        courses = conn.execute("select count(*) from courses").fetchone()[0]
        sessions = conn.execute("select count(*) from info_sessions").fetchone()[0]
        faq = conn.execute("select count(*) from faq").fetchone()[0]
        organisation = conn.execute("select count(*) from organisation").fetchone()[0]
    assert courses == (23 if kind == "course" else 24)
    assert sessions == {"course": 63, "info_session": 65}.get(kind, 66)
    assert faq == (12 if kind == "faq" else 13)
    assert organisation == (0 if kind == "organisation" else 1)


def test_an_invalid_session_skips_only_that_session(sample, write_feed, db_path):
    sample["courses"][0]["info_sessions"][1]["capacity"] = "thirty"
    report = sync_catalogue(write_feed(sample), db_path)
    assert [str(r) for r in report.rejected] == [
        f"info session {WEBDEV}-is2: capacity: 'thirty' is not of type 'integer'"
    ]
    assert report.rejected[0].where == "courses[0].info_sessions[1]"
    with sqlite3.connect(db_path) as conn:
        ids = [r[0] for r in conn.execute("select id from info_sessions where course_id = ? order by id", [WEBDEV])]
    assert ids == [f"{WEBDEV}-is1", f"{WEBDEV}-is3"]


def test_a_duplicate_course_id_keeps_the_first(sample, write_feed, db_path):
    duplicate = json.loads(json.dumps(sample["courses"][0]))
    duplicate["title"]["fr"] = "Copie"
    duplicate["info_sessions"] = []
    sample["courses"].append(duplicate)
    report = sync_catalogue(write_feed(sample), db_path)
    assert [(r.id, r.where, r.reason) for r in report.rejected] == [
        (WEBDEV, "courses[24]", "duplicate id (first at courses[0])")
    ]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select title_fr from courses where id = ?", [WEBDEV]).fetchone()[0] != "Copie"


def test_a_duplicate_session_id_keeps_the_first(sample, write_feed, db_path):
    sample["courses"][1]["info_sessions"][0]["id"] = f"{WEBDEV}-is1"
    report = sync_catalogue(write_feed(sample), db_path)
    assert [(r.kind, r.id, r.reason) for r in report.rejected] == [
        ("info_session", f"{WEBDEV}-is1", "duplicate id (first at courses[0].info_sessions[0])")
    ]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select course_id from info_sessions where id = ?", [f"{WEBDEV}-is1"]).fetchone() == (
            WEBDEV,
        )


def test_unknown_properties_are_kept_in_extra(sample, write_feed, db_path):
    sample["partner_note"] = "top-level additions are ignored"
    course = sample["courses"][0]
    course["funding"] = {"programme": "FSE+", "share": 0.4}
    course["title"]["de"] = "Full-Stack-Webentwickler"
    course["location"]["floor"] = 2
    course["info_sessions"][0]["room_code"] = "1.02"
    sample["faq"][0]["audience"] = ["jobseekers"]
    sample["organisation"]["vat"] = "BE0123456789"
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.rejected == []
    with sqlite3.connect(db_path) as conn:
        extra, location = conn.execute("select extra, location from courses where id = ?", [WEBDEV]).fetchone()
        session_extra = conn.execute("select extra from info_sessions where id = ?", [f"{WEBDEV}-is1"]).fetchone()[0]
        faq_extra = conn.execute("select extra from faq where topic = 'cost'").fetchone()[0]
        organisation_extra = conn.execute("select extra from organisation").fetchone()[0]
    assert json.loads(extra) == {
        "funding": {"programme": "FSE+", "share": 0.4},
        "title": {"de": "Full-Stack-Webentwickler"},
        "updated_at": "2026-11-20T16:42:00+01:00",
    }
    assert json.loads(location)["floor"] == 2
    assert json.loads(session_extra) == {"room_code": "1.02"}
    assert json.loads(faq_extra) == {"audience": ["jobseekers"]}
    assert json.loads(organisation_extra) == {"vat": "BE0123456789"}


def test_a_rejected_course_keeps_its_previous_version(sample, write_feed, db_path, snapshot):
    sync_catalogue(write_feed(sample), db_path)
    with sqlite3.connect(db_path) as conn:
        before = conn.execute("select * from courses where id = ?", [WEBDEV]).fetchone()
        sessions_before = conn.execute("select * from info_sessions where course_id = ?", [WEBDEV]).fetchall()
    sample["courses"][0]["level"] = "expert"
    sample["courses"][0]["info_sessions"].pop()
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.withdrawn == set() and report.changes.sessions_cancelled == set()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select * from courses where id = ?", [WEBDEV]).fetchone() == before
        assert conn.execute("select * from info_sessions where course_id = ?", [WEBDEV]).fetchall() == sessions_before


def test_a_rejected_session_keeps_its_previous_version(sample, write_feed, db_path):
    sync_catalogue(write_feed(sample), db_path)
    sample["courses"][0]["info_sessions"][1]["capacity"] = -1
    report = sync_catalogue(write_feed(sample), db_path)
    assert report.changes.sessions_cancelled == set()
    with sqlite3.connect(db_path) as conn:
        session = conn.execute("select status, capacity from info_sessions where id = ?", [f"{WEBDEV}-is2"])
        assert session.fetchone() == ("scheduled", 40)


def test_many_problems_in_one_record_are_listed_a_few(sample):
    course = sample["courses"][0]
    course.update(level="expert", format="paper", cost_eur=-1, duration_weeks="long")
    [rejection] = check_feed(sample).rejected
    assert rejection.reason.count(";") == 3 and rejection.reason.endswith("1 more")
