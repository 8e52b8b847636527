"""The SQLite backend of the registrations store: one file, safe across threads and processes.

Why it does not overbook: every read-then-write (book, cancel, promote, sync, claim, forget) runs
inside `BEGIN IMMEDIATE` on a connection opened with `isolation_level=None`, so SQLite takes its
write lock before the seats are counted and no other connection, thread or process can count the
same free seat. WAL lets readers go on meanwhile; the busy timeout makes writers queue instead of
failing. `synchronous=FULL`, because a booking the chat confirmed must survive a power cut.

Writers queue in SQLite's busy handler. A kernel queue in front of it (flock on a lock file) was
tried: on a loaded 2-core machine, handing the lock to a process that is not running made the p95
worse (lock convoy), for a shorter worst case only at saturation (bench/bench_registrations.py).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from registrations.codes import new_reference, normalise_reference
from registrations.store import (
    LANGUAGES, OUTBOX_STATUSES, REGISTRATION_STATUSES, SESSION_STATUSES,
    BookingResult, CancelResult, ForgetResult, InvalidRequest, NotFound, OutboxEntry, OutboxItem, Person,
    RebookResult, Registration, RegistrationStore, RetentionResult, SchemaTooNew, Session, SessionSummary,
    StoreUnavailable, SyncResult, WrongEmail,
)

DEFAULT_BUSY_TIMEOUT = 10.0
REFERENCE_TRIES = 20
MAX_ERROR_CHARS = 500
ACTIVE = ("confirmed", "waiting")

# Each step takes the schema from version N to N + 1 (PRAGMA user_version), inside one transaction.
# Never edit a step that was released: add a new one.
MIGRATIONS: List[List[str]] = [
    # 1: sessions (the snapshot of each booked or synced session) and registrations.
    [
        """CREATE TABLE sessions (
            session_id TEXT PRIMARY KEY,
            course_id TEXT NOT NULL,
            course_title TEXT NOT NULL,              -- JSON {"fr": ..., "nl": ...}
            starts_at TEXT NOT NULL,                 -- as in the feed, with its UTC offset
            starts_at_utc TEXT NOT NULL,             -- comparable with the store's times
            ends_at TEXT,
            ends_at_utc TEXT,
            location TEXT,
            format TEXT,
            language TEXT,
            capacity INTEGER NOT NULL CHECK (capacity >= 0),
            status TEXT NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
            cancelled_at TEXT,
            moved_at TEXT,
            previous_starts_at TEXT,
            missing_from_feed_since TEXT,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX sessions_course ON sessions (course_id, starts_at_utc)",
        """CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            session_id TEXT NOT NULL REFERENCES sessions (session_id),
            status TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled', 'erased')),
            position INTEGER,                        -- waiting-list order in the session, smaller first
            first_name TEXT,
            last_name TEXT,
            email TEXT,
            email_key TEXT,                          -- the email in lower case: what identifies the person
            phone TEXT,
            language TEXT NOT NULL CHECK (language IN ('fr', 'nl')),
            sender_id TEXT,
            created_at TEXT NOT NULL,
            confirmed_at TEXT,
            cancelled_at TEXT,
            cancelled_by TEXT,                       -- person | staff | rebook | erasure
            session_change TEXT CHECK (session_change IN ('cancelled', 'moved', 'reinstated')),
            replaces TEXT,                           -- the reference this booking replaced (change of date)
            erased_at TEXT,
            erased_status TEXT                       -- the status before erasure, for the statistics
        )""",
        # One seat or waiting-list place per email and session; a cancelled row does not count, so
        # someone who cancelled can book the same session again.
        """CREATE UNIQUE INDEX registrations_one_active_per_email
            ON registrations (session_id, email_key) WHERE status IN ('confirmed', 'waiting')""",
        "CREATE INDEX registrations_session ON registrations (session_id, status, position)",
        "CREATE INDEX registrations_email ON registrations (email_key)",
    ],
    # 2: the outbox (mail and webhook messages, written in the transaction of the change they announce).
    [
        # AUTOINCREMENT: ids are never reused after `forget` deletes rows, so a sender that still
        # holds a claimed id cannot mark someone else's message as sent.
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
            event TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            payload TEXT NOT NULL,                   -- JSON: everything the message needs
            registration_id INTEGER REFERENCES registrations (id),
            email TEXT,                              -- the person's email_key, for `forget`
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
            attempts INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            locked_until TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox (status, due_at)",
        "CREATE INDEX outbox_registration ON outbox (registration_id)",
        "CREATE INDEX outbox_email ON outbox (email)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)

_REGISTRATION_SELECT = """
SELECT r.id, r.reference, r.status, r.language, r.first_name, r.last_name, r.email, r.email_key, r.phone,
       r.sender_id, r.position, r.created_at, r.confirmed_at, r.cancelled_at, r.cancelled_by,
       r.session_change, r.replaces,
       CASE WHEN r.status = 'waiting' THEN
           (SELECT count(*) FROM registrations w
             WHERE w.session_id = r.session_id AND w.status = 'waiting' AND w.position <= r.position)
       END AS rank,
       s.session_id, s.course_id, s.course_title, s.starts_at, s.ends_at, s.location, s.format,
       s.language AS session_language, s.capacity, s.status AS session_status
FROM registrations r JOIN sessions s ON s.session_id = r.session_id
"""
_STATUS_ORDER = "CASE r.status WHEN 'confirmed' THEN 0 WHEN 'waiting' THEN 1 WHEN 'cancelled' THEN 2 ELSE 3 END"
# What error texts from mail servers and HTTP libraries often quote: the recipient, a phone number.
_EMAIL_LIKE = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
_PHONE_LIKE = re.compile(r"\+?\d[\d .\-/]{6,}\d")


def migrate(conn: sqlite3.Connection, target: Optional[int] = None) -> int:
    """Brings the schema up to `target` (default: the newest), one transaction per step.

    Safe when several processes open a new file at once: the version is read again once the
    write lock is held.

    Args:
        conn: a connection opened with isolation_level=None.
        target: the version to reach (tests use it to make an older file).

    Returns:
        The schema version after the call.

    Raises:
        SchemaTooNew: the file's version is newer than this code knows.
        StoreUnavailable: the file holds tables of something else (user_version 0).
    """
    target = SCHEMA_VERSION if target is None else target
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"The registrations database is at schema version {version}, newer than the {SCHEMA_VERSION} this "
            "code knows: run the newer version of the assistant, or restore a backup made before the upgrade."
        )
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreUnavailable(
                    "This SQLite file already holds tables that are not a registrations database (its "
                    "user_version is 0): point REGISTRATIONS_DB to a file of its own."
                )
            if version < target:
                for statement in MIGRATIONS[version]:
                    conn.execute(statement)
                version += 1
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


class SQLiteRegistrationStore(RegistrationStore):
    """The registrations store in one SQLite file (see the module docstring for why it is safe).

    Each thread gets its own connection, so one store object can be shared by the threads of a
    server. A forked child opens its own too rather than use its parent's; still, open the store
    after forking (or use multiprocessing's "spawn"), as SQLite asks: a child that closes a
    connection it inherited can disturb its parent's.
    """

    def __init__(self, path: Union[str, Path], *, webhook_events: bool = False,
                 reminder_before: timedelta = timedelta(days=1), busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
                 reference_factory: Callable[[], str] = new_reference):
        """Opens (creating it and its folder if needed) and migrates the database.

        Args:
            path: the SQLite file.
            webhook_events: also enqueue a webhook row for each event (the hub's backend).
            reminder_before: how long before a session its reminder email is due.
            busy_timeout: seconds a write waits for another writer before giving up.
            reference_factory: makes reference codes (tests give one that repeats itself).

        Raises:
            StoreUnavailable: the file cannot be opened or is not a registrations database.
            SchemaTooNew: the file was written by a newer version.
        """
        self.path = Path(path)
        self.webhook_events = webhook_events
        self.reminder_before = reminder_before
        self.busy_timeout = busy_timeout
        self._new_reference = reference_factory
        self._local = threading.local()
        self._connections: List[Tuple[int, sqlite3.Connection]] = []
        self._connections_lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(
                f"Cannot create the folder of the registrations database {self.path}: {error}. "
                "Set REGISTRATIONS_DB to a writable path."
            ) from error
        conn = self._connection()
        try:
            migrate(conn)
        except sqlite3.Error as error:
            self.close()
            raise self._unavailable(error, "prepared (schema migration)") from error
        except StoreUnavailable:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteRegistrationStore({str(self.path)!r}, webhook_events={self.webhook_events})"

    # --- Connections and transactions ----------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (a new one in a forked child: SQLite connections do not survive fork)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        conn = None
        try:
            conn = sqlite3.connect(str(self.path), timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            # WAL is a property of the file: set once, then every connection finds it.
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:
            if conn is not None:
                conn.close()
            raise self._unavailable(error, "opened") from error
        self._local.conn, self._local.pid = conn, os.getpid()
        with self._connections_lock:
            self._connections.append((os.getpid(), conn))
        return conn

    def close(self) -> None:
        """Closes every connection this store opened in this process."""
        with self._connections_lock:
            mine = [conn for pid, conn in self._connections if pid == os.getpid()]
            self._connections = []
        for conn in mine:
            conn.close()
        self._local = threading.local()

    def _unavailable(self, error: sqlite3.Error, doing: str) -> StoreUnavailable:
        """The error to raise for a database failure, with what to do about it."""
        text = str(error)
        if "locked" in text or "busy" in text:
            hint = (f"another process kept it locked longer than the busy timeout ({self.busy_timeout:g} s); "
                    "try again, and look for a stuck process holding the file")
        elif "not a database" in text or "malformed" in text:
            hint = "the file is not a registrations database or is damaged; restore it from a backup"
        else:
            hint = "check that the file and its folder exist and are writable"
        return StoreUnavailable(
            f"The registrations database {self.path} could not be {doing}: {text}. Nothing was changed; {hint}."
        )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that holds SQLite's write lock from its first statement (BEGIN IMMEDIATE)."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._unavailable(error, "written") from error
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as error:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the original error says more than the failed rollback
            if isinstance(error, sqlite3.Error):
                raise self._unavailable(error, "written") from error
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same snapshot."""
        conn = self._connection()
        try:
            conn.execute("BEGIN")
            yield conn
        except sqlite3.Error as error:
            raise self._unavailable(error, "read") from error
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    # --- Reading rows ---------------------------------------------------------------------------

    def _registration(self, conn: sqlite3.Connection, registration_id: int) -> Registration:
        row = conn.execute(_REGISTRATION_SELECT + " WHERE r.id = ?", (registration_id,)).fetchone()
        return _registration_from_row(row)

    def _row_by_reference(self, conn: sqlite3.Connection, reference: str) -> sqlite3.Row:
        """The registrations row with this (normalised) reference, that still has its personal data."""
        row = conn.execute("SELECT * FROM registrations WHERE reference = ?", (reference,)).fetchone()
        if row is None or row["status"] == "erased":
            raise NotFound.for_reference(reference)
        return row

    @staticmethod
    def _session_row(conn: sqlite3.Connection, session_id: str) -> sqlite3.Row:
        return conn.execute("SELECT * FROM sessions WHERE session_id = ?", (session_id,)).fetchone()

    @staticmethod
    def _counts(conn: sqlite3.Connection, session_id: str) -> Tuple[int, int]:
        """(confirmed, waiting) of a session."""
        row = conn.execute(
            "SELECT coalesce(sum(status = 'confirmed'), 0), coalesce(sum(status = 'waiting'), 0) "
            "FROM registrations WHERE session_id = ? AND status IN ('confirmed', 'waiting')",
            (session_id,),
        ).fetchone()
        return row[0], row[1]

    # --- Sessions -------------------------------------------------------------------------------

    def _insert_session(self, conn: sqlite3.Connection, session: Session, values: dict, now: str) -> None:
        columns = dict(values, session_id=session.session_id, first_seen_at=now, updated_at=now)
        if session.status == "cancelled":
            columns["cancelled_at"] = now
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        conn.execute(f"INSERT INTO sessions ({names}) VALUES ({marks})", tuple(columns.values()))

    def _store_session_for_booking(self, conn: sqlite3.Connection, session: Session, values: dict,
                                   now: datetime) -> sqlite3.Row:
        """Stores the snapshot a booking came with, and returns the stored row.

        A known session takes the snapshot's capacity and descriptive fields, not its date or status:
        those changes notify people and are `sync_sessions`' to apply (a stale snapshot must not
        move a session back and mail everyone).
        """
        row = self._session_row(conn, session.session_id)
        if row is None:
            self._insert_session(conn, session, values, _iso(now))
        else:
            kept = {key: values[key] for key in ("course_id", "course_title", "location", "format", "language",
                                                 "capacity")}
            changed = {key: value for key, value in kept.items() if row[key] != value}
            if changed:
                sets = ", ".join(f"{key} = ?" for key in changed)
                conn.execute(f"UPDATE sessions SET {sets}, updated_at = ? WHERE session_id = ?",
                             (*changed.values(), _iso(now), session.session_id))
        return self._session_row(conn, session.session_id)

    # --- Outbox rows ----------------------------------------------------------------------------

    def _enqueue(self, conn: sqlite3.Connection, event: str, registration_id: int, now: datetime, *,
                 email: bool = True, webhook: bool = True, due_at: Optional[datetime] = None,
                 repeatable: bool = False, extra: Optional[dict] = None, anonymous: bool = False) -> None:
        """Writes the outbox rows announcing `event` for one registration (its state now).

        Args:
            email, webhook: which kinds to write (webhook rows only if the store has webhook_events).
            due_at: when to send (default: now).
            repeatable: the event can happen more than once to the same registration (reminder,
                session moved or cancelled): the second one's key ends in ":2", and so on.
            extra: event-specific payload fields.
            anonymous: no personal data in the payload nor in the row (erasure).
        """
        row = conn.execute("SELECT * FROM registrations WHERE id = ?", (registration_id,)).fetchone()
        session = self._session_row(conn, row["session_id"])
        kinds = [kind for kind, wanted in (("email", email), ("webhook", webhook and self.webhook_events)) if wanted]
        for kind in kinds:
            key = f"{event}:{row['reference']}:{kind}"
            if repeatable:
                earlier = conn.execute(
                    "SELECT count(*) FROM outbox WHERE registration_id = ? AND event = ? AND kind = ?",
                    (registration_id, event, kind),
                ).fetchone()[0]
                if earlier:
                    key += f":{earlier + 1}"
            payload = {
                "event": event,
                "idempotency_key": key,
                "occurred_at": _iso(now),
                "reference": row["reference"],
                "status": row["status"],
                "language": row["language"],
                "person": None if anonymous else {
                    "first_name": row["first_name"], "last_name": row["last_name"],
                    "email": row["email"], "phone": row["phone"],
                },
                "session": _session_payload(session),
            }
            payload.update(extra or {})
            conn.execute(
                "INSERT INTO outbox (kind, event, idempotency_key, payload, registration_id, email, status,"
                " attempts, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                (kind, event, key, json.dumps(payload, ensure_ascii=False), registration_id,
                 None if anonymous else row["email_key"], _iso(due_at or now), _iso(now)),
            )

    def _enqueue_reminder(self, conn: sqlite3.Connection, registration_id: int, starts_at_utc: str,
                          now: datetime) -> None:
        """The reminder email, due `reminder_before` the start; none when that time has passed already
        (booked or moved less than a day ahead: the confirmation is fresh, a reminder would repeat it)."""
        due = _parse_time(starts_at_utc, "starts_at") - self.reminder_before
        if due > now:
            self._enqueue(conn, "reminder", registration_id, now, webhook=False, due_at=due, repeatable=True)

    @staticmethod
    def _cancel_reminders(conn: sqlite3.Connection, registration_id: int) -> None:
        conn.execute(
            "UPDATE outbox SET status = 'cancelled', locked_until = NULL "
            "WHERE registration_id = ? AND event = 'reminder' AND status = 'pending'",
            (registration_id,),
        )

    # --- Booking, cancelling, promoting ---------------------------------------------------------

    def _insert_registration(self, conn: sqlite3.Connection, session_id: str, person: Person, status: str,
                             position: Optional[int], now: datetime, replaces: Optional[str]) -> int:
        """Inserts a registration under a new reference code, retrying when the code is taken."""
        for _ in range(REFERENCE_TRIES):
            try:
                cursor = conn.execute(
                    "INSERT INTO registrations (reference, session_id, status, position, first_name, last_name,"
                    " email, email_key, phone, language, sender_id, created_at, confirmed_at, replaces)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (self._new_reference(), session_id, status, position, person.first_name, person.last_name,
                     person.email, _email_key(person.email), person.phone, person.language, person.sender_id,
                     _iso(now), _iso(now) if status == "confirmed" else None, replaces),
                )
                return cursor.lastrowid
            except sqlite3.IntegrityError as error:
                if "registrations.reference" not in str(error):
                    raise
        raise StoreUnavailable(
            f"No free reference code was found in {REFERENCE_TRIES} tries: the code space is nearly used up "
            "or the code generator repeats itself; nothing was booked."
        )

    def _book_in(self, conn: sqlite3.Connection, session: sqlite3.Row, person: Person, now: datetime, *,
                 join_waiting_list: bool, snapshot: dict,
                 replaces: Optional[sqlite3.Row] = None) -> BookingResult:
        """The booking itself, inside the caller's write transaction.

        `session` is the stored row, `snapshot` the caller's values: either one saying the session is
        cancelled or has started makes it unavailable (the stored one may not be synced yet, the
        caller's may be stale).
        """
        session_id = session["session_id"]
        reason = None
        if "cancelled" in (session["status"], snapshot["status"]):
            reason = "session_cancelled"
        elif min(session["starts_at_utc"], snapshot["starts_at_utc"]) <= _iso(now):
            reason = "session_started"
        if reason:
            return BookingResult("unavailable", None, 0, self._counts(conn, session_id)[1], reason)
        existing = conn.execute(
            "SELECT id FROM registrations WHERE session_id = ? AND email_key = ? AND status IN ('confirmed', 'waiting')",
            (session_id, _email_key(person.email)),
        ).fetchone()
        if existing is not None:
            confirmed, waiting = self._counts(conn, session_id)
            return BookingResult("already_booked", self._registration(conn, existing["id"]),
                                 max(0, session["capacity"] - confirmed), waiting)
        # Seats a capacity increase freed go to the people already waiting before anyone new.
        self._promote(conn, session, now)
        confirmed, waiting = self._counts(conn, session_id)
        if confirmed < session["capacity"]:
            status, position = "confirmed", None
        elif join_waiting_list:
            status = "waiting"
            position = conn.execute(
                "SELECT coalesce(max(position), 0) + 1 FROM registrations WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
        else:
            return BookingResult("full", None, 0, waiting)
        registration_id = self._insert_registration(
            conn, session_id, person, status, position, now, replaces["reference"] if replaces else None)
        registration = self._registration(conn, registration_id)
        extra = {}
        if replaces is not None:
            extra["replaces"] = {"reference": replaces["reference"],
                                 "session": _session_payload(self._session_row(conn, replaces["session_id"]))}
        if status == "confirmed":
            self._enqueue(conn, "booking_confirmed", registration_id, now, extra=extra)
            self._enqueue_reminder(conn, registration_id, session["starts_at_utc"], now)
            return BookingResult("confirmed", registration, session["capacity"] - confirmed - 1, waiting)
        self._enqueue(conn, "waitlist_joined", registration_id, now,
                      extra=dict(extra, waiting_position=registration.position))
        return BookingResult("waiting", registration, 0, waiting + 1)

    def _promote(self, conn: sqlite3.Connection, session: sqlite3.Row, now: datetime) -> List[str]:
        """Gives the free seats of a session to its waiting list, first in line first.

        Returns:
            The references promoted.
        """
        if session["status"] != "scheduled" or session["starts_at_utc"] <= _iso(now):
            return []  # no seat to give in a cancelled or started session
        confirmed, waiting = self._counts(conn, session["session_id"])
        free = session["capacity"] - confirmed
        if free <= 0 or not waiting:
            return []
        rows = conn.execute(
            "SELECT id, reference FROM registrations WHERE session_id = ? AND status = 'waiting'"
            " ORDER BY position LIMIT ?",
            (session["session_id"], free),
        ).fetchall()
        for row in rows:
            conn.execute(
                "UPDATE registrations SET status = 'confirmed', position = NULL, confirmed_at = ? WHERE id = ?",
                (_iso(now), row["id"]),
            )
            self._enqueue(conn, "promoted", row["id"], now)
            self._enqueue_reminder(conn, row["id"], session["starts_at_utc"], now)
        return [row["reference"] for row in rows]

    def _cancel(self, conn: sqlite3.Connection, row: sqlite3.Row, now: datetime, *, by: str,
                notify_person: bool = True, extra: Optional[dict] = None) -> CancelResult:
        """Cancels one registration row (and promotes from the waiting list), inside a write transaction."""
        if row["status"] == "cancelled":
            return CancelResult("already_cancelled", self._registration(conn, row["id"]))
        conn.execute(
            "UPDATE registrations SET status = 'cancelled', position = NULL, cancelled_at = ?, cancelled_by = ?"
            " WHERE id = ?",
            (_iso(now), by, row["id"]),
        )
        self._cancel_reminders(conn, row["id"])
        self._enqueue(conn, "booking_cancelled", row["id"], now, email=notify_person,
                      extra=dict(extra or {}, previous_status=row["status"], cancelled_by=by))
        promoted: List[str] = []
        if row["status"] == "confirmed":
            promoted = self._promote(conn, self._session_row(conn, row["session_id"]), now)
        return CancelResult("cancelled", self._registration(conn, row["id"]), promoted[0] if promoted else None)

    def book(self, session: Session, person: Person, *, join_waiting_list: bool = False,
             now: Optional[datetime] = None) -> BookingResult:
        now = _aware(now)
        values = _session_values(session)
        _check_person(person)
        with self._write() as conn:
            stored = self._store_session_for_booking(conn, session, values, now)
            return self._book_in(conn, stored, person, now, join_waiting_list=join_waiting_list,
                                 snapshot=values)

    def cancel(self, reference: str, email: str, *, now: Optional[datetime] = None) -> CancelResult:
        now = _aware(now)
        code = normalise_reference(reference)
        with self._write() as conn:
            row = self._row_by_reference(conn, code)
            if row["email_key"] != _email_key(email):
                raise WrongEmail(code)
            return self._cancel(conn, row, now, by="person")

    def cancel_as_staff(self, reference: str, *, now: Optional[datetime] = None) -> CancelResult:
        now = _aware(now)
        code = normalise_reference(reference)
        with self._write() as conn:
            return self._cancel(conn, self._row_by_reference(conn, code), now, by="staff")

    def rebook(self, reference: str, email: str, new_session: Session, *, join_waiting_list: bool = False,
               now: Optional[datetime] = None) -> RebookResult:
        now = _aware(now)
        values = _session_values(new_session)
        code = normalise_reference(reference)
        with self._write() as conn:
            old = self._row_by_reference(conn, code)
            if old["email_key"] != _email_key(email):
                raise WrongEmail(code)
            previous = self._registration(conn, old["id"])
            if old["session_id"] == new_session.session_id and old["status"] in ACTIVE:
                confirmed, waiting = self._counts(conn, old["session_id"])
                same = BookingResult("already_booked", previous, max(0, previous.session.capacity - confirmed), waiting)
                return RebookResult("already_booked", previous, same)
            person = Person(old["first_name"], old["last_name"], old["email"], old["phone"], old["language"],
                            old["sender_id"])
            stored = self._store_session_for_booking(conn, new_session, values, now)
            active = old["status"] in ACTIVE
            booking = self._book_in(conn, stored, person, now, join_waiting_list=join_waiting_list,
                                    snapshot=values, replaces=old if active else None)
            if booking.outcome not in ("confirmed", "waiting"):
                return RebookResult(booking.outcome, previous, booking)
            if active:
                self._cancel(conn, old, now, by="rebook", notify_person=False,
                             extra={"replaced_by": booking.reference})
            outcome = "rebooked" if booking.outcome == "confirmed" else "waiting"
            return RebookResult(outcome, self._registration(conn, old["id"]), booking)

    # --- Reading for the bot and staff ----------------------------------------------------------

    def get(self, reference: str) -> Optional[Registration]:
        code = normalise_reference(reference)
        with self._read() as conn:
            row = conn.execute(_REGISTRATION_SELECT + " WHERE r.reference = ?", (code,)).fetchone()
            return _registration_from_row(row) if row else None

    def registrations(self, session_id: Optional[str] = None, course_id: Optional[str] = None,
                      status: Optional[str] = None) -> List[Registration]:
        if status is not None and status not in REGISTRATION_STATUSES:
            raise InvalidRequest(f"Unknown registration status {status!r}: use one of {', '.join(REGISTRATION_STATUSES)}.")
        where, params = [], []
        for column, value in (("s.session_id", session_id), ("s.course_id", course_id), ("r.status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        query = _REGISTRATION_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        query += f" ORDER BY s.starts_at_utc, s.session_id, {_STATUS_ORDER}, r.position, r.id"
        with self._read() as conn:
            return [_registration_from_row(row) for row in conn.execute(query, params)]

    def session_summaries(self, course_id: Optional[str] = None) -> List[SessionSummary]:
        query = """
            SELECT s.*,
                   coalesce(sum(r.status = 'confirmed' OR (r.status = 'erased' AND r.erased_status = 'confirmed')), 0)
                       AS confirmed,
                   coalesce(sum(r.status = 'waiting' OR (r.status = 'erased' AND r.erased_status = 'waiting')), 0)
                       AS waiting
            FROM sessions s LEFT JOIN registrations r ON r.session_id = s.session_id
            WHERE ? IS NULL OR s.course_id = ?
            GROUP BY s.session_id
            ORDER BY s.starts_at_utc, s.session_id
        """
        with self._read() as conn:
            rows = conn.execute(query, (course_id, course_id)).fetchall()
        return [
            SessionSummary(
                session_id=row["session_id"], course_id=row["course_id"],
                course_title=json.loads(row["course_title"]), starts_at=row["starts_at"], ends_at=row["ends_at"],
                status=row["status"], capacity=row["capacity"], confirmed=row["confirmed"], waiting=row["waiting"],
                seats_left=max(0, row["capacity"] - row["confirmed"]) if row["status"] == "scheduled" else 0,
                moved=row["moved_at"] is not None, previous_starts_at=row["previous_starts_at"],
                missing_from_feed=row["missing_from_feed_since"] is not None,
            )
            for row in rows
        ]

    # --- Sync -----------------------------------------------------------------------------------

    def sync_sessions(self, sessions: Sequence[Session], *, now: Optional[datetime] = None) -> SyncResult:
        now = _aware(now)
        stamp = _iso(now)
        checked = [(session, _session_values(session)) for session in sessions]  # refuse before writing
        added = updated = notified = 0
        cancelled, moved, reinstated, missing, back, promoted = [], [], [], [], [], []
        with self._write() as conn:
            stored = {row["session_id"]: row for row in conn.execute("SELECT * FROM sessions")}
            seen = set()
            for session, values in checked:
                seen.add(session.session_id)
                row = stored.get(session.session_id)
                if row is None:
                    self._insert_session(conn, session, values, stamp)
                    stored[session.session_id] = self._session_row(conn, session.session_id)
                    added += 1
                    continue
                changed = {key: value for key, value in values.items() if row[key] != value}
                was_missing = row["missing_from_feed_since"] is not None
                if not changed and not was_missing:
                    continue
                was_cancelled, is_cancelled = row["status"] == "cancelled", session.status == "cancelled"
                has_moved = "starts_at_utc" in changed
                sets = dict(changed, updated_at=stamp, missing_from_feed_since=None)
                if is_cancelled and not was_cancelled:
                    sets["cancelled_at"] = stamp
                if has_moved:
                    sets.update(moved_at=stamp, previous_starts_at=row["starts_at"])
                conn.execute(
                    f"UPDATE sessions SET {', '.join(f'{key} = ?' for key in sets)} WHERE session_id = ?",
                    (*sets.values(), session.session_id),
                )
                new = self._session_row(conn, session.session_id)
                stored[session.session_id] = new
                updated += bool(changed)
                if was_missing:
                    back.append(session.session_id)
                if is_cancelled and not was_cancelled:
                    notified += self._session_cancelled(conn, new, now)
                    cancelled.append(session.session_id)
                elif was_cancelled and not is_cancelled:
                    self._session_reinstated(conn, new, now)
                    reinstated.append(session.session_id)
                elif has_moved and not is_cancelled:
                    notified += self._session_moved(conn, new, row["starts_at"], now)
                    moved.append(session.session_id)
                if new["capacity"] > row["capacity"] or session.session_id in reinstated:
                    promoted += self._promote(conn, new, now)
            for session_id, row in stored.items():
                if session_id not in seen and row["missing_from_feed_since"] is None and row["starts_at_utc"] > stamp:
                    # A session that has taken place leaves the feed normally; one still to come is
                    # flagged for staff, without mailing anyone: the feed may have dropped it by mistake.
                    conn.execute("UPDATE sessions SET missing_from_feed_since = ? WHERE session_id = ?",
                                 (stamp, session_id))
                    missing.append(session_id)
        return SyncResult(added=added, updated=updated, cancelled=cancelled, moved=moved, reinstated=reinstated,
                          missing=missing, back_in_feed=back, promoted=promoted, notified=notified)

    def _active_ids(self, conn: sqlite3.Connection, session_id: str) -> List[sqlite3.Row]:
        return conn.execute(
            "SELECT id, status FROM registrations WHERE session_id = ? AND status IN ('confirmed', 'waiting')"
            " ORDER BY id",
            (session_id,),
        ).fetchall()

    def _session_cancelled(self, conn: sqlite3.Connection, session: sqlite3.Row, now: datetime) -> int:
        rows = self._active_ids(conn, session["session_id"])
        for row in rows:
            conn.execute("UPDATE registrations SET session_change = 'cancelled' WHERE id = ?", (row["id"],))
            self._cancel_reminders(conn, row["id"])
            self._enqueue(conn, "session_cancelled", row["id"], now, repeatable=True)
        return len(rows)

    def _session_moved(self, conn: sqlite3.Connection, session: sqlite3.Row, previous_starts_at: str,
                       now: datetime) -> int:
        rows = self._active_ids(conn, session["session_id"])
        for row in rows:
            conn.execute("UPDATE registrations SET session_change = 'moved' WHERE id = ?", (row["id"],))
            self._enqueue(conn, "session_moved", row["id"], now, repeatable=True,
                          extra={"previous_starts_at": previous_starts_at})
            if row["status"] == "confirmed":
                self._cancel_reminders(conn, row["id"])
                self._enqueue_reminder(conn, row["id"], session["starts_at_utc"], now)
        return len(rows)

    def _session_reinstated(self, conn: sqlite3.Connection, session: sqlite3.Row, now: datetime) -> None:
        # No message event exists for "it takes place after all": staff see the flag and tell people;
        # the reminders come back so that nobody who still holds a seat is left without one.
        for row in self._active_ids(conn, session["session_id"]):
            conn.execute("UPDATE registrations SET session_change = 'reinstated' WHERE id = ?", (row["id"],))
            if row["status"] == "confirmed":
                self._enqueue_reminder(conn, row["id"], session["starts_at_utc"], now)

    # --- Outbox ---------------------------------------------------------------------------------

    def claim_outbox(self, now: datetime, limit: int = 50, lease_seconds: int = 60) -> List[OutboxItem]:
        now = _aware(now)
        stamp = _iso(now)
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, kind, event, idempotency_key, payload, attempts FROM outbox"
                " WHERE status = 'pending' AND due_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
                " ORDER BY due_at, id LIMIT ?",
                (stamp, stamp, limit),
            ).fetchall()
            if rows:
                until = _iso(now + timedelta(seconds=lease_seconds))
                conn.executemany("UPDATE outbox SET locked_until = ? WHERE id = ?", [(until, row["id"]) for row in rows])
        return [OutboxItem(row["id"], row["kind"], row["event"], row["idempotency_key"], json.loads(row["payload"]),
                           row["attempts"]) for row in rows]

    def outbox_sent(self, item_id: int, now: datetime) -> bool:
        now = _aware(now)
        # Marked sent whatever its status: it was delivered (even a reminder cancelled meanwhile).
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, locked_until = NULL WHERE id = ?",
                (_iso(now), item_id),
            )
            return cursor.rowcount == 1

    def outbox_failed(self, item_id: int, error: str, retry_at: Optional[datetime]) -> bool:
        retry = None if retry_at is None else _iso(_aware(retry_at))
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, locked_until = NULL,"
                " status = CASE WHEN ? IS NULL THEN 'failed' ELSE status END, due_at = coalesce(?, due_at)"
                " WHERE id = ? AND status = 'pending'",
                (scrub_error(error), retry, retry, item_id),
            )
            return cursor.rowcount == 1

    def outbox(self, status: Optional[str] = None, *, limit: int = 200) -> List[OutboxEntry]:
        if status is not None and status not in OUTBOX_STATUSES:
            raise InvalidRequest(f"Unknown outbox status {status!r}: use one of {', '.join(OUTBOX_STATUSES)}.")
        with self._read() as conn:
            rows = conn.execute(
                "SELECT o.id, o.kind, o.event, r.reference, o.status, o.attempts, o.last_error, o.due_at,"
                " o.created_at, o.sent_at FROM outbox o LEFT JOIN registrations r ON r.id = o.registration_id"
                " WHERE ? IS NULL OR o.status = ? ORDER BY o.id DESC LIMIT ?",
                (status, status, limit),
            ).fetchall()
        return [OutboxEntry(**dict(row)) for row in rows]

    def outbox_counts(self) -> Dict[str, int]:
        with self._read() as conn:
            counts = dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
        return {status: counts.get(status, 0) for status in OUTBOX_STATUSES}

    def retry_outbox(self, item_id: Optional[int] = None, *, now: Optional[datetime] = None) -> int:
        now = _aware(now)
        with self._write() as conn:
            if item_id is not None and conn.execute("SELECT 1 FROM outbox WHERE id = ?", (item_id,)).fetchone() is None:
                raise NotFound(f"No outbox row has the id {item_id}: list them with `registrations outbox`.")
            cursor = conn.execute(
                "UPDATE outbox SET status = 'pending', attempts = 0, due_at = ?, locked_until = NULL"
                " WHERE status = 'failed' AND (? IS NULL OR id = ?)",
                (_iso(now), item_id, item_id),
            )
            return cursor.rowcount

    # --- Erasure and retention ------------------------------------------------------------------

    def forget(self, email: str, *, now: Optional[datetime] = None) -> ForgetResult:
        now = _aware(now)
        stamp = _iso(now)
        key = _email_key(email)
        if not key:
            raise InvalidRequest("forget needs the person's email address; an empty one was given.")
        with self._write() as conn:
            rows = conn.execute(
                "SELECT r.*, s.starts_at_utc FROM registrations r JOIN sessions s ON s.session_id = r.session_id"
                " WHERE r.email_key = ? AND r.status != 'erased' ORDER BY r.id",
                (key,),
            ).fetchall()
            sender_ids = sorted({row["sender_id"] for row in rows if row["sender_id"]})
            released: Dict[str, None] = {}  # sessions where a seat was freed, in order
            withdrawn: List[int] = []
            cancelled = waiting_removed = 0
            for row in rows:
                if row["status"] in ACTIVE and row["starts_at_utc"] > stamp:
                    conn.execute(
                        "UPDATE registrations SET status = 'cancelled', position = NULL, cancelled_at = ?,"
                        " cancelled_by = 'erasure' WHERE id = ?",
                        (stamp, row["id"]),
                    )
                    withdrawn.append(row["id"])
                    if row["status"] == "confirmed":
                        cancelled += 1
                        released[row["session_id"]] = None
                    else:
                        waiting_removed += 1
            deleted = conn.execute(
                "DELETE FROM outbox WHERE email = ? OR registration_id IN (SELECT id FROM registrations WHERE email_key = ?)",
                (key, key),
            ).rowcount
            conn.execute(
                "UPDATE registrations SET first_name = NULL, last_name = NULL, email = NULL, email_key = NULL,"
                " phone = NULL, sender_id = NULL, erased_status = status, status = 'erased', erased_at = ?"
                " WHERE email_key = ? AND status != 'erased'",
                (stamp, key),
            )
            for registration_id in withdrawn:
                # The backend still learns that the seat is free, without anything about the person.
                self._enqueue(conn, "booking_cancelled", registration_id, now, email=False, anonymous=True,
                              extra={"status": "cancelled", "cancelled_by": "erasure"})
            promoted: List[str] = []
            for session_id in released:
                promoted += self._promote(conn, self._session_row(conn, session_id), now)
        return ForgetResult(registrations_erased=len(rows), bookings_cancelled=cancelled,
                            waiting_removed=waiting_removed, outbox_deleted=deleted, promoted=promoted,
                            sender_ids=sender_ids)

    def forget_older_than(self, days: int, *, now: Optional[datetime] = None) -> RetentionResult:
        now = _aware(now)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise InvalidRequest(f"forget_older_than needs a whole number of days >= 0, got {days!r}.")
        cutoff = _iso(now - timedelta(days=days))
        old_sessions = ("session_id IN (SELECT session_id FROM sessions"
                        " WHERE coalesce(ends_at_utc, starts_at_utc) < ?)")
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT id, sender_id FROM registrations WHERE status != 'erased' AND {old_sessions}", (cutoff,)
            ).fetchall()
            deleted = conn.execute(
                f"DELETE FROM outbox WHERE registration_id IN (SELECT id FROM registrations WHERE {old_sessions})",
                (cutoff,),
            ).rowcount
            conn.execute(
                "UPDATE registrations SET first_name = NULL, last_name = NULL, email = NULL, email_key = NULL,"
                " phone = NULL, sender_id = NULL, erased_status = status, status = 'erased', erased_at = ?"
                f" WHERE status != 'erased' AND {old_sessions}",
                (_iso(now), cutoff),
            )
        return RetentionResult(registrations_erased=len(rows), outbox_deleted=deleted,
                               sender_ids=sorted({row["sender_id"] for row in rows if row["sender_id"]}))


# --- Helpers ------------------------------------------------------------------------------------


def _aware(moment: Optional[datetime]) -> datetime:
    """`moment`, or the current time; refuses naive datetimes (whose zone the store cannot know)."""
    if moment is None:
        return datetime.now(timezone.utc)
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidRequest(
            f"Times given to the registrations store must be timezone-aware datetimes, got {moment!r}: "
            "use datetime.now(timezone.utc)."
        )
    return moment


def _iso(moment: datetime) -> str:
    """The store's way of writing a time: UTC, to the second ("2026-12-02T09:15:00+00:00"), so that
    text order is time order."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _parse_time(text: str, what: str) -> datetime:
    """Reads an ISO 8601 time with its UTC offset ("Z" allowed)."""
    if not isinstance(text, str):
        raise InvalidRequest(f"Session.{what} must be an ISO 8601 text with a UTC offset, got {text!r}.")
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequest(
            f"Session.{what} {text!r} is not an ISO 8601 time with a UTC offset (e.g. 2027-01-12T18:00:00+01:00): "
            "pass the feed's value unchanged."
        )
    return moment


def _session_values(session: Session) -> dict:
    """The sessions-table columns of a snapshot, after checking it."""
    if not isinstance(session, Session):
        raise InvalidRequest(f"Expected a registrations.store.Session, got {type(session).__name__}.")
    if not session.session_id or not isinstance(session.session_id, str):
        raise InvalidRequest("Session.session_id must be the feed's id of the info session (a non-empty text).")
    if not session.course_id or not isinstance(session.course_id, str):
        raise InvalidRequest(f"Session {session.session_id}: course_id must be the course's id (a non-empty text).")
    if isinstance(session.capacity, bool) or not isinstance(session.capacity, int) or session.capacity < 0:
        raise InvalidRequest(f"Session {session.session_id}: capacity must be a whole number >= 0, got {session.capacity!r}.")
    if session.status not in SESSION_STATUSES:
        raise InvalidRequest(
            f"Session {session.session_id}: status must be one of {', '.join(SESSION_STATUSES)}, got {session.status!r}."
        )
    if not isinstance(session.course_title, dict):
        raise InvalidRequest(f"Session {session.session_id}: course_title must be a dict like {{'fr': ..., 'nl': ...}}.")
    starts = _parse_time(session.starts_at, "starts_at")
    ends = _parse_time(session.ends_at, "ends_at") if session.ends_at else None
    return {
        "course_id": session.course_id,
        "course_title": json.dumps(session.course_title, ensure_ascii=False, sort_keys=True),
        "starts_at": session.starts_at,
        "starts_at_utc": _iso(starts),
        "ends_at": session.ends_at,
        "ends_at_utc": _iso(ends) if ends else None,
        "location": session.location,
        "format": session.format,
        "language": session.language,
        "capacity": session.capacity,
        "status": session.status,
    }


def _check_person(person: Person) -> None:
    """Refuses a Person the store cannot book (the messages never quote the personal fields)."""
    if not isinstance(person, Person):
        raise InvalidRequest(f"Expected a registrations.store.Person, got {type(person).__name__}.")
    if person.language not in LANGUAGES:
        raise InvalidRequest(f"Person.language must be one of {', '.join(LANGUAGES)} (the conversation's), got {person.language!r}.")
    if not isinstance(person.email, str) or "@" not in person.email:
        raise InvalidRequest("Person.email is not an email address: validate it (registrations.contact) before booking.")
    for name in ("first_name", "last_name"):
        if not isinstance(getattr(person, name), str) or not getattr(person, name).strip():
            raise InvalidRequest(f"Person.{name} is empty: ask for it before booking.")


def _email_key(email: Optional[str]) -> str:
    """What identifies a person: their email without surrounding spaces, in lower case."""
    return (email or "").strip().lower()


def scrub_error(error: str) -> str:
    """An error text fit to store and show: email addresses and phone numbers masked, at most 500 characters."""
    text = _EMAIL_LIKE.sub("<email>", str(error))
    text = _PHONE_LIKE.sub("<number>", text)
    return text[:MAX_ERROR_CHARS]


def _session_payload(session: sqlite3.Row) -> dict:
    return {
        "id": session["session_id"], "course_id": session["course_id"],
        "course_title": json.loads(session["course_title"]), "starts_at": session["starts_at"],
        "ends_at": session["ends_at"], "location": session["location"], "format": session["format"],
        "language": session["language"],
    }


def _registration_from_row(row: sqlite3.Row) -> Registration:
    session = Session(
        session_id=row["session_id"], course_id=row["course_id"], course_title=json.loads(row["course_title"]),
        starts_at=row["starts_at"], ends_at=row["ends_at"], location=row["location"], format=row["format"],
        language=row["session_language"], capacity=row["capacity"], status=row["session_status"],
    )
    return Registration(
        reference=row["reference"], status=row["status"], session=session, language=row["language"],
        first_name=row["first_name"], last_name=row["last_name"], email=row["email"], phone=row["phone"],
        sender_id=row["sender_id"], position=row["rank"], created_at=row["created_at"],
        confirmed_at=row["confirmed_at"], cancelled_at=row["cancelled_at"], cancelled_by=row["cancelled_by"],
        session_change=row["session_change"], replaces=row["replaces"],
    )
