"""Shared fixtures: a real catalogue database, and the real servers (action server + Rasa)."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Dict

import pytest

from servers import MODEL, Servers, running_servers
from support import sample_feed_from_now, sync_catalogue


@pytest.fixture(scope="session")
def sample_feed() -> Dict:
    """The sample feed as the catalogue fixtures synced it (dates moved to be ahead of now)."""
    return sample_feed_from_now()


@pytest.fixture(scope="session")
def sample_catalogue_db(tmp_path_factory, sample_feed) -> Path:
    """A SQLite catalogue filled by the real sync from the shared sample feed."""
    workdir = tmp_path_factory.mktemp("catalogue")
    feed_path = workdir / "feed.json"
    feed_path.write_text(json.dumps(sample_feed, ensure_ascii=False), encoding="utf-8")
    db_path = workdir / "catalogue.db"
    sync_catalogue(feed_path, db_path)
    return db_path


@pytest.fixture
def catalogue_env(sample_catalogue_db, tmp_path, monkeypatch) -> Path:
    """A private copy of the sample catalogue that the actions read (CATALOGUE_DB)."""
    db_path = tmp_path / "catalogue.db"
    shutil.copy(sample_catalogue_db, db_path)
    monkeypatch.setenv("CATALOGUE_DB", str(db_path))
    # The actions read seats left from the registrations store: the test's own, empty one.
    monkeypatch.setenv("REGISTRATIONS_DB", str(tmp_path / "registrations.db"))
    return db_path


@pytest.fixture(scope="session")
def servers(tmp_path_factory, sample_catalogue_db) -> Servers:
    """The assistant as `make run` starts it (scripts/run-assistant), with the trained model, on free
    loopback ports; its HTTP API is on with a token, which `servers.tracker()` and `servers.slots()` pass."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` (make test does it).")
    workdir = tmp_path_factory.mktemp("servers")
    db_path = workdir / "catalogue.db"
    shutil.copy(sample_catalogue_db, db_path)
    with running_servers(db_path, workdir) as running:
        yield running


@pytest.fixture
def sender() -> str:
    """A new conversation id."""
    return f"test-{uuid.uuid4().hex[:12]}"
