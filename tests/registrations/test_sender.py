"""The outbox sender against the real store file, a real SMTP server and a real webhook server."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from mail_helpers import PERSONAL, SENDER, SmtpSink, WebhookServer, free_port

from registrations.config import RegistrationsConfig
from registrations.delivery import EmlFileTransport, SmtpTransport, transports_from_config, verify_signature
from registrations.sender import SMTP_STEPS, SendReport, lease_seconds, run_forever, send_due
from registrations.sqlite_store import SQLiteRegistrationStore

SECRET = "sender-test-secret"
NOW = datetime(2026, 12, 2, 9, 15, tzinfo=timezone.utc)  # conftest's clock: weeks before its sessions
# make_person's personal details: none may reach a log line or a stored error.
PEOPLE_DATA = PERSONAL + ("person1@", "person2@", "amina1", "+3247012")


def smtp_transports(port: int, **changes) -> dict:
    config = RegistrationsConfig(**{"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": SENDER,
                                    "smtp_timeout": 5.0, **changes})
    return transports_from_config(config)


def recipients(sink: SmtpSink) -> list:
    return [address for mail in sink.received for address in mail.rcpt_tos]


def subjects(sink: SmtpSink) -> list:
    return [message_from_bytes(mail.data, policy=policy.default)["Subject"] for mail in sink.received]


def assert_no_personal_data(text: str) -> None:
    lowered = text.lower()
    for fragment in PEOPLE_DATA:
        assert fragment.lower() not in lowered, f"{fragment!r} in {text!r}"


def our_log(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("registrations"))


@pytest.fixture
def mail_store(db_path):
    """A store without webhook rows (REGISTRATIONS_WEBHOOK_URL unset)."""
    opened = SQLiteRegistrationStore(db_path)
    yield opened
    opened.close()


@pytest.fixture
def smtp_server():
    sink = SmtpSink(port=free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture
def webhook_server():
    server = WebhookServer()
    yield server
    server.stop()


@pytest.fixture
def make_session(session):
    """make_session(number=1, capacity=10, ...): conftest's `session` fixture, named for what it does."""
    return session


@pytest.fixture
def make_person(person):
    """make_person(number=1, language="fr"): conftest's `person` fixture."""
    return person


def reminder_time(info_session) -> datetime:
    """When the day-before reminder of a session is due."""
    return datetime.fromisoformat(info_session.starts_at) - timedelta(days=1)


# --- Mail ---------------------------------------------------------------------------------------


def test_a_booking_is_mailed_once_and_its_reminder_the_day_before(mail_store, smtp_server, db_path, outbox_rows,
        caplog, make_session, make_person):
    caplog.set_level(logging.INFO)
    transports = smtp_transports(smtp_server.port)
    info_session = make_session()
    mail_store.book(info_session, make_person(1), now=NOW)

    assert send_due(mail_store, transports, now=NOW) == SendReport(sent=1)
    assert send_due(mail_store, transports, now=NOW + timedelta(hours=1)) == SendReport()
    assert recipients(smtp_server) == ["person1@example.org"]

    # Not a second earlier than due, then once.
    assert send_due(mail_store, transports, now=reminder_time(info_session) - timedelta(seconds=1)).sent == 0
    assert send_due(mail_store, transports, now=reminder_time(info_session)).sent == 1
    assert send_due(mail_store, transports, now=reminder_time(info_session) + timedelta(hours=2)).sent == 0
    assert recipients(smtp_server) == ["person1@example.org", "person1@example.org"]
    assert [row["status"] for row in outbox_rows(db_path)] == ["sent", "sent"]
    assert [row["event"] for row in outbox_rows(db_path)] == ["booking_confirmed", "reminder"]
    assert_no_personal_data(our_log(caplog))


def test_with_the_mail_server_down_the_booking_is_kept_and_mailed_once_when_it_is_back(mail_store, db_path,
        outbox_rows, caplog, make_session, make_person):
    caplog.set_level(logging.INFO)
    port = free_port()  # nothing listens there yet
    transports = smtp_transports(port)
    booking = mail_store.book(make_session(), make_person(1), now=NOW)
    assert booking.outcome == "confirmed"

    report = send_due(mail_store, transports, now=NOW)
    assert report == SendReport(retried=1)
    assert mail_store.get(booking.reference).status == "confirmed"
    [row] = outbox_rows(db_path, event="booking_confirmed")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "mail server" in row["last_error"]
    assert_no_personal_data(row["last_error"])

    sink = SmtpSink(port=port).start()
    try:
        # The next try waits for its backoff (30 s), then the mail goes out once.
        assert send_due(mail_store, transports, now=NOW + timedelta(seconds=10)) == SendReport()
        assert send_due(mail_store, transports, now=NOW + timedelta(seconds=31)) == SendReport(sent=1)
        assert send_due(mail_store, transports, now=NOW + timedelta(minutes=5)) == SendReport()
        assert recipients(sink) == ["person1@example.org"]
        assert booking.reference in subjects(sink)[0] or booking.reference in sink.received[0].data.decode()
    finally:
        sink.stop()
    assert_no_personal_data(our_log(caplog))


def test_a_recipient_the_server_refuses_for_good_is_given_up_without_quoting_the_address(mail_store, smtp_server,
        db_path, outbox_rows, make_session, make_person):
    smtp_server.refuse["person1@example.org"] = "550 5.1.1 <person1@example.org>: no such user"
    mail_store.book(make_session(), make_person(1), now=NOW)
    mail_store.book(make_session(), make_person(2), now=NOW)

    assert send_due(mail_store, smtp_transports(smtp_server.port), now=NOW) == SendReport(sent=1, failed=1)
    failed = [row for row in outbox_rows(db_path) if row["status"] == "failed"]
    assert len(failed) == 1 and "refused the recipient" in failed[0]["last_error"]
    assert_no_personal_data(failed[0]["last_error"])
    assert recipients(smtp_server) == ["person2@example.org"]


def test_an_unexpected_fault_in_a_transport_is_retried_and_recorded_by_its_type_only(mail_store, db_path, outbox_rows,
        tmp_path, make_session, make_person):
    class FaultyFiles(EmlFileTransport):
        def deliver(self, item):
            raise RuntimeError(f"cannot render for {item.payload['person']['email']}")

    mail_store.book(make_session(), make_person(1), now=NOW)
    report = send_due(mail_store, {"email": FaultyFiles(tmp_path / "outbox")}, now=NOW)

    assert report == SendReport(retried=1)
    [row] = outbox_rows(db_path, event="booking_confirmed")
    assert row["status"] == "pending" and "RuntimeError" in row["last_error"]
    assert_no_personal_data(row["last_error"])


def test_a_row_erased_while_it_was_being_delivered_is_counted_as_skipped(mail_store, db_path, outbox_rows, tmp_path,
        make_session, make_person):
    class ErasedMeanwhile(EmlFileTransport):
        """Staff run `registrations forget` while the mail is on its way."""

        def deliver(self, item):
            super().deliver(item)
            mail_store.forget(item.payload["person"]["email"], now=NOW)

    mail_store.book(make_session(), make_person(1), now=NOW)
    assert send_due(mail_store, {"email": ErasedMeanwhile(tmp_path / "outbox")}, now=NOW) == SendReport(skipped=1)
    assert outbox_rows(db_path) == []
    assert list((tmp_path / "outbox").iterdir()) == []  # the file written meanwhile went with the person


def test_two_senders_on_one_database_deliver_each_message_once(db_path, smtp_server, make_session, make_person):
    with SQLiteRegistrationStore(db_path) as store:
        for number in range(1, 9):
            store.book(make_session(capacity=20), make_person(number), now=NOW)
    reports = []

    def sender():
        with SQLiteRegistrationStore(db_path) as store:
            reports.append(send_due(store, smtp_transports(smtp_server.port), now=NOW, limit=20))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(report.sent for report in reports) == 8
    assert sorted(recipients(smtp_server)) == sorted(f"person{number}@example.org" for number in range(1, 9))


def test_the_lease_outlasts_the_slowest_smtp_delivery():
    transports = smtp_transports(25, smtp_timeout=20.0)
    assert isinstance(transports["email"], SmtpTransport)
    assert lease_seconds(transports) > 20.0 * SMTP_STEPS


# --- Reminders ----------------------------------------------------------------------------------


def test_a_reminder_whose_session_has_started_is_given_up_not_sent_late(mail_store, db_path, outbox_rows, tmp_path,
        make_session, make_person):
    info_session = make_session()
    mail_store.book(info_session, make_person(1), now=NOW)
    outbox = tmp_path / "outbox"
    late = datetime.fromisoformat(info_session.starts_at) + timedelta(minutes=5)  # the sender was down all day

    report = send_due(mail_store, {"email": EmlFileTransport(outbox)}, now=late)

    assert report == SendReport(sent=1, skipped=1)  # the confirmation still goes, the reminder not
    rows = {row["event"]: row for row in outbox_rows(db_path)}
    assert rows["booking_confirmed"]["status"] == "sent"
    assert rows["reminder"]["status"] == "failed"
    assert "session had started" in rows["reminder"]["last_error"]
    assert [path.name.split("_")[0] for path in outbox.glob("*.eml")] == ["booking"]


# --- Webhook ------------------------------------------------------------------------------------


def test_a_webhook_answering_500_then_200_gets_each_event_once_signed(store, db_path, webhook_server, outbox_rows,
        tmp_path, make_session, make_person):
    webhook_server.statuses = [500, 200]
    webhook_server.start()
    config = RegistrationsConfig(outbox_dir=tmp_path / "outbox", webhook_url=webhook_server.url, webhook_secret=SECRET)
    transports = transports_from_config(config)
    first = store.book(make_session(), make_person(1), now=NOW)
    store.book(make_session(), make_person(2), now=NOW)
    store.cancel(first.reference, "person1@example.org", now=NOW)

    first_pass = send_due(store, transports, now=NOW, limit=50)
    second_pass = send_due(store, transports, now=NOW + timedelta(seconds=31), limit=50)
    third_pass = send_due(store, transports, now=NOW + timedelta(hours=1), limit=50)

    assert (first_pass.retried, second_pass, third_pass) == (1, SendReport(sent=1), SendReport())
    webhook_rows = outbox_rows(db_path, kind="webhook")
    assert {row["status"] for row in webhook_rows} == {"sent"}
    keys = [headers["Idempotency-Key"] for headers, _ in webhook_server.requests]
    # The first request got the 500: every event was then answered 2xx exactly once.
    assert sorted(keys[1:]) == sorted(row["idempotency_key"] for row in webhook_rows)
    assert keys[0] == keys[-1]
    for headers, body in webhook_server.requests:
        assert verify_signature(body, SECRET, headers["X-Signature-SHA256"])
        assert json.loads(body)["idempotency_key"] == headers["Idempotency-Key"]
    events = sorted(json.loads(body)["event"] for _, body in webhook_server.requests[1:])
    assert events == ["booking_cancelled", "booking_confirmed", "booking_confirmed"]


def test_webhook_rows_without_a_webhook_configured_are_kept_and_the_fault_recorded(store, db_path, outbox_rows,
        webhook_server, tmp_path, caplog, make_session, make_person):
    caplog.set_level(logging.INFO)
    emails_only = transports_from_config(RegistrationsConfig(outbox_dir=tmp_path / "outbox"))
    store.book(make_session(), make_person(1), now=NOW)

    report = send_due(store, emails_only, now=NOW)

    assert (report.sent, report.retried, report.unroutable) == (1, 1, frozenset({"webhook"}))
    [row] = outbox_rows(db_path, kind="webhook")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "REGISTRATIONS_WEBHOOK_URL" in row["last_error"]
    assert "no transport is configured" in our_log(caplog)

    # Once the webhook is configured, the kept row goes out.
    webhook_server.start()
    configured = transports_from_config(RegistrationsConfig(outbox_dir=tmp_path / "outbox",
                                                            webhook_url=webhook_server.url, webhook_secret=SECRET))
    assert send_due(store, configured, now=NOW + timedelta(minutes=1)) == SendReport(sent=1)
    assert len(webhook_server.requests) == 1


# --- The loop -----------------------------------------------------------------------------------


def test_the_loop_survives_a_locked_database_and_sends_once_it_is_free(db_path, smtp_server, caplog, make_session,
        make_person):
    caplog.set_level(logging.INFO)
    with SQLiteRegistrationStore(db_path) as booking_store:
        booking_store.book(make_session(), make_person(1))  # now: the sessions are weeks ahead of NOW only
    store = SQLiteRegistrationStore(db_path, busy_timeout=0.05)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # e.g. a backup or another program holding the file
    stop = threading.Event()
    loop = threading.Thread(target=run_forever, args=(store, smtp_transports(smtp_server.port)),
                            kwargs={"interval": 0.05, "stop_event": stop})
    loop.start()
    try:
        deadline = time.monotonic() + 10
        while "outbox pass failed" not in our_log(caplog) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "outbox pass failed (StoreUnavailable" in our_log(caplog)
        assert smtp_server.received == []
        blocker.execute("ROLLBACK")
        deadline = time.monotonic() + 15
        while not smtp_server.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(20)
        blocker.close()
        store.close()
    assert not loop.is_alive()
    assert recipients(smtp_server) == ["person1@example.org"]
    assert "outbox sender stopped: 1 sent" in our_log(caplog)
    assert_no_personal_data(our_log(caplog))
