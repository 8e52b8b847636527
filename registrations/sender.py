"""The outbox sender: claims due outbox rows from the store, delivers them, and records each outcome.

A booking is saved with its messages in one transaction (the store's outbox); this loop sends them
afterwards, so a mail server or a backend that is down delays a message but never loses a booking.
Each row is claimed under a lease (two senders never deliver the same row), delivered by the
transport of its kind, then marked sent, or failed with the next try's time (see
`registrations.delivery.retry_at`), or given up. Delivery is at least once: a sender that dies
between delivering and recording delivers again after the lease, and the receivers recognise the
repeat (the mail's Message-ID and the .eml file name come from the idempotency key, the webhook
sends it as Idempotency-Key).

Logs say counts, outbox ids, events and reference codes, never a name, an address or a number.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Dict, FrozenSet, Mapping, Optional

from registrations.delivery import (
    DeliveryError, EmlFileTransport, SmtpTransport, Transport, WebhookTransport, item_label, retry_at,
)
from registrations.sqlite_store import scrub_error
from registrations.store import OutboxItem, RegistrationStore

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 10
DEFAULT_INTERVAL = 5.0
# An SMTP delivery is up to 8 network steps (connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT,
# DATA), each allowed SMTP_TIMEOUT seconds: the lease covers all of them, so that a slow server
# never lets a second sender take the same row while the first is still sending it.
SMTP_STEPS = 8
WEBHOOK_STEPS = 2  # connect, then the answer
LEASE_MARGIN_SECONDS = 30
# A pass that keeps failing on the store (locked, disk full) waits longer each time, up to this.
MAX_ERROR_PAUSE = 60.0

_NO_TRANSPORT = {
    "webhook": "set REGISTRATIONS_WEBHOOK_URL and REGISTRATIONS_WEBHOOK_SECRET (the rows wait; "
               "`registrations outbox --status pending` lists them)",
    "email": "the sender was started without a mail transport: start it with transports_from_config",
}


@dataclass
class SendReport:
    """What one pass of `send_due` did.

    Attributes:
        sent: rows delivered and marked sent.
        retried: rows that failed for now and will be tried again (including rows of a kind no
            transport is configured for).
        failed: rows given up (refused for good, or too many tries): staff see them with
            `registrations outbox --status failed` and can `retry` them.
        skipped: rows not delivered on purpose (a reminder whose session had started) or that
            disappeared meanwhile (erased by `forget`, reminder cancelled).
        unroutable: the outbox kinds that had rows but no transport (a configuration fault).
    """

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    unroutable: FrozenSet[str] = field(default_factory=frozenset)

    @property
    def handled(self) -> int:
        """How many rows the pass claimed."""
        return self.sent + self.retried + self.failed + self.skipped

    def __str__(self) -> str:
        text = f"{self.sent} sent, {self.retried} to retry, {self.failed} given up, {self.skipped} skipped"
        if self.unroutable:
            text += f"; no transport for {', '.join(sorted(self.unroutable))} rows"
        return text


def lease_seconds(transports: Mapping[str, Transport]) -> int:
    """How long a claimed row stays reserved: longer than the slowest transport can take with it."""
    longest = 60.0
    for transport in transports.values():
        if isinstance(transport, SmtpTransport):
            longest = max(longest, transport.config.smtp_timeout * SMTP_STEPS)
        elif isinstance(transport, WebhookTransport):
            longest = max(longest, transport.timeout * WEBHOOK_STEPS)
    return int(longest) + LEASE_MARGIN_SECONDS


def send_due(store: RegistrationStore, transports: Mapping[str, Transport], *, now: Optional[datetime] = None,
             limit: int = DEFAULT_LIMIT) -> SendReport:
    """Delivers the outbox rows that are due, at most `limit` of them, one at a time.

    Rows are claimed one by one, each under a lease that outlasts its slowest possible delivery,
    so a crash holds back one row for minutes, not a batch for the length of a batch.

    Args:
        store: the registrations store.
        transports: {"email": ..., "webhook": ...} as `transports_from_config` builds them. A row
            whose kind has no transport is kept and retried, and the fault recorded on it.
        now: the time to act at (tests); default the clock's time at each row.
        limit: how many rows at most in this pass.

    Returns:
        The counts of what happened.

    Raises:
        StoreUnavailable: the store could not be read or written; the rows not yet recorded are
            delivered again once their lease ends.
    """
    clock: Callable[[], datetime] = (lambda: now) if now is not None else (lambda: datetime.now(timezone.utc))
    lease = lease_seconds(transports)
    report = SendReport()
    unroutable = set()
    while report.handled < limit:
        claimed = store.claim_outbox(clock(), limit=1, lease_seconds=lease)
        if not claimed:
            break
        item = claimed[0]
        outcome = _deliver(store, transports, item, clock)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if item.kind not in transports:
            unroutable.add(item.kind)
    report.unroutable = frozenset(unroutable)
    for kind in sorted(unroutable):
        logger.warning("outbox: %s rows cannot be delivered, no transport is configured for them: %s",
                       kind, _NO_TRANSPORT.get(kind, "unknown kind of row"))
    if report.handled:
        logger.info("outbox pass: %s", report)
    return report


def _deliver(store: RegistrationStore, transports: Mapping[str, Transport], item: OutboxItem,
             clock: Callable[[], datetime]) -> str:
    """Delivers one claimed row and records the outcome; returns the SendReport field to count it in."""
    label = f"outbox item {item.id} ({item_label(item)}, {item.kind})"
    if item.event == "reminder" and _session_started(item, clock()):
        # A reminder after the start says nothing useful, and may mislead ("tomorrow" is past).
        store.outbox_failed(item.id, "reminder given up: the session had started when it could be sent", None)
        logger.info("%s: given up, the session had started", label)
        return "skipped"
    transport = transports.get(item.kind)
    if transport is None:
        error = DeliveryError(f"no transport for {item.kind} rows: "
                              f"{_NO_TRANSPORT.get(item.kind, 'unknown kind of row')}")
        return _failed(store, item, error, label, clock())
    try:
        transport.deliver(item)
    except DeliveryError as error:
        return _failed(store, item, error, label, clock())
    except Exception as error:  # a fault in a transport: retried, since a fixed release may deliver it
        # Only the type: the text of an unexpected exception may quote the payload.
        return _failed(store, item, DeliveryError(f"{item_label(item)}: unexpected {type(error).__name__} "
                                                  f"in the {item.kind} transport"), label, clock())
    if not store.outbox_sent(item.id, clock()):
        if isinstance(transport, EmlFileTransport):
            # `forget` ran while the file was being written, after it had deleted the person's files:
            # this one must go too, it holds their name and address.
            transport.path_for(item.idempotency_key).unlink(missing_ok=True)
        logger.info("%s: delivered, but the row was erased meanwhile", label)
        return "skipped"
    return "sent"


def _failed(store: RegistrationStore, item: OutboxItem, error: DeliveryError, label: str, now: datetime) -> str:
    """Records a failed try: retried later, or given up (permanent, or out of tries)."""
    again = retry_at(item.attempts + 1, error, now)
    text = scrub_error(str(error))
    if not store.outbox_failed(item.id, text, again):
        logger.info("%s: not delivered, and no longer pending (erased or cancelled meanwhile)", label)
        return "skipped"
    if again is None:
        logger.warning("%s: given up after %d tries: %s", label, item.attempts + 1, text)
        return "failed"
    logger.warning("%s: try %d failed, next at %s: %s", label, item.attempts + 1,
                   again.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"), text)
    return "retried"


def _session_started(item: OutboxItem, now: datetime) -> bool:
    starts_at = ((item.payload or {}).get("session") or {}).get("starts_at")
    try:
        start = datetime.fromisoformat(str(starts_at).replace("Z", "+00:00"))
    except ValueError:
        return False  # no date to compare with: send it, as a reminder without a date still reminds
    if start.tzinfo is None:
        return False
    return start <= now


def run_forever(store: RegistrationStore, transports: Mapping[str, Transport], *, interval: float = DEFAULT_INTERVAL,
                stop_event: Optional[threading.Event] = None, limit: int = DEFAULT_LIMIT) -> None:
    """Runs `send_due` pass after pass until `stop_event` is set.

    It sleeps `interval` seconds between passes, and not at all while a pass found `limit` rows
    (more are waiting). A store or transport error ends the pass, not the loop: it is logged
    (without personal data) and the next pass comes after a pause that grows with repeated errors.
    Run it in one thread per store and transports (a WebhookTransport's HTTP session is not
    shared between threads).

    Args:
        store: the registrations store.
        transports: as for `send_due`.
        interval: seconds between passes.
        stop_event: set it to stop; the loop ends within a pass and a moment.
        limit: rows per pass.
    """
    stop = stop_event or threading.Event()
    errors_in_a_row = 0
    totals: Dict[str, int] = {"sent": 0, "retried": 0, "failed": 0, "skipped": 0}
    logger.info("outbox sender started (a pass every %g s)", interval)
    while not stop.is_set():
        started = time.monotonic()
        try:
            report = send_due(store, transports, limit=limit)
        except Exception as error:
            errors_in_a_row += 1
            pause = min(interval * (2 ** min(errors_in_a_row - 1, 6)), max(interval, MAX_ERROR_PAUSE))
            logger.error("outbox pass failed (%s: %s); next pass in %g s", type(error).__name__,
                         scrub_error(str(error)), pause)
            stop.wait(pause)
            continue
        errors_in_a_row = 0
        for name in totals:
            totals[name] += getattr(report, name)
        if report.handled >= limit:
            continue  # more rows are due: no sleep
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
    logger.info("outbox sender stopped: %d sent, %d retries, %d given up, %d skipped since it started",
                totals["sent"], totals["retried"], totals["failed"], totals["skipped"])
