"""The fetch's limits, against a real local server: Retry-After honoured, an overall deadline, a maximum size."""

from __future__ import annotations

import pytest
from catalogue_sync_helpers import Reply

from catalogue_sync.errors import FeedTooLarge, FeedUnreachable
from catalogue_sync.fetch import fetch_feed
from catalogue_sync.sync import sync_catalogue

# No backoff: any wait between two requests comes from the server's Retry-After.
NO_BACKOFF = {"timeout": 2.0, "retries": 2, "backoff": 0}


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_is_honoured(feed_server, sample_bytes, db_path, status):
    url = feed_server.serve(
        "/feed.json", Reply(status=status, body=b"busy", headers={"Retry-After": "1"}), Reply(body=sample_bytes)
    )
    report = sync_catalogue(url, db_path, **NO_BACKOFF)
    assert report.outcome == "ok" and len(report.changes.added) == 24
    first, second = feed_server.arrivals("/feed.json")
    # Measured at the server: the second request came only after the second the server asked for.
    assert second - first >= 0.9


def test_a_retry_after_past_the_deadline_is_not_waited_for(feed_server, db_path, sync_runs):
    url = feed_server.serve("/feed.json", Reply(status=503, body=b"busy", headers={"Retry-After": "30"}))
    with pytest.raises(FeedUnreachable) as raised:
        sync_catalogue(url, db_path, deadline=2, **NO_BACKOFF)
    assert raised.value.reason == (
        "the server answered 503 Service Unavailable "
        "(1 attempt; the next one, after a 30 s wait, would have started past the 2 s deadline)"
    )
    assert len(feed_server.requests_to("/feed.json")) == 1
    assert sync_runs(db_path)[-1]["error"] == raised.value.reason


def test_a_deadline_shorter_than_the_timeout_bounds_each_attempt(feed_server):
    url = feed_server.serve("/feed.json", Reply(hang=True))
    with pytest.raises(FeedUnreachable) as raised:
        fetch_feed(url, timeout=30, retries=3, deadline=0.5)
    assert raised.value.reason == (
        "no answer within 0.5 s (1 attempt; no time left for another within the 0.5 s deadline)"
    )
    assert len(feed_server.requests_to("/feed.json")) == 1


def test_a_server_that_trickles_slower_than_the_deadline_is_given_up(feed_server, sample_bytes, db_path, snapshot):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    sync_catalogue(url, db_path)
    before = snapshot(db_path)
    # Each byte comes well within the read timeout: only the deadline stops it.
    feed_server.serve("/feed.json", Reply(body=sample_bytes, trickle=0.05))
    with pytest.raises(FeedUnreachable) as raised:
        sync_catalogue(url, db_path, timeout=2, retries=2, backoff=0, deadline=1)
    assert raised.value.reason.startswith("the whole feed did not arrive within the 1 s deadline (")
    assert raised.value.reason.endswith(" bytes received)")
    assert len(feed_server.requests_to("/feed.json")) == 2  # the first sync, then this one: no retry
    assert snapshot(db_path) == before


def test_an_announced_size_over_the_limit_is_refused_before_reading(feed_server, sample_bytes, db_path, snapshot):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    sync_catalogue(url, db_path)
    before = snapshot(db_path)
    with pytest.raises(FeedTooLarge) as raised:
        sync_catalogue(url, db_path, max_bytes=1000)
    assert raised.value.reason == f"the feed is larger than the 1,000 bytes allowed: it is {len(sample_bytes):,} bytes"
    assert (raised.value.size, raised.value.limit) == (len(sample_bytes), 1000)
    assert snapshot(db_path) == before


def test_a_stream_past_the_limit_is_cut_off(feed_server):
    huge = b"[" + b"0," * 15_000_000 + b"0]"  # 30 MB, with no Content-Length to go by
    url = feed_server.serve("/feed.json", Reply(body=huge, no_length=True))
    with pytest.raises(FeedTooLarge) as raised:
        fetch_feed(url, max_bytes=1_000_000)
    assert raised.value.reason.startswith("the feed is larger than the 1,000,000 bytes allowed: reading stopped after ")
    assert 1_000_000 < raised.value.size <= 1_000_000 + 64 * 1024
    assert feed_server.bytes_sent("/feed.json")[0] < len(huge)


def test_the_limit_counts_the_bytes_after_decompression(feed_server, sample_bytes):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, gzip=True))
    assert fetch_feed(url).body == sample_bytes
    with pytest.raises(FeedTooLarge):
        fetch_feed(url, max_bytes=len(sample_bytes) - 1)


def test_a_body_without_length_under_the_limit_is_read_whole(feed_server, sample_bytes):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, no_length=True))
    assert fetch_feed(url).body == sample_bytes


def test_a_local_file_over_the_limit_is_refused(write_feed, sample_bytes, db_path, sync_runs):
    path = write_feed(sample_bytes)
    with pytest.raises(FeedTooLarge, match=f"it is {len(sample_bytes):,} bytes"):
        sync_catalogue(path, db_path, max_bytes=len(sample_bytes) - 1)
    assert sync_runs(db_path)[-1]["outcome"] == "failed"
    assert fetch_feed(str(path), max_bytes=len(sample_bytes)).body == sample_bytes
