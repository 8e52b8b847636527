"""Questions about one course: an overview, or the detail asked (duration, cost, format, place...)."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions import course_search
from bot.actions import eligibility_rules as rules_of
from bot.actions.catalogue import (
    CatalogueAction,
    for_a_person,
    localized,
    staleness_note,
    utter_with_contact,
)
from bot.actions.courses import (
    ask_which_course,
    course_button,
    course_buttons,
    course_facts,
    course_title,
    course_language_question,
    label,
    level_question,
    number_text,
    offer_similar_courses,
    weeks_text,
    resolve_course,
    rule_phrase,
    say_if_full_or_closed,
    with_note,
)
from bot.actions.formatting import format_day
from bot.actions.texts import render
from bot.language import language_named

# Details that have a general answer in the FAQ when no course is under discussion.
GENERAL_DETAIL_TOPICS = {"cost": "cost", "certificate": "certificates"}
# The values of the course_detail entity, and the details named by words only (bot.text).
DETAILS = frozenset(words_of.DETAIL_WORDS) | {"level"}
FORMATS = ("onsite", "online", "hybrid")
LEVELS = ("beginner", "intermediate", "advanced")
# Eligibility notes that say what a participant must already know or have done.
_KNOWLEDGE_NOTE = re.compile(r"\b(?:connaissance\w*|initiation|experience|notions?|bases?|prerequis|maitris\w*"
                             r"|ervaring|\w*kennis\w*|basis|vertrouwd)\b")
# Details no course_detail entity value names: only bot.text's words find them.
WORDS_ONLY_DETAILS = ("format", "language_level")


# Words that ask how long a course lasts whatever else the entity extractor saw ("ça dure combien ?"
# is no question about the cost).
_DURATION_ASKED = re.compile(r"\b(?:dure|durent|duree|duurt|duren|hoe lang|hoelang|combien de temps|longtemps)\b")


_ONLINE = re.compile(r"\b(?:en ligne|online|a distance|op afstand|thuis|de chez moi|a la maison)\b")
_ONSITE = re.compile(r"\b(?:sur place|presentiel|ter plaatse|op locatie|in de klas|en classe)\b")
_INTERNSHIP = re.compile(r"\b(?:un stage|de stage|stage en|stages|een stage|stageplaats|stage bij|ne stage|stageperiode)\b")
_REGISTERING = re.compile(r"\b(?:inscri\w*|inschrij\w*|aanmeld\w*|registr\w*)\b")
_WHERE = re.compile(r"\b(?:ou se trouve|c'?\s?est ou(?=\s*(?:[?!.]|$|une fois|exactement|donc|alors|ca|la formation))"
                    r"|ou ca se passe|ou est ce|waar is dat|waar is het|waar is da|waar gaat|waar vindt"
                    r"|waar moet ik naartoe|adresse|adres)")


def strong_detail(text: str) -> Optional[str]:
    """A course detail that the words ask and nothing else could: the language level, how long
    ("ça dure combien ?"), where ("c'est où ?"), online or on site ("c'est en ligne ou sur place ?",
    not "s'inscrire en ligne"); None otherwise."""
    if not text:
        return None
    if words_of.asks_language_level(text):
        return "language_level"
    standard_text = words_of.standard(text)
    if _DURATION_ASKED.search(standard_text):
        return "duration"
    if _INTERNSHIP.search(standard_text) and not _REGISTERING.search(standard_text):
        return "internship"  # "y a un stage à la fin ?" is no question about the certificate
    online, onsite = _ONLINE.search(standard_text), _ONSITE.search(standard_text)
    if (online and onsite) or ((online or onsite) and not _REGISTERING.search(standard_text)
                               and len(standard_text.split()) <= 6):
        return "format"
    if _WHERE.search(standard_text) or (len(standard_text.split()) <= 4 and ("où" in text.lower() or " waar " in f" {standard_text} ")):
        return "location"
    return None


def requested_detail(tracker: Tracker, named: Optional[Dict] = None) -> Optional[str]:
    """Which detail the user asked about.

    The details the entity extractor has no value for come first, from bot.text's words ("en
    ligne ou sur place ?" asks the format even where the extractor saw a place; "quel niveau de
    français" the language level), then the course_detail entity, then the words.

    Args:
        named: the course the message names, if it names one: the words of its titles ask
            nothing ("certificat google it support, ça dure combien ?" asks the duration).
    """
    latest = tracker.latest_message or {}
    text = words_of.without_title(latest.get("text") or "", named)
    if level_question(tracker) or (named and words_of.asks_language_level(text)):
        return "language_level"
    if strong_detail(text) in ("internship", "duration"):
        return strong_detail(text)
    if course_language_question(tracker):
        return "teaching_languages"
    if words_of.asks_course_level(text):
        return "level"
    # A request to switch languages names a language without asking about the course's.
    switching = (latest.get("intent") or {}).get("name") == "change_language"
    ignore = words_of.LANGUAGE_DETAILS if switching else ()
    in_words = words_of.detail_named(text, ignore=ignore)
    if in_words in WORDS_ONLY_DETAILS:
        return in_words
    if in_words == "duration" and _DURATION_ASKED.search(words_of.standard(text)):
        return "duration"
    entities = [e for e in latest.get("entities") or [] if not _in_title(e, latest.get("text") or "", named)]
    values = course_search.entity_values(entities, "course_detail")
    # Only a canonical value counts: a partial span ("hoe" of "hoe lang") is no detail.
    values = [v for v in values if v in DETAILS]
    if values and values[0] not in ignore:
        return values[0]
    return in_words


def _in_title(entity: Dict, text: str, course: Optional[Dict]) -> bool:
    """Whether an entity's words all belong to the titles of the course the message names."""
    start, end = entity.get("start"), entity.get("end")
    if not course or not isinstance(start, int) or not isinstance(end, int):
        return False
    words = set(words_of.keywords(text[start:end]))
    return bool(words) and words <= words_of.title_words(course)


def detail_answer(domain: DomainDict, course: Dict, detail: str, language: str,
                  asked_language: Optional[str] = None) -> Optional[str]:
    """The answer to one detail of a course, or None when the catalogue lacks it.

    Args:
        asked_language: for the language level, the language the question names ("welk niveau
            Nederlands?"): its level only, or that the course asks none in it, then the others.
    """
    title = course_title(course, language)
    weeks, hours = course.get("duration_weeks"), course.get("hours_per_week")
    internship = course.get("internship_weeks")
    if detail == "duration" and weeks:
        if internship:
            return render(domain, "utter_detail_duration_with_internship", language, title=title,
                          weeks=weeks_text(domain, weeks, language), internship=weeks_text(domain, internship, language))
        return render(domain, "utter_detail_duration", language, title=title, weeks=weeks_text(domain, weeks, language))
    if detail == "hours_per_week" and hours:
        return render(domain, "utter_detail_hours_per_week", language, title=title, hours=number_text(hours))
    if detail == "schedule" and hours and weeks:
        return render(domain, "utter_detail_schedule", language, title=title, hours=number_text(hours),
                      weeks=weeks_text(domain, weeks, language), format=label(domain, "utter_format_", course.get("format"), language) or "")
    if detail == "start_date" and course.get("start_date"):
        return render(domain, "utter_detail_start_date", language, title=title,
                      date=format_day(course["start_date"], language))
    if detail == "cost" and course.get("cost_eur") is not None:
        if float(course["cost_eur"]) == 0:
            return render(domain, "utter_detail_cost_free", language, title=title)
        return render(domain, "utter_detail_cost", language, title=title, amount=number_text(course["cost_eur"]))
    if detail == "certificate":
        text, text_language = localized(course, "certificate", language)
        if text:
            return render(domain, "utter_detail_certificate", language, title=title,
                          certificate=with_note(domain, text, text_language, language))
    location = course.get("location") or {}
    place = ", ".join(p for p in (location.get("name"), location.get("address")) if p)
    if detail == "format" and course.get("format") in FORMATS:
        answer = render(domain, f"utter_detail_format_{course['format']}", language, title=title)
        if place and course["format"] != "online":
            answer += " " + render(domain, "utter_detail_location", language, title=title, place=place)
        return answer
    if detail == "location":
        if place:
            return render(domain, "utter_detail_location", language, title=title, place=place)
        if course.get("format") == "online":
            return render(domain, "utter_detail_online", language, title=title)
    if detail == "internship" and internship is not None:
        if internship:
            return render(domain, "utter_detail_internship", language, title=title, weeks=weeks_text(domain, internship, language))
        return render(domain, "utter_detail_no_internship", language, title=title)
    if detail == "language_level":
        eligibility = course.get("eligibility")
        requirements = (eligibility or {}).get("language_requirements") or []
        asked = [r for r in requirements if r["language"] == asked_language]
        if requirements:
            levels = [render(domain, "utter_language_at_level", language, level=r["level"],
                             language_name=label(domain, "utter_language_", r["language"], language))
                      for r in (asked or requirements)]
            answer = render(domain, "utter_detail_language_levels", language, title=title,
                            levels=render(domain, "utter_and", language).join(levels))
            if asked_language and not asked:
                # "Et en anglais ?" where only French is asked: none in English, then the French level.
                none = render(domain, "utter_detail_no_level_in_language", language, title=title,
                              language_name=label(domain, "utter_language_", asked_language, language))
                return f"{none} {answer}"
            return answer
        if eligibility is None:
            return None
        # No level asked: say so, and the languages it is given in.
        no_level = render(domain, "utter_detail_no_language_level", language, title=title)
        languages = detail_answer(domain, course, "teaching_languages", language)
        return f"{no_level} {languages}" if languages else no_level
    if detail == "teaching_languages" and course.get("teaching_languages"):
        names = [label(domain, "utter_language_", code, language) for code in course["teaching_languages"]]
        return render(domain, "utter_detail_teaching_languages", language, title=title, languages=", ".join(names))
    if detail == "prerequisites":
        eligibility = course.get("eligibility")
        rules = [rule_phrase(domain, kind, values, language)
                 for kind, values, _ in rules_of.rule_results(eligibility, {})]
        notes, notes_language = localized(eligibility or {}, "notes", language)
        if rules or notes:
            requirements = "; ".join(rules) + ("." if rules else "")
            if notes:
                requirements = f"{requirements} {with_note(domain, notes, notes_language, language)}".strip()
            return render(domain, "utter_detail_prerequisites", language, title=title, requirements=requirements)
        if eligibility is not None:
            return render(domain, "utter_detail_no_prerequisites", language, title=title)
    if detail == "level" and course.get("level") in LEVELS:
        answer = render(domain, f"utter_detail_level_{course['level']}", language, title=title)
        notes, notes_language = localized(course.get("eligibility") or {}, "notes", language)
        if notes and _KNOWLEDGE_NOTE.search(words_of.fold(notes)):
            # "Aucun diplôme requis, mais une première initiation au code est attendue": what a
            # beginner must know says more than the level's name.
            answer += " " + with_note(domain, notes, notes_language, language)
        return answer
    if detail == "provider" and course.get("provider"):
        return render(domain, "utter_detail_provider", language, title=title, provider=course["provider"])
    if detail == "url" and course.get("url"):
        return render(domain, "utter_detail_url", language, title=title, url=course["url"])
    return None


# A detail asked of a list is answered for each course up to this many; beyond, which one is asked.
MAX_ANSWERED_TOGETHER = 5


def detail_of_each(domain: DomainDict, courses: List[Dict], detail: str, language: str) -> Optional[str]:
    """The detail's answer for each of a few courses, one line each; None when there are too many
    or when the catalogue lacks it for any of them (then the person picks one)."""
    if len(courses) > MAX_ANSWERED_TOGETHER:
        return None
    answers = [detail_answer(domain, course, detail, language) for course in courses]
    if not all(answers):
        return None
    return "\n".join(f"- {answer}" for answer in answers)


def course_overview(domain: DomainDict, course: Dict, language: str) -> str:
    """Title, summary and key facts of a course."""
    summary, summary_language = localized(course, "summary", language)
    return render(domain, "utter_course_overview", language, title=course_title(course, language),
                  summary=with_note(domain, summary, summary_language, language) if summary else "",
                  facts=course_facts(domain, course, language)).replace("\n\n", "\n")


class ActionCourseDetail(CatalogueAction):
    """Answers a question about a course: the detail asked, or an overview."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_course_detail"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """Sends the detail from the catalogue record, in the user's language."""
        if for_a_person(dispatcher, tracker, language, catalogue):
            return []
        course, candidates = resolve_course(tracker, catalogue)
        named = words_of.named_course((tracker.latest_message or {}).get("text") or "", catalogue)
        detail = requested_detail(tracker, named if course and named and named["id"] == course["id"] else None)
        if course is None:
            general, _ = localized(catalogue.faq(GENERAL_DETAIL_TOPICS.get(detail, "")), "answer", language)
            if general and not candidates:
                # "C'est payant ?" with no course in mind: the general answer staff maintain.
                dispatcher.utter_message(response="utter_faq_answer", answer=general)
            elif candidates:
                answered = detail_of_each(domain, candidates, detail, language) if detail else None
                if answered:
                    # "Et ça dure combien de temps ?" after a short list: each one's answer, then
                    # the choice, rather than a question the person has to answer first.
                    dispatcher.utter_message(text=answered, detail=detail, listed=[c["id"] for c in candidates])
                    dispatcher.utter_message(response="utter_which_course_interests",
                                             buttons=[course_button(c, language) for c in candidates])
                else:
                    ask_which_course(dispatcher, domain, language, candidates, detail=detail)
            else:
                dispatcher.utter_message(response="utter_which_course")
            return []
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=course_title(course, language))
            return [SlotSet("course_id", None)]
        text = (tracker.latest_message or {}).get("text") or ""
        if detail is None and (rules_of.stated_facts(text) or words_of.rule_asked(words_of.without_title(text, named))):
            # "J'ai 17 ans, la formation <course> c'est possible ?": the rules those facts concern.
            from bot.actions.eligibility import ActionEligibilityStart

            return ActionEligibilityStart().run(dispatcher, tracker, domain)
        unavailable = say_if_full_or_closed(dispatcher, course, language, tracker)
        if detail is None:
            dispatcher.utter_message(text=course_overview(domain, course, language),
                                     buttons=course_buttons(domain, course, language))
        else:
            asked = language_named((tracker.latest_message or {}).get("text")) if detail == "language_level" else None
            text = detail_answer(domain, course, detail, language, asked_language=asked)
            # "Waar is de cursus en hoelang duurt die?": each detail asked, in turn.
            others = [d for d in words_of.details_named(words_of.without_title(
                (tracker.latest_message or {}).get("text") or "", named)) if d != detail]
            more = [detail_answer(domain, course, d, language) for d in others]
            if text and any(more):
                text = " ".join([text] + [m for m in more if m])
            if text is None:
                utter_with_contact(dispatcher, language, "utter_detail_unknown", catalogue,
                                   title=course_title(course, language))
            else:
                # The detail goes with the message (the bot event's metadata): "en Frans?" next
                # asks the same detail of another language (courses.level_question).
                dispatcher.utter_message(text=text, detail=detail)
        if unavailable:
            offer_similar_courses(dispatcher, catalogue, course, language)
        staleness_note(dispatcher, catalogue, language)
        return [SlotSet("course_id", course["id"])]
