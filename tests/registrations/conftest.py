"""Fixtures for the registrations store: a real SQLite file per test, sessions, people, raw rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, List

import pytest

from registrations.sqlite_store import SQLiteRegistrationStore
from registrations.store import Person, Session

# The tests' clock: 41 days before the sessions below (whose reminders are due the day before).
NOW = datetime(2026, 12, 2, 9, 15, tzinfo=timezone.utc)
STARTS_AT = "2027-01-12T18:00:00+01:00"


def make_session(number: int = 1, *, capacity: int = 10, starts_at: str = STARTS_AT, course_id: str = "data-101",
                 status: str = "scheduled", ends_at: str = "auto") -> Session:
    """An info session of the test catalogue; `number` makes its id ("data-101-is1")."""
    if ends_at == "auto":
        ends_at = starts_at.replace("T18:", "T19:") if "T18:" in starts_at else None
    return Session(
        session_id=f"{course_id}-is{number}", course_id=course_id,
        course_title={"fr": "Analyste de données", "nl": "Data-analist"},
        starts_at=starts_at, ends_at=ends_at,
        location="Rue des Pixels 24, 1000 Bruxelles — salle 1.02", format="onsite", language="fr",
        capacity=capacity, status=status,
    )


def make_person(number: int = 1, *, language: str = "fr", email: str = "") -> Person:
    """A person with a recognisable, unique email ("person1@example.org") and phone."""
    return Person(
        first_name=f"Amina{number}", last_name="El Idrissi", email=email or f"person{number}@example.org",
        phone=f"+3247012{number:04d}", language=language, sender_id=f"conversation-{number}",
    )


def outbox_rows(db_path: Path, **where) -> List[dict]:
    """The outbox rows (payload parsed), oldest first, read straight from the file."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        clauses = " AND ".join(f"{column} = ?" for column in where) or "1"
        rows = [dict(row) for row in conn.execute(f"SELECT * FROM outbox WHERE {clauses} ORDER BY id",
                                                  tuple(where.values()))]
    finally:
        conn.close()
    for row in rows:
        row["payload"] = json.loads(row["payload"])
    return rows


def table_rows(db_path: Path, table: str) -> List[dict]:
    """Every row of a table, by rowid, read straight from the file."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        conn.close()


@pytest.fixture
def db_path(tmp_path) -> Path:
    """Where the test's registrations database lives (not created yet)."""
    return tmp_path / "registrations.db"


@pytest.fixture
def store(db_path) -> SQLiteRegistrationStore:
    """A store on a new file, with webhook rows on (as when REGISTRATIONS_WEBHOOK_URL is set)."""
    opened = SQLiteRegistrationStore(db_path, webhook_events=True)
    yield opened
    opened.close()


@pytest.fixture
def session() -> Callable[..., Session]:
    """make_session(number=1, capacity=10, starts_at=..., course_id=..., status=...)."""
    return make_session


@pytest.fixture
def person() -> Callable[..., Person]:
    """make_person(number=1, language="fr", email="")."""
    return make_person


@pytest.fixture
def now() -> datetime:
    """The tests' clock (NOW): weeks before the sessions of make_session."""
    return NOW


@pytest.fixture(name="outbox_rows")
def outbox_rows_fixture() -> Callable[..., List[dict]]:
    """outbox_rows(db_path, **column_equals): the outbox rows, payload parsed, oldest first."""
    return outbox_rows


@pytest.fixture(name="table_rows")
def table_rows_fixture() -> Callable[[Path, str], List[dict]]:
    """table_rows(db_path, table): every row of a table."""
    return table_rows
