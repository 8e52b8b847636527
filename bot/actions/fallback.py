"""When the bot is unsure what was meant or has no answer: suggest what it might be, or offer a person."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions.about_course import question_about_the_course
from bot.actions.catalogue import for_a_person, open_catalogue, search_courses, user_language, utter_with_contact
from bot.actions.course_details import ActionCourseDetail
from bot.actions.courses import course_button, last_listed
from bot.actions.info_sessions import ActionInfoSessions
from bot.actions.registration import ActionRegistrationStart, changes_date, reference_in
from bot.actions.texts import response_text
from catalogue_sync.errors import CatalogueUnavailable

FALLBACK_INTENT = "nlu_fallback"
MAX_SUGGESTIONS = 3
MIN_SUGGESTION_CONFIDENCE = 0.08

# The button title for each intent the bot may suggest, as a domain response (one text per language).
INTENT_LABELS = {
    "search_courses": "utter_label_search_courses",
    "ask_course_detail": "utter_label_ask_course_detail",
    "ask_eligibility": "utter_label_ask_eligibility",
    "ask_info_session": "utter_label_ask_info_session",
    "register_info_session": "utter_label_register_info_session",
    "cancel_registration": "utter_label_cancel_registration",
    "human_handoff": "utter_label_human_handoff",
    "help": "utter_label_help",
    "faq_cost": "utter_label_faq_cost",
    "faq_training_allowance": "utter_label_faq_training_allowance",
    "faq_unemployment_benefits": "utter_label_faq_unemployment_benefits",
    "faq_equipment_loan": "utter_label_faq_equipment_loan",
    "faq_childcare": "utter_label_faq_childcare",
    "faq_certificates": "utter_label_faq_certificates",
    "faq_language_support": "utter_label_faq_language_support",
    "faq_accessibility": "utter_label_faq_accessibility",
    "faq_contact": "utter_label_faq_contact",
    "faq_opening_hours": "utter_label_faq_opening_hours",
    "faq_registration_process": "utter_label_faq_registration_process",
    "faq_diploma_recognition": "utter_label_faq_diploma_recognition",
    "faq_directions": "utter_label_faq_directions",
}


def previous_user_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the user message before the latest one."""
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name")


def courses_named(tracker: Tracker, as_written: bool = False) -> List[Dict[str, Any]]:
    """Courses whose titles or topics the message names, even if the NLU was unsure.

    A course added by a sync after training ("télépilote de drones") is found this way. Without
    a readable catalogue there is none: the suggestions go on without it.

    Args:
        tracker: the conversation; its latest message is read.
        as_written: only words the message has as they are (or their synonyms), no spelling
            correction, and none of the everyday words of the training examples: to overrule an
            NLU that found the message off topic, the message must name the course itself
            ("médical" corrected to "media" would offer marketing courses to someone asking
            where to send a doctor's note, "logement social" the social media course).
    """
    text = (tracker.latest_message or {}).get("text") or ""
    try:
        catalogue = open_catalogue()
        # Real words are not typos of a course's ("logement social" names no "sociale media").
        words = words_of.course_words(text, words_of.catalogue_words(catalogue), leave=words_of.everyday_words())
        if as_written:
            # Words the NLU was trained on ("social" of "logement social") did not make it think of
            # a course: only the catalogue's own words it never saw (a course synced since) do.
            written = set(words_of.keywords(text)) - words_of.everyday_words()
            words = [w for w in words if w in written]
        if not words:
            return []
        courses, _ = search_courses(catalogue, words_of.search_terms(words), {}, MAX_SUGGESTIONS, 0)
    except CatalogueUnavailable:
        return []
    return courses


def offer_courses_named(
    dispatcher: CollectingDispatcher, tracker: Tracker, language: str, as_written: bool = False
) -> Optional[List[EventType]]:
    """Offers the courses the message names, if any (see `courses_named`).

    Returns:
        None when it offered none; else the events: one course offered becomes the course under
        discussion ("Bedoel je X?" then "hoeveel kost dat?" is about X).
    """
    courses = courses_named(tracker, as_written)
    if not courses:
        return None
    dispatcher.utter_message(response="utter_did_you_mean_courses",
                             buttons=[course_button(c, language) for c in courses])
    return [SlotSet("course_id", courses[0]["id"])] if len(courses) == 1 else []


def names_a_title(tracker: Tracker) -> bool:
    """Whether the message is a course's title ("assistent cyberveiligheid", "power bi, c'est quoi ?")."""
    text = (tracker.latest_message or {}).get("text") or ""
    try:
        catalogue = open_catalogue()
        return words_of.is_title_of(text, words_of.named_course(text, catalogue), catalogue)
    except CatalogueUnavailable:
        return False


def suggestions(tracker: Tracker) -> List[str]:
    """The intents the message most likely meant, among those the bot can suggest."""
    ranking: List[Dict[str, Any]] = (tracker.latest_message or {}).get("intent_ranking") or []
    picked = [
        r["name"]
        for r in ranking
        if r.get("name") in INTENT_LABELS and (r.get("confidence") or 0) >= MIN_SUGGESTION_CONFIDENCE
    ]
    return picked[:MAX_SUGGESTIONS]


# Words that ask for a course's info sessions rather than a detail of it.
SESSION_WORDS = frozenset({"info", "infos", "seance", "seances", "session", "sessions", "infosessie",
                           "infosessies", "sessie", "sessies", "infomoment", "infoavond"})


def picks_from_the_list(tracker: Tracker) -> bool:
    """Whether the message picks a course of the list just shown by its place ("la première,
    c'est quand l'info ?", "de tweede?"): such a message is about that course, whatever the NLU
    made of it."""
    text = (tracker.latest_message or {}).get("text") or ""
    # The place comes first ("la deuxième, ...", "et de eerste?"): "mon premier emploi" picks nothing.
    opening = " ".join(words_of.fold(text).replace("'", " ").split()[:3])
    if words_of.ordinal_picked(text) is None or words_of.ordinal_picked(opening) is None:
        # "Die nederlandstalige": a fragment of one listed course's title.
        try:
            return words_of.fragment_picked(text, last_listed(tracker, open_catalogue())) is not None
        except CatalogueUnavailable:
            return False
    try:
        return bool(json.loads(tracker.get_slot("last_search") or "{}").get("shown"))
    except (ValueError, AttributeError):
        return False


def answer_the_pick(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
    """Answers about the course picked from the list: its info sessions when the message asks
    for them, else the detail it asks or the course's overview."""
    words = set(words_of.fold((tracker.latest_message or {}).get("text") or "").replace("'", " ").split())
    action = ActionInfoSessions() if words & SESSION_WORDS else ActionCourseDetail()
    return action.run(dispatcher, tracker, domain)


def moves_a_booking(tracker: Tracker) -> bool:
    """Whether the message asks to move a booking it names, or the one just made ("je voudrais
    changer de date pour K7P2QX"): the NLU, which has no such intent, may find it off topic."""
    text = (tracker.latest_message or {}).get("text") or ""
    return changes_date(text) and bool(reference_in(text) or tracker.get_slot("reg_reference"))


def about_the_course(tracker: Tracker, unclear: bool = True) -> Optional[Action]:
    """The action that answers a message about the course in context ("c'est en ligne ?" after
    an answer about a course), or None (`about_course.question_about_the_course`)."""
    try:
        return question_about_the_course(tracker, open_catalogue(), unclear=unclear)
    except CatalogueUnavailable:
        return None


def asks_a_detail_of_a_named_course(tracker: Tracker) -> bool:
    """Whether an unclear message names one course and a detail of it ("hoe goed moet mijn Engels
    zijn voor de opleiding ethical hacking?"): the course and the detail say what it asks."""
    text = (tracker.latest_message or {}).get("text") or ""
    if words_of.detail_named(text) is None:
        return False
    try:
        return words_of.named_course(text, open_catalogue()) is not None
    except CatalogueUnavailable:
        return False


class ActionSuggestIntents(Action):
    """First miss: "did you mean ...?" with buttons. A second miss in a row: a person's contact."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_suggest_intents"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Sends the suggestions or the contact, in the user's language."""
        language = user_language(tracker)
        if for_a_person(dispatcher, tracker, user_language(tracker)):
            # "Je suis enceinte, je peux faire <course> ?": a person answers, whatever course it names.
            return []
        if picks_from_the_list(tracker):
            return answer_the_pick(dispatcher, tracker, domain)
        if moves_a_booking(tracker):
            return ActionRegistrationStart().run(dispatcher, tracker, domain)
        if asks_a_detail_of_a_named_course(tracker) or names_a_title(tracker):
            return ActionCourseDetail().run(dispatcher, tracker, domain)
        about_course = about_the_course(tracker)
        if about_course:
            return about_course.run(dispatcher, tracker, domain)
        if previous_user_intent(tracker) == FALLBACK_INTENT:
            utter_with_contact(dispatcher, language, "utter_still_not_understood")
            return []
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        best = next((r.get("name") for r in ranking if r.get("name") != FALLBACK_INTENT), None)
        # Most likely off topic: only a course the message names as written overrules that.
        offered = offer_courses_named(dispatcher, tracker, language, as_written=best == "out_of_scope")
        if offered is not None:
            return offered
        if best == "out_of_scope":
            # Most likely a question nobody wrote an answer for: say so, with the way to a person.
            utter_with_contact(dispatcher, language, "utter_out_of_scope")
            return []
        buttons = []
        for intent in suggestions(tracker):
            title = response_text(domain, INTENT_LABELS[intent], language)
            if title:
                buttons.append({"title": title, "payload": f"/{intent}"})
        if buttons and (best or "").startswith(words_of.FAQ_INTENT_PREFIX):
            # Unsure of a FAQ (bot.nlu.faq_confidence): perhaps a question no entry covers. The
            # topic as a button, and the way to a person, not another topic's answer.
            utter_with_contact(dispatcher, language, "utter_unsure_faq", buttons=buttons)
            return []
        if not buttons:
            dispatcher.utter_message(response="utter_default")
            return []
        none_of_these = response_text(domain, "utter_label_none_of_these", language)
        buttons.append({"title": none_of_these, "payload": "/help"})
        dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        return []


class ActionOutOfScope(Action):
    """A question outside the catalogue and the FAQ: "I can't answer that here" and the hub's contact.

    No nearest FAQ answer is given in its place (a residence permit is not a certificate question).
    A message that names a course of the catalogue gets that course offered instead: a course
    added by a sync after training ("télépilote de drones") can look off topic to the NLU, which
    never saw its words.
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_out_of_scope"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Answers about a course picked from the list just shown, or a question about a rule or
        the level of the course in context; else sends the courses the message names, or that it
        can't answer here and whom to ask."""
        if for_a_person(dispatcher, tracker, user_language(tracker)):
            # "Je suis enceinte, je peux faire <course> ?": a person answers, whatever course it names.
            return []
        if picks_from_the_list(tracker):
            return answer_the_pick(dispatcher, tracker, domain)
        if moves_a_booking(tracker):
            return ActionRegistrationStart().run(dispatcher, tracker, domain)
        # A very short question ("hoeveel weken?") is about the course under discussion.
        short = len(((tracker.latest_message or {}).get("text") or "").split()) <= 3
        about_course = about_the_course(tracker, unclear=short)
        if about_course:
            # "Faut habiter à Bruxelles ?" after an answer about a course: its residence rule.
            return about_course.run(dispatcher, tracker, domain)
        language = user_language(tracker)
        offered = offer_courses_named(dispatcher, tracker, language, as_written=True)
        if offered is None:
            utter_with_contact(dispatcher, language, "utter_out_of_scope")
        return offered or []
