"""Fetching the feed over HTTP from a real local server: retries, timeouts, conditional GET."""

from __future__ import annotations

import json
import time

import pytest
from catalogue_sync_helpers import Reply

from catalogue_sync.errors import FeedInvalid, FeedUnreachable
from catalogue_sync.fetch import fetch_feed
from catalogue_sync.sync import sync_catalogue

FAST = {"timeout": 2.0, "retries": 2, "backoff": 0.01}


def test_a_server_error_is_retried_then_the_feed_is_applied(feed_server, sample_bytes, db_path, sync_runs):
    url = feed_server.serve("/feed.json", Reply(status=500, body=b"oops"), Reply(body=sample_bytes))
    report = sync_catalogue(url, db_path, **FAST)
    assert report.outcome == "ok"
    assert len(report.changes.added) == 24
    assert len(feed_server.requests_to("/feed.json")) == 2
    assert sync_runs(db_path)[-1]["http_status"] == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_server_error_that_lasts_makes_the_source_unreachable(feed_server, status, db_path):
    url = feed_server.serve("/feed.json", Reply(status=status, body=b"down"))
    with pytest.raises(FeedUnreachable, match=f"the server answered {status}.*3 attempts"):
        sync_catalogue(url, db_path, **FAST)
    assert len(feed_server.requests_to("/feed.json")) == 3


@pytest.mark.parametrize("status", [404, 401, 403])
def test_a_refusal_is_not_retried(feed_server, status, db_path):
    url = feed_server.serve("/feed.json", Reply(status=status, body=b"no"))
    with pytest.raises(FeedUnreachable, match=f"the server answered {status}"):
        sync_catalogue(url, db_path, **FAST)
    assert len(feed_server.requests_to("/feed.json")) == 1


def test_a_hanging_server_times_out_and_leaves_the_catalogue_intact(
    feed_server, sample_bytes, db_path, snapshot, sync_runs
):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    sync_catalogue(url, db_path, **FAST)
    before = snapshot(db_path)
    feed_server.serve("/feed.json", Reply(hang=True))
    started = time.monotonic()
    with pytest.raises(FeedUnreachable, match=r"no answer within 0.5 s \(2 attempts\)"):
        sync_catalogue(url, db_path, timeout=0.5, retries=1, backoff=0.01)
    assert time.monotonic() - started < 5
    assert snapshot(db_path) == before
    last = sync_runs(db_path)[-1]
    assert (last["outcome"], last["error"]) == ("failed", "no answer within 0.5 s (2 attempts)")


def test_a_connection_cut_mid_body_is_retried_then_unreachable(feed_server, sample_bytes, db_path, snapshot):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    sync_catalogue(url, db_path, **FAST)
    before = snapshot(db_path)
    feed_server.serve("/feed.json", Reply(body=sample_bytes, cut_at=len(sample_bytes) // 2))
    with pytest.raises(FeedUnreachable, match="cut before the whole feed arrived"):
        sync_catalogue(url, db_path, **FAST)
    assert len(feed_server.requests_to("/feed.json")) == 1 + 3
    assert snapshot(db_path) == before


def test_a_truncated_json_document_is_rejected_with_where(feed_server, sample_bytes, db_path, snapshot):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    sync_catalogue(url, db_path, **FAST)
    before = snapshot(db_path)
    feed_server.serve("/feed.json", Reply(body=sample_bytes[: len(sample_bytes) // 3]))
    with pytest.raises(FeedInvalid) as raised:
        sync_catalogue(url, db_path, **FAST)
    assert "it looks truncated" in raised.value.reason
    assert raised.value.where.startswith("line ")
    assert snapshot(db_path) == before


def test_a_wrong_feed_version_over_http_changes_nothing(feed_server, sample, sample_bytes, db_path, snapshot):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    sync_catalogue(url, db_path, **FAST)
    before = snapshot(db_path)
    sample["feed_version"] = 2
    feed_server.serve("/feed.json", Reply(body=json.dumps(sample).encode()))
    with pytest.raises(FeedInvalid, match="feed_version is 2, this catalogue_sync reads version 1"):
        sync_catalogue(url, db_path, **FAST)
    assert snapshot(db_path) == before


def test_invalid_records_over_http_are_skipped_and_the_rest_applied(feed_server, sample, db_path):
    sample["courses"][0]["level"] = "expert"
    url = feed_server.serve("/feed.json", Reply(body=json.dumps(sample).encode()))
    report = sync_catalogue(url, db_path, **FAST)
    assert [(r.id, r.reason) for r in report.rejected] == [
        ("dh-webdev-fullstack-27", "level: 'expert' is not one of ['beginner', 'intermediate', 'advanced']")
    ]
    assert len(report.changes.added) == 23


def test_an_unchanged_feed_costs_one_304_and_writes_nothing(feed_server, sample_bytes, db_path, snapshot, sync_runs):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, etag='"v1"'))
    sync_catalogue(url, db_path, **FAST)
    before = snapshot(db_path)
    report = sync_catalogue(url, db_path, **FAST)
    requests = feed_server.requests_to("/feed.json")
    assert len(requests) == 2
    assert requests[1]["If-None-Match"] == '"v1"'
    assert (report.outcome, report.not_modified) == ("unchanged", True)
    assert snapshot(db_path) == before
    runs = sync_runs(db_path)
    assert [(r["outcome"], r["http_status"], r["etag"]) for r in runs] == [
        ("ok", 200, '"v1"'), ("unchanged", 304, '"v1"')
    ]
    assert runs[1]["courses_in_feed"] == 24


def test_last_modified_is_sent_back_and_honoured(feed_server, sample_bytes, db_path, snapshot, sync_runs):
    stamp = "Fri, 20 Nov 2026 16:42:00 GMT"
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, last_modified=stamp))
    sync_catalogue(url, db_path, **FAST)
    before = snapshot(db_path)
    report = sync_catalogue(url, db_path, **FAST)
    assert feed_server.requests_to("/feed.json")[1]["If-Modified-Since"] == stamp
    assert report.outcome == "unchanged"
    assert snapshot(db_path) == before
    assert sync_runs(db_path)[-1]["last_modified"] == stamp


def test_a_changed_feed_with_a_new_etag_is_applied(feed_server, sample, sample_bytes, db_path):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, etag='"v1"'))
    sync_catalogue(url, db_path, **FAST)
    sample["courses"][0]["title"]["fr"] = "Développeur·euse web (nouvelle édition)"
    feed_server.serve("/feed.json", Reply(body=json.dumps(sample).encode(), etag='"v2"'))
    report = sync_catalogue(url, db_path, **FAST)
    assert report.changes.updated == {"dh-webdev-fullstack-27"}


def test_validators_are_not_used_after_a_sync_from_another_source(
    feed_server, sample_bytes, sample, write_feed, db_path
):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, etag='"v1"'))
    sync_catalogue(url, db_path, **FAST)
    sample["courses"].pop()
    sync_catalogue(write_feed(sample), db_path)
    # The catalogue now reflects the file: a 304 from the URL would leave it so.
    report = sync_catalogue(url, db_path, **FAST)
    assert "If-None-Match" not in feed_server.requests_to("/feed.json")[1]
    assert report.outcome == "ok" and len(report.changes.added) == 1


def test_after_a_partial_run_the_feed_is_read_again_and_rejections_reported_again(feed_server, sample, db_path):
    sample["courses"][0]["level"] = "expert"
    url = feed_server.serve("/feed.json", Reply(body=json.dumps(sample).encode(), etag='"v1"'))
    sync_catalogue(url, db_path, **FAST)
    report = sync_catalogue(url, db_path, **FAST)
    assert "If-None-Match" not in feed_server.requests_to("/feed.json")[1]
    assert report.outcome == "unchanged" and [r.id for r in report.rejected] == ["dh-webdev-fullstack-27"]


def test_connection_refused_is_unreachable(closed_port_url, db_path):
    with pytest.raises(FeedUnreachable, match=r"the connection was refused \(2 attempts\)"):
        sync_catalogue(closed_port_url, db_path, timeout=1, retries=1, backoff=0)


def test_fetch_sends_the_validators_it_is_given(feed_server, sample_bytes):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, etag='"v1"'))
    fetched = fetch_feed(url, etag='"v1"', timeout=2)
    assert fetched.not_modified and fetched.status == 304 and fetched.etag == '"v1"'
    fetched = fetch_feed(url, etag='"v0"', timeout=2)
    assert fetched.body == sample_bytes and fetched.etag == '"v1"'


def test_fetch_reads_local_files_and_file_urls(write_feed, sample_bytes):
    path = write_feed(sample_bytes)
    assert fetch_feed(str(path)).body == sample_bytes
    assert fetch_feed(path.as_uri()).body == sample_bytes


def test_a_missing_file_is_unreachable(tmp_path):
    with pytest.raises(FeedUnreachable, match="no file at"):
        fetch_feed(str(tmp_path / "nowhere.json"))
