"""The registrations store on a real SQLite file: booking, waiting list, cancel, change of date, sync,
outbox, erasure, retention and schema migration."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import registrations
from registrations import codes
from registrations.sqlite_store import SCHEMA_VERSION, SQLiteRegistrationStore, migrate
from registrations.store import (
    InvalidRequest, NotFound, Person, SchemaTooNew, StoreUnavailable, WrongEmail, default_db_path, open_store,
)


def events(rows, kind=None):
    """(event, kind) of outbox rows, in order; only one kind if given."""
    return [(row["event"], row["kind"]) for row in rows if kind is None or row["kind"] == kind]


def starts(session) -> datetime:
    return datetime.fromisoformat(session.starts_at)


# --- Reference codes ----------------------------------------------------------------------------


def test_reference_codes_are_six_characters_people_can_read_aloud():
    made = {codes.new_reference() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(code) == 6 and codes.is_reference(code) for code in made)
    assert not set("".join(made)) & set("0O1IL")


@pytest.mark.parametrize("typed, stored", [
    ("abc-123", "ABC123"), (" ABC 123 ", "ABC123"), ("k7p.2qx", "K7P2QX"), ("K7P_2QX\n", "K7P2QX"), ("k7p2qx", "K7P2QX"),
])
def test_a_reference_is_read_whatever_the_case_spaces_or_dashes(typed, stored):
    assert codes.normalise_reference(typed) == stored


@pytest.mark.parametrize("text, expected", [("k7p-2qx", True), ("K7P2QX", True), ("ABC123", False), ("K7P2Q", False)])
def test_is_reference_knows_the_shape_of_a_code(text, expected):
    assert codes.is_reference(text) is expected


# --- Opening ------------------------------------------------------------------------------------


def test_open_store_reads_its_path_and_webhook_setting_from_the_environment(tmp_path, monkeypatch, session, person,
                                                                             now, outbox_rows):
    path = tmp_path / "nested" / "folder" / "registrations.db"
    monkeypatch.setenv("REGISTRATIONS_DB", str(path))
    monkeypatch.setenv("REGISTRATIONS_WEBHOOK_URL", "http://127.0.0.1:9/hook")
    with open_store() as store:
        assert store.webhook_events is True
        store.book(session(), person(), now=now)
    assert events(outbox_rows(path), "webhook") == [("booking_confirmed", "webhook")]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()

    monkeypatch.delenv("REGISTRATIONS_WEBHOOK_URL")
    with open_store() as store:
        assert store.webhook_events is False
        store.book(session(), person(2), now=now)
    assert [row["event"] for row in outbox_rows(path, kind="webhook")] == ["booking_confirmed"]


def test_the_default_database_is_var_registrations_db_under_the_checkout_wherever_one_starts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REGISTRATIONS_DB", raising=False)
    checkout = Path(registrations.__file__).resolve().parents[1]
    assert default_db_path() == checkout / "var" / "registrations.db"
    monkeypatch.setenv("REGISTRATIONS_DB", str(tmp_path / "elsewhere.db"))
    assert default_db_path() == tmp_path / "elsewhere.db"


def test_open_store_says_postgresql_is_not_there_yet():
    with pytest.raises(StoreUnavailable, match="only the SQLite backend exists yet"):
        open_store("postgresql://staff@db/registrations")


# --- Booking ------------------------------------------------------------------------------------


def test_a_booking_takes_a_seat_and_writes_its_messages_in_the_same_transaction(store, db_path, session, person, now,
                                                                               outbox_rows):
    result = store.book(session(capacity=3), person(), now=now)
    assert result.outcome == "confirmed" and result.seats_left == 2 and result.waiting == 0
    registration = result.registration
    assert codes.is_reference(registration.reference) and registration.status == "confirmed"
    assert (registration.email, registration.phone, registration.language) == ("person1@example.org", "+32470120001", "fr")
    assert registration.session == session(capacity=3)

    rows = outbox_rows(db_path)
    assert events(rows) == [("booking_confirmed", "email"), ("booking_confirmed", "webhook"), ("reminder", "email")]
    email = rows[0]
    assert email["idempotency_key"] == f"booking_confirmed:{registration.reference}:email"
    assert email["status"] == "pending" and email["due_at"] == "2026-12-02T09:15:00+00:00"
    assert email["email"] == "person1@example.org"
    assert email["payload"] == {
        "event": "booking_confirmed",
        "idempotency_key": f"booking_confirmed:{registration.reference}:email",
        "occurred_at": "2026-12-02T09:15:00+00:00",
        "reference": registration.reference,
        "status": "confirmed",
        "language": "fr",
        "person": {"first_name": "Amina1", "last_name": "El Idrissi", "email": "person1@example.org",
                   "phone": "+32470120001"},
        "session": {"id": "data-101-is1", "course_id": "data-101",
                    "course_title": {"fr": "Analyste de données", "nl": "Data-analist"},
                    "starts_at": "2027-01-12T18:00:00+01:00", "ends_at": "2027-01-12T19:00:00+01:00",
                    "location": "Rue des Pixels 24, 1000 Bruxelles — salle 1.02", "format": "onsite",
                    "language": "fr"},
    }
    reminder = rows[2]
    # 18:00 Brussels (UTC+1) on 12 January, one day before.
    assert reminder["due_at"] == "2027-01-11T17:00:00+00:00"
    assert reminder["idempotency_key"] == f"reminder:{registration.reference}:email"


def test_the_reminder_is_due_as_configured_and_skipped_when_booking_late(db_path, session, person, now, outbox_rows):
    with SQLiteRegistrationStore(db_path, reminder_before=timedelta(hours=3)) as store:
        store.book(session(), person(), now=now)
        # Booked 20 hours before the start: a reminder 3 hours before is still to come.
        store.book(session(2), person(2), now=starts(session(2)) - timedelta(hours=20))
    with SQLiteRegistrationStore(db_path) as store:
        # Booked 20 hours before, reminder one day before: that moment has passed, no reminder.
        store.book(session(3), person(3), now=starts(session(3)) - timedelta(hours=20))
    reminders = outbox_rows(db_path, event="reminder")
    assert [row["due_at"] for row in reminders] == ["2027-01-12T14:00:00+00:00", "2027-01-12T14:00:00+00:00"]
    assert [row["payload"]["session"]["id"] for row in reminders] == ["data-101-is1", "data-101-is2"]
    assert len(outbox_rows(db_path, event="booking_confirmed")) == 3  # webhook rows off


def test_the_same_email_twice_gets_the_existing_booking_not_a_second_seat(store, db_path, session, person, now,
                                                                         outbox_rows):
    first = store.book(session(capacity=5), person(), now=now)
    again = store.book(session(capacity=5), person(2, email="  Person1@Example.ORG "), now=now)
    assert again.outcome == "already_booked"
    assert again.reference == first.reference and again.seats_left == 4
    assert len(store.registrations()) == 1
    assert len(outbox_rows(db_path)) == 3  # nothing more to send


def test_a_waiting_email_asking_again_gets_its_place(store, session, person, now):
    store.book(session(capacity=1), person(1), now=now)
    waiting = store.book(session(capacity=1), person(2), join_waiting_list=True, now=now)
    again = store.book(session(capacity=1), person(2), join_waiting_list=True, now=now)
    assert (again.outcome, again.reference, again.position) == ("already_booked", waiting.reference, 1)


def test_a_full_session_says_full_and_writes_nothing(store, db_path, session, person, now, outbox_rows, table_rows):
    store.book(session(capacity=1), person(1), now=now)
    before = outbox_rows(db_path)
    result = store.book(session(capacity=1), person(2), now=now)
    assert (result.outcome, result.registration, result.seats_left) == ("full", None, 0)
    assert len(table_rows(db_path, "registrations")) == 1
    assert outbox_rows(db_path) == before


def test_the_waiting_list_keeps_its_order(store, db_path, session, person, now, outbox_rows):
    store.book(session(capacity=1), person(1), now=now)
    results = [store.book(session(capacity=1), person(n), join_waiting_list=True, now=now) for n in (2, 3, 4)]
    assert [(r.outcome, r.position, r.waiting) for r in results] == [("waiting", 1, 1), ("waiting", 2, 2), ("waiting", 3, 3)]
    joined = outbox_rows(db_path, event="waitlist_joined", kind="email")
    assert [row["payload"]["waiting_position"] for row in joined] == [1, 2, 3]
    assert [row["payload"]["status"] for row in joined] == ["waiting"] * 3
    assert not outbox_rows(db_path, event="reminder", status="pending")[1:]  # only the seat holder's
    listed = store.registrations(status="waiting")
    assert [r.reference for r in listed] == [r.reference for r in results]
    assert [r.position for r in listed] == [1, 2, 3]


def test_join_waiting_list_still_gives_a_free_seat(store, session, person, now):
    assert store.book(session(capacity=2), person(), join_waiting_list=True, now=now).outcome == "confirmed"


@pytest.mark.parametrize("case", ["snapshot cancelled", "started", "stored cancelled"])
def test_a_cancelled_or_started_session_cannot_be_booked(store, db_path, session, person, now, case, table_rows):
    if case == "snapshot cancelled":
        result = store.book(session(status="cancelled"), person(), now=now)
        expected = "session_cancelled"
    elif case == "started":
        result = store.book(session(), person(), now=starts(session()) + timedelta(minutes=1))
        expected = "session_started"
    else:
        store.sync_sessions([session(status="cancelled")], now=now)
        # The catalogue the bot read may not be synced yet: the stored cancellation wins.
        result = store.book(session(), person(), now=now)
        expected = "session_cancelled"
    assert (result.outcome, result.reason, result.registration) == ("unavailable", expected, None)
    assert table_rows(db_path, "registrations") == []


def test_a_capacity_increase_seen_at_booking_first_seats_the_waiting_list(store, session, person, now):
    store.book(session(capacity=1), person(1), now=now)
    waiting = store.book(session(capacity=1), person(2), join_waiting_list=True, now=now)
    late = store.book(session(capacity=2), person(3), join_waiting_list=True, now=now)
    assert store.get(waiting.reference).status == "confirmed"
    assert (late.outcome, late.position) == ("waiting", 1)


def test_a_booking_keeps_the_stored_date_until_the_sync_moves_it(store, session, person, now, outbox_rows, db_path):
    store.book(session(), person(1), now=now)
    # A snapshot with another date (catalogue synced, sync_sessions not called yet): the stored
    # date stays, so that only the sync tells everyone, once.
    moved = store.book(session(starts_at="2027-01-19T18:00:00+01:00"), person(2), now=now)
    assert moved.registration.session.starts_at == "2027-01-12T18:00:00+01:00"
    store.sync_sessions([session(starts_at="2027-01-19T18:00:00+01:00")], now=now)
    assert len(outbox_rows(db_path, event="session_moved", kind="email")) == 2


def test_a_failed_booking_transaction_leaves_no_booking_and_no_outbox_row(store, db_path, session, person, now,
                                                                          outbox_rows, table_rows):
    conn = sqlite3.connect(db_path)
    # The last write of a booking fails (as a full disk would): everything before it must go too.
    conn.execute("CREATE TRIGGER fail_reminder BEFORE INSERT ON outbox WHEN NEW.event = 'reminder'"
                 " BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END")
    conn.commit()
    with pytest.raises(StoreUnavailable, match="disk full") as raised:
        store.book(session(), person(), now=now)
    assert "Nothing was changed" in str(raised.value)
    assert table_rows(db_path, "registrations") == [] and outbox_rows(db_path) == []
    conn.execute("DROP TRIGGER fail_reminder")
    conn.commit()
    conn.close()
    assert store.book(session(), person(), now=now).outcome == "confirmed"
    assert len(outbox_rows(db_path)) == 3


def test_a_taken_reference_code_is_drawn_again(db_path, session, person, now):
    drawn = iter(["K7P2QX", "K7P2QX", "K7P2QX", "M4N8RT"])
    with SQLiteRegistrationStore(db_path, reference_factory=lambda: next(drawn)) as store:
        assert store.book(session(), person(1), now=now).reference == "K7P2QX"
        assert store.book(session(), person(2), now=now).reference == "M4N8RT"
    with SQLiteRegistrationStore(db_path, reference_factory=lambda: "K7P2QX") as store:
        with pytest.raises(StoreUnavailable, match="No free reference code"):
            store.book(session(), person(3), now=now)
        assert len(store.registrations()) == 2


@pytest.mark.parametrize("change, message", [
    (dict(language="de"), "Person.language must be one of fr, nl"),
    (dict(email="not an address"), "Person.email is not an email address"),
    (dict(first_name=" "), "Person.first_name is empty"),
])
def test_a_person_the_store_cannot_book_is_refused_without_quoting_them(store, session, person, now, change, message):
    fields = dict(first_name="Amina", last_name="El Idrissi", email="amina@example.org", phone="+32470123456",
                  language="fr")
    fields.update(change)
    with pytest.raises(InvalidRequest, match=message) as raised:
        store.book(session(), Person(**fields), now=now)
    assert "amina@example.org" not in str(raised.value) and "not an address" not in str(raised.value)


@pytest.mark.parametrize("change, message", [
    (dict(capacity=-1), "capacity must be a whole number >= 0"),
    (dict(starts_at="12/01/2027 18:00"), "is not an ISO 8601 time"),
    (dict(starts_at="2027-01-12T18:00:00"), "is not an ISO 8601 time with a UTC offset"),
    (dict(status="postponed"), "status must be one of scheduled, cancelled"),
])
def test_a_session_the_store_cannot_use_is_refused(store, session, person, now, change, message):
    from dataclasses import replace
    with pytest.raises(InvalidRequest, match=message):
        store.book(replace(session(), **change), person(), now=now)


def test_times_must_say_their_zone(store, session, person):
    with pytest.raises(InvalidRequest, match="timezone-aware"):
        store.book(session(), person(), now=datetime(2026, 12, 2, 9, 15))


def test_starts_at_in_utc_with_z_is_read(store, session, person, now, db_path, outbox_rows):
    store.book(session(starts_at="2027-01-12T17:00:00Z"), person(), now=now)
    assert outbox_rows(db_path, event="reminder")[0]["due_at"] == "2027-01-11T17:00:00+00:00"


def test_results_and_people_never_show_personal_data_in_their_repr(store, session, person, now):
    booked = store.book(session(), person(), now=now)
    cancelled = store.cancel(booked.reference, "person1@example.org", now=now)
    forgotten = store.forget("person1@example.org", now=now)
    for value in (person(), booked, cancelled, forgotten, store.registrations()):
        text = repr(value)
        assert "person1@example.org" not in text and "Amina1" not in text and "+3247012" not in text
        assert "conversation-1" not in text


# --- Cancelling ---------------------------------------------------------------------------------


def test_cancelling_releases_the_seat_to_the_first_in_line(store, db_path, session, person, now, outbox_rows):
    seated = store.book(session(capacity=1), person(1), now=now)
    first = store.book(session(capacity=1), person(2), join_waiting_list=True, now=now)
    second = store.book(session(capacity=1), person(3), join_waiting_list=True, now=now)
    later = now + timedelta(hours=2)

    result = store.cancel(f" {seated.reference[:3].lower()}-{seated.reference[3:].lower()} ", "PERSON1@example.org",
                          now=later)
    assert (result.outcome, result.promoted) == ("cancelled", first.reference)
    assert result.registration.status == "cancelled" and result.registration.cancelled_by == "person"
    assert store.get(first.reference).status == "confirmed"
    assert store.get(second.reference).position == 1

    rows = outbox_rows(db_path)
    assert [row["status"] for row in rows if row["event"] == "reminder" and row["payload"]["reference"] == seated.reference] == ["cancelled"]
    after = [row for row in rows if row["created_at"] == "2026-12-02T11:15:00+00:00"]
    assert [(row["event"], row["kind"], row["payload"]["reference"]) for row in after] == [
        ("booking_cancelled", "email", seated.reference), ("booking_cancelled", "webhook", seated.reference),
        ("promoted", "email", first.reference), ("promoted", "webhook", first.reference),
        ("reminder", "email", first.reference),
    ]
    promoted = after[2]["payload"]
    assert promoted["status"] == "confirmed" and promoted["person"]["email"] == "person2@example.org"
    assert after[0]["payload"]["previous_status"] == "confirmed" and after[0]["payload"]["status"] == "cancelled"
    summary = store.session_summaries()[0]
    assert (summary.confirmed, summary.waiting, summary.seats_left) == (1, 1, 0)


def test_cancelling_twice_is_harmless(store, db_path, session, person, now, outbox_rows):
    booked = store.book(session(), person(), now=now)
    store.cancel(booked.reference, "person1@example.org", now=now)
    before = outbox_rows(db_path)
    again = store.cancel(booked.reference, "person1@example.org", now=now)
    assert again.outcome == "already_cancelled" and again.promoted is None
    assert outbox_rows(db_path) == before


def test_the_wrong_email_cancels_nothing_and_does_not_say_whose_booking_it_is(store, db_path, session, person, now,
                                                                            outbox_rows):
    booked = store.book(session(), person(), now=now)
    before = outbox_rows(db_path)
    with pytest.raises(WrongEmail) as raised:
        store.cancel(booked.reference, "someone.else@example.org", now=now)
    message = str(raised.value)
    assert booked.reference in message and "ask for the address" in message
    assert "person1" not in message and "someone.else" not in message
    assert store.get(booked.reference).status == "confirmed" and outbox_rows(db_path) == before


def test_an_unknown_reference_is_not_found(store):
    with pytest.raises(NotFound, match="No registration has the reference 'ABC123'"):
        store.cancel("abc-123", "person1@example.org")
    assert store.get("ABC123") is None


def test_leaving_the_waiting_list_moves_the_others_up(store, session, person, now):
    store.book(session(capacity=1), person(1), now=now)
    first, second, third = (store.book(session(capacity=1), person(n), join_waiting_list=True, now=now) for n in (2, 3, 4))
    result = store.cancel(second.reference, "person3@example.org", now=now)
    assert result.outcome == "cancelled" and result.promoted is None
    assert [store.get(r.reference).position for r in (first, third)] == [1, 2]
    assert store.session_summaries()[0].confirmed == 1


def test_someone_who_cancelled_can_book_the_same_session_again(store, session, person, now):
    first = store.book(session(), person(), now=now)
    store.cancel(first.reference, "person1@example.org", now=now)
    again = store.book(session(), person(), now=now)
    assert again.outcome == "confirmed" and again.reference != first.reference
    assert [r.status for r in store.registrations()] == ["confirmed", "cancelled"]


def test_staff_can_cancel_without_the_email_and_the_person_is_told(store, db_path, session, person, now, outbox_rows):
    booked = store.book(session(), person(), now=now)
    result = store.cancel_as_staff(booked.reference.lower(), now=now)
    assert result.registration.cancelled_by == "staff"
    told = outbox_rows(db_path, event="booking_cancelled", kind="email")
    assert told[0]["payload"]["cancelled_by"] == "staff"


# --- Change of date -----------------------------------------------------------------------------


def test_a_change_of_date_moves_the_booking_in_one_step(store, db_path, session, person, now, outbox_rows):
    old = store.book(session(1, capacity=1), person(1), now=now)
    waiting = store.book(session(1, capacity=1), person(2), join_waiting_list=True, now=now)
    later = now + timedelta(hours=1)
    result = store.rebook(old.reference, "person1@example.org", session(2, starts_at="2027-01-19T18:00:00+01:00"),
                          now=later)
    assert result.outcome == "rebooked"
    assert result.previous.status == "cancelled" and result.previous.cancelled_by == "rebook"
    new = result.booking.registration
    assert new.session_id == "data-101-is2" and new.replaces == old.reference and new.status == "confirmed"
    assert store.get(waiting.reference).status == "confirmed"  # the old seat went to the waiting list

    rows = [row for row in outbox_rows(db_path) if row["created_at"] == "2026-12-02T10:15:00+00:00"]
    mine = [(row["event"], row["kind"]) for row in rows if row["email"] == "person1@example.org"]
    # One email for the person (the new booking, saying what it replaces); the backend hears both.
    assert mine == [("booking_confirmed", "email"), ("booking_confirmed", "webhook"), ("reminder", "email"),
                    ("booking_cancelled", "webhook")]
    confirmed = rows[0]["payload"]
    assert confirmed["replaces"]["reference"] == old.reference
    assert confirmed["replaces"]["session"]["starts_at"] == "2027-01-12T18:00:00+01:00"
    assert rows[3]["payload"]["replaced_by"] == new.reference
    old_reminders = [row["status"] for row in outbox_rows(db_path, event="reminder")
                     if row["payload"]["reference"] == old.reference]
    assert old_reminders == ["cancelled"]


def test_a_change_to_a_full_session_changes_nothing(store, db_path, session, person, now, outbox_rows):
    old = store.book(session(1), person(1), now=now)
    store.book(session(2, capacity=1), person(2), now=now)
    before = outbox_rows(db_path)
    result = store.rebook(old.reference, "person1@example.org", session(2, capacity=1), now=now)
    assert (result.outcome, result.booking.registration) == ("full", None)
    assert result.previous.status == "confirmed" and store.get(old.reference).status == "confirmed"
    assert outbox_rows(db_path) == before


def test_a_change_of_date_can_join_the_new_waiting_list(store, session, person, now):
    old = store.book(session(1), person(1), now=now)
    store.book(session(2, capacity=1), person(2), now=now)
    result = store.rebook(old.reference, "person1@example.org", session(2, capacity=1), join_waiting_list=True, now=now)
    assert (result.outcome, result.booking.position, result.previous.status) == ("waiting", 1, "cancelled")


def test_a_change_to_the_same_session_or_with_the_wrong_email(store, session, person, now):
    old = store.book(session(1), person(1), now=now)
    same = store.rebook(old.reference, "person1@example.org", session(1), now=now)
    assert same.outcome == "already_booked" and same.booking.reference == old.reference
    with pytest.raises(WrongEmail):
        store.rebook(old.reference, "other@example.org", session(2), now=now)
    assert [r.status for r in store.registrations()] == ["confirmed"]


# --- Listing ------------------------------------------------------------------------------------


def test_registrations_and_summaries_for_staff(store, session, person, now):
    store.book(session(1, capacity=1), person(1), now=now)
    store.book(session(1, capacity=1), person(2), join_waiting_list=True, now=now)
    store.book(session(2, capacity=5, starts_at="2027-01-05T18:00:00+01:00"), person(3), now=now)
    store.book(session(1, capacity=5, course_id="web-201"), person(4), now=now)
    cancelled = store.book(session(1, capacity=5, course_id="web-201"), person(5), now=now)
    store.cancel(cancelled.reference, "person5@example.org", now=now)

    assert [r.session_id for r in store.registrations()] == [
        "data-101-is2", "data-101-is1", "data-101-is1", "web-201-is1", "web-201-is1"]
    assert [r.status for r in store.registrations(session_id="data-101-is1")] == ["confirmed", "waiting"]
    assert len(store.registrations(course_id="data-101")) == 3
    assert [r.session_id for r in store.registrations(status="cancelled")] == ["web-201-is1"]
    with pytest.raises(InvalidRequest, match="Unknown registration status 'booked'"):
        store.registrations(status="booked")

    summaries = {s.session_id: s for s in store.session_summaries()}
    assert list(summaries) == ["data-101-is2", "data-101-is1", "web-201-is1"]
    one = summaries["data-101-is1"]
    assert (one.capacity, one.confirmed, one.waiting, one.seats_left, one.flags) == (1, 1, 1, 0, [])
    web = summaries["web-201-is1"]
    assert (web.confirmed, web.seats_left) == (1, 4)
    assert [s.session_id for s in store.session_summaries(course_id="web-201")] == ["web-201-is1"]


# --- Sync ---------------------------------------------------------------------------------------


def test_a_sync_adds_the_feed_sessions_and_changes_nothing_when_run_again(store, db_path, session, now, outbox_rows):
    feed = [session(1), session(2, capacity=4)]
    first = store.sync_sessions(feed, now=now)
    assert (first.added, first.updated) == (2, 0)
    assert [(s.session_id, s.confirmed, s.seats_left) for s in store.session_summaries()] == [
        ("data-101-is1", 0, 10), ("data-101-is2", 0, 4)]
    again = store.sync_sessions(feed, now=now + timedelta(hours=1))
    assert (again.added, again.updated, again.missing, again.notified) == (0, 0, [], 0)
    assert outbox_rows(db_path) == []


def test_a_capacity_increase_promotes_the_waiting_list_in_order(store, db_path, session, person, now, outbox_rows):
    store.book(session(capacity=1), person(1), now=now)
    waiting = [store.book(session(capacity=1), person(n), join_waiting_list=True, now=now) for n in (2, 3, 4)]
    result = store.sync_sessions([session(capacity=3)], now=now)
    assert result.updated == 1 and result.promoted == [waiting[0].reference, waiting[1].reference]
    assert store.get(waiting[2].reference).position == 1
    promoted = outbox_rows(db_path, event="promoted", kind="email")
    assert [row["payload"]["reference"] for row in promoted] == result.promoted


def test_a_capacity_decrease_takes_no_seat_away(store, session, person, now):
    for n in (1, 2, 3):
        store.book(session(capacity=3), person(n), now=now)
    store.sync_sessions([session(capacity=2)], now=now)
    summary = store.session_summaries()[0]
    assert (summary.confirmed, summary.seats_left, summary.flags) == (3, 0, ["overbooked"])
    assert len(store.registrations(status="confirmed")) == 3


def test_a_session_the_feed_cancels_keeps_its_registrations_and_tells_them(store, db_path, session, person, now,
                                                                         outbox_rows):
    seated = store.book(session(capacity=1), person(1), now=now)
    waiting = store.book(session(capacity=1), person(2), join_waiting_list=True, now=now)
    result = store.sync_sessions([session(capacity=1, status="cancelled")], now=now + timedelta(days=1))
    assert (result.cancelled, result.notified) == (["data-101-is1"], 2)
    for booking, status in ((seated, "confirmed"), (waiting, "waiting")):
        registration = store.get(booking.reference)
        assert (registration.status, registration.session_change, registration.session.status) == (
            status, "cancelled", "cancelled")
    told = outbox_rows(db_path, event="session_cancelled")
    assert [(row["kind"], row["payload"]["reference"]) for row in told] == [
        ("email", seated.reference), ("webhook", seated.reference),
        ("email", waiting.reference), ("webhook", waiting.reference)]
    assert [row["status"] for row in outbox_rows(db_path, event="reminder")] == ["cancelled"]
    summary = store.session_summaries()[0]
    assert (summary.status, summary.seats_left, summary.flags) == ("cancelled", 0, ["cancelled"])
    # Cancelled again by a later sync that still says so: nobody is told twice.
    assert store.sync_sessions([session(capacity=1, status="cancelled")], now=now + timedelta(days=2)).notified == 0


def test_a_session_scheduled_again_gets_its_reminders_back(store, db_path, session, person, now, outbox_rows):
    booked = store.book(session(), person(), now=now)
    store.sync_sessions([session(status="cancelled")], now=now)
    result = store.sync_sessions([session()], now=now)
    assert result.reinstated == ["data-101-is1"]
    assert store.get(booked.reference).session_change == "reinstated"
    assert [row["status"] for row in outbox_rows(db_path, event="reminder")] == ["cancelled", "pending"]
    assert outbox_rows(db_path, event="reminder")[1]["idempotency_key"] == f"reminder:{booked.reference}:email:2"


def test_a_moved_session_tells_its_registrants_and_moves_the_reminder(store, db_path, session, person, now,
                                                                     outbox_rows):
    seated = store.book(session(capacity=1), person(1), now=now)
    waiting = store.book(session(capacity=1), person(2), join_waiting_list=True, now=now)
    moved = session(capacity=1, starts_at="2027-01-19T18:00:00+01:00")
    result = store.sync_sessions([moved], now=now)
    assert (result.moved, result.notified) == (["data-101-is1"], 2)
    assert store.get(seated.reference).session_change == "moved"
    assert store.get(seated.reference).session.starts_at == "2027-01-19T18:00:00+01:00"
    told = outbox_rows(db_path, event="session_moved", kind="email")
    assert [row["payload"]["reference"] for row in told] == [seated.reference, waiting.reference]
    assert told[0]["payload"]["previous_starts_at"] == "2027-01-12T18:00:00+01:00"
    assert told[0]["payload"]["session"]["starts_at"] == "2027-01-19T18:00:00+01:00"
    reminders = outbox_rows(db_path, event="reminder")
    assert [(row["status"], row["due_at"]) for row in reminders] == [
        ("cancelled", "2027-01-11T17:00:00+00:00"), ("pending", "2027-01-18T17:00:00+00:00")]
    assert reminders[1]["payload"]["session"]["starts_at"] == "2027-01-19T18:00:00+01:00"
    summary = store.session_summaries()[0]
    assert summary.moved and summary.previous_starts_at == "2027-01-12T18:00:00+01:00" and summary.flags == ["moved"]

    # Moved back: told again, under new idempotency keys.
    store.sync_sessions([session(capacity=1)], now=now)
    again = outbox_rows(db_path, event="session_moved", kind="email")
    assert [row["idempotency_key"] for row in again[2:]] == [
        f"session_moved:{seated.reference}:email:2", f"session_moved:{waiting.reference}:email:2"]


def test_the_same_time_written_another_way_is_not_a_move(store, db_path, session, person, now, outbox_rows):
    store.book(session(), person(), now=now)
    result = store.sync_sessions([session(starts_at="2027-01-12T17:00:00+00:00", ends_at=session().ends_at)], now=now)
    assert (result.updated, result.moved) == (1, [])
    assert outbox_rows(db_path, event="session_moved") == []


def test_a_session_missing_from_the_feed_is_flagged_not_announced(store, db_path, session, person, now, outbox_rows):
    store.book(session(1), person(1), now=now)
    store.book(session(2, starts_at="2026-11-20T18:00:00+01:00"), person(2), now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    before = outbox_rows(db_path)
    result = store.sync_sessions([session(3)], now=now)
    # The past session left the feed as past sessions do: not flagged.
    assert result.missing == ["data-101-is1"]
    flagged = {s.session_id: s.flags for s in store.session_summaries()}
    assert flagged == {"data-101-is2": [], "data-101-is1": ["missing_from_feed"], "data-101-is3": []}
    assert outbox_rows(db_path) == before and len(store.registrations(status="confirmed")) == 2
    back = store.sync_sessions([session(1), session(3)], now=now)
    assert back.back_in_feed == ["data-101-is1"] and not store.session_summaries()[1].missing_from_feed


def test_a_sync_with_a_broken_session_changes_nothing(store, db_path, session, person, now, table_rows):
    store.book(session(1, capacity=1), person(1), now=now)
    before = table_rows(db_path, "sessions")
    from dataclasses import replace
    with pytest.raises(InvalidRequest, match="data-101-is2: capacity"):
        store.sync_sessions([session(1, capacity=5), replace(session(2), capacity="many")], now=now)
    assert table_rows(db_path, "sessions") == before


# --- Outbox -------------------------------------------------------------------------------------


def test_claiming_leases_the_due_rows_and_the_sender_marks_them(store, db_path, session, person, now, outbox_rows):
    for n in (1, 2, 3):
        store.book(session(), person(n), now=now)
    claimed = store.claim_outbox(now, limit=4, lease_seconds=60)
    # Due now: 3 confirmations and 3 webhooks; the reminders are due in January.
    assert [item.event for item in claimed] == ["booking_confirmed"] * 4
    assert claimed[0].payload["person"]["email"] == "person1@example.org" and claimed[0].attempts == 0
    assert [item.event for item in store.claim_outbox(now + timedelta(seconds=30))] == ["booking_confirmed"] * 2
    assert store.claim_outbox(now + timedelta(seconds=30)) == []
    # A sender that died: its leases run out (at +60 s and +90 s) and the rows can be claimed again.
    assert len(store.claim_outbox(now + timedelta(seconds=61))) == 4
    assert len(store.claim_outbox(now + timedelta(seconds=91))) == 2

    assert store.outbox_sent(claimed[0].id, now) is True
    assert store.claim_outbox(now + timedelta(minutes=5), limit=50)[0].id == claimed[1].id
    assert outbox_rows(db_path, id=claimed[0].id)[0]["status"] == "sent"
    reminders = store.claim_outbox(datetime(2027, 1, 11, 17, tzinfo=timezone.utc), limit=50)
    assert sorted(item.event for item in reminders)[-3:] == ["reminder"] * 3


def test_a_failed_delivery_is_retried_later_or_given_up(store, db_path, session, person, now):
    store.book(session(), person(), now=now)
    item = store.claim_outbox(now)[0]
    retry_at = now + timedelta(minutes=5)
    assert store.outbox_failed(item.id, "SMTP 451 <person1@example.org>: try later", retry_at) is True
    assert item.id not in [claimed.id for claimed in store.claim_outbox(now + timedelta(minutes=4))]
    again = [claimed for claimed in store.claim_outbox(retry_at) if claimed.id == item.id]
    assert again and again[0].attempts == 1

    assert store.outbox_failed(item.id, "550 rejected: +32 470 12 00 01 unknown", None) is True
    failed = store.outbox(status="failed")
    assert [(entry.id, entry.attempts) for entry in failed] == [(item.id, 2)]
    assert failed[0].last_error == "550 rejected: <number> unknown"
    assert store.outbox_counts()["failed"] == 1
    assert store.outbox_failed(item.id, "again", None) is False  # no longer pending

    assert store.retry_outbox(item.id, now=now + timedelta(hours=1)) == 1
    entry = [e for e in store.outbox() if e.id == item.id][0]
    assert (entry.status, entry.attempts, entry.due_at) == ("pending", 0, "2026-12-02T10:15:00+00:00")
    assert store.retry_outbox(item.id) == 0
    with pytest.raises(NotFound, match="No outbox row has the id 999"):
        store.retry_outbox(999)


def test_retry_puts_every_failed_row_back(store, session, person, now):
    store.book(session(), person(), now=now)
    for item in store.claim_outbox(now):
        store.outbox_failed(item.id, "down", None)
    assert store.outbox_counts() == {"pending": 1, "sent": 0, "failed": 2, "cancelled": 0}
    assert store.retry_outbox(now=now) == 2
    assert store.outbox_counts()["pending"] == 3


def test_error_texts_lose_addresses_before_they_are_stored(store, session, person, now):
    store.book(session(), person(), now=now)
    item = store.claim_outbox(now)[0]
    store.outbox_failed(item.id, "RCPT TO:<Person1@Example.org> refused; call 0470 12 00 01", now + timedelta(minutes=1))
    assert store.outbox()[-1].last_error == "RCPT TO:<<email>> refused; call <number>"


def test_the_staff_outbox_listing_carries_no_personal_data(store, session, person, now):
    booked = store.book(session(), person(), now=now)
    listing = store.outbox()
    assert [(e.event, e.kind, e.reference) for e in listing] == [
        ("reminder", "email", booked.reference), ("booking_confirmed", "webhook", booked.reference),
        ("booking_confirmed", "email", booked.reference)]
    assert "person1" not in repr(listing) and "Amina" not in repr(listing)
    with pytest.raises(InvalidRequest, match="Unknown outbox status"):
        store.outbox(status="queued")


def test_a_row_erased_while_being_sent_is_reported_gone(store, session, person, now):
    store.book(session(), person(), now=now)
    item = store.claim_outbox(now)[0]
    store.forget("person1@example.org", now=now)
    assert store.outbox_sent(item.id, now) is False
    assert store.outbox_failed(item.id, "timeout", now) is False


# --- Erasure and retention ----------------------------------------------------------------------


def test_forget_erases_a_person_and_gives_their_seat_to_the_next(store, db_path, session, person, now, outbox_rows,
                                                               table_rows):
    past = datetime(2026, 10, 1, tzinfo=timezone.utc)
    old = store.book(session(9, starts_at="2026-10-20T18:00:00+02:00"), person(1), now=past)
    seated = store.book(session(1, capacity=1), person(1), now=now)
    next_in_line = store.book(session(1, capacity=1), person(2), join_waiting_list=True, now=now)
    store.book(session(2, capacity=1), person(3), now=now)
    waiting = store.book(session(2, capacity=1), person(1, email="PERSON1@example.org"), join_waiting_list=True, now=now)
    later = now + timedelta(hours=1)

    result = store.forget(" Person1@Example.org ", now=later)
    assert (result.registrations_erased, result.bookings_cancelled, result.waiting_removed) == (3, 1, 1)
    assert result.promoted == [next_in_line.reference]
    assert result.sender_ids == ["conversation-1"]
    assert result.outbox_deleted == 8  # old: confirmed + webhook + reminder; seated: the same; waiting: 2

    rows = table_rows(db_path, "registrations")
    erased = [row for row in rows if row["reference"] in (old.reference, seated.reference, waiting.reference)]
    assert {row["status"] for row in erased} == {"erased"}
    for column in ("first_name", "last_name", "email", "email_key", "phone", "sender_id"):
        assert {row[column] for row in erased} == {None}
    for row in outbox_rows(db_path):
        assert "person1@example.org" not in str(row).lower() and "Amina1" not in str(row)
    # The promoted person's messages are kept; the backend learns that the seats are free.
    kept = [(row["event"], row["kind"], row["payload"]["reference"]) for row in outbox_rows(db_path)
            if row["created_at"] == "2026-12-02T10:15:00+00:00"]
    assert kept == [
        ("booking_cancelled", "webhook", seated.reference), ("booking_cancelled", "webhook", waiting.reference),
        ("promoted", "email", next_in_line.reference), ("promoted", "webhook", next_in_line.reference),
        ("reminder", "email", next_in_line.reference),
    ]
    erasure = outbox_rows(db_path, event="booking_cancelled")[0]
    assert erasure["payload"]["person"] is None and erasure["email"] is None
    assert erasure["payload"]["cancelled_by"] == "erasure"

    # Statistics survive: the past session still counts its seat; the future ones count who holds one.
    counts = {s.session_id: (s.confirmed, s.waiting) for s in store.session_summaries()}
    assert counts == {"data-101-is9": (1, 0), "data-101-is1": (1, 0), "data-101-is2": (1, 0)}
    with pytest.raises(NotFound):
        store.cancel(seated.reference, "person1@example.org", now=later)
    assert store.get(seated.reference).status == "erased" and store.get(seated.reference).email is None
    # Forgetting again finds nothing more.
    assert store.forget("person1@example.org", now=later).registrations_erased == 0


def test_forget_an_unknown_email_does_nothing(store, session, person, now):
    store.book(session(), person(), now=now)
    result = store.forget("nobody@example.org", now=now)
    assert (result.registrations_erased, result.outbox_deleted, result.sender_ids) == (0, 0, [])
    assert store.outbox_counts()["pending"] == 3
    with pytest.raises(InvalidRequest, match="forget needs the person's email"):
        store.forget("  ")


def test_retention_anonymises_registrations_of_sessions_ended_long_ago(store, db_path, session, person, outbox_rows,
                                                                      table_rows):
    store.book(session(1, starts_at="2026-09-01T18:00:00+02:00"), person(1), now=datetime(2026, 8, 1, tzinfo=timezone.utc))
    cancelled = store.book(session(1, starts_at="2026-09-01T18:00:00+02:00"), person(2),
                           now=datetime(2026, 8, 1, tzinfo=timezone.utc))
    store.cancel(cancelled.reference, "person2@example.org", now=datetime(2026, 8, 2, tzinfo=timezone.utc))
    recent = store.book(session(2, starts_at="2026-11-20T18:00:00+01:00"), person(3),
                        now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    result = store.forget_older_than(60, now=datetime(2026, 12, 2, tzinfo=timezone.utc))
    assert result.registrations_erased == 2 and result.sender_ids == ["conversation-1", "conversation-2"]
    assert result.outbox_deleted == 8  # 3 per booking (confirmation, webhook, reminder), 2 for the cancel
    assert {row["payload"]["reference"] for row in outbox_rows(db_path)} == {recent.reference}
    rows = {row["reference"]: row for row in table_rows(db_path, "registrations")}
    assert rows[recent.reference]["email"] == "person3@example.org"
    assert sorted(row["erased_status"] for row in rows.values() if row["status"] == "erased") == ["cancelled", "confirmed"]
    assert [(s.session_id, s.confirmed) for s in store.session_summaries()] == [("data-101-is1", 1), ("data-101-is2", 1)]
    assert store.forget_older_than(60, now=datetime(2026, 12, 2, tzinfo=timezone.utc)).registrations_erased == 0
    with pytest.raises(InvalidRequest, match="whole number of days"):
        store.forget_older_than(-1)


# --- Schema -------------------------------------------------------------------------------------


def test_a_file_at_an_older_schema_version_is_migrated_and_keeps_its_rows(db_path, session, person, now, outbox_rows):
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO sessions (session_id, course_id, course_title, starts_at, starts_at_utc, capacity, status,"
        " first_seen_at, updated_at) VALUES ('data-101-is1', 'data-101', '{\"fr\": \"Data\"}',"
        " '2027-01-12T18:00:00+01:00', '2027-01-12T17:00:00+00:00', 1, 'scheduled', 'x', 'x')")
    conn.execute(
        "INSERT INTO registrations (reference, session_id, status, first_name, last_name, email, email_key, language,"
        " created_at) VALUES ('K7P2QX', 'data-101-is1', 'confirmed', 'Amina', 'El Idrissi', 'amina@example.org',"
        " 'amina@example.org', 'nl', '2026-11-01T10:00:00+00:00')")
    conn.close()

    with SQLiteRegistrationStore(db_path, webhook_events=True) as store:
        kept = store.get("k7p-2qx")
        assert (kept.status, kept.language, kept.email) == ("confirmed", "nl", "amina@example.org")
        assert store.book(session(capacity=1), person(), join_waiting_list=True, now=now).position == 1
        assert store.cancel("K7P2QX", "amina@example.org", now=now).outcome == "cancelled"
    check = sqlite3.connect(db_path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    check.close()
    assert [row["event"] for row in outbox_rows(db_path, kind="email")] == [
        "waitlist_joined", "booking_cancelled", "promoted", "reminder"]


def test_a_file_from_a_newer_version_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(SchemaTooNew, match="schema version 99, newer than the 2 this code knows"):
        SQLiteRegistrationStore(db_path)


def test_another_database_is_not_taken_over(db_path, table_rows):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE courses (id TEXT)")
    conn.close()
    with pytest.raises(StoreUnavailable, match="point REGISTRATIONS_DB to a file of its own"):
        SQLiteRegistrationStore(db_path)
    conn = sqlite3.connect(db_path)
    assert [row[0] for row in conn.execute("SELECT name FROM sqlite_master")] == ["courses"]
    conn.close()


def test_a_file_that_is_not_a_database_is_refused(db_path):
    db_path.write_bytes(b"this is not a SQLite file, it is a text file saved under the wrong name" * 20)
    with pytest.raises(StoreUnavailable, match="not a registrations database or is damaged"):
        SQLiteRegistrationStore(db_path)
