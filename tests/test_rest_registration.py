"""Booking an info session through the running bot and the real REST channel, in French and in
Dutch: the whole form, a correction, a stop, a refused consent, a likely typo, an invalid email and
phone, a question and a language switch mid-form, a full course, a cancel by reference (issue 15).

The bookings land in the servers' own registrations store (tests/servers.py sets REGISTRATIONS_DB).
"""

from __future__ import annotations

import email
import email.policy
import re
import time

import pytest
from icalendar import Calendar

from catalogue_sync.read import Catalogue
from registrations.catalogue import session_from_catalogue
from registrations.store import Person, open_store

pytestmark = pytest.mark.rest

JAVA = "dh-java-dev-27"
PYTHON_NL = "dh-python-nl-27"
UX = "dh-ux-ui-design-27"  # full


def all_text(replies):
    return "\n".join(r.get("text", "") for r in replies)


def last_text(replies):
    return replies[-1].get("text", "") if replies else ""


def buttons(replies):
    return [b for r in replies for b in r.get("buttons") or []]


def store(servers):
    return open_store(servers.var_dir / "registrations.db")


def start(servers, sender, course, language):
    """Starts the form for a course by its button, and picks the first session by its button."""
    replies = servers.send(sender, '/register_info_session{"course_id": "%s"}' % course, metadata={"language": language})
    session_buttons = [b for b in buttons(replies) if b["payload"].startswith("/inform")]
    assert session_buttons, all_text(replies)
    return replies, session_buttons


def test_a_booking_in_french_with_a_typo_questioned_and_a_correction(servers, sender):
    replies, sessions = start(servers, sender, JAVA, "fr")
    assert "Je vous inscris à une séance d'information de la formation « Développeur Java (h/f/x) »" in all_text(replies)
    assert len(sessions) == 3 and "places" in sessions[0]["title"]
    replies = servers.send(sender, "la deuxième")
    assert "Pour vous inscrire, nous gardons votre nom" in last_text(replies)
    assert last_text(servers.send(sender, "oui")) == "Quel est votre prénom ?"
    assert last_text(servers.send(sender, "Amina")) == "Et votre nom de famille ?"
    assert last_text(servers.send(sender, "El Idrissi")).startswith("Votre adresse e-mail ?")
    replies = servers.send(sender, "amina.elidrissi@gmail.con")
    assert last_text(replies) == "Vouliez-vous dire amina.elidrissi@gmail.com ?"
    assert buttons(replies)[0]["payload"] == "amina.elidrissi@gmail.com"
    assert last_text(servers.send(sender, "amina.elidrissi@gmail.com")).startswith("Votre numéro de téléphone")
    replies = servers.send(sender, "0470 12 34 56")
    summary = last_text(replies)
    assert "Amina El Idrissi" in summary and "amina.elidrissi@gmail.com" in summary and "+32470123456" in summary
    # A correction asks that field again, then the summary comes back.
    assert last_text(servers.send(sender, "corriger le téléphone")).startswith("Votre numéro de téléphone")
    replies = servers.send(sender, "non")
    assert "téléphone : pas donné" in last_text(replies)
    replies = servers.send(sender, "oui, je confirme")
    text = all_text(replies)
    assert text.startswith("C'est fait ! Vous êtes inscrit·e à la séance d'information de « Développeur Java (h/f/x) »")
    reference = re.search(r"Votre référence : (\w{6})", text).group(1)
    with store(servers) as registrations:
        booking = registrations.get(reference)
        assert (booking.status, booking.email, booking.phone, booking.language) == (
            "confirmed", "amina.elidrissi@gmail.com", None, "fr")
        assert booking.session_id == sessions[1]["payload"].split('"')[3]
    # The sender started with the bot writes the confirmation (no SMTP here: an .eml file).
    mail = wait_for_mail(servers, reference)
    assert mail["To"].addresses[0].addr_spec == "amina.elidrissi@gmail.com" and reference in mail.get_body(("plain",)).get_content()
    invite = next(part for part in mail.walk() if part.get_content_type() == "text/calendar")
    event = next(c for c in Calendar.from_ical(invite.get_payload(decode=True)).walk() if c.name == "VEVENT")
    assert event.decoded("dtstart") == booking_start(booking)


def booking_start(booking):
    from datetime import datetime

    return datetime.fromisoformat(booking.session.starts_at)


def wait_for_mail(servers, reference, event="booking_confirmed", timeout=30.0):
    """The .eml file the sender wrote for an event of a booking."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in (servers.var_dir / "outbox").glob("*.eml"):
            if reference in path.name and path.name.startswith(event):
                return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        time.sleep(0.5)
    raise AssertionError(f"no confirmation mail for {reference} in {servers.var_dir / 'outbox'}")


def test_a_booking_in_dutch_with_a_question_and_a_language_switch_mid_form(servers, sender):
    replies, sessions = start(servers, sender, PYTHON_NL, "nl")
    assert "Ik schrijf je in voor een infosessie" in all_text(replies)
    servers.send(sender, sessions[0]["payload"])
    servers.send(sender, "ja")
    assert last_text(servers.send(sender, "Jan")) == "En je achternaam?"
    # A question mid-form is answered, then the form asks its question again.
    replies = servers.send(sender, "hoeveel kost de opleiding?")
    assert "gratis" in all_text(replies) and last_text(replies) == "En je achternaam?"
    # Invalid answers get a hint and the question again.
    assert "Die naam kon ik niet lezen" in all_text(servers.send(sender, "J4n5sen"))
    assert last_text(servers.send(sender, "Janssens")).startswith("Je e-mailadres?")
    assert "lijkt niet geldig" in all_text(servers.send(sender, "jan.janssens-at-telenet.be"))
    # The person switches to French: the form goes on in French.
    replies = servers.send(sender, "je préfère parler français")
    assert last_text(replies).startswith("Votre adresse e-mail ?")
    servers.send(sender, "jan.janssens@telenet.be")
    assert "Je n'ai pas reconnu ce numéro" in all_text(servers.send(sender, "0470 12"))
    replies = servers.send(sender, "/deny")
    assert last_text(replies).startswith("Voici votre inscription")
    text = all_text(servers.send(sender, "/affirm"))
    assert text.startswith("C'est fait !")


def test_a_stop_and_a_refused_consent_keep_nothing(servers, sender):
    start(servers, sender, JAVA, "nl")
    servers.send(sender, "de eerste")
    servers.send(sender, "ja")
    servers.send(sender, "Sofie")
    assert all_text(servers.send(sender, "laat maar")).startswith("Oké, ik stop met de inschrijving")
    assert servers.slots(sender)["reg_first_name"] is None
    # Again, and refuse the consent this time.
    start(servers, sender, JAVA, "nl")
    servers.send(sender, "de eerste")
    assert all_text(servers.send(sender, "/deny")).startswith("Genoteerd: ik bewaar niets")
    with store(servers) as registrations:
        assert not [r for r in registrations.registrations(course_id=JAVA) if r.first_name == "Sofie"]


def test_a_full_course_cannot_be_booked(servers, sender):
    replies = servers.send(sender, '/register_info_session{"course_id": "%s"}' % UX, metadata={"language": "fr"})
    assert all_text(replies).startswith("La formation « Designer UX/UI (h/f/x) » est complète")
    assert not [b for b in buttons(replies) if b["payload"].startswith("/inform")]


def test_cancel_by_reference_and_email(servers, sender):
    start(servers, sender, JAVA, "nl")
    servers.send(sender, "de derde")
    for answer in ("ja", "Lotte", "Peeters", "lotte.peeters@example.org", "nee"):
        servers.send(sender, answer)
    reference = re.search(r"Je referentie: (\w{6})", all_text(servers.send(sender, "ja"))).group(1)
    replies = servers.send(sender, f"ik wil mijn inschrijving {reference} annuleren")
    assert last_text(replies).startswith("En het e-mailadres waarmee je je hebt ingeschreven?")
    assert "hoort niet bij inschrijving" in all_text(servers.send(sender, "iemand@example.org"))
    servers.send(sender, f"annuleren {reference}")
    replies = servers.send(sender, "lotte.peeters@example.org")
    assert all_text(replies).startswith(f"Geannuleerd: de inschrijving {reference}")
    with store(servers) as registrations:
        assert registrations.get(reference).status == "cancelled"


def test_a_full_session_takes_the_waiting_list_and_a_freed_seat_goes_to_the_first(servers, sender):
    catalogue = Catalogue(servers.catalogue_db)
    course = catalogue.get_course(PYTHON_NL)
    session = catalogue.next_info_sessions(PYTHON_NL, limit=3)[2]
    with store(servers) as registrations:  # others took every seat, through another channel
        others = [registrations.book(session_from_catalogue(session, course),
                                     Person(f"P{i}", "Vol", f"vol{i}@example.org", None, "nl"))
                  for i in range(session["capacity"])]
    _, sessions = start(servers, sender, PYTHON_NL, "nl")
    assert "volzet: wachtlijst" in sessions[2]["title"]
    assert last_text(servers.send(sender, sessions[2]["payload"])).startswith("Deze sessie is volzet. Wil je op de wachtlijst?")
    assert "Ga je akkoord?" in last_text(servers.send(sender, "/affirm"))
    for answer in ("ja", "Nadia", "Benali", "nadia.benali@example.org"):
        servers.send(sender, answer)
    assert "wachtlijst" in last_text(servers.send(sender, "nee"))  # the summary says so
    text = all_text(servers.send(sender, "ja"))
    assert text.startswith("Je staat op de wachtlijst") and "op plaats 1" in text
    reference = re.search(r"Je referentie: (\w{6})", text).group(1)
    with store(servers) as registrations:
        assert registrations.get(reference).status == "waiting"
        registrations.cancel(others[0].reference, "vol0@example.org")
        assert registrations.get(reference).status == "confirmed"
    mail = wait_for_mail(servers, reference, event="promoted")
    assert mail["To"].addresses[0].addr_spec == "nadia.benali@example.org"


def test_a_change_of_date_in_one_step(servers, sender):
    _, sessions = start(servers, sender, JAVA, "fr")
    servers.send(sender, sessions[0]["payload"])
    for answer in ("oui", "Karim", "Haddad", "karim.haddad@example.org", "non"):
        servers.send(sender, answer)
    first = re.search(r"Votre référence : (\w{6})", all_text(servers.send(sender, "oui"))).group(1)
    replies = servers.send(sender, f"je voudrais changer de date pour {first}")
    assert "Je change la date de votre inscription" in all_text(replies)
    new_sessions = [b for b in buttons(replies) if b["payload"].startswith("/inform")]
    assert last_text(servers.send(sender, new_sessions[2]["payload"])).startswith("Votre adresse e-mail ?")
    assert "Je confirme le changement ?" in last_text(servers.send(sender, "karim.haddad@example.org"))
    text = all_text(servers.send(sender, "oui"))
    assert text.startswith("C'est fait : vous êtes inscrit·e à la séance du")
    moved = re.search(r"Votre nouvelle référence : (\w{6})", text).group(1)
    with store(servers) as registrations:
        assert registrations.get(first).status == "cancelled"
        assert (registrations.get(moved).status, registrations.get(moved).session_id) == (
            "confirmed", new_sessions[2]["payload"].split('"')[3])


def test_the_other_language_and_no_personal_data_in_the_logs(servers, sender):
    """The cases the other tests run in French, in Dutch (a likely typo, a correction, the
    booking), and those run in Dutch, in French (a stop, a refused consent, a cancel); then the
    logs of the bot, the action server and the sender hold no name, email or phone."""
    _, sessions = start(servers, sender, PYTHON_NL, "nl")
    servers.send(sender, sessions[1]["payload"])
    servers.send(sender, "ja")
    servers.send(sender, "Ilse")
    servers.send(sender, "Vermeulen")
    assert last_text(servers.send(sender, "ilse.vermeulen@hotmail.con")) == "Bedoel je ilse.vermeulen@hotmail.com?"
    servers.send(sender, "ja")
    assert "telefoon: +32485112233" in last_text(servers.send(sender, "0485 11 22 33"))
    assert last_text(servers.send(sender, "het e-mailadres klopt niet")).startswith("Je e-mailadres?")
    assert "e-mail: ilse.v@telenet.be" in last_text(servers.send(sender, "ilse.v@telenet.be"))
    text = all_text(servers.send(sender, "ja"))
    assert text.startswith("In orde! Je bent ingeschreven voor de infosessie")
    reference = re.search(r"Je referentie: (\w{6})", text).group(1)
    wait_for_mail(servers, reference)

    french = sender + "-fr"
    start(servers, french, JAVA, "fr")
    servers.send(french, "la première")
    servers.send(french, "oui")
    servers.send(french, "Yasmine")
    assert all_text(servers.send(french, "laisse tomber")).startswith("D'accord, j'arrête l'inscription")
    start(servers, french, JAVA, "fr")
    servers.send(french, "la première")
    assert all_text(servers.send(french, "non")).startswith("C'est noté : je n'enregistre rien")
    replies = servers.send(french, f"annuler mon inscription {reference}")
    assert last_text(replies).startswith("Et l'adresse e-mail utilisée pour l'inscription ?")
    assert all_text(servers.send(french, "ilse.v@telenet.be")).startswith(f"C'est annulé : l'inscription {reference}")

    names = ("rasa.log", "actions.log", "sender.log")
    assert all((servers.var_dir / name).exists() for name in names)
    logs = "".join((servers.var_dir / name).read_text(errors="replace") for name in names)
    for personal in ("Ilse", "Vermeulen", "ilse.v@telenet.be", "hotmail", "32485112233", "0485 11", "Yasmine"):
        assert personal not in logs, personal
