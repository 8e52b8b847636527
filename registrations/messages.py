"""The emails (French or Dutch, with an .ics invite) and the webhook body for each registration event."""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import parseaddr
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from icalendar import Calendar, Event, vCalAddress

logger = logging.getLogger(__name__)

BRUSSELS = ZoneInfo("Europe/Brussels")
LOCALES = {"fr": "fr_BE", "nl": "nl_BE"}
LANGUAGES = ("fr", "nl")
# The hub's default language: a payload in another language (never written by the store) still gets a mail.
FALLBACK_LANGUAGE = "fr"
EVENTS = ("booking_confirmed", "waitlist_joined", "promoted", "booking_cancelled", "reminder",
          "session_cancelled", "session_moved")
# The calendar method each event's .ics carries; a waiting-list place has no seat, so no invite.
CALENDAR_METHODS = {
    "booking_confirmed": "REQUEST",
    "promoted": "REQUEST",
    "reminder": "REQUEST",
    "session_moved": "REQUEST",
    "booking_cancelled": "CANCEL",
    "session_cancelled": "CANCEL",
}
# A calendar needs an end to block time; the feed may give none (the mail then shows only the start).
DEFAULT_SESSION_LENGTH = timedelta(hours=1)
# SEQUENCE counts seconds from here to the event's occurred_at: later news about the same UID
# (moved, then cancelled) always has a higher sequence, without a counter in the store, and stays
# below 2**31 (which some calendar apps need) until 2092.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
PRODID = "-//Brussels jobseeker assistant//registrations//FR"
# The top-level keys of the webhook body, always present and in this order.
WEBHOOK_FIELDS = ("event", "idempotency_key", "occurred_at", "reference", "status", "language",
                  "session", "person")
# Any other key of the payload (waiting_position, previous_starts_at, replaces, replaced_by,
# cancelled_by...) follows them, sorted: the backend gets all the store knows.

# "mardi 12 janvier 2027" / "dinsdag 12 januari 2027"
DAY_PATTERN = "EEEE d MMMM y"
SHORT_DAY_PATTERN = "d MMMM y"
TIME_PATTERNS = {"fr": "HH'h'mm", "nl": "HH.mm"}

# Every text of the mails, in one place. Placeholders are filled by str.format; a missing value is
# never written as "None": the line that needs it is left out instead.
TEXTS: Dict[str, Dict[str, Any]] = {
    "fr": {
        "subject": {
            "booking_confirmed": "Inscription confirmée : séance d'information du {short_day} ({reference})",
            "waitlist_joined": "Liste d'attente : séance d'information du {short_day} ({reference})",
            "promoted": "Une place s'est libérée : votre inscription du {short_day} est confirmée ({reference})",
            "booking_cancelled": "Inscription annulée : séance d'information du {short_day} ({reference})",
            "reminder": "Rappel : séance d'information le {short_day} à {time} ({reference})",
            "session_cancelled": "Séance d'information du {short_day} annulée ({reference})",
            "session_moved": "Nouvelle date pour votre séance d'information : {short_day} à {time} ({reference})",
        },
        "intro": {
            "booking_confirmed": ["Votre inscription à la séance d'information est confirmée : une place vous est réservée."],
            "waitlist_joined": [
                "La séance d'information ci-dessous est complète : vous êtes sur la liste d'attente.",
                "Si une place se libère, elle va à la première personne de la liste et vous recevez un "
                "e-mail de confirmation. Vous n'avez rien d'autre à faire.",
            ],
            "promoted": [
                "Bonne nouvelle : une place s'est libérée à la séance d'information pour laquelle vous "
                "étiez sur la liste d'attente. Votre inscription est maintenant confirmée.",
            ],
            "booking_cancelled": [
                "Votre inscription à la séance d'information ci-dessous est annulée.",
                "Vous voulez venir à une autre date ? Demandez les prochaines séances dans le chat.",
            ],
            "reminder": ["Petit rappel de votre inscription à la séance d'information ci-dessous. À bientôt !"],
            "session_cancelled": [
                "Nous sommes désolés : la séance d'information ci-dessous est annulée. Votre inscription "
                "à cette date ne tient donc plus.",
                "Pour choisir une autre date, demandez les prochaines séances dans le chat.",
            ],
            "session_moved": [
                "La séance d'information ci-dessous change de date. Votre inscription reste valable à la "
                "nouvelle date.",
            ],
        },
        "cancelled_by_staff": "L'équipe a annulé votre inscription à la séance d'information ci-dessous.",
        "left_waiting_list": "Vous n'êtes plus sur la liste d'attente de la séance d'information ci-dessous.",
        "moved_waiting": "La séance d'information ci-dessous change de date. Vous restez sur la liste d'attente "
                         "pour la nouvelle date.",
        "replaces": "Cette inscription remplace la précédente ({previous_reference}), qui est annulée.",
        "greeting": "Bonjour {first_name},",
        "greeting_plain": "Bonjour,",
        "facts": {
            "course": "Formation",
            "when": "Date",
            "previous": "Ancienne date",
            "place": "Lieu",
            "practical": "Infos pratiques",
            "session_language": "Langue de la séance",
            "position": "Position sur la liste d'attente",
            "reference": "Référence",
        },
        "fact_separator": " : ",
        "when_range": "{day}, de {start} à {end}",
        "when_start": "{day} à {start}",
        "online": "en ligne",
        "place_unknown": "communiqué plus tard",
        "untitled": "(titre non communiqué)",
        "languages": {"fr": "français", "nl": "néerlandais", "en": "anglais"},
        "calendar": {
            "REQUEST": "Le fichier joint ({filename}) ajoute la séance à votre agenda.",
            "UPDATE": "Le fichier joint ({filename}) met la séance à jour dans votre agenda.",
            "CANCEL": "Le fichier joint ({filename}) retire la séance de votre agenda.",
        },
        "cancel_seat": (
            "Vous ne pouvez pas venir ? Annulez dans le chat : écrivez « annuler mon inscription {reference} » "
            "et donnez cette adresse e-mail ({email}). Votre place ira à la personne suivante."
        ),
        "cancel_waiting": (
            "Vous ne voulez plus attendre ? Écrivez « annuler mon inscription {reference} » dans le chat "
            "et donnez cette adresse e-mail ({email})."
        ),
        "contact_named": "Une question ? Contactez {name} :",
        "contact_unnamed": "Une question ? Contactez-nous :",
        "contact_chat": "Une question ? Posez-la dans le chat.",
        "contact_lines": {"phone": "Téléphone", "email": "E-mail", "address": "Adresse",
                          "opening_hours": "Heures d'ouverture"},
        "privacy": "Comment nous utilisons vos données :",
        "closing": "À bientôt,",
        "signature_unnamed": "L'équipe des séances d'information",
        "summary": "Séance d'information : {title}",
        "ics_reference": "Référence : {reference}",
        "ics_cancel": "Pour annuler : écrivez « annuler mon inscription {reference} » dans le chat.",
        "ics_online": "En ligne",
        "filename": "seance-information-{reference}.ics",
    },
    "nl": {
        "subject": {
            "booking_confirmed": "Inschrijving bevestigd: infosessie van {short_day} ({reference})",
            "waitlist_joined": "Wachtlijst: infosessie van {short_day} ({reference})",
            "promoted": "Er is een plaats vrijgekomen: je inschrijving voor {short_day} is bevestigd ({reference})",
            "booking_cancelled": "Inschrijving geannuleerd: infosessie van {short_day} ({reference})",
            "reminder": "Herinnering: infosessie op {short_day} om {time} uur ({reference})",
            "session_cancelled": "Infosessie van {short_day} geannuleerd ({reference})",
            "session_moved": "Nieuwe datum voor je infosessie: {short_day} om {time} uur ({reference})",
        },
        "intro": {
            "booking_confirmed": ["Je inschrijving voor de infosessie is bevestigd: er is een plaats voor je gereserveerd."],
            "waitlist_joined": [
                "De infosessie hieronder is volzet: je staat op de wachtlijst.",
                "Komt er een plaats vrij, dan gaat die naar de eerste persoon op de lijst en krijg je een "
                "bevestigingsmail. Je hoeft verder niets te doen.",
            ],
            "promoted": [
                "Goed nieuws: er is een plaats vrijgekomen in de infosessie waarvoor je op de wachtlijst "
                "stond. Je inschrijving is nu bevestigd.",
            ],
            "booking_cancelled": [
                "Je inschrijving voor de infosessie hieronder is geannuleerd.",
                "Wil je op een andere datum komen? Vraag in de chat naar de volgende sessies.",
            ],
            "reminder": ["Een kleine herinnering aan je inschrijving voor de infosessie hieronder. Tot dan!"],
            "session_cancelled": [
                "Het spijt ons: de infosessie hieronder is geannuleerd. Je inschrijving voor die datum "
                "vervalt dus.",
                "Wil je een andere datum kiezen? Vraag in de chat naar de volgende sessies.",
            ],
            "session_moved": [
                "De infosessie hieronder heeft een nieuwe datum. Je inschrijving blijft geldig op de "
                "nieuwe datum.",
            ],
        },
        "cancelled_by_staff": "Het team heeft je inschrijving voor de infosessie hieronder geannuleerd.",
        "left_waiting_list": "Je staat niet meer op de wachtlijst voor de infosessie hieronder.",
        "moved_waiting": "De infosessie hieronder heeft een nieuwe datum. Je blijft op de wachtlijst voor de "
                         "nieuwe datum.",
        "replaces": "Deze inschrijving vervangt je vorige ({previous_reference}), die geannuleerd is.",
        "greeting": "Dag {first_name},",
        "greeting_plain": "Dag,",
        "facts": {
            "course": "Opleiding",
            "when": "Datum",
            "previous": "Vorige datum",
            "place": "Plaats",
            "practical": "Praktisch",
            "session_language": "Taal van de sessie",
            "position": "Plaats op de wachtlijst",
            "reference": "Referentie",
        },
        "fact_separator": ": ",
        "when_range": "{day}, van {start} tot {end} uur",
        "when_start": "{day} om {start} uur",
        "online": "online",
        "place_unknown": "wordt later meegedeeld",
        "untitled": "(titel niet meegedeeld)",
        "languages": {"fr": "Frans", "nl": "Nederlands", "en": "Engels"},
        "calendar": {
            "REQUEST": "Met het bijgevoegde bestand ({filename}) zet je de sessie in je agenda.",
            "UPDATE": "Het bijgevoegde bestand ({filename}) past de sessie aan in je agenda.",
            "CANCEL": "Het bijgevoegde bestand ({filename}) haalt de sessie uit je agenda.",
        },
        "cancel_seat": (
            "Kan je niet komen? Annuleer in de chat: schrijf ‘ik wil mijn inschrijving {reference} annuleren’ "
            "en geef dit e-mailadres ({email}). Je plaats gaat dan naar de volgende persoon."
        ),
        "cancel_waiting": (
            "Wil je niet langer wachten? Schrijf in de chat ‘ik wil mijn inschrijving {reference} annuleren’ "
            "en geef dit e-mailadres ({email})."
        ),
        "contact_named": "Vragen? Neem contact op met {name}:",
        "contact_unnamed": "Vragen? Neem contact met ons op:",
        "contact_chat": "Vragen? Stel ze in de chat.",
        "contact_lines": {"phone": "Telefoon", "email": "E-mail", "address": "Adres",
                          "opening_hours": "Openingsuren"},
        "privacy": "Hoe we met je gegevens omgaan:",
        "closing": "Tot binnenkort,",
        "signature_unnamed": "Het team van de infosessies",
        "summary": "Infosessie: {title}",
        "ics_reference": "Referentie: {reference}",
        "ics_cancel": "Annuleren: schrijf ‘ik wil mijn inschrijving {reference} annuleren’ in de chat.",
        "ics_online": "Online",
        "filename": "infosessie-{reference}.ics",
    },
}
# Which cancel hint each event gives: none once there is nothing left to cancel.
CANCEL_HINTS = {
    "booking_confirmed": "cancel_seat",
    "promoted": "cancel_seat",
    "reminder": "cancel_seat",
    "session_moved": "cancel_seat",
    "waitlist_joined": "cancel_waiting",
}


@dataclass(frozen=True)
class _Paragraph:
    lines: Tuple[str, ...]


@dataclass(frozen=True)
class _Facts:
    rows: Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class _Link:
    text: str
    url: str


_Block = Union[_Paragraph, _Facts, _Link]


def render_email(payload: Mapping[str, Any], *, sender: str, organisation: Optional[Mapping[str, Any]] = None,
                 privacy_url: Optional[str] = None, now: Optional[datetime] = None) -> EmailMessage:
    """The mail one outbox payload announces, in the payload's language, ready to send.

    Args:
        payload: An outbox payload as the store writes it: event, idempotency_key,
            occurred_at, reference, language, person, session, and waiting_position or
            previous_starts_at for their events.
        sender: The From header, e.g. "Digital Hub Brussels <inscriptions@hub.example>".
        organisation: The hub's details from the catalogue (name, phone, email, address, website,
            opening_hours_fr / opening_hours_nl or opening_hours {"fr": ...}); its contact ends the
            mail and its email becomes Reply-To. None: the mail points to the chat for questions.
        privacy_url: The privacy notice's address, linked at the end; None leaves the line out.
        now: The Date header (default: the current time).

    Returns:
        A text/plain mail with an HTML alternative, and an .ics attachment for the events that
        put a seat in (or take it out of) the person's calendar (none for someone who is only on
        the waiting list). Its Message-ID is derived from the idempotency key, so a mail sent
        again after a crash is recognisable as the same one.

    Raises:
        ValueError: The event is unknown or a needed field (reference, person's email, session
            start) is missing; the text names the event and the field, never personal data.
    """
    event = _event(payload)
    language = _language(payload)
    texts = TEXTS[language]
    facts = _session_facts(payload, language)
    person = payload.get("person") or {}
    email = person.get("email")
    if not email:
        raise ValueError(f"{event} {payload.get('reference')}: the payload has no person.email to send to")
    values = {**facts.values, "email": email}

    blocks: List[_Block] = [_Paragraph((_greeting(person, texts),))]
    # Someone on a waiting list has no seat and no calendar entry: the texts say so and no .ics comes.
    waiting = payload.get("status") == "waiting" or (
        event == "booking_cancelled" and payload.get("previous_status") == "waiting")
    intro = list(texts["intro"][event])
    if event == "booking_cancelled" and payload.get("cancelled_by") == "staff":
        intro[0] = texts["cancelled_by_staff"]
    elif event == "booking_cancelled" and waiting:
        intro[0] = texts["left_waiting_list"]
    elif event == "session_moved" and waiting:
        intro[0] = texts["moved_waiting"]
    previous = _replaced(payload)
    if previous:
        intro.append(texts["replaces"].format(previous_reference=previous[0]))
    blocks += [_Paragraph((line.format(**values),)) for line in intro]
    blocks.append(_Facts(tuple(_fact_rows(event, payload, facts, texts))))
    method = None if waiting else CALENDAR_METHODS.get(event)
    filename = texts["filename"].format(reference=facts.reference)
    if method:
        kind = "UPDATE" if event == "session_moved" else method
        blocks.append(_Paragraph((texts["calendar"][kind].format(filename=filename),)))
    if previous and previous[1]:
        old_filename = texts["filename"].format(reference=previous[0])
        blocks.append(_Paragraph((texts["calendar"]["CANCEL"].format(filename=old_filename),)))
    if event in CANCEL_HINTS:
        hint = "cancel_waiting" if waiting else CANCEL_HINTS[event]
        blocks.append(_Paragraph((texts[hint].format(**values),)))
    blocks.append(_contact_block(organisation, language))
    if privacy_url:
        blocks.append(_Link(texts["privacy"], privacy_url))
    signature = _clean((organisation or {}).get("name")) or texts["signature_unnamed"]
    blocks.append(_Paragraph((texts["closing"], signature)))

    message = EmailMessage()
    message["Subject"] = _clean(texts["subject"][event].format(**values))
    message["From"] = sender
    try:
        message["To"] = Address(display_name=_full_name(person), addr_spec=email)
    except Exception:  # the parser's message quotes the address: not repeated here
        raise ValueError(f"{event} {facts.reference}: person.email is not an address a mail header can carry "
                         f"(a non-ASCII part before the @ is not supported)") from None
    if (organisation or {}).get("email"):
        message["Reply-To"] = _clean(organisation["email"])
    message["Date"] = rfc2822_date(now or datetime.now(timezone.utc))
    message["Message-ID"] = message_id(payload.get("idempotency_key") or f"{event}:{facts.reference}", sender)
    # Tells mail servers and out-of-office robots that this is an automatic message (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_as_text(blocks, texts))
    message.add_alternative(_as_html(blocks, texts, message["Subject"], language), subtype="html")
    if method:
        ics = render_ics(payload, sender=sender, organisation=organisation)
        message.add_attachment(ics, maintype="text", subtype="calendar", filename=filename,
                               params={"method": method, "charset": "utf-8"})
    if previous and previous[1]:
        # A change of date: the old booking's calendar entry goes away with the same mail.
        old = {**payload, "event": "booking_cancelled", "reference": previous[0], "session": previous[1]}
        message.add_attachment(render_ics(old, sender=sender, organisation=organisation), maintype="text",
                               subtype="calendar", filename=old_filename,
                               params={"method": "CANCEL", "charset": "utf-8"})
    # Set last: adding parts moves the top's Content-* headers into the first part.
    message["Content-Language"] = f"{language}-BE"
    return message


def render_ics(payload: Mapping[str, Any], *, sender: str, organisation: Optional[Mapping[str, Any]] = None) -> bytes:
    """The .ics of an event that adds, moves or removes the session in the person's calendar.

    The UID comes from the reference (and the sender's domain), so every mail about one booking
    updates the same calendar entry; a cancel carries METHOD:CANCEL with that UID.

    Args:
        payload: An outbox payload of an event in CALENDAR_METHODS.
        sender: The From address; it is the ORGANIZER, and its domain completes the UID.
        organisation: The hub's details; its name names the organizer.

    Raises:
        ValueError: The event has no calendar file (waitlist_joined) or a needed field is missing.
    """
    event = _event(payload)
    if event not in CALENDAR_METHODS:
        raise ValueError(f"{event} has no calendar file: only {', '.join(CALENDAR_METHODS)} do")
    method = CALENDAR_METHODS[event]
    language = _language(payload)
    texts = TEXTS[language]
    facts = _session_facts(payload, language)
    person = payload.get("person") or {}
    occurred = _occurred_at(payload)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    vevent = Event()
    vevent.add("uid", calendar_uid(facts.reference, sender))
    vevent.add("sequence", max(0, int((occurred - SEQUENCE_EPOCH).total_seconds())))
    vevent.add("dtstamp", occurred.astimezone(timezone.utc))
    vevent.add("dtstart", facts.starts_at)
    vevent.add("dtend", facts.ends_at or facts.starts_at + DEFAULT_SESSION_LENGTH)
    vevent.add("summary", texts["summary"].format(title=facts.title))
    vevent.add("location", facts.ics_location)
    description = [texts["ics_reference"].format(reference=facts.reference)]
    if method != "CANCEL":
        description.append(texts["ics_cancel"].format(reference=facts.reference))
    vevent.add("description", "\n".join(description))
    vevent.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer_name, organizer_address = parseaddr(sender)
    if organizer_address:
        organizer = vCalAddress(f"mailto:{organizer_address}")
        organizer.params["CN"] = _clean((organisation or {}).get("name")) or organizer_name or organizer_address
        vevent.add("organizer", organizer)
    if person.get("email"):
        attendee = vCalAddress(f"mailto:{person['email']}")
        if _full_name(person):
            attendee.params["CN"] = _full_name(person)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "DECLINED" if method == "CANCEL" else "ACCEPTED"
        # The seat is booked already: no "will you come?" buttons that would answer a no-reply address.
        attendee.params["RSVP"] = "FALSE"
        vevent.add("attendee", attendee)
    calendar.add_component(vevent)
    # The VTIMEZONE only has to cover this event; icalendar's default window ends in 2038, which
    # would leave a later session without its rules.
    end = facts.ends_at or facts.starts_at
    calendar.add_missing_timezones(first_date=date(facts.starts_at.year - 1, 1, 1),
                                   last_date=date(end.year + 2, 1, 1))
    # Some calendar apps read a TZID only if its VTIMEZONE came first.
    calendar.subcomponents.sort(key=lambda component: component.name != "VTIMEZONE")
    return calendar.to_ical()


def render_webhook(payload: Mapping[str, Any]) -> bytes:
    """The JSON body the hub's backend receives for one outbox payload.

    Keys come in a fixed order (WEBHOOK_FIELDS, then the payload's other keys such as
    waiting_position or previous_starts_at, sorted; nested objects sorted), UTF-8, no spaces: the same payload always gives the same
    bytes, so a retry carries the same body and the same signature.

    Raises:
        ValueError: The event is unknown.
    """
    _event(payload)
    body: Dict[str, Any] = {name: _sorted(payload.get(name)) for name in WEBHOOK_FIELDS}
    for name in sorted(set(payload) - set(WEBHOOK_FIELDS)):
        body[name] = _sorted(payload[name])
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def message_id(idempotency_key: str, sender: str) -> str:
    """The Message-ID of the mail for an outbox key: `<key, made header-safe>@<sender's domain>`."""
    local = re.sub(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]", ".", idempotency_key).strip(".") or "registration"
    local = re.sub(r"\.{2,}", ".", local)
    return f"<{local}@{_domain(sender)}>"


def calendar_uid(reference: str, sender: str) -> str:
    """The calendar UID of one booking: the same for its confirmation, move, reminder and cancel."""
    return f"registration-{reference}@{_domain(sender)}"


@dataclass(frozen=True)
class _SessionFacts:
    reference: str
    title: str
    starts_at: datetime
    ends_at: Optional[datetime]
    when: str
    place: str
    practical: Optional[str]
    session_language: Optional[str]
    ics_location: str
    values: Dict[str, str]


def _session_facts(payload: Mapping[str, Any], language: str) -> _SessionFacts:
    """What every mail says about the session, written for `language`."""
    texts = TEXTS[language]
    event = payload.get("event")
    reference = _clean(payload.get("reference"))
    if not reference:
        raise ValueError(f"{event}: the payload has no reference")
    session = payload.get("session") or {}
    if not session.get("starts_at"):
        raise ValueError(f"{event} {reference}: the payload has no session.starts_at")
    starts_at = _brussels(session["starts_at"])
    ends_at = _brussels(session["ends_at"]) if session.get("ends_at") else None
    location = _clean(session.get("location"))
    if session.get("format") == "online":
        place = texts["online"]
        # The feed writes the online details in one language ("En ligne (Teams) — lien envoyé..."):
        # shown apart, so the place itself is in the reader's language.
        practical = location
        ics_location = location or texts["ics_online"]
    else:
        place = location or texts["place_unknown"]
        practical = None
        ics_location = location or ""
    title = _course_title(session.get("course_title"), language) or texts["untitled"]
    values = {
        "reference": reference,
        "title": title,
        "short_day": _format(starts_at, SHORT_DAY_PATTERN, language),
        "time": _format(starts_at, TIME_PATTERNS[language], language),
    }
    return _SessionFacts(
        reference=reference, title=title, starts_at=starts_at, ends_at=ends_at,
        when=_when(starts_at, ends_at, language), place=place, practical=practical,
        session_language=texts["languages"].get(session.get("language")),
        ics_location=ics_location, values=values,
    )


def _fact_rows(event: str, payload: Mapping[str, Any], facts: _SessionFacts, texts) -> List[Tuple[str, str]]:
    labels = texts["facts"]
    rows = [(labels["course"], facts.title), (labels["when"], facts.when)]
    if event == "session_moved" and payload.get("previous_starts_at"):
        previous = _brussels(payload["previous_starts_at"])
        rows.append((labels["previous"], _when(previous, None, _language(payload))))
    rows.append((labels["place"], facts.place))
    if facts.practical:
        rows.append((labels["practical"], facts.practical))
    if facts.session_language:
        rows.append((labels["session_language"], facts.session_language))
    if event == "waitlist_joined" and payload.get("waiting_position") is not None:
        rows.append((labels["position"], str(payload["waiting_position"])))
    rows.append((labels["reference"], facts.reference))
    return rows


def _contact_block(organisation: Optional[Mapping[str, Any]], language: str) -> _Block:
    texts = TEXTS[language]
    if not organisation:
        return _Paragraph((texts["contact_chat"],))
    name = _clean(organisation.get("name"))
    lines = [texts["contact_named"].format(name=name) if name else texts["contact_unnamed"]]
    hours = organisation.get(f"opening_hours_{language}")
    if hours is None and isinstance(organisation.get("opening_hours"), Mapping):
        hours = organisation["opening_hours"].get(language)
    details = {**organisation, "opening_hours": hours}
    for key, label in texts["contact_lines"].items():
        value = _clean(details.get(key))
        if value:
            lines.append(f"{label}{texts['fact_separator']}{value}")
    if len(lines) == 1:  # an organisation row with nothing to reach it by
        return _Paragraph((texts["contact_chat"],))
    return _Paragraph(tuple(lines))


def _as_text(blocks: Sequence[_Block], texts) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, _Paragraph):
            parts.append("\n".join(block.lines))
        elif isinstance(block, _Facts):
            parts.append("\n".join(f"{label}{texts['fact_separator']}{value}" for label, value in block.rows))
        else:
            parts.append(f"{block.text} {block.url}")
    return "\n\n".join(parts) + "\n"


def _as_html(blocks: Sequence[_Block], texts, subject: str, language: str) -> str:
    """The same content as a small HTML page: every value escaped, no remote content, no script."""
    esc = html.escape
    parts = []
    for block in blocks:
        if isinstance(block, _Paragraph):
            parts.append("<p>" + "<br>\n".join(esc(line) for line in block.lines) + "</p>")
        elif isinstance(block, _Facts):
            rows = "\n".join(
                f'<tr><th scope="row" style="text-align:left;padding-right:1em">{esc(label)}</th><td>{esc(value)}</td></tr>'
                for label, value in block.rows
            )
            parts.append(f'<table role="presentation">\n{rows}\n</table>')
        else:
            parts.append(f'<p>{esc(block.text)} <a href="{esc(block.url, quote=True)}">{esc(block.url)}</a></p>')
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="{language}-BE">\n<head><meta charset="utf-8"><title>{esc(subject)}</title></head>\n'
            f'<body style="font-family:sans-serif;line-height:1.5">\n{body}\n</body>\n</html>\n')


def _replaced(payload: Mapping[str, Any]) -> Optional[Tuple[str, Optional[Mapping[str, Any]]]]:
    """The booking a change of date replaced: (its reference, its session when the payload has it), or None.

    The store writes `replaces` in the new booking's "booking_confirmed" (or "waitlist_joined"): a
    reference, or an object with "reference" and "session" (then the old calendar entry is cancelled too).
    """
    if payload.get("event") not in ("booking_confirmed", "waitlist_joined") or not payload.get("replaces"):
        return None
    replaces = payload["replaces"]
    if isinstance(replaces, Mapping):
        reference = _clean(replaces.get("reference"))
        session = replaces.get("session")
        return (reference, session if isinstance(session, Mapping) and session.get("starts_at") else None) if reference else None
    return (_clean(replaces), None)


def _event(payload: Mapping[str, Any]) -> str:
    event = payload.get("event")
    if event not in EVENTS:
        raise ValueError(f"unknown registration event {event!r}: expected one of {', '.join(EVENTS)}")
    return event


def _language(payload: Mapping[str, Any]) -> str:
    language = payload.get("language") or (payload.get("person") or {}).get("language")
    if language in LANGUAGES:
        return language
    logger.warning("%s %s: language %r is neither fr nor nl; the mail is written in %s",
                   payload.get("event"), payload.get("reference"), language, FALLBACK_LANGUAGE)
    return FALLBACK_LANGUAGE


def _greeting(person: Mapping[str, Any], texts) -> str:
    first_name = _clean(person.get("first_name"))
    return texts["greeting"].format(first_name=first_name) if first_name else texts["greeting_plain"]


def _full_name(person: Mapping[str, Any]) -> str:
    return _clean(" ".join(filter(None, (person.get("first_name"), person.get("last_name")))))


def _course_title(titles: Any, language: str) -> Optional[str]:
    if isinstance(titles, str):
        return _clean(titles)
    titles = titles or {}
    other = "nl" if language == "fr" else "fr"
    for candidate in (language, other, "en", *titles):
        if _clean(titles.get(candidate)):
            return _clean(titles[candidate])
    return None


def _when(start: datetime, end: Optional[datetime], language: str) -> str:
    texts = TEXTS[language]
    day = _format(start, DAY_PATTERN, language)
    start_time = _format(start, TIME_PATTERNS[language], language)
    if end is None:
        return texts["when_start"].format(day=day, start=start_time)
    if end.date() != start.date():  # a session over midnight: both days in full
        end_day = _format(end, DAY_PATTERN, language)
        end_time = _format(end, TIME_PATTERNS[language], language)
        return f"{texts['when_start'].format(day=day, start=start_time)} – {texts['when_start'].format(day=end_day, start=end_time)}"
    return texts["when_range"].format(day=day, start=start_time, end=_format(end, TIME_PATTERNS[language], language))


def _format(moment: datetime, pattern: str, language: str) -> str:
    return format_datetime(moment, pattern, tzinfo=BRUSSELS, locale=LOCALES[language])


def _brussels(value: Any) -> datetime:
    """An ISO 8601 time from the feed as an aware datetime in Europe/Brussels (naive = UTC)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(BRUSSELS)


def _occurred_at(payload: Mapping[str, Any]) -> datetime:
    value = payload.get("occurred_at")
    return _brussels(value).astimezone(timezone.utc) if value else datetime.now(timezone.utc)


def _domain(sender: str) -> str:
    address = parseaddr(sender or "")[1]
    return address.rpartition("@")[2] or "localhost"


def _clean(value: Any) -> str:
    """Text on one line: feed and form values end up in headers, where a line break would inject one."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_sorted(item) for item in value]
    return value
