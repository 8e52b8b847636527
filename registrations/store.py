"""The registrations store interface: its values, its errors, its verbs, and `open_store` to get one.

The bot's actions, the staff CLI and the outbox sender only talk to a `RegistrationStore`, never to
SQL, so that a PostgreSQL backend can be added for several servers without touching them (the
same shape as Rasa's tracker and lock stores). `SQLiteRegistrationStore` (sqlite_store.py) is the
backend used today.

Personal data (names, emails, phones, conversation ids) is left out of every `repr` and every
error message, so that logging a result or an exception never writes it to a log.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, List, Optional, Union

from registrations.config import REPO_ROOT

# Under the checkout, not the current directory: the bot, the sender and the staff CLI find the same
# file wherever they are started from (as OUTBOX_DIR and the bot's CATALOGUE_DB do).
DEFAULT_DB_PATH = REPO_ROOT / "var" / "registrations.db"
LANGUAGES = ("fr", "nl")
SESSION_STATUSES = ("scheduled", "cancelled")
REGISTRATION_STATUSES = ("confirmed", "waiting", "cancelled", "erased")
OUTBOX_STATUSES = ("pending", "sent", "failed", "cancelled")
EVENTS = (
    "booking_confirmed", "waitlist_joined", "promoted", "booking_cancelled",
    "reminder", "session_cancelled", "session_moved",
)


# --- Values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """A snapshot of one catalogue info session, as the caller read it at booking or sync time.

    Attributes:
        session_id: the feed's id of the info session.
        course_id: the feed's id of its course.
        course_title: {"fr": ..., "nl": ...} (one may be missing).
        starts_at: ISO 8601 with its UTC offset, as in the feed.
        ends_at: the same, or None.
        location: free text from the feed, or None.
        format: "onsite" | "online" | None.
        language: "fr" | "nl" | "en" | None: the language the session is given in.
        capacity: the seats the bot may book.
        status: "scheduled" | "cancelled".
    """

    session_id: str
    course_id: str
    course_title: dict
    starts_at: str
    ends_at: Optional[str]
    location: Optional[str]
    format: Optional[str]
    language: Optional[str]
    capacity: int
    status: str = "scheduled"


@dataclass(frozen=True)
class Person:
    """Who books: already validated and normalised by the caller (email, E.164 phone).

    Attributes:
        first_name, last_name: as typed.
        email: the address every message goes to; also what proves the booking is theirs.
        phone: E.164 ("+32470123456") or None.
        language: "fr" | "nl": the conversation's language, used for every message.
        sender_id: the Rasa conversation id, so that `forget` can erase the conversation too.
    """

    first_name: str = field(repr=False)
    last_name: str = field(repr=False)
    email: str = field(repr=False)
    phone: Optional[str] = field(repr=False)
    language: str
    sender_id: Optional[str] = field(default=None, repr=False)


@dataclass(frozen=True)
class Registration:
    """One booking or waiting-list entry, with the stored snapshot of its session.

    Attributes:
        reference: the code the person was given, e.g. "K7P2QX".
        status: "confirmed" | "waiting" | "cancelled" | "erased" (personal fields are then None).
        session: the session as the store last saw it (after syncs: the current date and status).
        language: "fr" | "nl".
        position: the place on the waiting list (1 = next to get a seat), waiting entries only.
        created_at, confirmed_at, cancelled_at: ISO UTC times.
        cancelled_by: "person" | "staff" | "rebook" | "erasure" | None.
        session_change: set by a sync: "cancelled" | "moved" | "reinstated" | None.
        replaces: the reference of the booking this one replaced (change of date), or None.
    """

    reference: str
    status: str
    session: Session
    language: str
    first_name: Optional[str] = field(repr=False)
    last_name: Optional[str] = field(repr=False)
    email: Optional[str] = field(repr=False)
    phone: Optional[str] = field(repr=False)
    sender_id: Optional[str] = field(repr=False)
    position: Optional[int]
    created_at: str
    confirmed_at: Optional[str]
    cancelled_at: Optional[str]
    cancelled_by: Optional[str]
    session_change: Optional[str]
    replaces: Optional[str]

    @property
    def session_id(self) -> str:
        """The session's id."""
        return self.session.session_id

    @property
    def course_id(self) -> str:
        """The course's id."""
        return self.session.course_id

    @property
    def active(self) -> bool:
        """Whether it holds a seat or a place on the waiting list."""
        return self.status in ("confirmed", "waiting")


@dataclass(frozen=True)
class BookingResult:
    """What `book` did.

    Attributes:
        outcome: "confirmed" (a seat), "already_booked" (this email already has a seat or a place on
            the waiting list of this session: `registration` is that one, nothing new was written),
            "waiting" (joined the waiting list), "full" (no seat, and not joining the waiting list:
            nothing written), "unavailable" (the session is cancelled or has started: see `reason`).
        registration: the booking, None for "full" and "unavailable".
        seats_left: seats still free after this call (0 when unavailable).
        waiting: how many people are on the waiting list after this call.
        reason: for "unavailable": "session_cancelled" | "session_started"; else None.
    """

    outcome: str
    registration: Optional[Registration]
    seats_left: int
    waiting: int
    reason: Optional[str] = None

    @property
    def reference(self) -> Optional[str]:
        """The booking's reference code, if there is a booking."""
        return self.registration.reference if self.registration else None

    @property
    def position(self) -> Optional[int]:
        """The place on the waiting list (1 = next), when waiting."""
        return self.registration.position if self.registration else None


@dataclass(frozen=True)
class CancelResult:
    """What `cancel` did.

    Attributes:
        outcome: "cancelled", or "already_cancelled" (nothing changed).
        registration: the registration after the call.
        promoted: the reference of the waiting-list entry that got the freed seat, or None. (Only
            the reference: the chat that cancels must not learn who got the seat.)
    """

    outcome: str
    registration: Registration
    promoted: Optional[str] = None


@dataclass(frozen=True)
class RebookResult:
    """What `rebook` (change of date) did.

    Attributes:
        outcome: "rebooked" (a seat at the new session, the old booking cancelled), "waiting" (on
            the new session's waiting list, only with join_waiting_list=True; the old booking
            cancelled), or, with nothing changed: "full", "unavailable", "already_booked" (this
            email already holds the new session: `booking.registration` is that booking).
        previous: the old registration after the call.
        booking: the result of booking the new session.
    """

    outcome: str
    previous: Registration
    booking: BookingResult


@dataclass(frozen=True)
class SessionSummary:
    """A session's seats as staff see them.

    `confirmed` and `waiting` also count the anonymised rows of past sessions, so that statistics
    survive erasure and retention.
    """

    session_id: str
    course_id: str
    course_title: dict
    starts_at: str
    ends_at: Optional[str]
    status: str
    capacity: int
    confirmed: int
    waiting: int
    seats_left: int
    moved: bool
    previous_starts_at: Optional[str]
    missing_from_feed: bool

    @property
    def flags(self) -> List[str]:
        """The names of the flags staff should see: "cancelled", "moved", "missing_from_feed", "overbooked"."""
        names = []
        if self.status == "cancelled":
            names.append("cancelled")
        if self.moved:
            names.append("moved")
        if self.missing_from_feed:
            names.append("missing_from_feed")
        if self.confirmed > self.capacity:
            names.append("overbooked")  # the feed lowered the capacity below the seats taken
        return names


@dataclass(frozen=True)
class OutboxItem:
    """One message to deliver, as the sender claims it (see the contract).

    Attributes:
        id: the outbox row.
        kind: "email" | "webhook".
        event: one of EVENTS.
        idempotency_key: unique per message; the webhook sends it to the backend.
        payload: everything the message needs (a snapshot taken when it was enqueued).
        attempts: failed attempts so far.
    """

    id: int
    kind: str
    event: str
    idempotency_key: str
    payload: dict = field(repr=False)
    attempts: int


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row as staff list it: no payload, hence no personal data."""

    id: int
    kind: str
    event: str
    reference: Optional[str]
    status: str
    attempts: int
    last_error: Optional[str]
    due_at: str
    created_at: str
    sent_at: Optional[str]


@dataclass(frozen=True)
class SyncResult:
    """What `sync_sessions` changed.

    Attributes:
        added, updated: sessions newly stored, and stored sessions whose snapshot changed.
        cancelled, moved, reinstated: ids of the sessions the feed cancelled, moved, or scheduled again.
        missing: ids of the sessions newly flagged missing_from_feed.
        back_in_feed: ids of flagged sessions the feed has again.
        promoted: references promoted from waiting lists (capacity increases).
        notified: registrations told of a cancelled or moved session (one message each).
    """

    added: int = 0
    updated: int = 0
    cancelled: List[str] = field(default_factory=list)
    moved: List[str] = field(default_factory=list)
    reinstated: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    back_in_feed: List[str] = field(default_factory=list)
    promoted: List[str] = field(default_factory=list)
    notified: int = 0


@dataclass(frozen=True)
class ForgetResult:
    """What `forget` did.

    Attributes:
        registrations_erased: rows anonymised (every registration of the person).
        bookings_cancelled: future confirmed bookings cancelled (their seats released).
        waiting_removed: future waiting-list entries removed.
        outbox_deleted: outbox rows deleted (every message to or about the person).
        promoted: references of the people who got a released seat (their messages are kept).
        sender_ids: the person's conversation ids, for the caller to delete from the tracker store.
    """

    registrations_erased: int
    bookings_cancelled: int
    waiting_removed: int
    outbox_deleted: int
    promoted: List[str]
    sender_ids: List[str] = field(repr=False)


@dataclass(frozen=True)
class RetentionResult:
    """What `forget_older_than` did: rows anonymised, outbox rows deleted, conversation ids to delete."""

    registrations_erased: int
    outbox_deleted: int
    sender_ids: List[str] = field(repr=False)


# --- Errors -------------------------------------------------------------------------------------


class RegistrationError(Exception):
    "Base class of the errors the registrations store raises"


class NotFound(RegistrationError):
    "No registration has this reference (or no outbox row has this id)"

    def __init__(self, message: str, reference: Optional[str] = None):
        super().__init__(message)
        self.reference = reference

    @classmethod
    def for_reference(cls, reference: str) -> "NotFound":
        """The error for an unknown (or erased) reference code."""
        return cls(
            f"No registration has the reference {reference!r}: check the code in the confirmation "
            "email (6 letters and digits, e.g. K7P2QX).",
            reference,
        )


class WrongEmail(RegistrationError):
    "The email given is not the one the booking was made with (which one it is, is never said)"

    def __init__(self, reference: str):
        super().__init__(
            f"The email address given is not the one used for the booking {reference}: ask for the "
            "address the confirmation email was sent to."
        )
        self.reference = reference


class InvalidRequest(RegistrationError, ValueError):
    "An argument the store cannot accept (naive datetime, unknown language, negative capacity...)"


class StoreUnavailable(RegistrationError):
    "The registrations database cannot be opened, read or written: nothing was changed"


class SchemaTooNew(StoreUnavailable):
    "The database was written by a newer version of this code"


# --- The interface ------------------------------------------------------------------------------


class RegistrationStore(abc.ABC):
    """The verbs of the system of record for info-session bookings (one class per database).

    Every method that reads then writes runs in one transaction that no other process can
    interleave with, and writes the outbox rows announcing its change in that same transaction.
    `now` arguments are timezone-aware datetimes (default: the current time); naive ones are refused.
    """

    webhook_events: bool
    reminder_before: timedelta

    # Bookings

    @abc.abstractmethod
    def book(self, session: Session, person: Person, *, join_waiting_list: bool = False,
             now: Optional[datetime] = None) -> BookingResult:
        """Takes a seat at `session` for `person`, or a place on its waiting list.

        The session snapshot is stored (capacity, titles...) in the same transaction; a change of
        date or a cancellation is only applied by `sync_sessions`. A capacity increase first
        gives the new seats to the waiting list, in order. Writes the "booking_confirmed" (and
        "reminder") or "waitlist_joined" outbox rows.

        Args:
            session: the session as read from the catalogue at booking time.
            person: who books.
            join_waiting_list: when the session is full, join its waiting list instead of getting "full".
            now: the time of the booking.

        Returns:
            A BookingResult; see its outcomes.

        Raises:
            InvalidRequest: a field of `session` or `person` the store cannot use.
            StoreUnavailable: the database could not be written; nothing was saved.
        """

    @abc.abstractmethod
    def cancel(self, reference: str, email: str, *, now: Optional[datetime] = None) -> CancelResult:
        """Cancels a booking (or leaves a waiting list), proven by its reference and email.

        The seat goes to the first on the waiting list ("promoted" message). Harmless when repeated.

        Args:
            reference: the code as typed: case, spaces and dashes do not matter.
            email: the address the booking was made with (case does not matter).

        Raises:
            NotFound: no registration has this reference (or it was erased).
            WrongEmail: the email is not the booking's.
        """

    @abc.abstractmethod
    def cancel_as_staff(self, reference: str, *, now: Optional[datetime] = None) -> CancelResult:
        """Cancels a booking for staff (no email needed); the person is told ("cancelled_by": "staff").

        Raises:
            NotFound: no registration has this reference (or it was erased).
        """

    @abc.abstractmethod
    def rebook(self, reference: str, email: str, new_session: Session, *, join_waiting_list: bool = False,
               now: Optional[datetime] = None) -> RebookResult:
        """Change of date: books `new_session` for the same person and cancels the old booking, at once.

        If the new session is full (and join_waiting_list is False) or unavailable, nothing changes.
        The person gets one message: the new "booking_confirmed" with "replaces" in its payload (the
        backend gets "booking_cancelled" with "replaced_by" for the old one).

        Raises:
            NotFound, WrongEmail: as `cancel`.
        """

    @abc.abstractmethod
    def get(self, reference: str) -> Optional[Registration]:
        """The registration with this reference (typed any way), or None."""

    @abc.abstractmethod
    def registrations(self, session_id: Optional[str] = None, course_id: Optional[str] = None,
                      status: Optional[str] = None) -> List[Registration]:
        """Registrations, by session date then status then waiting-list order, filtered as asked."""

    @abc.abstractmethod
    def session_summaries(self, course_id: Optional[str] = None) -> List[SessionSummary]:
        """Every stored session (of one course), by date: capacity, confirmed, waiting, seats left, flags."""

    @abc.abstractmethod
    def sync_sessions(self, sessions: List[Session], *, now: Optional[datetime] = None) -> SyncResult:
        """Applies the feed's sessions after a catalogue sync (every session of the feed).

        Capacity changes (an increase promotes from the waiting list), cancellations
        ("session_cancelled" to each active registration, reminders cancelled) and moves
        ("session_moved", reminders moved) are applied; stored sessions still to come that the
        feed no longer has are flagged missing_from_feed (no message: a feed can drop a session
        by mistake). Registrations are never deleted.
        """

    # Outbox

    @abc.abstractmethod
    def claim_outbox(self, now: datetime, limit: int = 50, lease_seconds: int = 60) -> List[OutboxItem]:
        """Pending rows due by `now` and not leased, leased to the caller for `lease_seconds`.

        Two senders never get the same row while its lease lasts.
        """

    @abc.abstractmethod
    def outbox_sent(self, item_id: int, now: datetime) -> bool:
        """Marks a row sent. False if the row no longer exists (erased meanwhile)."""

    @abc.abstractmethod
    def outbox_failed(self, item_id: int, error: str, retry_at: Optional[datetime]) -> bool:
        """Records a failed attempt: retried at `retry_at`, or given up ("failed") when it is None.

        `error` is stored without anything that looks like an email address or a phone number.
        False if the row is no longer pending (cancelled or erased meanwhile).
        """

    @abc.abstractmethod
    def outbox(self, status: Optional[str] = None, *, limit: int = 200) -> List[OutboxEntry]:
        """Outbox rows for staff, newest first, without their payload."""

    @abc.abstractmethod
    def outbox_counts(self) -> Dict[str, int]:
        """How many outbox rows have each status."""

    @abc.abstractmethod
    def retry_outbox(self, item_id: Optional[int] = None, *, now: Optional[datetime] = None) -> int:
        """Puts failed rows (one, or all) back to pending, due now, with their attempts reset.

        Returns:
            How many rows were put back (0 if `item_id` is not failed).

        Raises:
            NotFound: `item_id` is not an outbox row.
        """

    # Erasure and retention

    @abc.abstractmethod
    def forget(self, email: str, *, now: Optional[datetime] = None) -> ForgetResult:
        """Erases a person: cancels their future bookings (seats go to the waiting lists), removes
        their waiting-list entries, anonymises every registration of theirs and deletes every
        outbox row about them. The backend is told of each cancelled booking, without personal data.
        """

    @abc.abstractmethod
    def forget_older_than(self, days: int, *, now: Optional[datetime] = None) -> RetentionResult:
        """Anonymises the registrations of sessions that ended more than `days` days ago, and
        deletes their outbox rows."""

    # Lifecycle

    @abc.abstractmethod
    def close(self) -> None:
        """Closes the connections this store opened."""

    def __enter__(self) -> "RegistrationStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def default_db_path() -> Path:
    """Where registrations live: `REGISTRATIONS_DB`, else `var/registrations.db` under the checkout."""
    return Path(os.environ.get("REGISTRATIONS_DB") or DEFAULT_DB_PATH)


def open_store(path: Union[str, Path, None] = None, *, webhook_events: Optional[bool] = None,
               reminder_before: timedelta = timedelta(days=1)) -> RegistrationStore:
    """The registrations store configured for this process.

    Args:
        path: the database; default `REGISTRATIONS_DB`, else `<checkout>/var/registrations.db`. Its folder is
            created if needed.
        webhook_events: whether to enqueue a webhook row per event for the hub's backend; default:
            whether `REGISTRATIONS_WEBHOOK_URL` is set.
        reminder_before: how long before a session its reminder email is due.

    Raises:
        StoreUnavailable: the database cannot be opened, or is not a registrations database.
        SchemaTooNew: it was written by a newer version of this code.
    """
    target = default_db_path() if path is None else path
    if str(target).startswith(("postgresql:", "postgres:")):
        raise StoreUnavailable(
            "REGISTRATIONS_DB names a PostgreSQL database, but only the SQLite backend exists yet: "
            "set REGISTRATIONS_DB to a file path (e.g. var/registrations.db)."
        )
    if webhook_events is None:
        webhook_events = bool(os.environ.get("REGISTRATIONS_WEBHOOK_URL"))
    from registrations.sqlite_store import SQLiteRegistrationStore  # the backend imports this module

    return SQLiteRegistrationStore(target, webhook_events=webhook_events, reminder_before=reminder_before)
