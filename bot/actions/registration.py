"""Booking a seat at an info session in the chat, and cancelling it.

The registration form asks, in the conversation's language: which session (a button per coming
session of the course, seats left or "full: waiting list"), the consent to keep the person's
details (what, why, how long, the privacy notice), first name, last name, email (a likely typo is
questioned with the corrected address as a button), phone (optional), then a summary to confirm or
correct one field. "Laisse tomber" / "laat maar" stops it at any point; a question mid-form is
answered by the rules and the form asks its question again; a language switch goes on in the new
language. The booking itself is one call to the registrations store (`registrations/`), the
system of record: the catalogue only says which sessions exist and their capacity.

Personal details live in the form's slots only until the booking is made or the form stops:
then they are cleared. They are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import eligibility_rules as rules_of
from bot.actions.catalogue import CatalogueAction, open_catalogue, user_language, utter_with_contact
from bot.actions.course_search import entity_values
from bot.actions.courses import (
    ask_which_course,
    course_title,
    offer_similar_courses,
    resolve_course,
    say_if_full_or_closed,
)
from bot.actions.formatting import format_session_time
from bot.actions.texts import render
from bot.language import fold
from bot.text import ordinal_picked
from catalogue_sync.errors import CatalogueUnavailable
from registrations import codes
from registrations.config import RegistrationsConfig
from registrations.contact import check_email, check_name, check_phone
from registrations.catalogue import session_from_catalogue
from registrations.store import Person, RegistrationError
from registrations.store import open_store as _open_store

logger = logging.getLogger(__name__)

FORM = "registration_form"
CANCEL_FORM = "cancel_form"
LISTEN = "action_listen"
SESSIONS_OFFERED = 5
# The slots of the form, in the order they are asked (reg_waitlist only for a full session).
FORM_SLOTS = ["reg_session_id", "reg_waitlist", "reg_consent", "reg_first_name", "reg_last_name", "reg_email",
              "reg_phone", "reg_confirmed"]
# Everything the form keeps about the person or the booking in progress: cleared when it ends.
CLEARED_SLOTS = FORM_SLOTS + ["reg_email_suggestion", "reg_email_typed", "reg_stopped", "reg_rebook"]
# A change of date asks only what it needs: the new session, and the email that proves the booking.
REBOOK_SLOTS = ["reg_session_id", "reg_waitlist", "reg_email", "reg_confirmed"]
# The phone was not given (optional): a value, so that the form does not ask again.
NO_PHONE = "-"
CHECKED_SLOT = "elig_checked_courses"
# "Laisse tomber", "laat maar": the person stops registering (folded words or phrases).
_STOP = re.compile(
    r"^(?:(?:non|nee|ok|bon|euh|sorry|desole|desolee|pardon|finalement|uiteindelijk)[\s,]+)*"
    r"(?:stop|stoppe|stoppen|arrete|arreter|arretez|laisse tomber|laissez tomber|laisse|tant pis|annule|annuler"
    r"|j'annule|je ne veux plus|je veux plus|plus envie|pas maintenant|une autre fois|laat maar|laat maar zitten"
    r"|toch niet|ik wil niet meer|ik wil het niet meer|niet meer|vergeet het|ophouden|annuleer|annuleren|later"
    r"|een andere keer|nu niet|laat zitten)\b"
)
# Which field a correction names ("corriger l'email", "het telefoonnummer klopt niet").
_FIELDS = (
    ("reg_email", r"\b(?:e ?mail\w*|mail|courriel|adresse|adres|mailadres)\b"),
    ("reg_phone", r"\b(?:tel\w*|gsm|numero|nummer|portable|mobile|mobiel)\b"),
    ("reg_first_name", r"\b(?:prenom|voornaam)\b"),
    ("reg_last_name", r"\b(?:nom de famille|nom|achternaam|familienaam|naam)\b"),
    ("reg_session_id", r"\b(?:date|datum|seance|sessie|infosessie|jour|dag|heure|uur|moment|autre date"
                       r"|andere datum)\b"),
)
# A change of date of a booking ("changer de date K7P2QX", "ik wil mijn inschrijving verplaatsen").
_CHANGE_DATE = re.compile(
    r"\b(?:changer (?:de |la )?(?:date|seance|jour)|change (?:de |la )?date|deplacer|reporter|modifier la date"
    r"|une autre (?:date|seance)|autre date|wijzigen|wijzig|verplaatsen|verplaats|andere datum|andere dag|omboeken"
    r"|datum veranderen|datum wijzigen)\b")
# Words of a question or a request the rules answer mid-form, not an answer.
_QUESTION_INTENTS = {"search_courses", "ask_course_detail", "ask_info_session", "ask_eligibility", "help",
                     "human_handoff", "change_language", "out_of_scope", "bot_challenge"}


def stopping(text: str) -> bool:
    """Whether a message stops the registration ("laisse tomber", "stop", "laat maar", "toch niet")."""
    return bool(_STOP.search(fold(text or "").replace("’", "'").strip(" .!?")))


def changes_date(text: str) -> bool:
    """Whether a message asks to move a booking to another date."""
    return bool(_CHANGE_DATE.search(fold(text or "").replace("'", " ")))


def field_to_correct(text: str) -> Optional[str]:
    """The slot a correction names ("corriger l'email" -> reg_email), or None."""
    folded = fold(text or "").replace("'", " ")
    for slot, pattern in _FIELDS:
        if re.search(pattern, folded):
            return slot
    return None


# Words that introduce an address: "mon mail c'est amina@example.org", "mijn e-mail is ...".
_EMAIL_LEAD_INS = frozenset({"est", "c'est", "cest", "is", "mail", "email", "e-mail", "adresse", "adres", "courriel",
                             "voici", "hier", "mailadres", "e-mailadres", "c", "="})


def email_in(text: str):
    """The address a message gives, also after words that introduce it ("mon mail c'est
    amina@example.org"). Other words before it are questioned ("amina el idrissi@gmail.com" is
    not "idrissi@gmail.com" without asking)."""
    checked = check_email(text)
    if checked.problem == "extra_words" and checked.suggestion:
        before = (text or "").split("@")[0].rsplit(None, 2)
        lead_in = fold(before[-2] if len(before) >= 2 else "").strip(":,").replace("’", "'")
        if lead_in in _EMAIL_LEAD_INS or (text or "").rstrip().startswith(checked.suggestion):
            return check_email(checked.suggestion)
    return checked


def open_store():
    """The registrations store, with the reminder delay of the configuration."""
    return _open_store(reminder_before=RegistrationsConfig.from_env().reminder_before)


def latest_text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def latest_intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def yes_or_no(tracker: Tracker) -> Optional[bool]:
    """The answer to a yes/no question: a button's /affirm or /deny, else the words ("oui",
    "nee, liever niet"); None when the message says neither."""
    text = latest_text(tracker)
    if text.startswith("/"):
        said = {"affirm": True, "deny": False}.get(latest_intent(tracker))
        if said is not None:
            return said
    return rules_of.read_yes_no(text)


def is_question(tracker: Tracker) -> bool:
    """Whether the message asks something of its own ("c'est où ?", a FAQ, another language): the
    form steps aside, the rules answer it, then the form asks its question again."""
    intent = latest_intent(tracker) or ""
    confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0
    text = latest_text(tracker)
    if text.startswith("/"):
        return intent in _QUESTION_INTENTS or intent.startswith("faq_")
    asks = intent.startswith("faq_") or intent in _QUESTION_INTENTS
    return text.endswith("?") or (asks and confidence >= 0.6 and len(text.split()) > 2)


# --- Sessions: what the catalogue offers, and the seats the store has left ----------------------


def coming_sessions(catalogue, course_id: str, limit: int = SESSIONS_OFFERED) -> List[Dict[str, Any]]:
    """The course's coming, scheduled info sessions (soonest first), each with `seats_left`: its
    capacity in the catalogue minus the seats confirmed in the registrations store."""
    sessions = catalogue.next_info_sessions(course_id, limit=limit)
    try:
        with open_store() as store:
            booked = {s.session_id: s.confirmed for s in store.session_summaries(course_id)}
    except RegistrationError as error:
        logger.warning("Seats left from the catalogue only: %s", error)
        booked = {}
    for session in sessions:
        session["seats_left"] = max(0, int(session.get("capacity") or 0) - booked.get(session["id"], 0))
    return sessions


def place_of(domain: DomainDict, session: Dict[str, Any], language: str) -> str:
    if session.get("format") == "online":
        return render(domain, "utter_session_online", language)
    return session.get("location") or ""


def session_button(domain: DomainDict, session: Dict[str, Any], language: str) -> Dict[str, str]:
    """A button for one session: date and time, place or online, seats left or full."""
    seats = session.get("seats_left", 0)
    state = (render(domain, "utter_reg_button_seats", language, seats=seats) if seats > 0
             else render(domain, "utter_reg_button_full", language))
    title = " · ".join(p for p in (format_session_time(session["starts_at"], language),
                                   place_of(domain, session, language), state) if p)
    return {"title": title, "payload": "/inform" + json.dumps({"session_id": session["id"]})}


def chosen_session(text: str, entities: List[Dict], sessions: List[Dict[str, Any]],
                   language: str) -> Optional[Dict[str, Any]]:
    """The session a message picks: a button's id, its place in the list ("la deuxième"), or
    the date written ("le 12 janvier", "12/01", "dinsdag")."""
    for session_id in entity_values(entities, "session_id"):
        for session in sessions:
            if session["id"] == session_id:
                return session
    place = ordinal_picked(text)
    if place and -len(sessions) <= (place - 1 if place > 0 else place) < len(sessions):
        return sessions[place - 1 if place > 0 else place]
    folded = fold(text)
    words = set(re.findall(r"\w+", folded))
    fitting = []
    for session in sessions:
        written = fold(format_session_time(session["starts_at"], language))
        day, month = written.split()[1], written.split()[2]
        numeric = session["starts_at"][8:10].lstrip("0") + "/" + session["starts_at"][5:7].lstrip("0")
        date_named = (day in words and month in words) or numeric in re.sub(r"\b0(\d)", r"\1", folded)
        weekday = written.split()[0] in words
        online = session.get("format") == "online" and ({"ligne", "online", "distance", "teams"} & words)
        if date_named or weekday or online:
            fitting.append(session)
    return fitting[0] if len(fitting) == 1 else None


def course_of_form(tracker: Tracker, catalogue) -> Optional[Dict[str, Any]]:
    course_id = tracker.get_slot("reg_course_id") or tracker.get_slot("course_id")
    return catalogue.get_course(course_id) if course_id else None


def cleared() -> List[EventType]:
    """The form's slots emptied: nothing about the person stays in the conversation's slots."""
    return [SlotSet(slot, None) for slot in CLEARED_SLOTS]


# --- Starting: the course, its sessions, then the form -----------------------------------------


class ActionRegistrationStart(CatalogueAction):
    """ "Je veux m'inscrire à la séance d'info data": the course, whether it can be booked, then the form."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_registration_start"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """Picks the course; a full or closed course, or one without coming sessions, is said so
        with what is still possible; else the form starts (with the session the button named).
        A change of date ("changer de date K7P2QX") starts it for the booking's course."""
        text = latest_text(tracker)
        if changes_date(text):
            return self.change_of_date(dispatcher, tracker, domain, catalogue, language)
        course, candidates = resolve_course(tracker, catalogue)
        if course is None:
            if candidates:
                ask_which_course(dispatcher, domain, language, candidates, intent="register_info_session")
            else:
                dispatcher.utter_message(response="utter_reg_which_course")
            return [FollowupAction(LISTEN)]
        title = course_title(course, language)
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=title)
            return [SlotSet("course_id", None), FollowupAction(LISTEN)]
        if say_if_full_or_closed(dispatcher, course, language):
            # A full or closed course takes no new candidates: its info sessions can't be booked.
            offer_similar_courses(dispatcher, catalogue, course, language,
                                  response="utter_no_sessions_alternatives", with_sessions=True)
            return [SlotSet("course_id", course["id"]), FollowupAction(LISTEN)]
        sessions = coming_sessions(catalogue, course["id"])
        if not sessions:
            dispatcher.utter_message(response="utter_no_sessions", title=title)
            utter_with_contact(dispatcher, language, "utter_no_sessions_contact", catalogue)
            return [SlotSet("course_id", course["id"]), FollowupAction(LISTEN)]
        events: List[EventType] = cleared() + [SlotSet("course_id", course["id"]),
                                               SlotSet("reg_course_id", course["id"])]
        picked = chosen_session(latest_text(tracker), (tracker.latest_message or {}).get("entities") or [],
                                sessions, language)
        if picked:
            events.append(SlotSet("reg_session_id", picked["id"]))
        dispatcher.utter_message(response="utter_reg_intro", title=title)
        rules = course.get("eligibility")
        if rules_of.needed_slots(rules) and course["id"] not in (tracker.get_slot(CHECKED_SLOT) or []):
            # Offered, not forced: the conditions are checked at the info session anyway.
            dispatcher.utter_message(response="utter_reg_check_first", buttons=[{
                "title": render(domain, "utter_eligibility_check_button", language),
                "payload": "/ask_eligibility" + json.dumps({"course_id": course["id"]})}])
        return events + [FollowupAction(FORM)]

    @staticmethod
    def change_of_date(dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """The form for a new date of the booking the message names; without a reference, how to
        give it."""
        reference = reference_in(latest_text(tracker)) or tracker.get_slot("reg_reference")
        if not reference:
            dispatcher.utter_message(response="utter_reg_rebook_needs_reference")
            return [FollowupAction(LISTEN)]
        try:
            with open_store() as store:
                booking = store.get(reference)
        except RegistrationError as error:
            logger.error("Change of date without the store: %s", error)
            utter_with_contact(dispatcher, language, "utter_reg_failed", catalogue)
            return [FollowupAction(LISTEN)]
        course = catalogue.get_course(booking.course_id) if booking and booking.active else None
        if course is None:
            dispatcher.utter_message(response="utter_cancel_not_found", reference=reference)
            return [FollowupAction(LISTEN)]
        dispatcher.utter_message(response="utter_reg_rebook_intro", reference=reference,
                                 title=course_title(course, language))
        return cleared() + [SlotSet("course_id", course["id"]), SlotSet("reg_course_id", course["id"]),
                            SlotSet("reg_rebook", reference), FollowupAction(FORM)]


# --- The questions whose text or buttons come from the catalogue or the answers -----------------


class ActionAskRegSessionId(CatalogueAction):
    """Which session: one button per coming session of the course."""

    def name(self) -> Text:
        return "action_ask_reg_session_id"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        course = course_of_form(tracker, catalogue)
        sessions = coming_sessions(catalogue, course["id"]) if course else []
        if not sessions:
            dispatcher.utter_message(response="utter_reg_no_sessions_left")
            return [SlotSet("reg_stopped", True), SlotSet("requested_slot", None), ActiveLoop(None)]
        dispatcher.utter_message(response="utter_ask_reg_session_id", title=course_title(course, language),
                                 buttons=[session_button(domain, s, language) for s in sessions])
        return []


class ActionAskRegConsent(Action):
    """What is kept, why, for how long, and the privacy notice; then yes or no."""

    def name(self) -> Text:
        return "action_ask_reg_consent"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        language = user_language(tracker)
        config = RegistrationsConfig.from_env()
        organisation = None
        try:
            organisation = open_catalogue().organisation()
        except CatalogueUnavailable:
            pass
        dispatcher.utter_message(
            response="utter_ask_reg_consent", privacy_url=config.privacy_notice_for(organisation),
            months=retention_months(),
            buttons=[{"title": render(domain, "utter_reg_consent_yes", language), "payload": "/affirm"},
                     {"title": render(domain, "utter_reg_consent_no", language), "payload": "/deny"}])
        return []


def retention_months() -> int:
    """How long a registration is kept after its session, in months (REGISTRATIONS_RETENTION_DAYS)."""
    return max(1, round(int(os.environ.get("REGISTRATIONS_RETENTION_DAYS", "180")) / 30))


class ActionAskRegEmail(Action):
    """The email question, unless the bot just asked "did you mean ...?" (that is the question)."""

    def name(self) -> Text:
        return "action_ask_reg_email"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if not tracker.get_slot("reg_email_suggestion"):
            dispatcher.utter_message(response="utter_ask_reg_email")
        return []


class ActionAskRegConfirmed(CatalogueAction):
    """The summary of the booking, to confirm or correct one field."""

    def name(self) -> Text:
        return "action_ask_reg_confirmed"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        course = course_of_form(tracker, catalogue)
        session = next((s for s in coming_sessions(catalogue, course["id"])
                        if s["id"] == tracker.get_slot("reg_session_id")), None) if course else None
        if session is None:
            dispatcher.utter_message(response="utter_reg_session_gone")
            return [SlotSet("reg_session_id", None), SlotSet("requested_slot", "reg_session_id"),
                    FollowupAction(FORM)]
        when, place = format_session_time(session["starts_at"], language), place_of(domain, session, language)
        if tracker.get_slot("reg_rebook"):
            dispatcher.utter_message(
                response="utter_ask_reg_confirmed_rebook", reference=tracker.get_slot("reg_rebook"),
                title=course_title(course, language), when=when, place=place,
                buttons=[{"title": render(domain, "utter_reg_confirm_button", language), "payload": "/affirm"},
                         {"title": render(domain, "utter_reg_fix_date", language),
                          "payload": render(domain, "utter_reg_fix_date", language)}])
            return []
        phone = tracker.get_slot("reg_phone")
        buttons = [{"title": render(domain, f"utter_reg_fix_{name}", language),
                    "payload": render(domain, f"utter_reg_fix_{name}", language)}
                   for name in ("email", "phone", "name", "date")]
        waiting = render(domain, "utter_reg_summary_waiting", language) if tracker.get_slot("reg_waitlist") else ""
        dispatcher.utter_message(
            response="utter_ask_reg_confirmed", title=course_title(course, language),
            when=format_session_time(session["starts_at"], language), place=place_of(domain, session, language),
            first_name=tracker.get_slot("reg_first_name"), last_name=tracker.get_slot("reg_last_name"),
            email=tracker.get_slot("reg_email"),
            phone=phone if phone and phone != NO_PHONE else render(domain, "utter_reg_no_phone", language),
            waiting=waiting,
            buttons=[{"title": render(domain, "utter_reg_confirm_button", language), "payload": "/affirm"}] + buttons)
        return []


# --- Reading the answers -------------------------------------------------------------------------


class ValidateRegistrationForm(FormValidationAction):
    """Reads each answer of the registration form; a stop, a correction or a question mid-form."""

    def name(self) -> Text:
        return "validate_registration_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """Nothing more once stopped or refused; the waiting-list question only for a full session."""
        if tracker.get_slot("reg_stopped") or tracker.get_slot("reg_consent") is False:
            return []
        slots = list(REBOOK_SLOTS if tracker.get_slot("reg_rebook") else FORM_SLOTS)
        if not tracker.get_slot("reg_session_full"):
            slots.remove("reg_waitlist")
        return slots

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        """A stop ends the form at once; otherwise the answers are read."""
        if stopping(latest_text(tracker)) and tracker.get_slot("requested_slot"):
            dispatcher.utter_message(response="utter_reg_stopped")
            return [SlotSet("reg_stopped", True), SlotSet("requested_slot", None)]
        extraction = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction)
        validation = await self._extract_validation_events(dispatcher, tracker, domain)
        # The SDK returns only the form's own slots: the helper slots an answer sets (the session
        # is full, the address suggested) go along too.
        validated = {event["name"] for event in validation}
        return [event for event in extraction if event["name"] not in validated] + validation

    @staticmethod
    def _asked(tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot

    async def extract_reg_session_id(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A session button, or the session's place or date in words."""
        if not self._asked(tracker, "reg_session_id"):
            return {}
        text, language = latest_text(tracker), user_language(tracker)
        try:
            catalogue = open_catalogue()
            course = course_of_form(tracker, catalogue)
            sessions = coming_sessions(catalogue, course["id"]) if course else []
        except CatalogueUnavailable:
            return {}
        picked = chosen_session(text, (tracker.latest_message or {}).get("entities") or [], sessions, language)
        if picked is None:
            if is_question(tracker):
                return {}
            dispatcher.utter_message(response="utter_reg_session_hint")
            return {"reg_session_id": None}
        return {"reg_session_id": picked["id"], "reg_session_full": picked["seats_left"] <= 0, "reg_waitlist": None}

    async def extract_reg_waitlist(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes: the waiting list; no or another date: the sessions again."""
        if not self._asked(tracker, "reg_waitlist"):
            return {}
        text = latest_text(tracker)
        said = yes_or_no(tracker)
        if said is None and field_to_correct(text) == "reg_session_id":
            said = False
        if said is None:
            return {} if is_question(tracker) else self._hint(dispatcher, "reg_waitlist", "utter_reg_yes_no_hint")
        if said:
            return {"reg_waitlist": True}
        return {"reg_waitlist": None, "reg_session_id": None, "reg_session_full": None}

    async def extract_reg_consent(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes or no to keeping the details."""
        if not self._asked(tracker, "reg_consent"):
            return {}
        text = latest_text(tracker)
        said = yes_or_no(tracker)
        if said is None and re.search(r"\b(?:accepte|akkoord|d'accord|daccord|ok|oke|okay|goed|prima)\b", fold(text)):
            said = True
        if said is None:
            return {} if is_question(tracker) else self._hint(dispatcher, "reg_consent", "utter_reg_yes_no_hint")
        return {"reg_consent": said}

    def _name(self, slot: str, dispatcher, tracker) -> Dict[Text, Any]:
        if not self._asked(tracker, slot):
            return {}
        text = latest_text(tracker)
        if is_question(tracker):
            return {}
        checked = check_name(text)
        if checked.normalised is None:
            return self._hint(dispatcher, slot, "utter_reg_name_hint")
        return {slot: checked.normalised}

    async def extract_reg_first_name(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A first name ("Amina", "Jean-Marc")."""
        return self._name("reg_first_name", dispatcher, tracker)

    async def extract_reg_last_name(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A last name ("El Idrissi", "Van den Broeck")."""
        return self._name("reg_last_name", dispatcher, tracker)

    async def extract_reg_email(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """An address; a likely typo is questioned, the corrected address as a button."""
        if not self._asked(tracker, "reg_email"):
            return {}
        text = latest_text(tracker)
        suggestion, typed = tracker.get_slot("reg_email_suggestion"), tracker.get_slot("reg_email_typed")
        if suggestion and "@" not in text:
            # The answer to "did you mean ...?": yes takes the suggestion, no keeps what was typed.
            said = yes_or_no(tracker)
            if said is not None:
                chosen = suggestion if said else typed
                if chosen:
                    return {"reg_email": chosen, "reg_email_suggestion": None, "reg_email_typed": None}
        if "@" not in text and is_question(tracker):
            return {}
        checked = email_in(text)
        if checked.suggestion and (checked.suggestion != checked.normalised):
            language = user_language(tracker)
            buttons = [{"title": checked.suggestion, "payload": checked.suggestion}]
            if checked.normalised:
                buttons.append({"title": render(domain, "utter_reg_email_keep", language, email=checked.normalised),
                                "payload": "/deny"})
            dispatcher.utter_message(response="utter_reg_email_suggestion", suggestion=checked.suggestion,
                                     buttons=buttons)
            return {"reg_email": None, "reg_email_suggestion": checked.suggestion,
                    "reg_email_typed": checked.normalised}
        if checked.normalised is None:
            return {**self._hint(dispatcher, "reg_email", "utter_reg_email_hint"), "reg_email_suggestion": None}
        return {"reg_email": checked.normalised, "reg_email_suggestion": None, "reg_email_typed": None}

    async def extract_reg_phone(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A number (Belgian by default, international accepted), or none ("non", "pas de gsm")."""
        if not self._asked(tracker, "reg_phone"):
            return {}
        text = latest_text(tracker)
        digits = sum(c.isdigit() for c in text)
        if digits < 6:
            folded = fold(text)
            if (latest_intent(tracker) == "deny" or rules_of.read_yes_no(text) is False
                    or re.search(r"\b(?:pas de|sans|aucun|geen|zonder|passer|overslaan|skip|liever niet|non merci)\b",
                                 folded)):
                return {"reg_phone": NO_PHONE}
            if is_question(tracker):
                return {}
        checked = check_phone(text)
        if checked.e164 is None:
            return self._hint(dispatcher, "reg_phone", "utter_reg_phone_hint")
        return {"reg_phone": checked.e164}

    async def extract_reg_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes books; a field named ("corriger l'email", "het telefoonnummer klopt niet") is asked again."""
        if not self._asked(tracker, "reg_confirmed"):
            return {}
        text = latest_text(tracker)
        fix = field_to_correct(text) if not text.startswith("/") else None
        if fix:
            if fix == "reg_first_name":
                return {"reg_first_name": None, "reg_confirmed": None}
            if fix == "reg_last_name" and re.search(r"\b(?:nom|naam)\b", fold(text)) and not re.search(
                    r"\b(?:famille|achternaam|familienaam)\b", fold(text)):
                return {"reg_first_name": None, "reg_last_name": None, "reg_confirmed": None}
            if fix == "reg_session_id":
                return {"reg_session_id": None, "reg_session_full": None, "reg_waitlist": None, "reg_confirmed": None}
            return {fix: None, "reg_confirmed": None}
        said = yes_or_no(tracker)
        if said is None and re.search(r"\b(?:confirme|confirmer|bevestig|bevestigen|c'est bon|klopt|correct|juist)\b",
                                      fold(text)):
            said = True
        if said is True:
            return {"reg_confirmed": True}
        if said is False:
            dispatcher.utter_message(response="utter_reg_what_to_fix")
            return {"reg_confirmed": None}
        return {} if is_question(tracker) else self._hint(dispatcher, "reg_confirmed", "utter_reg_what_to_fix")

    @staticmethod
    def _hint(dispatcher: CollectingDispatcher, slot: str, response: str) -> Dict[Text, Any]:
        """An answer that can't be used: say what is expected; the form asks again."""
        dispatcher.utter_message(response=response)
        return {slot: None}


# --- Booking -------------------------------------------------------------------------------------


class ActionRegistrationSubmit(CatalogueAction):
    """Books the seat (or the waiting list) in the registrations store and says so; or, after a
    stop or a refused consent, keeps nothing."""

    def name(self) -> Text:
        return "action_registration_submit"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        if tracker.get_slot("reg_stopped"):
            return cleared()
        if tracker.get_slot("reg_consent") is False:
            dispatcher.utter_message(response="utter_reg_consent_refused")
            return cleared()
        if not tracker.get_slot("reg_confirmed"):
            return cleared()
        course = course_of_form(tracker, catalogue)
        session = next((s for s in catalogue.next_info_sessions(course["id"], limit=50)
                        if s["id"] == tracker.get_slot("reg_session_id")), None) if course else None
        if session is None:
            dispatcher.utter_message(response="utter_reg_session_gone")
            return cleared()
        if tracker.get_slot("reg_rebook"):
            return self.change_of_date(dispatcher, tracker, domain, catalogue, language, course, session)
        phone = tracker.get_slot("reg_phone")
        person = Person(first_name=tracker.get_slot("reg_first_name"), last_name=tracker.get_slot("reg_last_name"),
                        email=tracker.get_slot("reg_email"), phone=None if phone in (None, NO_PHONE) else phone,
                        language=language, sender_id=tracker.sender_id)
        try:
            with open_store() as store:
                result = store.book(session_from_catalogue(session, course), person,
                                    join_waiting_list=bool(tracker.get_slot("reg_waitlist")))
        except RegistrationError as error:
            logger.error("Booking failed: %s", error)
            utter_with_contact(dispatcher, language, "utter_reg_failed", catalogue)
            return cleared()
        values = {"title": course_title(course, language), "when": format_session_time(session["starts_at"], language),
                  "place": place_of(domain, session, language), "reference": result.reference or "",
                  "email": person.email, "position": result.position or ""}
        if result.outcome == "confirmed":
            dispatcher.utter_message(response="utter_reg_booked", **values)
        elif result.outcome == "already_booked":
            status = "utter_reg_already_waiting" if result.registration and result.registration.status == "waiting" \
                else "utter_reg_already_booked"
            dispatcher.utter_message(response=status, **values)
        elif result.outcome == "waiting":
            dispatcher.utter_message(response="utter_reg_waiting", **values)
        elif result.outcome == "full":
            dispatcher.utter_message(response="utter_reg_full_now", **values,
                                     buttons=[{"title": render(domain, "utter_reg_other_date", language),
                                               "payload": "/register_info_session"
                                                          + json.dumps({"course_id": course["id"]})}])
        else:
            dispatcher.utter_message(response="utter_reg_session_gone")
        return cleared() + [SlotSet("reg_reference", result.reference)]

    @staticmethod
    def change_of_date(dispatcher, tracker, domain, catalogue, language, course, session) -> List[EventType]:
        """Moves the booking to the new session in one step (the store books the new seat and
        cancels the old one at once, or changes nothing)."""
        reference, email = tracker.get_slot("reg_rebook"), tracker.get_slot("reg_email")
        try:
            with open_store() as store:
                result = store.rebook(reference, email, session_from_catalogue(session, course),
                                      join_waiting_list=bool(tracker.get_slot("reg_waitlist")))
        except RegistrationError as error:
            response = {"NotFound": "utter_cancel_not_found", "WrongEmail": "utter_cancel_wrong_email"}.get(
                type(error).__name__)
            if response:
                dispatcher.utter_message(response=response, reference=reference)
            else:
                logger.error("Change of date failed: %s", error)
                utter_with_contact(dispatcher, language, "utter_reg_failed", catalogue)
            return cleared()
        booking = result.booking
        values = {"title": course_title(course, language), "when": format_session_time(session["starts_at"], language),
                  "place": place_of(domain, session, language), "reference": booking.reference or "",
                  "previous": reference, "email": email, "position": booking.position or ""}
        if result.outcome == "rebooked":
            dispatcher.utter_message(response="utter_reg_rebooked", **values)
        elif result.outcome == "waiting":
            dispatcher.utter_message(response="utter_reg_rebooked_waiting", **values)
        elif result.outcome == "already_booked":
            dispatcher.utter_message(response="utter_reg_already_booked", **values)
        elif result.outcome == "full":
            dispatcher.utter_message(response="utter_reg_rebook_full", **values)
        else:
            dispatcher.utter_message(response="utter_reg_session_gone")
        return cleared() + [SlotSet("reg_reference", booking.reference or reference)]


# --- Cancelling: the reference and the email used ------------------------------------------------


def reference_in(text: str, asked: bool = False) -> Optional[str]:
    """A booking reference written in a message ("annuler ABC234", "k7p-2qx").

    Out of context a code needs a digit or capitals as the email gives it ("ANNULE" in lower case
    is a word); asked for the reference, any six characters of the codes' alphabet are one.
    """
    words = [w.replace("-", "") for w in re.findall(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*", text or "")]
    # "K7P 2QX" is one code written in two halves.
    for candidate in words + [a + b for a, b in zip(words, words[1:])]:
        if len(candidate) == codes.LENGTH and codes.is_reference(candidate) and (
                asked or candidate.isupper() or any(c.isdigit() for c in candidate)):
            return codes.normalise_reference(candidate)
    return None


class ActionCancelStart(Action):
    """ "Annuler mon inscription ABC234": reads what the message gives, then asks the rest."""

    def name(self) -> Text:
        return "action_cancel_start"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = latest_text(tracker)
        if changes_date(text):
            # "Annuler pour prendre une autre date": a change of date, in one step.
            return ActionRegistrationStart().run(dispatcher, tracker, domain)
        # The address is a word of its own beside the reference: "annuler K7P2QX amina@example.org".
        address = re.search(r"[^\s,;:]+@[^\s,;:]+", text)
        email = check_email(address.group(0).rstrip(".!?")).normalised if address else None
        return [SlotSet("cancel_reference", reference_in(text)), SlotSet("cancel_email", email),
                FollowupAction(CANCEL_FORM)]


class ValidateCancelForm(FormValidationAction):
    """The reference and the email of the booking to cancel."""

    def name(self) -> Text:
        return "validate_cancel_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if stopping(latest_text(tracker)) and tracker.get_slot("requested_slot"):
            dispatcher.utter_message(response="utter_cancel_kept")
            return [SlotSet("cancel_reference", None), SlotSet("cancel_email", None), SlotSet("requested_slot", None),
                    SlotSet("cancel_stopped", True)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        return [] if tracker.get_slot("cancel_stopped") else ["cancel_reference", "cancel_email"]

    async def extract_cancel_reference(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "cancel_reference":
            return {}
        reference = reference_in(latest_text(tracker), asked=True)
        if reference is None:
            if is_question(tracker):
                return {}
            dispatcher.utter_message(response="utter_cancel_reference_hint")
        return {"cancel_reference": reference}

    async def extract_cancel_email(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "cancel_email":
            return {}
        text = latest_text(tracker)
        if "@" not in text and is_question(tracker):
            return {}
        email = email_in(text).normalised
        if email is None:
            dispatcher.utter_message(response="utter_reg_email_hint")
        return {"cancel_email": email}


class ActionCancelSubmit(Action):
    """Cancels in the store: the seat goes to the first on the waiting list."""

    def name(self) -> Text:
        return "action_cancel_submit"

    def run(self, dispatcher, tracker, domain) -> List[EventType]:
        language = user_language(tracker)
        reference, email = tracker.get_slot("cancel_reference"), tracker.get_slot("cancel_email")
        events = [SlotSet("cancel_reference", None), SlotSet("cancel_email", None), SlotSet("cancel_stopped", None)]
        if tracker.get_slot("cancel_stopped") or not reference or not email:
            return events
        try:
            with open_store() as store:
                result = store.cancel(reference, email)
        except RegistrationError as error:
            kind = type(error).__name__
            response = {"NotFound": "utter_cancel_not_found", "WrongEmail": "utter_cancel_wrong_email"}.get(kind)
            if response:
                dispatcher.utter_message(response=response, reference=reference)
            else:
                logger.error("Cancel failed: %s", error)
                utter_with_contact(dispatcher, language, "utter_reg_failed")
            return events
        registration = result.registration
        session = registration.session if registration else None
        values = {"reference": reference,
                  "when": format_session_time(session.starts_at, language) if session else "",
                  "title": ((session.course_title or {}).get(language) or next(iter((session.course_title or {}).values()), ""))
                  if session else ""}
        if result.outcome == "already_cancelled":
            dispatcher.utter_message(response="utter_cancel_already", **values)
        else:
            dispatcher.utter_message(response="utter_cancel_done", **values)
        return events
