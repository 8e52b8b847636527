"""The catalogue database: its shape, and saving a checked feed into it in one transaction."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, Union

import sqlite_utils

from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.feed import Feed, ProgressCallback
from catalogue_sync.utils import search_text

FTS_TOKENIZER = "unicode61 remove_diacritics 2"
FTS_COLUMNS = ["title_fr", "title_nl", "title_en", "summary_fr", "summary_nl", "summary_en", "topics"]
# bm25 weight of each FTS column: a word in a title counts most, then topics, then summaries.
FTS_WEIGHTS = [10.0, 10.0, 10.0, 2.0, 2.0, 2.0, 5.0]
JSON_COLUMNS = {
    "courses": ("topics", "teaching_languages", "location", "eligibility", "extra"),
    "info_sessions": ("extra",),
    "faq": ("extra",),
    "organisation": ("extra",),
    "sync_runs": ("rejected_details",),
}
NO_LONGER_IN_FEED = "no longer in feed"
BATCH = 2000

COURSES = {
    "id": str,
    "title_fr": str, "title_nl": str, "title_en": str,
    "summary_fr": str, "summary_nl": str, "summary_en": str,
    "provider": str,
    "topics": str,  # JSON list
    "level": str,
    "format": str,
    "teaching_languages": str,  # JSON list
    "duration_weeks": float, "hours_per_week": float, "internship_weeks": float,
    "start_date": str,
    "cost_eur": float,
    "certificate_fr": str, "certificate_nl": str, "certificate_en": str,
    "location": str,  # JSON object
    "url": str,
    "status": str,
    "eligibility": str,  # JSON object
    "extra": str,  # JSON object: properties the contract does not name
    "first_seen_at": str, "updated_at": str, "withdrawn_at": str,
}
INFO_SESSIONS = {
    "id": str,
    "course_id": str,
    "starts_at": str, "ends_at": str,  # UTC, sortable
    "starts_at_local": str, "ends_at_local": str,  # as published, with their UTC offset
    "language": str,
    "format": str,
    "location": str,
    "capacity": int,
    "status": str,
    "cancel_reason": str,
    "cancelled_at": str,
    "extra": str,
    "first_seen_at": str, "updated_at": str,
}
FAQ = {
    "topic": str,
    "question_fr": str, "question_nl": str, "question_en": str,
    "answer_fr": str, "answer_nl": str, "answer_en": str,
    "extra": str,
    "first_seen_at": str, "updated_at": str,
}
ORGANISATION = {
    "id": int,
    "name": str, "phone": str, "email": str, "address": str,
    "opening_hours_fr": str, "opening_hours_nl": str, "opening_hours_en": str,
    "website": str,
    "extra": str,
    "updated_at": str,
}
SYNC_RUNS = {
    "id": int,
    "started_at": str, "finished_at": str, "duration_seconds": float,
    "source": str,
    "outcome": str,
    "feed_generated_at": str,
    "http_status": int,
    "courses_in_feed": int,
    "added": int, "updated": int, "withdrawn": int, "rejected": int,
    "sessions_added": int, "sessions_updated": int, "sessions_cancelled": int,
    "error": str,
    "rejected_details": str,  # JSON list of {kind, id, where, reason}
    "etag": str, "last_modified": str,
}
# Written by the bot (a later issue adds contact columns); the sync only reads it.
REGISTRATIONS = {
    "id": str,
    "session_id": str,
    "course_id": str,
    "status": str,  # active / cancelled
    "created_at": str,
    "language": str,
}
TABLES = {
    "courses": (COURSES, "id"),
    "info_sessions": (INFO_SESSIONS, "id"),
    "faq": (FAQ, "topic"),
    "organisation": (ORGANISATION, "id"),
    "sync_runs": (SYNC_RUNS, "id"),
    "registrations": (REGISTRATIONS, "id"),
}
# The columns a sync writes with each row's content; the others are its bookkeeping.
COURSE_CONTENT = [c for c in COURSES if c not in ("id", "first_seen_at", "updated_at", "withdrawn_at")]
SESSION_CONTENT = [c for c in INFO_SESSIONS if c not in ("id", "cancelled_at", "first_seen_at", "updated_at")]
FAQ_CONTENT = [c for c in FAQ if c not in ("topic", "first_seen_at", "updated_at")]
ORGANISATION_CONTENT = [c for c in ORGANISATION if c not in ("id", "updated_at")]


class _SyncConnection(sqlite3.Connection):
    """A connection whose `with conn:` blocks join the caller's transaction instead of ending it.

    sqlite-utils wraps each batch it writes in `with conn:`, which commits. A sync must commit
    once, at the end, so that a reader sees the old catalogue or the new one, never half of it.
    """

    def __exit__(self, *exc_info) -> bool:
        return False


def _writing_connection(database: str, **options) -> sqlite3.Connection:
    """A connection for a sync: in autocommit mode (transactions are explicit, see `transaction`),
    with the `search_text` SQL function the search index's triggers call."""
    conn = sqlite3.connect(database, factory=_SyncConnection, isolation_level=None, **options)
    conn.create_function("search_text", 1, search_text, deterministic=True)
    return conn


def open_db(path: Union[str, Path]) -> sqlite_utils.Database:
    """Opens (creating it and its folder if needed) the catalogue for writing, in WAL mode.

    Raises:
        CatalogueUnavailable: the file cannot be opened as an SQLite database.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _writing_connection(str(path), timeout=30)
        db = sqlite_utils.Database(conn)
        # WAL: readers keep reading the last committed catalogue while a sync writes.
        db.enable_wal()
        return db
    except (sqlite3.Error, OSError) as e:
        raise CatalogueUnavailable(f"cannot open the catalogue at {path}: {e}") from e


def copy_db_to_memory(path: Union[str, Path]) -> sqlite_utils.Database:
    """An in-memory copy of the catalogue at `path` (an empty one if there is none): for dry runs."""
    memory = _writing_connection(":memory:")
    path = Path(path)
    if path.exists():
        try:
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                source.backup(memory)
            finally:
                source.close()
        except sqlite3.Error as e:
            raise CatalogueUnavailable(f"cannot read the catalogue at {path}: {e}") from e
    return sqlite_utils.Database(memory)


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Creates the tables, indexes and full-text search, or adds what an older catalogue lacks.

    Safe to run any number of times; it never changes or removes data. A sync runs it inside its
    own `transaction(db)`: a search index rebuilt for a new definition is then committed with the
    feed, and readers keep the old index until then, never a catalogue without one. Called outside
    a transaction, it opens one of its own.
    """
    if not db.conn.in_transaction:
        with transaction(db):
            ensure_db_shape(db)
        return
    for name, (columns, pk) in TABLES.items():
        table = db[name]
        if not table.exists():
            table.create(columns, pk=pk, if_not_exists=True)
        else:
            present = {c.lower() for c in table.columns_dict}
            for column, kind in columns.items():
                if column.lower() not in present:
                    table.add_column(column, kind)
    db["info_sessions"].create_index(["course_id", "starts_at"], if_not_exists=True)
    db["courses"].create_index(["withdrawn_at", "start_date"], if_not_exists=True)
    db["registrations"].create_index(["session_id", "status"], if_not_exists=True)
    db["sync_runs"].create_index(["outcome"], if_not_exists=True)
    _ensure_course_search(db)


def _fts_definitions() -> Dict[str, str]:
    """The search index over courses and the triggers that keep it current, as SQL by name.

    Only courses not withdrawn are indexed, so search never finds a withdrawn one.

    Each text goes through `search_text` (catalogue_sync.utils) on its way into the index, as
    each query does on its way in (catalogue_sync.read): "C#" is indexed and searched as
    "csharp", not as "c". Why a Python function in the triggers rather than an index the sync
    fills itself: the triggers stay the one place that keeps the index in step with `courses`
    (inserts, updates, withdrawals, a rebuild), and there is one implementation of the rewriting
    for the index and the queries, so they cannot drift apart. The price: a connection that
    changes a course's texts must have the function (every connection of this module has it;
    the `sqlite3` shell says "no such function: search_text"). The catalogue is a copy of the
    feed: change the feed, not the copy.
    """
    columns = ", ".join(f"[{c}]" for c in FTS_COLUMNS)
    new = ", ".join(f"search_text(new.[{c}])" for c in FTS_COLUMNS)
    old = ", ".join(f"search_text(old.[{c}])" for c in FTS_COLUMNS)
    add = f"INSERT INTO [courses_fts] (rowid, {columns}) SELECT new.rowid, {new} WHERE new.withdrawn_at IS NULL;"
    remove = (
        f"INSERT INTO [courses_fts] ([courses_fts], rowid, {columns}) "
        f"SELECT 'delete', old.rowid, {old} WHERE old.withdrawn_at IS NULL;"
    )
    return {
        "courses_fts": f"CREATE VIRTUAL TABLE [courses_fts] USING FTS5 ({columns}, "
        f"tokenize='{FTS_TOKENIZER}', content=[courses])",
        "courses_fts_ai": f"CREATE TRIGGER [courses_fts_ai] AFTER INSERT ON [courses] BEGIN {add} END",
        "courses_fts_ad": f"CREATE TRIGGER [courses_fts_ad] AFTER DELETE ON [courses] BEGIN {remove} END",
        "courses_fts_au": f"CREATE TRIGGER [courses_fts_au] AFTER UPDATE OF {columns}, [withdrawn_at] "
        f"ON [courses] BEGIN {remove} {add} END",
    }


def _ensure_course_search(db: sqlite_utils.Database) -> None:
    """Builds the search index, or rebuilds it when its definition changed. Inside a transaction."""
    wanted = _fts_definitions()
    present = {
        name: sql for name, sql in db.execute(
            "select name, sql from sqlite_master where name in ({})".format(", ".join("?" * len(wanted))),
            list(wanted),
        )
    }
    if present == wanted:
        return
    # Missing or from another version: rebuild it from the courses table, in the caller's
    # transaction, so readers keep the old index until the new one is committed.
    for name in wanted:
        if name != "courses_fts":
            db.execute(f"DROP TRIGGER IF EXISTS [{name}]")
    db.execute("DROP TABLE IF EXISTS [courses_fts]")
    for sql in wanted.values():
        db.execute(sql)
    columns = ", ".join(f"[{c}]" for c in FTS_COLUMNS)
    texts = ", ".join(f"search_text([{c}])" for c in FTS_COLUMNS)
    db.execute(
        f"INSERT INTO [courses_fts] (rowid, {columns}) "
        f"SELECT rowid, {texts} FROM [courses] WHERE withdrawn_at IS NULL"
    )
    weights = ", ".join(str(w) for w in FTS_WEIGHTS)
    # Persisted: `ORDER BY rank` in a join with courses then ranks with these weights.
    db.execute("INSERT INTO [courses_fts] ([courses_fts], rank) VALUES ('rank', ?)", [f"bm25({weights})"])


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One write transaction: committed if the block ends normally, rolled back otherwise."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@dataclass
class Changes:
    """What a sync changed (or, in a dry run, would change).

    Attributes:
        added: Ids of courses new in the catalogue, or back after being withdrawn.
        updated: Ids of courses whose content or info sessions changed.
        withdrawn: Ids of courses no longer in the feed.
        sessions_added, sessions_updated, sessions_cancelled: Info session ids, likewise.
        faq_changed: Topics added, changed or removed.
        organisation_changed: Whether the hub's details changed.
    """

    added: Set[str] = field(default_factory=set)
    updated: Set[str] = field(default_factory=set)
    withdrawn: Set[str] = field(default_factory=set)
    sessions_added: Set[str] = field(default_factory=set)
    sessions_updated: Set[str] = field(default_factory=set)
    sessions_cancelled: Set[str] = field(default_factory=set)
    faq_changed: Set[str] = field(default_factory=set)
    organisation_changed: bool = False

    @property
    def any(self) -> bool:
        """True when the catalogue is different after the sync."""
        return bool(
            self.added or self.updated or self.withdrawn or self.sessions_added or self.sessions_updated
            or self.sessions_cancelled or self.faq_changed or self.organisation_changed
        )


def save_feed(
    db: sqlite_utils.Database, feed: Feed, now: str, progress: Optional[ProgressCallback] = None
) -> Changes:
    """Applies a checked feed: upserts what changed, withdraws and cancels what disappeared.

    Rows whose content is the same are not written at all, so their `updated_at` stays. Nothing is
    deleted but FAQ entries that left the feed; `registrations` is never touched. Run it inside
    `transaction(db)`.

    Args:
        db: The catalogue.
        feed: The checked feed.
        now: The sync's time (UTC ISO string) for `updated_at`, `withdrawn_at`, `cancelled_at`.
        progress: Called as progress("Saving courses", done, total) while it works.
    """
    changes = Changes()
    _save_courses(db, feed, now, changes, progress)
    _save_sessions(db, feed, now, changes)
    changes.updated -= changes.added | changes.withdrawn
    if feed.faq is not None:
        _save_faq(db, feed, now, changes)
    if feed.organisation is not None:
        _save_organisation(db, feed.organisation, now, changes)
    return changes


def _existing(db, table: str, key: str, columns: List[str], more: Tuple[str, ...] = ()) -> Dict[str, tuple]:
    sql = "select [{}], {} from [{}]".format(key, ", ".join(f"[{c}]" for c in (*more, *columns)), table)
    return {row[0]: row[1:] for row in db.execute(sql)}


def _upsert(db, table: str, rows: List[Dict[str, Any]], pk: str, progress=None) -> None:
    """Writes rows (all with the same columns) in batches; `first_seen_at` is only set on insert."""
    if not rows:
        return
    columns = list(rows[0])
    sql = "INSERT INTO [{}] ({}) VALUES ({}) ON CONFLICT([{}]) DO UPDATE SET {}".format(
        table,
        ", ".join(f"[{c}]" for c in columns),
        ", ".join("?" for _ in columns),
        pk,
        ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in (pk, "first_seen_at")),
    )
    for start in range(0, len(rows), BATCH):
        db.conn.executemany(sql, [tuple(row[c] for c in columns) for row in rows[start:start + BATCH]])
        if progress:
            progress("Saving courses", min(start + BATCH, len(rows)), len(rows))


def _save_courses(db, feed: Feed, now: str, changes: Changes, progress) -> None:
    existing = _existing(db, "courses", "id", COURSE_CONTENT, more=("withdrawn_at", "updated_at"))
    rows = []
    for row in feed.courses:
        old = existing.get(row["id"])
        if old is None:
            changes.added.add(row["id"])
            rows.append({**row, "first_seen_at": now, "updated_at": now, "withdrawn_at": None})
            continue
        changed = tuple(row[c] for c in COURSE_CONTENT) != old[2:]
        withdrawn = old[0] is not None
        if withdrawn:
            changes.added.add(row["id"])
        elif changed:
            changes.updated.add(row["id"])
        if changed or withdrawn:
            rows.append({**row, "first_seen_at": now, "updated_at": now if changed else old[1], "withdrawn_at": None})
    _upsert(db, "courses", rows, "id", progress)
    in_feed = {row["id"] for row in feed.courses} | feed.kept_course_ids
    gone = [course_id for course_id, old in existing.items() if old[0] is None and course_id not in in_feed]
    db.conn.executemany("update courses set withdrawn_at = ? where id = ?", [(now, i) for i in gone])
    changes.withdrawn.update(gone)


def _save_sessions(db, feed: Feed, now: str, changes: Changes) -> None:
    existing = _existing(db, "info_sessions", "id", SESSION_CONTENT, more=("cancelled_at",))
    status_at = SESSION_CONTENT.index("status") + 1
    rows = []
    for row in feed.sessions:
        old = existing.get(row["id"])
        cancelled = row["status"] == "cancelled"
        if old is None:
            changes.sessions_added.add(row["id"])
            cancelled_at = now if cancelled else None
        elif tuple(row[c] for c in SESSION_CONTENT) != old[1:]:
            was_cancelled = old[status_at] == "cancelled"
            cancelled_at = (old[0] or now) if (cancelled and was_cancelled) else (now if cancelled else None)
            (changes.sessions_cancelled if cancelled and not was_cancelled else changes.sessions_updated).add(row["id"])
        else:
            continue
        rows.append({**row, "first_seen_at": now, "updated_at": now, "cancelled_at": cancelled_at})
        changes.updated.add(row["course_id"])
    _upsert(db, "info_sessions", rows, "id")
    in_feed = {row["id"] for row in feed.sessions} | feed.kept_session_ids
    course_at = SESSION_CONTENT.index("course_id") + 1
    gone = [
        (session_id, old[course_at]) for session_id, old in existing.items()
        if old[status_at] != "cancelled" and session_id not in in_feed and old[course_at] not in feed.kept_course_ids
    ]
    db.conn.executemany(
        "update info_sessions set status = 'cancelled', cancel_reason = ?, cancelled_at = ?, updated_at = ? "
        "where id = ?",
        [(NO_LONGER_IN_FEED, now, now, session_id) for session_id, _ in gone],
    )
    changes.sessions_cancelled.update(session_id for session_id, _ in gone)
    changes.updated.update(course_id for _, course_id in gone)


def _save_faq(db, feed: Feed, now: str, changes: Changes) -> None:
    existing = _existing(db, "faq", "topic", FAQ_CONTENT)
    rows = []
    for row in feed.faq:
        old = existing.get(row["topic"])
        if old is None or tuple(row[c] for c in FAQ_CONTENT) != old:
            rows.append({**row, "first_seen_at": now, "updated_at": now})
            changes.faq_changed.add(row["topic"])
    _upsert(db, "faq", rows, "topic")
    # An answer the hub no longer gives must not be given by the bot either.
    in_feed = {row["topic"] for row in feed.faq} | feed.kept_faq_topics
    gone = [topic for topic in existing if topic not in in_feed]
    db.conn.executemany("delete from faq where topic = ?", [(t,) for t in gone])
    changes.faq_changed.update(gone)


def _save_organisation(db, row: Dict[str, Any], now: str, changes: Changes) -> None:
    old = _existing(db, "organisation", "id", ORGANISATION_CONTENT).get(row["id"])
    if old != tuple(row[c] for c in ORGANISATION_CONTENT):
        _upsert(db, "organisation", [{**row, "updated_at": now}], "id")
        changes.organisation_changed = True


def last_applied_run(db: sqlite_utils.Database) -> Optional[Dict[str, Any]]:
    """The latest run that left the catalogue in step with its source (outcome ok or unchanged).

    None in a new catalogue (it may have no `sync_runs` table yet). A catalogue from an older
    version may lack columns: read the row with `.get`.
    """
    if not db["sync_runs"].exists():
        return None
    rows = list(db.query(
        "select * from sync_runs where outcome in ('ok', 'unchanged') order by id desc limit 1"
    ))
    return rows[0] if rows else None


def active_course_count(db: sqlite_utils.Database) -> int:
    """How many courses are active (not withdrawn)."""
    return db.execute("select count(*) from courses where withdrawn_at is null").fetchone()[0]


def record_run(db: sqlite_utils.Database, run: Dict[str, Any]) -> int:
    """Adds a row to `sync_runs` and returns its id."""
    return db["sync_runs"].insert(run).last_pk

