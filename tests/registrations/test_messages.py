"""The registration emails in French and Dutch, their .ics invites, and the webhook body."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from mail_helpers import ORGANISATION, SENDER, make_payload

from registrations.messages import (
    CALENDAR_METHODS,
    EVENTS,
    LANGUAGES,
    render_email,
    render_ics,
    render_webhook,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


def render(payload, organisation=ORGANISATION, **options):
    """The mail as a recipient's client parses it (through bytes, as it travels)."""
    message = render_email(payload, sender=SENDER, organisation=organisation, **options)
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def calendars(message):
    """Each .ics attachment parsed back with icalendar."""
    return [Calendar.from_ical(part.get_content()) for part in message.iter_attachments()
            if part.get_content_type() == "text/calendar"]


def vevent(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def variants():
    """Payloads with everything, and with every optional field missing."""
    bare = {"ends_at": None, "location": None, "format": None, "language": None, "course_title": {"nl": "Alleen NL"}}
    online = {"format": "online", "location": "En ligne (Microsoft Teams) — lien envoyé par e-mail"}
    return {"full": ({}, {}), "bare": (bare, {"occurred_at": None}), "online": (online, {})}


@pytest.mark.parametrize("variant", ["full", "bare", "online"])
@pytest.mark.parametrize("with_organisation", [True, False])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_in_both_languages_without_a_missing_value(event, language, with_organisation, variant):
    session, changes = variants()[variant]
    payload = make_payload(event, language, session=session, **changes)
    if variant == "bare":
        payload["person"]["phone"] = None
        payload.pop("waiting_position", None)
        payload.pop("previous_starts_at", None)
    message = render(payload, organisation=ORGANISATION if with_organisation else None)
    subject, text, page = message["Subject"], text_of(message), html_of(message)
    for part in (subject, text, page):
        assert "{" not in part and "}" not in part
        assert "None" not in part
        assert "K7P2QX" in part
    assert ("janvier" if language == "fr" else "januari") in subject
    title = "Alleen NL" if variant == "bare" else {"fr": "Développeur·euse web full stack",
                                                   "nl": "Full-stack webontwikkelaar"}[language]
    assert title in text
    assert message["Content-Language"] == f"{language}-BE"
    methods = [calendar["METHOD"] for calendar in calendars(message)]
    assert methods == ([CALENDAR_METHODS[event]] if event in CALENDAR_METHODS else [])


def test_the_french_confirmation_says_what_when_where_and_how_to_cancel():
    message = render(make_payload("booking_confirmed", "fr"), privacy_url="https://www.hub.example/vie-privee")
    assert message["Subject"] == "Inscription confirmée : séance d'information du 12 janvier 2027 (K7P2QX)"
    assert message["To"] == "Amina El Idrissi <amina@example.org>"
    assert message["From"] == SENDER
    assert message["Reply-To"] == "info@hub.example"
    assert message["Auto-Submitted"] == "auto-generated"
    text = text_of(message)
    assert text.startswith("Bonjour Amina,\n\nVotre inscription à la séance d'information est confirmée")
    for line in ("Formation : Développeur·euse web full stack",
                 "Date : mardi 12 janvier 2027, de 18h00 à 19h00",
                 "Lieu : Digital Hub Brussels, Rue des Pixels 24, 1000 Bruxelles — salle 1.02",
                 "Langue de la séance : français",
                 "Référence : K7P2QX",
                 "Téléphone : +32 2 555 48 20",
                 "Heures d'ouverture : Du lundi au vendredi de 9 h à 17 h.",
                 "Comment nous utilisons vos données : https://www.hub.example/vie-privee"):
        assert line in text.splitlines()
    assert "écrivez « annuler mon inscription K7P2QX » et donnez cette adresse e-mail (amina@example.org)" in text
    assert "seance-information-K7P2QX.ics" in text
    assert text.rstrip().endswith("À bientôt,\nDigital Hub Brussels")


def test_the_dutch_confirmation_says_what_when_where_and_how_to_cancel():
    message = render(make_payload("booking_confirmed", "nl"))
    assert message["Subject"] == "Inschrijving bevestigd: infosessie van 12 januari 2027 (K7P2QX)"
    text = text_of(message)
    assert text.startswith("Dag Amina,\n\nJe inschrijving voor de infosessie is bevestigd")
    for line in ("Opleiding: Full-stack webontwikkelaar",
                 "Datum: dinsdag 12 januari 2027, van 18.00 tot 19.00 uur",
                 "Taal van de sessie: Frans",
                 "Referentie: K7P2QX",
                 "Openingsuren: Van maandag tot vrijdag van 9 tot 17 uur."):
        assert line in text.splitlines()
    assert "schrijf ‘ik wil mijn inschrijving K7P2QX annuleren’ en geef dit e-mailadres (amina@example.org)" in text
    assert "Tot binnenkort,\nDigital Hub Brussels" in text


def test_an_online_session_is_said_online_in_the_readers_language_with_the_feeds_details():
    payload = make_payload("booking_confirmed", "nl", session={
        "format": "online", "location": "En ligne (Microsoft Teams) — lien envoyé par e-mail"})
    text = text_of(render(payload))
    assert "Plaats: online" in text.splitlines()
    assert "Praktisch: En ligne (Microsoft Teams) — lien envoyé par e-mail" in text.splitlines()
    event = vevent(calendars(render(payload))[0])
    assert str(event["LOCATION"]) == "En ligne (Microsoft Teams) — lien envoyé par e-mail"


def test_a_session_without_an_end_shows_its_start_and_blocks_an_hour_in_the_calendar():
    payload = make_payload("booking_confirmed", "fr", session={"ends_at": None})
    message = render(payload)
    assert "Date : mardi 12 janvier 2027 à 18h00" in text_of(message).splitlines()
    event = vevent(calendars(message)[0])
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)


def test_the_invite_starts_when_the_session_starts_in_brussels_time_with_its_timezone_block():
    message = render(make_payload("booking_confirmed", "fr"))
    (calendar,) = calendars(message)
    assert calendar["METHOD"] == "REQUEST"
    event = vevent(calendar)
    start = event.decoded("DTSTART")
    assert start == datetime(2027, 1, 12, 18, 0, tzinfo=BRUSSELS)
    assert start.tzinfo == BRUSSELS
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event.decoded("DTEND") == datetime(2027, 1, 12, 19, 0, tzinfo=BRUSSELS)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert calendar.subcomponents[0].name == "VTIMEZONE"
    assert str(event["UID"]) == "registration-K7P2QX@hub.example"
    assert str(event["SUMMARY"]) == "Séance d'information : Développeur·euse web full stack"
    assert "Référence : K7P2QX" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:inscriptions@hub.example"
    assert str(event["ATTENDEE"]) == "mailto:amina@example.org"
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"


def test_a_summer_session_is_at_its_local_hour_and_its_timezone_block_covers_dates_after_2038():
    # 08:00 UTC in July is 10:00 in Brussels (summer time); icalendar's default VTIMEZONE stops in 2038.
    payload = make_payload("booking_confirmed", "fr", session={"starts_at": "2040-07-10T08:00:00Z", "ends_at": None})
    message = render(payload)
    assert "Date : mardi 10 juillet 2040 à 10h00" in text_of(message).splitlines()
    (calendar,) = calendars(message)
    start = vevent(calendar).decoded("DTSTART")
    assert (start.hour, start.utcoffset()) == (10, timedelta(hours=2))
    # The block itself must say when summer time starts and ends in 2040 (a calendar app without
    # its own copy of the rules reads only this).
    changes = transitions(calendar.walk("VTIMEZONE")[0])
    assert (datetime(2040, 3, 25, 3, 0), "DAYLIGHT", "+0200") in changes
    assert (datetime(2040, 10, 28, 3, 0), "STANDARD", "+0100") in changes


def transitions(vtimezone):
    """(local time, STANDARD or DAYLIGHT, offset after) for every change a VTIMEZONE lists."""
    found = []
    for rule in vtimezone.subcomponents:
        dates = [rule.decoded("DTSTART")]
        rdates = rule.get("RDATE")
        for rdate in (rdates if isinstance(rdates, list) else [rdates] if rdates is not None else []):
            dates += [value.dt for value in rdate.dts]
        offset = rule["TZOFFSETTO"].to_ical()
        found += [(moment, rule.name, offset) for moment in dates]
    return found


def test_a_moved_session_updates_the_same_calendar_entry_and_a_cancel_removes_it():
    confirmed = vevent(calendars(render(make_payload("booking_confirmed", "fr")))[0])
    moved_payload = make_payload("session_moved", "fr", occurred_at="2026-12-20T10:00:00+00:00",
                                 session={"starts_at": "2027-01-19T18:00:00+01:00", "ends_at": "2027-01-19T19:00:00+01:00"})
    moved_message = render(moved_payload)
    moved = vevent(calendars(moved_message)[0])
    cancel_calendar = calendars(render(make_payload("booking_cancelled", "fr", occurred_at="2026-12-21T10:00:00+00:00")))[0]
    cancelled = vevent(cancel_calendar)
    other = vevent(calendars(render(make_payload("booking_confirmed", "fr", reference="M4RT9W")))[0])

    assert confirmed["UID"] == moved["UID"] == cancelled["UID"] != other["UID"]
    assert moved.decoded("DTSTART") == datetime(2027, 1, 19, 18, 0, tzinfo=BRUSSELS)
    # Calendar apps apply the news with the higher SEQUENCE: the move after the booking, the cancel last.
    assert confirmed["SEQUENCE"] < moved["SEQUENCE"] < cancelled["SEQUENCE"]
    assert cancel_calendar["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"
    text = text_of(moved_message)
    assert "Date : mardi 19 janvier 2027, de 18h00 à 19h00" in text.splitlines()
    assert "Ancienne date : mardi 5 janvier 2027 à 18h00" in text.splitlines()
    assert "met la séance à jour dans votre agenda" in text


def test_a_cancelled_session_carries_a_cancel_for_the_bookings_calendar_entry():
    message = render(make_payload("session_cancelled", "nl"))
    assert message["Subject"] == "Infosessie van 12 januari 2027 geannuleerd (K7P2QX)"
    assert "Het spijt ons: de infosessie hieronder is geannuleerd." in text_of(message)
    (calendar,) = calendars(message)
    assert calendar["METHOD"] == "CANCEL"
    assert str(vevent(calendar)["UID"]) == "registration-K7P2QX@hub.example"


def test_the_waiting_list_mail_gives_the_position_and_no_invite():
    message = render(make_payload("waitlist_joined", "fr"))
    text = text_of(message)
    assert "Position sur la liste d'attente : 3" in text.splitlines()
    assert "Vous ne voulez plus attendre ?" in text
    assert calendars(message) == []
    nl = text_of(render(make_payload("waitlist_joined", "nl")))
    assert "Plaats op de wachtlijst: 3" in nl.splitlines()


def test_a_promotion_and_a_reminder_say_so_with_an_invite():
    promoted = render(make_payload("promoted", "nl"))
    assert promoted["Subject"].startswith("Er is een plaats vrijgekomen")
    assert "Je inschrijving is nu bevestigd." in text_of(promoted)
    reminder = render(make_payload("reminder", "fr"))
    assert reminder["Subject"] == "Rappel : séance d'information le 12 janvier 2027 à 18h00 (K7P2QX)"
    assert [c["METHOD"] for c in calendars(promoted) + calendars(reminder)] == ["REQUEST", "REQUEST"]


def test_a_cancel_by_staff_says_the_team_cancelled():
    text = text_of(render(make_payload("booking_cancelled", "fr", cancelled_by="staff")))
    assert "L'équipe a annulé votre inscription à la séance d'information ci-dessous." in text
    assert "annuler mon inscription" not in text  # nothing left to cancel


def test_a_change_of_date_names_the_old_booking_and_removes_it_from_the_calendar():
    old_session = {"starts_at": "2027-01-05T18:00:00+01:00", "ends_at": "2027-01-05T19:00:00+01:00"}
    payload = make_payload("booking_confirmed", "fr", reference="M4RT9W",
                           replaces={"reference": "K7P2QX", "session": old_session})
    message = render(payload)
    assert "Cette inscription remplace la précédente (K7P2QX), qui est annulée." in text_of(message)
    assert "Le fichier joint (seance-information-K7P2QX.ics) retire la séance de votre agenda." in text_of(message)
    new, old = calendars(message)
    assert (new["METHOD"], str(vevent(new)["UID"])) == ("REQUEST", "registration-M4RT9W@hub.example")
    assert (old["METHOD"], str(vevent(old)["UID"])) == ("CANCEL", "registration-K7P2QX@hub.example")
    assert vevent(old).decoded("DTSTART") == datetime(2027, 1, 5, 18, 0, tzinfo=BRUSSELS)
    # A bare reference: said in the text, no calendar file for an entry whose date is unknown.
    plain = render(make_payload("booking_confirmed", "nl", reference="M4RT9W", replaces="K7P2QX"))
    assert "Deze inschrijving vervangt je vorige (K7P2QX), die geannuleerd is." in text_of(plain)
    assert len(calendars(plain)) == 1


def test_someone_on_the_waiting_list_gets_no_calendar_file_and_is_told_about_their_place():
    left = render(make_payload("booking_cancelled", "fr", previous_status="waiting"))
    assert "Vous n'êtes plus sur la liste d'attente de la séance d'information ci-dessous." in text_of(left)
    moved = render(make_payload("session_moved", "nl", status="waiting"))
    moved_text = text_of(moved)
    assert "Je blijft op de wachtlijst voor de nieuwe datum." in moved_text
    assert "Wil je niet langer wachten?" in moved_text and "Kan je niet komen?" not in moved_text
    cancelled = render(make_payload("session_cancelled", "fr", status="waiting"))
    assert calendars(left) == calendars(moved) == calendars(cancelled) == []
    assert "agenda" not in text_of(left) + text_of(cancelled)


def test_a_change_of_date_onto_a_waiting_list_still_removes_the_old_calendar_entry():
    old_session = {"starts_at": "2027-01-05T18:00:00+01:00", "ends_at": None}
    message = render(make_payload("waitlist_joined", "nl", reference="M4RT9W",
                                  replaces={"reference": "K7P2QX", "session": old_session}))
    assert "Deze inschrijving vervangt je vorige (K7P2QX), die geannuleerd is." in text_of(message)
    (old,) = calendars(message)
    assert (old["METHOD"], str(vevent(old)["UID"])) == ("CANCEL", "registration-K7P2QX@hub.example")


def test_without_the_hubs_details_the_mail_points_to_the_chat():
    message = render(make_payload("booking_confirmed", "nl"), organisation=None)
    text = text_of(message)
    assert "Vragen? Stel ze in de chat." in text
    assert "Telefoon" not in text
    assert message["Reply-To"] is None
    assert text.rstrip().endswith("Het team van de infosessies")


def test_values_from_the_feed_and_the_form_cannot_inject_headers_or_html():
    payload = make_payload("booking_confirmed", "fr", session={"course_title": {"fr": "Web <script>alert(1)</script> & co\r\nBcc: x@evil.example"}})
    payload["person"]["first_name"] = "Amina\r\nBcc: spy@evil.example"
    message = render(payload)
    assert message["Bcc"] is None
    assert "\n" not in str(message["To"])
    page = html_of(message)
    assert "<script>" not in page
    assert "Web &lt;script&gt;alert(1)&lt;/script&gt; &amp; co Bcc: x@evil.example" in page


def test_the_message_id_comes_from_the_idempotency_key():
    first = render(make_payload("reminder", "fr"))
    again = render(make_payload("reminder", "fr"))
    assert first["Message-ID"] == again["Message-ID"] == "<reminder.K7P2QX.email@hub.example>"
    assert render(make_payload("booking_confirmed", "fr"))["Message-ID"] != first["Message-ID"]


def test_a_payload_in_another_language_is_written_in_french_and_logged_without_personal_data(caplog):
    with caplog.at_level(logging.WARNING, logger="registrations"):
        message = render(make_payload("booking_confirmed", "en"))
    assert message["Subject"].startswith("Inscription confirmée")
    assert "booking_confirmed K7P2QX" in caplog.text
    assert "amina" not in caplog.text.lower()


@pytest.mark.parametrize("change, expected", [
    ({"event": "booking_maybe"}, "unknown registration event 'booking_maybe'"),
    ({"reference": None}, "booking_confirmed: the payload has no reference"),
    ({"person": {"first_name": "Amina", "last_name": "El Idrissi"}}, "booking_confirmed K7P2QX: the payload has no person.email"),
    ({"person": {"first_name": "Amina", "email": "amina@@example.org"}}, "booking_confirmed K7P2QX: person.email is not an address"),
    ({"person": {"first_name": "Amina", "email": "âmina@example.org"}}, "a non-ASCII part before the @ is not supported"),
])
def test_a_payload_that_cannot_make_a_mail_says_which_field_without_personal_data(change, expected):
    with pytest.raises(ValueError, match=expected) as raised:
        render_email({**make_payload("booking_confirmed", "fr"), **change}, sender=SENDER)
    assert "amina" not in str(raised.value).lower()


def test_a_waiting_list_event_has_no_calendar_file():
    with pytest.raises(ValueError, match="waitlist_joined has no calendar file"):
        render_ics(make_payload("waitlist_joined", "fr"), sender=SENDER)


def test_the_webhook_body_has_the_contracts_keys_in_a_stable_order():
    payload = make_payload("waitlist_joined", "nl", kind="webhook")
    body = render_webhook(payload)
    assert body == render_webhook(json.loads(json.dumps(payload, sort_keys=True)))  # same bytes whatever the dict order
    document = json.loads(body)
    assert list(document) == ["event", "idempotency_key", "occurred_at", "reference", "status", "language",
                              "session", "person", "waiting_position"]
    assert document["idempotency_key"] == "waitlist_joined:K7P2QX:webhook"
    assert document["person"] == {"email": "amina@example.org", "first_name": "Amina", "last_name": "El Idrissi",
                                  "phone": "+32470123456"}
    assert document["session"]["starts_at"] == "2027-01-12T18:00:00+01:00"
    assert "Développeur·euse".encode("utf-8") in body  # UTF-8, not \u escapes
    moved = json.loads(render_webhook(make_payload("session_moved", "fr", kind="webhook")))
    assert moved["previous_starts_at"] == "2027-01-05T18:00:00+01:00"
    with pytest.raises(ValueError, match="unknown registration event"):
        render_webhook({**payload, "event": "deleted"})


def test_the_sequence_stays_a_32_bit_number_for_decades():
    payload = make_payload("booking_confirmed", "fr", occurred_at="2090-12-31T23:59:59+00:00")
    event = vevent(Calendar.from_ical(render_ics(payload, sender=SENDER)))
    assert 0 < event["SEQUENCE"] < 2**31
    assert date(2090, 12, 31) == event.decoded("DTSTAMP").date()
