"""Fixtures for catalogue_sync: feeds to play with, a catalogue file, and a real HTTP feed server."""

from __future__ import annotations

import copy
import json
import socket
import sqlite3
from pathlib import Path
from typing import List

import pytest
from catalogue_sync_helpers import SAMPLE_FEED, read_snapshot, start_feed_server


@pytest.fixture(scope="session")
def sample_document() -> dict:
    """The shared sample feed, parsed once."""
    return json.loads(SAMPLE_FEED.read_text(encoding="utf-8"))


@pytest.fixture
def sample(sample_document) -> dict:
    """A private copy of the sample feed that a test may change."""
    return copy.deepcopy(sample_document)


@pytest.fixture
def db_path(tmp_path) -> Path:
    """Where the test's catalogue lives (not created yet)."""
    return tmp_path / "catalogue.db"


@pytest.fixture
def write_feed(tmp_path):
    """Writes a feed document to a file and returns its path: write_feed(doc, name="feed.json")."""

    def write(document, name: str = "feed.json") -> Path:
        path = tmp_path / name
        if isinstance(document, bytes):
            path.write_bytes(document)
        elif isinstance(document, str):
            path.write_text(document, encoding="utf-8")
        else:
            path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def snapshot():
    """snapshot(db_path): the catalogue tables' contents, for before/after comparisons."""
    return read_snapshot


@pytest.fixture
def sync_runs():
    """sync_runs(db_path): the rows of `sync_runs` as dicts, oldest first."""

    def rows(path: Path) -> List[dict]:
        with sqlite3.connect(path) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("select * from sync_runs order by id")]

    return rows


@pytest.fixture
def feed_server():
    """A running FeedServer (see catalogue_sync_helpers) on a free port, stopped after the test."""
    server, stop = start_feed_server()
    yield server
    stop()


@pytest.fixture
def sample_bytes(sample) -> bytes:
    """The sample feed as the backend would send it."""
    return json.dumps(sample, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.json"
