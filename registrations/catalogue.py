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
from typing import Any, List, Mapping, Optional, Union

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
            """SELECT s.id, s.course_id, s.starts_at, s.starts_at_local, s.ends_at, s.ends_at_local, s.language,
                      s.format, s.location, s.capacity, s.status, s.cancel_reason, c.title_fr, c.title_nl
               FROM info_sessions s JOIN courses c ON c.id = s.course_id
               WHERE s.status = 'scheduled' OR coalesce(s.cancel_reason, '') != ?
               ORDER BY s.starts_at, s.id""",
            (NO_LONGER_IN_FEED,),
        ).fetchall()
    except sqlite3.Error as error:
        raise CatalogueUnavailable(f"cannot read the info sessions of the catalogue at {path}: {error}") from error
    finally:
        conn.close()
    return [session_from_catalogue(dict(row), {"title_fr": row["title_fr"], "title_nl": row["title_nl"]})
            for row in rows]


def session_from_catalogue(info_session: Mapping[str, Any], course: Mapping[str, Any]) -> Session:
    """One catalogue info session as the store's Session: what the bot passes to `store.book`.

    Args:
        info_session: a session as the catalogue returns it (`Catalogue.next_info_sessions`: every
            `info_sessions` column).
        course: its course (`Catalogue.get_course`), for the French and Dutch titles.

    Returns:
        The Session, its times as the feed published them (with their UTC offset).
    """
    titles = {language: course.get(f"title_{language}") for language in ("fr", "nl")}
    return Session(
        session_id=info_session["id"],
        course_id=info_session["course_id"],
        course_title={language: title for language, title in titles.items() if title},
        # The published time keeps its offset (what people are told); the UTC column is the fallback
        # for a catalogue written before the local column existed.
        starts_at=info_session.get("starts_at_local") or info_session["starts_at"],
        ends_at=info_session.get("ends_at_local") or info_session.get("ends_at"),
        location=info_session.get("location"),
        format=info_session.get("format"),
        language=info_session.get("language"),
        capacity=max(0, int(info_session.get("capacity") or 0)),
        status="cancelled" if info_session.get("status") == "cancelled" else "scheduled",
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
