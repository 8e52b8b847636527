"""Answers the general questions (cost, allowance, childcare...) with the text staff maintain."""

from __future__ import annotations

from typing import Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions.about_course import question_about_the_course
from bot.actions.catalogue import CatalogueAction, for_a_person, localized, utter_with_contact
from bot.actions.course_details import course_overview, detail_answer, detail_of_each, strong_detail
from bot.actions.courses import course_button, just_listed, offer_similar_courses, say_if_full_or_closed
from bot.language import language_named
from bot.text import COURSE_DETAIL_TOPICS, FAQ_INTENT_PREFIX


class ActionAnswerFaq(CatalogueAction):
    """Answers a `faq_<topic>` intent from the catalogue's `faq` table."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_answer_faq"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """Sends the course's own answer on a course detail (cost, certificate, place) when a
        course is named or under discussion and its record has it; else the hub's text for the
        topic, or how to reach the hub when there is none."""
        if for_a_person(dispatcher, tracker, language, catalogue):
            return []
        about_course = question_about_the_course(tracker, catalogue)
        if about_course:
            # "Il faut un diplôme ?" after an answer about a course: its own rule, not equivalences.
            return about_course.run(dispatcher, tracker, domain)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
        topic = intent[len(FAQ_INTENT_PREFIX):] if intent.startswith(FAQ_INTENT_PREFIX) else None
        entry = catalogue.faq(topic) if topic else None
        answer, answer_language = localized(entry, "answer", language)
        course_answer, detail, course = self.course_answer(tracker, domain, catalogue, topic, language)
        if course_answer:
            # A full or closed course says so first, in every answer about it.
            unavailable = say_if_full_or_closed(dispatcher, course, language, tracker)
            # "Hoeveel kost het?" about the course under discussion: its own record answers, and
            # the general text only where the record says nothing on it (the hub's directions are
            # not the way to a course given at a partner's; "all our trainings are free" adds
            # nothing to "this one is free").
            dispatcher.utter_message(text=course_answer, detail=detail)
            if unavailable:
                offer_similar_courses(dispatcher, catalogue, course, language)
            if not (topic and topic not in COURSE_DETAIL_TOPICS and topic != "registration_process"
                    and detail == "location" == strong_detail(self.text(tracker)) and answer):
                return []
            # "C'est où ? je ne sais pas aller loin avec les enfants": the place, then childcare.
        else:
            detail_topic = COURSE_DETAIL_TOPICS.get(topic or "") or strong_detail(self.text(tracker))
            if topic == "language_support" and words_of.asks_language_level(self.text(tracker)):
                detail_topic = "language_level"
            if detail_topic:
                # "C'est où ?" right after a short list: where each of those courses is given.
                listed = just_listed(tracker, catalogue)
                answered = detail_of_each(domain, listed, detail_topic, language) if listed else None
                if answered:
                    dispatcher.utter_message(text=answered, detail=detail_topic, listed=[c["id"] for c in listed])
                    dispatcher.utter_message(response="utter_which_course_interests",
                                             buttons=[course_button(c, language) for c in listed])
                    return []
        named = None if course_answer else words_of.named_course(self.text(tracker), catalogue)
        # "La formation X, il y a une liste d'attente ?": a full or closed course says so first.
        unavailable = bool(named and not named.get("withdrawn")
                           and say_if_full_or_closed(dispatcher, named, language, tracker))
        if answer is None:
            utter_with_contact(dispatcher, language, "utter_faq_unknown", catalogue)
        elif answer_language == language:
            dispatcher.utter_message(response="utter_faq_answer", answer=answer)
        else:
            dispatcher.utter_message(response="utter_faq_answer_other_language", answer=answer)
        if unavailable:
            offer_similar_courses(dispatcher, catalogue, named, language)
        return []

    @staticmethod
    def text(tracker: Tracker) -> str:
        """The latest message's text."""
        return (tracker.latest_message or {}).get("text") or ""

    @staticmethod
    def course_answer(tracker: Tracker, domain: DomainDict, catalogue, topic: Optional[str],
                      language: str) -> Tuple[Optional[str], Optional[str], Optional[Dict]]:
        """What the record of the course the message names, else of the one under discussion, says
        on the topic, if it is a course detail ("krijg ik een attest na <course>?"), and which
        detail, and the course; (None, None, None) otherwise."""
        text = (tracker.latest_message or {}).get("text") or ""
        detail = COURSE_DETAIL_TOPICS.get(topic or "")
        if topic == "language_support" and words_of.asks_language_level(text):
            detail = "language_level"  # "quel niveau de français faut-il ?": the course's own levels
        course = words_of.named_course(text, catalogue)
        if course and not course.get("withdrawn"):
            # The words of its title ask nothing ("taal", "certificaat", "PC" in a title): the
            # rest of the message says which detail, if any, or the course itself is asked about.
            rest = words_of.without_title(text, course)
            asked = "language_level" if words_of.asks_language_level(rest) else words_of.detail_named(rest)
            if asked:
                detail = asked
            elif detail:
                # The topic's word was the title's ("certificaat" of "Certificaat Google IT
                # Support"): the course itself is asked about.
                return course_overview(domain, course, language), None, course
            # Otherwise a FAQ topic that is no course detail (childcare...): the hub's answer.
        course_id = tracker.get_slot("course_id")
        if course is None and course_id:
            course = catalogue.get_course(course_id)
        if not course or course.get("withdrawn"):
            return None, None, None
        # "Ça dure combien ?" read as the cost, "c'est en ligne ou sur place ?" as registration:
        # words that can only ask one detail of the course win over the FAQ topic.
        detail = strong_detail(words_of.without_title(text, course)) or detail
        if not detail:
            return None, None, None
        asked = language_named(text) if detail == "language_level" else None
        return detail_answer(domain, course, detail, language, asked_language=asked), detail, course
