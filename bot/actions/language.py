"""Keeps the conversation's language (`language` slot) after every user message."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions.course_details import ActionCourseDetail
from bot.actions.courses import course_language_question, level_question
from bot.actions.texts import render
from bot.language import LANGUAGE_SWITCH, SUPPORTED_LANGUAGES, choose_language, language_named, other_language

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


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message (the default action_extract_slots calls it)."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Only extraction: the language slots need no validation step. A switch that came with
        a question ("liever in het Nederlands: waar is dat?") is confirmed here, in the new
        language, before the question's answer."""
        events = await self.get_extraction_events(dispatcher, tracker, domain)
        switch = (tracker.latest_message or {}).get(LANGUAGE_SWITCH)
        if switch in SUPPORTED_LANGUAGES and switch != tracker.get_slot("language"):
            dispatcher.utter_message(text=render(domain, "utter_language_changed", switch))
        return events

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
            guess=(tracker.latest_message or {}).get("language"),
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
        if level_question(tracker) or course_language_question(tracker):
            # "Faut-il parler néerlandais ?", "on peut la faire en néerlandais ?" about the course:
            # its level, or the languages it is given in, in the same language.
            return ActionCourseDetail().run(dispatcher, tracker, domain)
        requested = requested_language(tracker)
        if requested in SUPPORTED_LANGUAGES:
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_language_unsupported")
        text = (tracker.latest_message or {}).get("text") or ""
        if tracker.active_loop.get("name") or not words_of.detail_named(text, ignore=words_of.LANGUAGE_DETAILS):
            return []
        return ActionCourseDetail().run(dispatcher, tracker, domain)
