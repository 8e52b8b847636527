"""Delivering outbox items through a real SMTP server, as .eml files and to a real webhook server; retry timing; settings."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from mail_helpers import (
    ORGANISATION,
    PERSON,
    PERSONAL,
    SENDER,
    SENDER_ADDRESS,
    SmtpSink,
    WebhookServer,
    free_port,
    make_item,
    make_payload,
)

from registrations.config import (
    DEFAULT_PRIVACY_NOTICE_URL,
    ConfigError,
    RegistrationsConfig,
)
from registrations.delivery import (
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    DeliveryError,
    EmlFileTransport,
    SmtpTransport,
    WebhookTransport,
    next_retry,
    retry_at,
    transports_from_config,
    verify_signature,
)
from registrations.store import Person, Session, open_store

BRUSSELS = ZoneInfo("Europe/Brussels")
SECRET = "test-secret-7f3a"
NOW = datetime(2026, 12, 2, 9, 15, tzinfo=timezone.utc)


def smtp_config(port: int, **changes) -> RegistrationsConfig:
    """Plain SMTP on loopback, as the tests' server speaks it."""
    return RegistrationsConfig(**{"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": SENDER,
                                  "smtp_timeout": 5.0, **changes})


def assert_no_personal_data(text: str) -> None:
    lowered = text.lower()
    for fragment in PERSONAL:
        assert fragment not in lowered, f"{fragment!r} in {text!r}"


def our_log(caplog) -> str:
    """What the registrations package logged (aiosmtpd's own log quotes addresses, as servers do)."""
    return "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("registrations"))


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port, stopped after the test."""
    sink = SmtpSink(port=free_port()).start()
    yield sink
    sink.stop()


@pytest.fixture
def webhook_server():
    """A real HTTP server on loopback that answers the statuses a test sets, stopped after the test."""
    server = WebhookServer().start()
    yield server
    server.stop()


# --- SMTP ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, subject, facts", [
    ("fr", "Inscription confirmée : séance d'information du 12 janvier 2027 (K7P2QX)",
     ["Date : mardi 12 janvier 2027, de 18h00 à 19h00", "Référence : K7P2QX"]),
    ("nl", "Inschrijving bevestigd: infosessie van 12 januari 2027 (K7P2QX)",
     ["Datum: dinsdag 12 januari 2027, van 18.00 tot 19.00 uur", "Referentie: K7P2QX"]),
])
def test_a_confirmation_arrives_at_a_real_smtp_server_with_its_invite(smtp_server, language, subject, facts, caplog):
    transport = SmtpTransport(smtp_config(smtp_server.port), organisation=ORGANISATION)
    with caplog.at_level(logging.DEBUG):
        transport.deliver(make_item(make_payload("booking_confirmed", language)))

    (received,) = smtp_server.received
    assert received.mail_from == SENDER_ADDRESS
    assert received.rcpt_tos == [PERSON["email"]]
    message = message_from_bytes(received.data, policy=policy.default)
    assert message["Subject"] == subject
    assert message["Message-ID"] == "<booking_confirmed.K7P2QX.email@hub.example>"
    text = message.get_body(("plain",)).get_content()
    for line in facts:
        assert line in text.splitlines()
    (invite,) = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert invite.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(invite.get_content())
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert start == datetime.fromisoformat("2027-01-12T18:00:00+01:00")
    assert start.tzinfo == BRUSSELS
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    log = our_log(caplog)
    assert "sent booking_confirmed K7P2QX by mail" in log
    assert_no_personal_data(log)


def test_a_mail_server_that_is_down_then_up_gets_the_mail_once():
    port = free_port()
    transport = SmtpTransport(smtp_config(port))
    item = make_item(make_payload("booking_confirmed", "fr"))
    with pytest.raises(DeliveryError) as raised:
        transport.deliver(item)
    assert raised.value.permanent is False
    assert str(raised.value) == f"booking_confirmed K7P2QX: nothing accepts connections at 127.0.0.1:{port} (mail server down?)"
    assert retry_at(item.attempts + 1, raised.value, NOW) == NOW + timedelta(seconds=30)

    sink = SmtpSink(port=port).start()
    try:
        transport.deliver(item)
    finally:
        sink.stop()
    assert len(sink.received) == 1
    assert sink.received[0].rcpt_tos == [PERSON["email"]]


@pytest.mark.parametrize("answer, permanent", [
    ("550 5.1.1 <amina@example.org>: Recipient address rejected: User unknown", True),
    ("450 4.2.1 <amina@example.org>: Mailbox busy, try later", False),
])
def test_a_refused_recipient_is_permanent_only_for_a_5xx_answer(smtp_server, answer, permanent):
    smtp_server.refuse[PERSON["email"]] = answer
    with pytest.raises(DeliveryError) as raised:
        SmtpTransport(smtp_config(smtp_server.port)).deliver(make_item(make_payload("reminder", "nl")))
    assert raised.value.permanent is permanent
    code = answer[:3]
    assert str(raised.value).startswith(f"reminder K7P2QX: the mail server refused the recipient ({code} ")
    assert "<address>" in str(raised.value)  # the server quoted the address; the error does not
    assert_no_personal_data(str(raised.value))
    assert smtp_server.received == []


def test_the_sender_logs_in_when_a_user_is_set(smtp_server):
    smtp_server.stop()
    sink = SmtpSink(port=smtp_server.port, login=("hub", "s3cret-pass")).start()
    try:
        config = smtp_config(sink.port, smtp_user="hub", smtp_password="s3cret-pass", smtp_starttls=False)
        SmtpTransport(config).deliver(make_item(make_payload("promoted", "fr")))
        assert len(sink.received) == 1

        wrong = smtp_config(sink.port, smtp_user="hub", smtp_password="not-it", smtp_starttls=False)
        with pytest.raises(DeliveryError) as raised:
            SmtpTransport(wrong).deliver(make_item(make_payload("reminder", "fr")))
        assert raised.value.permanent is False  # a setting staff fix; the mail waits for it
        assert "the mail server refused the login (535" in str(raised.value)
        assert "check SMTP_USER and SMTP_PASSWORD" in str(raised.value)
        assert "not-it" not in str(raised.value)
        assert len(sink.received) == 1
    finally:
        sink.stop()


def test_starttls_asked_of_a_server_without_it_is_a_temporary_settings_error(smtp_server):
    config = smtp_config(smtp_server.port, smtp_starttls=True)
    with pytest.raises(DeliveryError) as raised:
        SmtpTransport(config).deliver(make_item(make_payload("booking_confirmed", "fr")))
    assert raised.value.permanent is False
    assert "check SMTP_STARTTLS, SMTP_SSL and SMTP_USER" in str(raised.value)
    assert smtp_server.received == []


def test_a_mail_server_that_never_answers_times_out():
    # Accepts the connection (the kernel's backlog) but never says hello.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(DeliveryError) as raised:
            SmtpTransport(smtp_config(port, smtp_timeout=0.5)).deliver(make_item(make_payload("booking_confirmed", "fr")))
    assert raised.value.permanent is False
    assert str(raised.value) == f"booking_confirmed K7P2QX: no answer from the mail server at 127.0.0.1:{port} within 0.5 s"


def test_a_payload_that_cannot_make_a_mail_is_a_permanent_error_without_personal_data(smtp_server):
    payload = make_payload("booking_confirmed", "fr")
    payload["session"]["starts_at"] = None
    with pytest.raises(DeliveryError) as raised:
        SmtpTransport(smtp_config(smtp_server.port)).deliver(make_item(payload))
    assert raised.value.permanent is True
    assert "the payload has no session.starts_at" in str(raised.value)
    assert_no_personal_data(str(raised.value))


# --- .eml files ---------------------------------------------------------------------------------


def test_an_eml_file_is_written_once_per_key_and_opens_as_a_mail(tmp_path):
    outbox = tmp_path / "var" / "outbox"
    transport = EmlFileTransport(outbox, sender=SENDER, organisation=ORGANISATION)
    item = make_item(make_payload("booking_confirmed", "nl"))
    transport.deliver(item)
    (path,) = outbox.iterdir()
    assert path == transport.path_for("booking_confirmed:K7P2QX:email")
    assert ":" not in path.name and path.suffix == ".eml"
    first = path.read_bytes()
    modified = path.stat().st_mtime_ns

    transport.deliver(item)  # a retry after a crash between writing and marking the row sent
    assert list(outbox.iterdir()) == [path]
    assert path.read_bytes() == first
    assert path.stat().st_mtime_ns == modified

    message = message_from_bytes(first, policy=policy.default)
    assert message["Subject"] == "Inschrijving bevestigd: infosessie van 12 januari 2027 (K7P2QX)"
    assert message["To"] == "Amina El Idrissi <amina@example.org>"
    assert "Datum: dinsdag 12 januari 2027, van 18.00 tot 19.00 uur" in message.get_body(("plain",)).get_content()
    assert path.stat().st_mode & 0o077 == 0  # names and addresses: readable by the owner only

    transport.deliver(make_item(make_payload("reminder", "nl")))
    assert sorted(p.name for p in outbox.iterdir()) == sorted([path.name, transport.path_for("reminder:K7P2QX:email").name])


def test_keys_that_differ_only_in_unsafe_characters_get_different_files(tmp_path):
    transport = EmlFileTransport(tmp_path)
    names = {transport.path_for(key).name for key in ("reminder:K7P2QX:email", "reminder_K7P2QX_email",
                                                      "reminder/K7P2QX/email", "../reminder:K7P2QX")}
    assert len(names) == 4
    assert all("/" not in name and not name.startswith(".") for name in names)
    assert transport.path_for("a" * 500).name.__len__() < 150


def test_an_outbox_directory_that_cannot_be_written_is_a_temporary_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the outbox directory should be")
    transport = EmlFileTransport(blocker / "outbox")
    with pytest.raises(DeliveryError) as raised:
        transport.deliver(make_item(make_payload("booking_confirmed", "fr")))
    assert raised.value.permanent is False
    assert "could not write booking_confirmed_K7P2QX_email-" in str(raised.value)
    assert "check OUTBOX_DIR" in str(raised.value)


# --- Webhook ------------------------------------------------------------------------------------


def test_a_webhook_answering_500_then_200_gets_one_event_twice_with_the_same_key_and_a_valid_signature(webhook_server, caplog):
    webhook_server.statuses = [500, 200]
    transport = WebhookTransport(webhook_server.url, SECRET, timeout=5)
    item = make_item(make_payload("booking_confirmed", "fr", kind="webhook"), kind="webhook")
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(DeliveryError) as raised:
            transport.deliver(item)
        assert raised.value.permanent is False
        assert str(raised.value) == "booking_confirmed K7P2QX: the webhook at 127.0.0.1 answered 500"
        transport.deliver(item)

    assert len(webhook_server.requests) == 2
    (first_headers, first_body), (headers, body) = webhook_server.requests
    assert body == first_body
    assert headers["Idempotency-Key"] == first_headers["Idempotency-Key"] == "booking_confirmed:K7P2QX:webhook"
    assert headers["Content-Type"] == "application/json"
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Signature-SHA256"] == expected
    assert verify_signature(body, SECRET, headers["X-Signature-SHA256"])
    assert not verify_signature(body, "another-secret", headers["X-Signature-SHA256"])
    assert not verify_signature(body + b" ", SECRET, headers["X-Signature-SHA256"])
    event = json.loads(body)
    assert (event["event"], event["reference"], event["status"]) == ("booking_confirmed", "K7P2QX", "confirmed")
    assert event["person"]["email"] == PERSON["email"]
    assert_no_personal_data(our_log(caplog))


@pytest.mark.parametrize("status, permanent", [
    (400, True), (401, True), (404, True), (422, True),
    (408, False), (429, False), (500, False), (502, False), (503, False), (301, False),
])
def test_a_refusal_is_permanent_and_a_busy_backend_temporary(webhook_server, status, permanent):
    webhook_server.statuses = [status]
    item = make_item(make_payload("booking_cancelled", "nl", kind="webhook"), kind="webhook")
    with pytest.raises(DeliveryError) as raised:
        WebhookTransport(webhook_server.url, SECRET, timeout=5).deliver(item)
    assert raised.value.permanent is permanent
    assert f"answered {status}" in str(raised.value) or f"refused the event ({status})" in str(raised.value)
    assert len(webhook_server.requests) == 1  # no redirect followed, no retry inside deliver


def test_retry_after_from_a_busy_backend_is_kept(webhook_server):
    webhook_server.statuses = [429]
    webhook_server.headers = {"Retry-After": "600"}
    with pytest.raises(DeliveryError) as raised:
        WebhookTransport(webhook_server.url, SECRET, timeout=5).deliver(
            make_item(make_payload("promoted", "fr", kind="webhook"), kind="webhook"))
    assert raised.value.retry_after == timedelta(seconds=600)
    assert retry_at(1, raised.value, NOW) == NOW + timedelta(seconds=600)


def test_a_webhook_that_is_down_or_silent_is_a_temporary_error(webhook_server):
    item = make_item(make_payload("booking_confirmed", "fr", kind="webhook"), kind="webhook")
    down = f"http://127.0.0.1:{free_port()}/events"
    with pytest.raises(DeliveryError) as raised:
        WebhookTransport(down, SECRET, timeout=5).deliver(item)
    assert (raised.value.permanent, str(raised.value)) == (
        False, "booking_confirmed K7P2QX: could not connect to the webhook at 127.0.0.1")

    webhook_server.hang = True
    with pytest.raises(DeliveryError) as raised:
        WebhookTransport(webhook_server.url, SECRET, timeout=0.5).deliver(item)
    assert (raised.value.permanent, str(raised.value)) == (
        False, "booking_confirmed K7P2QX: no answer from the webhook at 127.0.0.1 within 0.5 s")


# --- With the store's own outbox rows ----------------------------------------------------------


def test_the_outbox_rows_the_store_writes_are_delivered_once_each(tmp_path, smtp_server, webhook_server):
    store = open_store(tmp_path / "registrations.db", webhook_events=True)
    session = Session("dh-data-is1", "dh-data", {"fr": "Analyste de données", "nl": "Data-analist"},
                      "2027-01-12T18:00:00+01:00", "2027-01-12T19:00:00+01:00",
                      "Rue des Pixels 24, 1000 Bruxelles", "onsite", "fr", capacity=1)
    booked_at = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    first = store.book(session, Person("Amina", "El Idrissi", PERSON["email"], None, "nl"), now=booked_at)
    second = store.book(session, Person("Jan", "Peeters", "jan@example.be", None, "fr"), join_waiting_list=True,
                        now=booked_at)
    store.cancel(first.registration.reference, PERSON["email"], now=booked_at)  # Jan gets the seat

    transports = {"email": SmtpTransport(smtp_config(smtp_server.port), organisation=ORGANISATION),
                  "webhook": WebhookTransport(webhook_server.url, SECRET, timeout=5)}
    day_before = datetime(2027, 1, 11, 18, 0, tzinfo=timezone.utc)
    for _ in range(2):  # a second pass finds nothing left to send
        for item in store.claim_outbox(day_before):
            transports[item.kind].deliver(item)
            store.outbox_sent(item.id, day_before)

    subjects = [message_from_bytes(mail.data, policy=policy.default)["Subject"] for mail in smtp_server.received]
    amina, jan = first.registration.reference, second.registration.reference
    assert sorted(subjects) == sorted([
        f"Inschrijving bevestigd: infosessie van 12 januari 2027 ({amina})",
        f"Inschrijving geannuleerd: infosessie van 12 januari 2027 ({amina})",
        f"Liste d'attente : séance d'information du 12 janvier 2027 ({jan})",
        f"Une place s'est libérée : votre inscription du 12 janvier 2027 est confirmée ({jan})",
        f"Rappel : séance d'information le 12 janvier 2027 à 18h00 ({jan})",
    ])
    events = [json.loads(body)["event"] for _, body in webhook_server.requests]
    assert sorted(events) == ["booking_cancelled", "booking_confirmed", "promoted", "waitlist_joined"]
    assert all(verify_signature(body, SECRET, headers["X-Signature-SHA256"]) for headers, body in webhook_server.requests)


# --- Retry timing -------------------------------------------------------------------------------


def test_backoff_doubles_from_30_seconds_to_an_hour_and_gives_up_after_about_three_days():
    assert [next_retry(n) for n in range(1, 10)] == [
        timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4),
        timedelta(minutes=8), timedelta(minutes=16), timedelta(minutes=32), BACKOFF_CAP, BACKOFF_CAP]
    assert next_retry(10_000) == BACKOFF_CAP
    waited = sum((next_retry(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert timedelta(days=2.5) < waited < timedelta(days=3.5)
    temporary = DeliveryError("down", permanent=False)
    assert retry_at(MAX_ATTEMPTS - 1, temporary, NOW) == NOW + BACKOFF_CAP
    assert retry_at(MAX_ATTEMPTS, temporary, NOW) is None
    assert retry_at(1, DeliveryError("no such mailbox", permanent=True), NOW) is None
    # A Retry-After longer than the cap waits the cap: the row is not parked for a day.
    assert retry_at(1, DeliveryError("busy", retry_after=timedelta(days=1)), NOW) == NOW + BACKOFF_CAP


# --- Settings and the choice of transports ------------------------------------------------------


def test_without_smtp_host_mails_are_written_under_outbox_dir(tmp_path):
    config = RegistrationsConfig.from_env({"OUTBOX_DIR": str(tmp_path / "outbox")})
    transports = transports_from_config(config, organisation=ORGANISATION)
    assert set(transports) == {"email"}
    email = transports["email"]
    assert isinstance(email, EmlFileTransport)
    assert email.directory == tmp_path / "outbox"
    assert email.privacy_url == "https://www.hub.example/privacy"  # from the hub's website
    email.deliver(make_item(make_payload("booking_confirmed", "fr")))
    assert [p.suffix for p in (tmp_path / "outbox").iterdir()] == [".eml"]


def test_smtp_and_webhook_come_from_the_environment():
    config = RegistrationsConfig.from_env({
        "SMTP_HOST": "smtp.hub.example", "SMTP_FROM": SENDER, "SMTP_USER": "hub", "SMTP_PASSWORD": "pw-123",
        "REGISTRATIONS_WEBHOOK_URL": "https://backend.hub.example/events",
        "REGISTRATIONS_WEBHOOK_SECRET": SECRET, "PRIVACY_NOTICE_URL": "https://hub.example/donnees",
        "REMINDER_BEFORE_HOURS": "48",
    })
    assert (config.smtp_port, config.smtp_starttls, config.smtp_ssl) == (587, True, False)
    assert config.reminder_before == timedelta(hours=48)
    assert config.privacy_notice_for(ORGANISATION) == "https://hub.example/donnees"
    transports = transports_from_config(config)
    assert isinstance(transports["email"], SmtpTransport)
    assert isinstance(transports["webhook"], WebhookTransport)
    shown = repr(config)
    assert "pw-123" not in shown and SECRET not in shown
    assert "smtp_password=<set>" in shown and "webhook_secret=<set>" in shown


@pytest.mark.parametrize("environ, starttls, ssl", [
    ({"SMTP_HOST": "h", "SMTP_FROM": SENDER}, False, False),
    ({"SMTP_HOST": "h", "SMTP_FROM": SENDER, "SMTP_USER": "u"}, True, False),
    ({"SMTP_HOST": "h", "SMTP_FROM": SENDER, "SMTP_USER": "u", "SMTP_STARTTLS": "0"}, False, False),
    ({"SMTP_HOST": "h", "SMTP_FROM": SENDER, "SMTP_USER": "u", "SMTP_PORT": "465"}, False, True),
])
def test_tls_defaults_follow_the_user_and_the_port(environ, starttls, ssl):
    config = RegistrationsConfig.from_env(environ)
    assert (config.smtp_starttls, config.smtp_ssl) == (starttls, ssl)


@pytest.mark.parametrize("environ, message", [
    ({"REGISTRATIONS_WEBHOOK_URL": "https://backend.example/events"},
     "REGISTRATIONS_WEBHOOK_URL is set but REGISTRATIONS_WEBHOOK_SECRET is empty"),
    ({"REGISTRATIONS_WEBHOOK_URL": "ftp://backend.example", "REGISTRATIONS_WEBHOOK_SECRET": "s"},
     "REGISTRATIONS_WEBHOOK_URL must start with https://"),
    ({"SMTP_HOST": "smtp.example"}, "SMTP_HOST is set but SMTP_FROM is empty"),
    ({"SMTP_PORT": "five"}, "SMTP_PORT='five' is not a whole number"),
    ({"REMINDER_BEFORE_HOURS": "-2"}, "REMINDER_BEFORE_HOURS='-2' must be more than 0"),
    ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS='maybe' is not a yes/no value"),
])
def test_a_wrong_setting_names_the_variable_and_the_fix(environ, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        RegistrationsConfig.from_env(environ)


def test_the_privacy_notice_defaults_to_the_demo_page_without_a_website():
    config = RegistrationsConfig.from_env({})
    assert config.privacy_notice_for(None) == DEFAULT_PRIVACY_NOTICE_URL
    assert config.privacy_notice_for({"name": "Hub", "website": "not a url"}) == DEFAULT_PRIVACY_NOTICE_URL
