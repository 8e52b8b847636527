"""A feed that would withdraw too many of the active courses is refused, and nothing changes."""

from __future__ import annotations

import json

import pytest
from catalogue_sync_helpers import Reply

from catalogue_sync.errors import MassWithdrawal
from catalogue_sync.read import Catalogue
from catalogue_sync.sync import sync_catalogue


@pytest.fixture
def ten_courses(sample, write_feed, db_path):
    """A catalogue of the sample's first 10 courses; returns the feed, to change and sync again."""
    sample["courses"] = sample["courses"][:10]
    sync_catalogue(write_feed(sample, "ten.json"), db_path)
    return sample


def keep_courses(feed, count):
    return {**feed, "courses": feed["courses"][:count]}


def test_withdrawing_8_of_10_courses_is_refused_and_nothing_changes(
    ten_courses, write_feed, db_path, snapshot, sync_runs
):
    before = snapshot(db_path)
    feed = keep_courses(ten_courses, 2)
    feed["faq"] = feed["faq"][:1]
    path = write_feed(feed, "two.json")
    with pytest.raises(MassWithdrawal) as raised:
        sync_catalogue(path, db_path)
    refusal = raised.value
    assert refusal.reason == "would withdraw 8 of 10 active courses (80 %), more than the 30 % allowed"
    assert (refusal.withdrawn, refusal.active, refusal.percent, refusal.limit_percent) == (8, 10, 80, 30)
    assert snapshot(db_path) == before  # courses, info sessions, FAQ, organisation all as they were
    last = sync_runs(db_path)[-1]
    assert (last["outcome"], last["error"], last["source"]) == ("failed", refusal.reason, str(path))
    assert (last["added"], last["updated"], last["withdrawn"], last["courses_in_feed"]) == (0, 0, 0, 2)
    assert Catalogue(db_path).count_courses() == 10


def test_an_empty_course_list_is_refused(ten_courses, write_feed, db_path, snapshot):
    before = snapshot(db_path)
    with pytest.raises(MassWithdrawal, match=r"would withdraw 10 of 10 active courses \(100 %\)"):
        sync_catalogue(write_feed(keep_courses(ten_courses, 0), "empty.json"), db_path)
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    "kept, limit, refused",
    [
        (7, 30, False),  # 3 of 10: 30 %, not more than 30 %
        (6, 30, True),  # 4 of 10
        (9, 0, True),  # 0 %: no course may leave
        (10, 0, False),  # ... but a feed that withdraws none is fine
        (0, 100, False),  # 100 %: the guard is off
        (5, 50, False),
        (4, 50, True),
    ],
)
def test_the_limit_is_a_percentage_of_the_active_courses(ten_courses, write_feed, db_path, kept, limit, refused):
    path = write_feed(keep_courses(ten_courses, kept), "fewer.json")
    if refused:
        with pytest.raises(MassWithdrawal):
            sync_catalogue(path, db_path, max_withdrawal_percent=limit)
        assert Catalogue(db_path).count_courses() == 10
    else:
        report = sync_catalogue(path, db_path, max_withdrawal_percent=limit)
        assert len(report.changes.withdrawn) == 10 - kept
        assert Catalogue(db_path).count_courses() == kept


def test_allow_mass_withdrawal_applies_the_feed(ten_courses, write_feed, db_path):
    report = sync_catalogue(write_feed(keep_courses(ten_courses, 0), "empty.json"), db_path, allow_mass_withdrawal=True)
    assert (report.outcome, len(report.changes.withdrawn)) == ("ok", 10)
    assert Catalogue(db_path).count_courses() == 0


def test_a_first_sync_is_never_a_mass_withdrawal(sample, write_feed, db_path):
    sample["courses"] = []
    report = sync_catalogue(write_feed(sample), db_path, max_withdrawal_percent=0)
    assert report.outcome == "ok"
    # Nor one into a catalogue whose courses were all withdrawn already.
    report = sync_catalogue(write_feed(sample), db_path, max_withdrawal_percent=0)
    assert report.outcome == "unchanged"


def test_withdrawn_courses_only_count_among_the_active_ones(ten_courses, write_feed, db_path):
    # 10 active; 3 withdrawn (30 %) is allowed; then 2 of the 7 left (28.6 %) is allowed too,
    # though 5 of the 10 ever seen are gone.
    sync_catalogue(write_feed(keep_courses(ten_courses, 7), "seven.json"), db_path)
    report = sync_catalogue(write_feed(keep_courses(ten_courses, 5), "five.json"), db_path)
    assert len(report.changes.withdrawn) == 2


def test_rejected_courses_are_kept_not_withdrawn_so_they_do_not_count(ten_courses, write_feed, db_path):
    for course in ten_courses["courses"][:8]:
        course["level"] = "expert"
    report = sync_catalogue(write_feed(ten_courses, "mostly-broken.json"), db_path)
    assert (len(report.rejected), len(report.changes.withdrawn)) == (8, 0)
    assert Catalogue(db_path).count_courses() == 10


def test_a_dry_run_reports_it_too_and_writes_nothing(ten_courses, write_feed, db_path, snapshot, sync_runs):
    before, runs = snapshot(db_path), sync_runs(db_path)
    with pytest.raises(MassWithdrawal, match="would withdraw 8 of 10"):
        sync_catalogue(write_feed(keep_courses(ten_courses, 2), "two.json"), db_path, dry_run=True)
    assert snapshot(db_path) == before and sync_runs(db_path) == runs


def test_after_a_refusal_the_feed_is_read_whole_again(feed_server, ten_courses, db_path):
    url = feed_server.serve("/feed.json", Reply(body=json.dumps(ten_courses).encode(), etag='"v1"'))
    sync_catalogue(url, db_path)
    feed_server.serve("/feed.json", Reply(body=json.dumps(keep_courses(ten_courses, 1)).encode(), etag='"v2"'))
    for _ in range(2):
        with pytest.raises(MassWithdrawal):
            sync_catalogue(url, db_path)
    # The refused feed's ETag was not kept: each run asks with the last applied one, and reads it all.
    assert [h.get("If-None-Match") for h in feed_server.requests_to("/feed.json")] == [None, '"v1"', '"v1"']
