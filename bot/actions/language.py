"""Keeps the conversation's language (`language` slot) after every user message."""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions.catalogue import open_catalogue
from bot.actions.course_details import ActionCourseDetail
from bot.actions.courses import course_language_question, level_question
from bot.language import (LANGUAGE_SWITCH, QUESTION_INTENT, QUESTION_START, QUESTION_TEXT, SUPPORTED_LANGUAGES,
                          choose_language, detect_language, language_named, other_language, shift_entity)
from catalogue_sync.errors import CatalogueUnavailable

CHANGE_LANGUAGE_INTENT = "change_language"


def page_language(tracker: Tracker) -> Optional[str]:
    """The website page's language, sent as `metadata.language` with messages or at session start."""
    for metadata in (
        (tracker.latest_message or {}).get("metadata") or {},
        tracker.get_slot("session_started_metadata") or {},
    ):
        language = str(metadata.get("language") or "").lower()[:2]
        if language in SUPPORTED_LANGUAGES:
            return language
    return None


def requested_language(tracker: Tracker) -> Optional[str]:
    """The language asked for in a "change language" message, if that is what the user said.

    Returns "fr", "nl", another code for a language the bot doesn't speak, or None.
    """
    latest = tracker.latest_message or {}
    if latest.get(LANGUAGE_SWITCH):
        return str(latest[LANGUAGE_SWITCH])  # a switch with a question (bot.nlu.language_switch)
    if ((latest.get("intent") or {}).get("name") != CHANGE_LANGUAGE_INTENT or level_question(tracker)
            or course_language_question(tracker)):
        return None
    for entity in latest.get("entities") or []:
        if entity.get("entity") == "language_name" and entity.get("value"):
            return str(entity["value"]).lower()
    # The language the words name, where the entity extractor missed it ("hebde gij da ook in 't
    # Nederlands?"); "can you speak the other language?": none named, so the other one.
    return language_named(latest.get("text")) or other_language(tracker.get_slot("language"))


def guess_without_titles(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The NLU's guess of the message's language, unless the message names a course by its
    title: a title is a name, not the person's language ("eerstelijns IT-support, c'est quoi ?"
    is French). Then the words besides the title say it, or, with none, the language of the
    title the message matches ("pc-technicus" is the Dutch title)."""
    latest = tracker.latest_message or {}
    guess = latest.get("language")
    text = latest.get("text") or ""
    if not text or text.startswith("/") or latest.get(LANGUAGE_SWITCH):
        return guess
    try:
        course = words_of.named_course(text, open_catalogue())
    except CatalogueUnavailable:
        return guess
    if not course:
        return guess
    titles = {code: set(re.findall(r"[^\W_]+", words_of.fold(course.get(f"title_{code}") or
                                                              (course.get("title") or {}).get(code) or "")))
              for code in SUPPORTED_LANGUAGES}
    every_title = set().union(*titles.values())
    words = re.findall(r"[^\W_]+", words_of.fold(text))
    rest = [w for w in words if w not in every_title]
    if rest:
        return detect_language(" ".join(rest)).as_dict() if len(rest) < len(words) else guess
    only = [code for code, title in titles.items() if set(words) <= title]
    if len(only) == 1 and all(titles.values()):
        return {"code": only[0], "confidence": 1.0, "decisive": False, "words": len(words)}
    # A title the course has in one language only ("Linux-systeembeheer") says nothing of the person's.
    return {"code": None, "confidence": 0.0, "decisive": False, "words": len(words)}


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message (the default action_extract_slots calls it)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Only extraction: the language slots need no validation step."""
        return await self.get_extraction_events(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        """The slots this action fills on every turn."""
        return ["language"]

    def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """Chooses the reply language from the message, an explicit request and the page."""
        requested = requested_language(tracker)
        language, source = choose_language(
            current=tracker.get_slot("language"),
            source=tracker.get_slot("language_source"),
            guess=guess_without_titles(tracker),
            requested=requested if requested in SUPPORTED_LANGUAGES else None,
            page_language=page_language(tracker),
        )
        return {"language": language, "language_source": source}


class ActionChangeLanguage(Action):
    """Confirms a language switch, or says which languages the bot speaks."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_change_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """The slot was already switched by ValidateSlotMappings; this answers, in the new language,
        and answers the question the message also asks ("liever in het Nederlands: waar is dat?")."""
        switched_with_a_question = bool((tracker.latest_message or {}).get(LANGUAGE_SWITCH))
        if not switched_with_a_question and (level_question(tracker) or course_language_question(tracker)):
            # "Faut-il parler néerlandais ?", "on peut la faire en néerlandais ?" about the course:
            # its level, or the languages it is given in, in the same language.
            return ActionCourseDetail().run(dispatcher, tracker, domain)
        requested = requested_language(tracker)
        if requested in SUPPORTED_LANGUAGES:
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_language_unsupported")
        if tracker.active_loop.get("name"):
            return []  # the form asks its question again, in the new language
        question = (tracker.latest_message or {}).get(QUESTION_INTENT) or {}
        answering = question_action(question.get("name"))
        if answering is not None:
            # "Sorry, liever in het Nederlands: waar is dat?": the question, as the NLU read it
            # (bot.nlu.language_switch), answered in the new language.
            asked = copy.copy(tracker)
            latest = tracker.latest_message or {}
            asked.latest_message = {**latest, "intent": question}
            if latest.get(QUESTION_TEXT):
                # The question alone, its entities as offsets in it.
                start = int(latest.get(QUESTION_START) or 0)
                asked.latest_message["text"] = latest[QUESTION_TEXT]
                asked.latest_message["entities"] = [shift_entity(e, -start) for e in latest.get("entities") or []
                                                    if (e.get("start") or 0) >= start]
            return answering.run(dispatcher, asked, domain)
        text = (tracker.latest_message or {}).get("text") or ""
        if not words_of.detail_named(text, ignore=words_of.LANGUAGE_DETAILS):
            return []
        return ActionCourseDetail().run(dispatcher, tracker, domain)


def question_action(intent: Optional[str]) -> Optional[Action]:
    """The action that answers a question of this intent when it came with a switch of language."""
    from bot.actions.eligibility import ActionEligibilityCorrection, ActionEligibilityStart
    from bot.actions.fallback import ActionOutOfScope, ActionSuggestIntents
    from bot.actions.faq import ActionAnswerFaq
    from bot.actions.info_sessions import ActionInfoSessions
    from bot.actions.registration import ActionRegistrationStart
    from bot.actions.search import ActionSearchCourses, ActionShowMoreCourses

    if not intent:
        return None
    if intent.startswith(words_of.FAQ_INTENT_PREFIX):
        return ActionAnswerFaq()
    return {
        "ask_course_detail": ActionCourseDetail, "ask_info_session": ActionInfoSessions,
        "ask_eligibility": ActionEligibilityStart, "search_courses": ActionSearchCourses,
        "out_of_scope": ActionOutOfScope, "nlu_fallback": ActionSuggestIntents,
        "inform": ActionEligibilityCorrection, "affirm": ActionEligibilityCorrection,
        "deny": ActionEligibilityCorrection, "register_info_session": ActionRegistrationStart,
        "show_more": ActionShowMoreCourses,
    }.get(intent, lambda: None)()
