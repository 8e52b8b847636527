"""Course search: free text, topic, level, format, teaching language and start period; more results."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions import course_search
from bot.actions import eligibility_rules as rules_of
from bot.actions.about_course import question_about_the_course
from bot.actions.catalogue import CatalogueAction, for_a_person, staleness_note
from bot.actions.course_details import ActionCourseDetail
from bot.actions.courses import (
    PAGE_SIZE,
    course_button,
    course_facts,
    course_title,
    search_with_synonyms,
    today,
)
from bot.actions.texts import render

FILTER_ENTITIES = ("level", "course_format", "teaching_language")
# A format the words ask for, with no entity for it (standard spelling, folded).
_FORMAT_WORDS = (
    ("hybrid", r"\b(?:hybride|hybrid|deels online|en partie en ligne)\b"),
    ("online", r"\b(?:en ligne|online|a distance|op afstand|van thuis uit|de chez moi|a la maison)\b"),
    ("onsite", r"\b(?:sur place|presentiel|en presentiel|ter plaatse|op locatie|in de klas)\b"),
)
_COURSE_WORD = r"\b(?:formations?|cours|opleidingen|opleiding|cursussen|cursus|trainingen|training|les|lessen)\b"
_FORMAT_FILLERS = {"ligne", "online", "distance", "afstand", "place", "presentiel", "plaatse", "locatie", "hybride",
                   "hybrid", "deels", "partie", "thuis", "maison", "klas"}


def search_request(tracker: Tracker) -> Dict[str, Any]:
    """What to search for, from the latest message's entities and words."""
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    entities = latest.get("entities") or []
    words: List[str] = []
    for name in ("course", "topic"):
        for typed in course_search.entity_texts(entities, name, text):
            words.extend(words_of.keywords(typed) or [typed])
    if not words and not text.startswith("/"):
        words = words_of.keywords(text)
    filters = {}
    for name in FILTER_ENTITIES:
        values = course_search.entity_values(entities, name)
        if values:
            filters[name] = values[0]
    if "course_format" not in filters:
        # "Vous avez des formations en ligne ?" where the extractor saw no format ("une boutique
        # en ligne" is no format: the words must qualify the course).
        spoken = words_of.standard(text)
        for value, pattern in _FORMAT_WORDS:
            if re.search(_COURSE_WORD + r"\s+(?:\w+\s+)?" + pattern, spoken) or re.search(pattern + r"\s+" + _COURSE_WORD, spoken):
                filters["course_format"] = value
                words = [w for w in words if not re.fullmatch(pattern.replace(r"\b", ""), w)
                         and w not in _FORMAT_FILLERS]
                break
    named_place = rules_of.brussels_place_named(text)
    if named_place:
        # "Des formations à Anderlecht ?": courses given there; the place is no search word.
        place, typed = named_place
        filters["places"] = sorted({place.fr, place.nl})
        words = [w for w in words if w not in set(typed) | set(words_of.keywords(place.fr)) | set(words_of.keywords(place.nl))]
    longest = course_search.max_duration_weeks(text)
    if longest is not None:
        filters["max_duration_weeks"] = longest
    period_text = " ".join(course_search.entity_texts(entities, "period", text)) or text
    period = course_search.period_range(period_text, today())
    if period:
        filters["starts_after"], filters["starts_before"] = period[0].isoformat(), period[1].isoformat()
    return {"words": list(dict.fromkeys(words)), "filters": filters}


def run_search(catalogue, request: Dict[str, Any], offset: int) -> Tuple[List[Dict], int, bool]:
    """Searches, loosening the request when nothing matches.

    Returns:
        (courses of this page, total, whether the request had to be loosened)
    """
    known = words_of.catalogue_words(catalogue)
    words = words_of.correct_spelling(request["words"], known)
    filters = dict(request["filters"])
    if filters:
        # "Vous avez quoi à Saint-Gilles ?", "des formations en ligne ?": only the words that name
        # courses narrow the filters down ("avez" would find nothing).
        words = [w for w in words if w in known or w in words_of.synonyms_table().groups_of]
    if filters.get("places"):
        filters["places"] = filters.pop("places")  # dropped last when nothing matches
    courses, total = search_with_synonyms(catalogue, words, filters, PAGE_SIZE, offset)
    if total or (not words and not filters):
        return courses, total, False
    # Nothing: drop the filters one by one, then keep the words that name courses (or whose
    # synonyms do), then search each of them.
    for name in list(filters):
        filters.pop(name)
        courses, total = search_with_synonyms(catalogue, words, filters, PAGE_SIZE, offset)
        if total:
            return courses, total, True
    naming = [w for w in words if w in known or w in words_of.synonyms_table().groups_of]
    if naming and naming != words:
        courses, total = search_with_synonyms(catalogue, naming, {}, PAGE_SIZE, offset)
        if total:
            return courses, total, True
    for word in naming:
        if len(naming) > 1 and len(word) >= 3:
            courses, total = search_with_synonyms(catalogue, [word], {}, PAGE_SIZE, offset)
            if total:
                return courses, total, True
    return [], 0, True


def send_course_list(
    dispatcher: CollectingDispatcher,
    domain: DomainDict,
    language: str,
    courses: List[Dict],
    total: int,
    offset: int,
    loosened: bool,
) -> None:
    """The list of courses, one button each, and a "more" button when there are more."""
    intro = "utter_courses_close" if loosened else "utter_courses_found"
    lines = [render(domain, intro, language, first=offset + 1, last=offset + len(courses), total=total)]
    for number, course in enumerate(courses, start=offset + 1):
        lines.append(render(domain, "utter_course_line", language, number=number,
                            title=course_title(course, language),
                            facts=course_facts(domain, course, language)))
    buttons = [course_button(course, language) for course in courses]
    if offset + len(courses) < total:
        buttons.append({"title": render(domain, "utter_button_more_courses", language), "payload": "/show_more"})
    # The ids go with the message (the bot event's metadata): a question right after the list
    # ("c'est où ?", "hoeveel kost dat?") is about the courses it shows.
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons, listed=[c["id"] for c in courses])


def listed(request: Dict[str, Any], offset: int, courses: List[Dict]) -> SlotSet:
    """The `last_search` slot: the request, the page shown and the ids of its courses.

    The ids are what "c'est quand ?" after a list asks about: one of these courses.
    """
    return SlotSet("last_search", json.dumps({**request, "offset": offset, "shown": [c["id"] for c in courses]}))


class ActionSearchCourses(CatalogueAction):
    """Finds courses by free text, topic, level, format, teaching language and start period."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_search_courses"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """Shows the first page of results, or asks what field when nothing was said.

        One course found becomes the course under discussion; a list of several clears it, so
        that a follow-up question ("c'est quand ?") asks which of them is meant.
        """
        if for_a_person(dispatcher, tracker, language, catalogue):
            return []
        about_course = question_about_the_course(tracker, catalogue)
        if about_course:
            # "C'est pour les débutants ?" after an answer about a course asks its level.
            return about_course.run(dispatcher, tracker, domain)
        text = (tracker.latest_message or {}).get("text") or ""
        request = search_request(tracker)
        if not request["filters"] and words_of.is_title_of(text, words_of.named_course(text, catalogue), catalogue):
            # "PC-technicus en helpdesk": that course, not a list of those sharing its words.
            return ActionCourseDetail().run(dispatcher, tracker, domain)
        if not request["words"] and not request["filters"]:
            dispatcher.utter_message(response="utter_ask_search_topic")
            return []
        courses, total, loosened = run_search(catalogue, request, 0)
        if not courses:
            query = " ".join(request["words"]) or (tracker.latest_message or {}).get("text", "")
            dispatcher.utter_message(response="utter_no_course_found", query=query)
            return [SlotSet("last_search", None)]
        send_course_list(dispatcher, domain, language, courses, total, 0, loosened)
        staleness_note(dispatcher, catalogue, language)
        return [listed(request, 0, courses), SlotSet("course_id", courses[0]["id"] if total == 1 else None)]


class ActionShowMoreCourses(CatalogueAction):
    """The next page of the last search."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_show_more_courses"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """Shows the next five courses, or says there are no more."""
        last = tracker.get_slot("last_search")
        if not last:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        request = json.loads(last)
        offset = int(request.get("offset", 0)) + PAGE_SIZE
        request = {"words": request.get("words") or [], "filters": request.get("filters") or {}}
        courses, total, loosened = run_search(catalogue, request, offset)
        if not courses:
            dispatcher.utter_message(response="utter_no_more_courses")
            return []
        send_course_list(dispatcher, domain, language, courses, total, offset, loosened)
        return [listed(request, offset, courses)]
