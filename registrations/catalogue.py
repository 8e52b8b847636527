"""The info sessions of the synced catalogue as the registrations store's Sessions, and syncing them into the store.

After each catalogue sync, `sync_from_catalogue` hands the store every info session the feed has,
so that a session the feed cancels or moves is marked on its registrations and their people are
told (`RegistrationStore.sync_sessions`). The catalogue stays a disposable copy of the feed: this
only reads it.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Union

from catalogue_sync.db import NO_LONGER_IN_FEED
from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.read import Catalogue
from registrations.config import REPO_ROOT
from registrations.store import RegistrationStore, Session, SyncResult


def default_catalogue_path() -> Path:
    """The catalogue the bot reads: `CATALOGUE_DB`, else `var/catalogue.db` under the checkout (as bot/config.py)."""
    return Path(os.environ.get("CATALOGUE_DB") or REPO_ROOT / "var" / "catalogue.db")


def sessions_from_catalogue(catalogue: Catalogue) -> List[Session]:
    """Every info session of the feed, past and to come, scheduled and cancelled, as store Sessions.

    `Catalogue.next_info_sessions` gives the scheduled sessions to come only; the store must also
    see the feed's cancelled ones, so they are read here from the same file, read-only, in one
    transaction (a sync in progress is not seen half done). Sessions the catalogue marked
    cancelled only because they left the feed are left out: the store then flags them
    "missing_from_feed" for staff instead of mailing everyone a cancellation that a feed error
    may have caused.

    Args:
        catalogue: the synced catalogue.

    Returns:
        The sessions, by start time then id. A session's `starts_at` and `ends_at` are as the feed
        published them (with their UTC offset), its `course_title` the course's French and Dutch
        titles.

    Raises:
        CatalogueUnavailable: there is no usable catalogue at `catalogue.path`.
    """
    path = Path(catalogue.path)
    if not path.is_file():
        raise CatalogueUnavailable(f"no catalogue at {path}: run `catalogue-sync sync` first")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=catalogue.timeout)
    except sqlite3.Error as error:
        raise CatalogueUnavailable(f"cannot open the catalogue at {path}: {error}") from error
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("BEGIN")
        rows = conn.execute(
            """SELECT s.id, s.course_id, s.starts_at, s.starts_at_local, s.ends_at_local, s.language, s.format,
                      s.location, s.capacity, s.status, s.cancel_reason, c.title_fr, c.title_nl
               FROM info_sessions s JOIN courses c ON c.id = s.course_id
               WHERE s.status = 'scheduled' OR coalesce(s.cancel_reason, '') != ?
               ORDER BY s.starts_at, s.id""",
            (NO_LONGER_IN_FEED,),
        ).fetchall()
    except sqlite3.Error as error:
        raise CatalogueUnavailable(f"cannot read the info sessions of the catalogue at {path}: {error}") from error
    finally:
        conn.close()
    return [_session(row) for row in rows]


def _session(row: sqlite3.Row) -> Session:
    titles = {language: row[f"title_{language}"] for language in ("fr", "nl") if row[f"title_{language}"]}
    return Session(
        session_id=row["id"],
        course_id=row["course_id"],
        course_title=titles,
        # The published time keeps its offset (what people are told); the UTC column is the fallback
        # for a catalogue written before the local column existed.
        starts_at=row["starts_at_local"] or row["starts_at"],
        ends_at=row["ends_at_local"],
        location=row["location"],
        format=row["format"],
        language=row["language"],
        capacity=max(0, int(row["capacity"] or 0)),
        status="cancelled" if row["status"] == "cancelled" else "scheduled",
    )


def sync_from_catalogue(store: RegistrationStore, catalogue_path: Union[str, Path, None] = None, *,
                        now: Optional[datetime] = None) -> SyncResult:
    """Applies the catalogue's info sessions to the registrations store (run it after each catalogue sync).

    Args:
        store: the registrations store.
        catalogue_path: the catalogue file; default `default_catalogue_path()`.
        now: the time of the sync (tests); default now.

    Returns:
        What the store changed: sessions added, updated, cancelled, moved, missing, and people told.

    Raises:
        CatalogueUnavailable: the catalogue cannot be read; the store is not touched.
    """
    catalogue = Catalogue(catalogue_path if catalogue_path is not None else default_catalogue_path())
    return store.sync_sessions(sessions_from_catalogue(catalogue), now=now)
