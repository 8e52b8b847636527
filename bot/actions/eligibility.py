"""Eligibility for a course: asks only what the course's rules need, then explains the verdict.

Answers are read from the message's words first (`eligibility_rules.read_answer`), the NLU's
intent and entities only when the words are not decisive. A fact stated at any time ("en fait
j'ai 17 ans", "sorry, ik ben 17") replaces the earlier answer: during the questions the form takes
it and asks its current question again; after the verdict the verdict is given again.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import eligibility_rules as rules_of
from bot.actions.catalogue import CatalogueAction, for_a_person, localized, open_catalogue, user_language
from bot.actions.course_details import ActionCourseDetail, detail_answer, strong_detail
from bot.actions.course_search import entity_values
from bot.actions.courses import (
    ask_which_course,
    course_button,
    course_buttons,
    courses_fitting,
    course_title,
    label,
    last_answer_metadata,
    resolve_course,
    rule_phrase,
    with_note,
)
from bot.actions.texts import render
from bot.language import language_named
from bot.text import asks_course_level, asks_language_level, rule_asked
from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.read import Catalogue

logger = logging.getLogger(__name__)

FORM = "eligibility_form"
LISTEN = "action_listen"
ANSWER_SLOTS = rules_of.ANSWER_SLOTS
# The courses whose verdict was given in this session: a correction afterwards gives it again.
CHECKED_SLOT = "elig_checked_courses"
# Intents of a message that answers the form's question; any other intent is a question or a
# request of its own, which the rules answer before the form asks again.
ANSWER_INTENTS = {"inform", "affirm", "deny", "nlu_fallback"}
# At most this many words, a message the NLU took for something else is still read as an answer.
SHORT_ANSWER_WORDS = 4
MAX_ALTERNATIVES = 3
ALTERNATIVES_SCANNED = 500


def course_rules(tracker: Tracker) -> Dict[str, Any]:
    """The eligibility rules of the course under discussion, read now from the catalogue.

    None when the catalogue cannot be read: the form then has nothing to ask and ends, and the
    verdict action apologises and gives the way to a person.
    """
    course_id = tracker.get_slot("course_id")
    if not course_id:
        return {}
    try:
        course = open_catalogue().get_course(course_id)
    except CatalogueUnavailable as error:
        logger.warning("Eligibility questions without the catalogue: %s", error)
        return {}
    return (course or {}).get("eligibility") or {}


def answers(tracker: Tracker) -> Dict[str, Any]:
    """What the person already told the form."""
    return {slot: tracker.get_slot(slot) for slot in ANSWER_SLOTS}


@lru_cache(maxsize=256)
def _facts(text: str) -> Dict[str, Any]:
    # Each extract_<slot> of one message asks for the same facts.
    return rules_of.stated_facts(text)


def stated_facts(tracker: Tracker, slots: List[str]) -> Dict[str, Any]:
    """The facts the latest message states, for the given slots only."""
    text = (tracker.latest_message or {}).get("text") or ""
    return {slot: value for slot, value in _facts(text).items() if slot in slots}


def describe_answers(domain: DomainDict, values: Dict[str, Any], language: str) -> str:
    """Answers in a few words, in the order of the questions: "âge 24 ans, domicile dans la Région bruxelloise"."""
    parts = []
    for slot in ANSWER_SLOTS:
        value = values.get(slot)
        if value is None:
            continue
        if slot == "elig_age":
            parts.append(render(domain, "utter_answer_age", language, age=int(value)))
        elif slot == "elig_brussels_resident":
            parts.append(render(domain, f"utter_answer_resident_{'yes' if value else 'no'}", language))
        elif slot == "elig_registered_jobseeker":
            parts.append(render(domain, f"utter_answer_registered_{'yes' if value else 'no'}", language))
        elif slot == "elig_diploma":
            diploma = render(domain, f"utter_diploma_{value}", language)
            parts.append(render(domain, "utter_answer_diploma", language, diploma=diploma))
        else:
            code = next(c for c, s in rules_of.LANGUAGE_SLOTS.items() if s == slot)
            name = render(domain, f"utter_language_{code}", language)
            response = "utter_answer_level_none" if value == rules_of.NO_LEVEL else "utter_answer_level"
            parts.append(render(domain, response, language, language=name, level=value))
    return ", ".join(parts)


def status_notice(dispatcher: CollectingDispatcher, course: Dict[str, Any], language: str) -> None:
    """A course the catalogue marks full or closed says so before its rules, every time: the
    question is whether one can join it."""
    status = course.get("status")
    if status in ("full", "closed"):
        dispatcher.utter_message(response=f"utter_eligibility_course_{status}", title=course_title(course, language),
                                 course_id=course["id"])


def begin_questions(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                    course: Dict[str, Any], language: str, stated: Dict[str, Any]) -> List[EventType]:
    """Starts the questions a course's rules need, or gives the verdict when all are answered.

    Args:
        stated: facts the latest message states, taken as answers without comment.

    Returns:
        The answers to set, then the form or the verdict as the next action.
    """
    needed = rules_of.needed_slots(course.get("eligibility"))
    stated = {slot: value for slot, value in stated.items() if slot in needed}
    events: List[EventType] = [SlotSet(slot, value) for slot, value in stated.items()]
    reused = {slot: tracker.get_slot(slot) for slot in needed
              if slot not in stated and tracker.get_slot(slot) is not None}
    known = {**reused, **stated}
    if len(known) < len(needed):
        dispatcher.utter_message(response="utter_eligibility_intro", title=course_title(course, language))
    if reused:
        dispatcher.utter_message(response="utter_eligibility_reused",
                                 answers=describe_answers(domain, reused, language))
    if len(known) == len(needed):
        return events + [FollowupAction("action_eligibility_verdict")]
    return events + [FollowupAction(FORM)]


class ActionEligibilityStart(CatalogueAction):
    """Picks the course, then answers the facts the question states or starts the questions."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_eligibility_start"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
        catalogue: Catalogue, language: str,
    ) -> List[EventType]:
        """Resolves the course; without one, gives the general rules (FAQ) and asks which.

        A question that states facts ("j'ai 16 ans, je peux faire X ?") gets the rules those facts
        concern first (`answer_stated_facts`). Otherwise the rules predict the form after this
        action; when there is nothing to ask, the action says so and waits for the user instead
        (`action_listen`), or gives the verdict at once. Answers given earlier in this session
        (for another course) are reused for the questions this course's rules ask too, and the
        person is told which.
        """
        if for_a_person(dispatcher, tracker, language, catalogue):
            return [FollowupAction(LISTEN)]
        text = (tracker.latest_message or {}).get("text") or ""
        stated = dict(_facts(text))
        course, candidates = resolve_course(tracker, catalogue)
        if course is None and not candidates and not stated and asks_language_level(text):
            # "Mijn Nederlands is niet goed, mag ik toch komen?" with no course in mind: the help
            # with languages the hub gives (its FAQ), then which course.
            support, _ = localized(catalogue.faq("language_support"), "answer", language)
            if support:
                dispatcher.utter_message(response="utter_faq_answer", answer=support)
                dispatcher.utter_message(response="utter_eligibility_which_course")
                return [FollowupAction(LISTEN)]
        if course is None:
            general, _ = localized(catalogue.faq("registration_process"), "answer", language)
            if general:
                dispatcher.utter_message(response="utter_eligibility_general", answer=general)
            # "J'ai 50 ans, j'habite à Schaerbeek : vous avez quelque chose pour moi ?": the
            # courses those facts don't rule out, those made for them first.
            candidates = candidates or (courses_fitting(catalogue, stated) if stated else [])
            if candidates:
                ask_which_course(dispatcher, domain, language, candidates, intent="ask_eligibility")
            else:
                dispatcher.utter_message(response="utter_eligibility_which_course")
            # What the question stated is kept: the course chosen next does not ask it again.
            return [SlotSet(slot, value) for slot, value in stated.items()] + [FollowupAction(LISTEN)]
        title = course_title(course, language)
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=title)
            return [SlotSet("course_id", None), FollowupAction(LISTEN)]
        events: List[EventType] = [SlotSet("course_id", course["id"])]
        status_notice(dispatcher, course, language)
        if not rules_of.needed_slots(course.get("eligibility")):
            dispatcher.utter_message(response="utter_eligibility_no_rules", title=title)
            dispatcher.utter_message(response="utter_eligibility_not_final")
            return events + [SlotSet(slot, value) for slot, value in stated.items()] + [FollowupAction(LISTEN)]
        notes, notes_language = localized(course.get("eligibility") or {}, "notes", language)
        if notes and rules_of.states_gender(text) == "man" and rules_of.notes_concern(notes, ["gender"]):
            # "Je suis un homme, je peux faire <course réservé aux femmes> ?": the feed has no rule
            # on it, its notes say.
            dispatcher.utter_message(response="utter_course_notes", title=title,
                                     notes=with_note(domain, notes, notes_language, language))
            return events + [SlotSet(slot, value) for slot, value in stated.items()] + [FollowupAction(LISTEN)]
        if stated:
            return events + answer_stated_facts(dispatcher, tracker, domain, course, stated, text, language)
        if strong_detail(text) == "format":
            # "Kan ik dat van thuis uit volgen?" asks whether it is online, not the conditions.
            return ActionCourseDetail().run(dispatcher, tracker, domain)
        if asks_language_level(text) and detail_answer(domain, course, "language_level", language):
            return events + answer_language_level(dispatcher, tracker, domain, course, language)
        kind = rule_asked(text)
        if kind:
            return events + answer_rule_question(dispatcher, tracker, domain, course, kind, language)
        if asks_course_level(text) and detail_answer(domain, course, "level", language):
            # "Is dat voor beginners?" asks the course's level, not whether one may take part.
            dispatcher.utter_message(text=detail_answer(domain, course, "level", language), detail="level")
            return events + [FollowupAction(LISTEN)]
        return events + begin_questions(dispatcher, tracker, domain, course, language, {})

    def events_without_catalogue(self, tracker: Tracker) -> List[EventType]:
        """No questions without the course's rules: wait for the user (the rules predict the form)."""
        return [FollowupAction(LISTEN)]


# --- Facts stated in a question: the rule each concerns, then the other conditions -------------

OTHER_CONDITIONS = "utter_eligibility_other_conditions"


def _sentence(text: str) -> str:
    """A line that starts with a capital ("cette formation demande..." -> "Cette formation...")."""
    return text[:1].upper() + text[1:]


def _rule_and_answer(domain: DomainDict, language: str, rule: str, answer: str, **values: Any) -> str:
    """ "<the rule> : <what the fact says of it>", e.g. "X demande d'avoir au moins 18 ans : à 16 ans,
    ce n'est pas encore possible." """
    return _sentence(render(domain, "utter_stated_rule_and_answer", language,
                            rule=render(domain, rule, language, **values),
                            answer=render(domain, answer, language, **values)))


def registration_line(domain, rules: Dict[str, Any], registered: bool, course: str, language: str) -> str:
    """Registration as a jobseeker: required or not, and whether the person is."""
    if not rules.get("registered_jobseeker"):
        return _sentence(render(domain, "utter_stated_registration_not_required", language, course=course))
    answer = "utter_stated_registration_met" if registered else "utter_stated_registration_not_met"
    return _rule_and_answer(domain, language, "utter_stated_registration_rule", answer, course=course)


def residence_line(domain, rules: Dict[str, Any], resident: bool, place: Optional[rules_of.Place],
                   course: str, language: str) -> str:
    """Living in the Region: required or not, and where the place the person named is."""
    if not rules.get("brussels_resident"):
        return _sentence(render(domain, "utter_stated_residence_no_rule", language, course=course))
    values: Dict[str, Any] = {"course": course}
    if place is not None and resident:
        answer, values["place"] = "utter_stated_residence_in_place", place.name(language)
    elif place is not None:
        answer, values["place"] = "utter_stated_residence_out_place", place.name(language)
        values["province"] = render(domain, f"utter_province_{place.area}", language)
    else:
        answer = "utter_stated_residence_in" if resident else "utter_stated_residence_out"
    return _rule_and_answer(domain, language, "utter_stated_residence_rule", answer, **values)


def age_line(domain, rules: Dict[str, Any], age: int, course: str, language: str) -> str:
    """The age the course asks (at least, at most, between) and whether the person's meets it."""
    low, high = rules.get("min_age"), rules.get("max_age")
    if low is None and high is None:
        return _sentence(render(domain, "utter_stated_age_no_rule", language, course=course))
    rule = ("utter_stated_age_rule_range" if low is not None and high is not None
            else "utter_stated_age_rule_min" if low is not None else "utter_stated_age_rule_max")
    if low is not None and age < low:
        answer = "utter_stated_age_too_young"
    elif high is not None and age > high:
        answer = "utter_stated_age_too_old"
    else:
        answer = "utter_stated_age_met"
    return _rule_and_answer(domain, language, rule, answer, course=course, age=int(age), min_age=low, max_age=high)


def level_line(domain, rules: Dict[str, Any], slot: str, level: str, exact: bool, course: str, language: str) -> str:
    """The level the course asks in a language, and whether the person's meets it.

    A level said in words ("zwak", "moyen") is only roughly a CEFR level: at the level asked it
    may or may not be enough (a counsellor checks), below it is probably not.
    """
    code = next(c for c, s in rules_of.LANGUAGE_SLOTS.items() if s == slot)
    name = label(domain, "utter_language_", code, language)
    required = next((r["level"] for r in rules.get("language_requirements") or []
                     if r.get("language") == code and r.get("level") in rules_of.CEFR_LEVELS), None)
    if required is None:
        return _sentence(render(domain, "utter_stated_level_no_rule", language, course=course, language_name=name))
    have, need = rules_of.CEFR_LEVELS.index(level), rules_of.CEFR_LEVELS.index(required)
    if level == rules_of.NO_LEVEL:
        answer = "utter_stated_level_none"
    elif exact:
        answer = "utter_stated_level_met" if have >= need else "utter_stated_level_not_met"
    else:
        answer = ("utter_stated_level_met_roughly" if have > need else "utter_stated_level_unsure" if have == need
                  else "utter_stated_level_not_met_roughly")
    return _rule_and_answer(domain, language, "utter_stated_level_rule", answer, course=course, language_name=name,
                            level=required, stated=level)


def diploma_lines(domain, rules: Dict[str, Any], diploma: str, course: str, language: str) -> List[str]:
    """The diploma the course asks at least, or at most, and whether the person's meets it."""
    low, high = rules.get("min_diploma"), rules.get("max_diploma")
    if not low and not high:
        return [_sentence(render(domain, "utter_stated_diploma_no_rule", language, course=course))]
    held = rules_of.DIPLOMAS.index(diploma)
    stated = render(domain, f"utter_diploma_{diploma}", language)
    lines = []
    for rule, limit in (("utter_stated_diploma_rule_min", low), ("utter_stated_diploma_rule_max", high)):
        if not limit:
            continue
        met = held >= rules_of.DIPLOMAS.index(limit) if limit == low else held <= rules_of.DIPLOMAS.index(limit)
        if diploma == "none":
            answer = "utter_stated_diploma_none_met" if met else "utter_stated_diploma_none_not_enough"
        elif met:
            answer = "utter_stated_diploma_met"
        else:
            answer = "utter_stated_diploma_not_enough" if limit == low else "utter_stated_diploma_too_high"
        lines.append(_rule_and_answer(domain, language, rule, answer, course=course, stated=stated,
                                      diploma=render(domain, f"utter_diploma_{limit}", language)))
        course = render(domain, "utter_stated_course_again", language)
    return lines


def stated_fact_lines(domain: DomainDict, course: Dict[str, Any], facts: Dict[str, Any], text: str,
                      language: str) -> List[str]:
    """One line per fact the message states, on the rule of `course` it concerns (or that it has
    none), in the order of the questions; the course's notes when they speak of these facts."""
    rules = course.get("eligibility") or {}
    named = render(domain, "utter_stated_course", language, title=course_title(course, language))
    again = render(domain, "utter_stated_course_again", language)
    lines: List[str] = []
    for slot in ANSWER_SLOTS:
        if slot not in facts:
            continue
        name = again if lines else named
        value = facts[slot]
        if slot == "elig_registered_jobseeker":
            lines.append(registration_line(domain, rules, value, name, language))
        elif slot == "elig_brussels_resident":
            _, place = rules_of.stated_residence(text)
            lines.append(residence_line(domain, rules, value, place, name, language))
        elif slot == "elig_age":
            lines.append(age_line(domain, rules, value, name, language))
        elif slot == "elig_diploma":
            lines += diploma_lines(domain, rules, value, name, language)
        else:
            lines.append(level_line(domain, rules, slot, value, rules_of.names_a_cefr_level(text), name, language))
    notes, notes_language = localized(rules, "notes", language)
    if notes and rules_of.notes_concern(notes, facts):
        lines.append(with_note(domain, notes, notes_language, language))
    return lines


def answer_stated_facts(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                        course: Dict[str, Any], facts: Dict[str, Any], text: str, language: str) -> List[EventType]:
    """Answers a question that states facts with the rules they concern, keeps the facts as
    answers, then offers to check the other rules (a button that starts the questions), or gives
    the verdict when no rule is left.

    Returns:
        The answers to set, then the verdict or waiting for the user as the next action.
    """
    dispatcher.utter_message(text="\n".join(stated_fact_lines(domain, course, facts, text, language)))
    return [SlotSet(slot, value) for slot, value in facts.items()] + offer_other_conditions(
        dispatcher, tracker, domain, course, facts, language)


def answer_language_level(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                          course: Dict[str, Any], language: str) -> List[EventType]:
    """Answers "which level of French/Dutch/English does it ask?" with the course's CEFR levels
    (or that it asks none, and the languages it is given in), then offers the other conditions."""
    asked = language_named((tracker.latest_message or {}).get("text"))
    dispatcher.utter_message(text=detail_answer(domain, course, "language_level", language, asked_language=asked),
                             detail="language_level")
    return offer_other_conditions(dispatcher, tracker, domain, course, {}, language, told=("language_level",))


def offer_other_conditions(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                           course: Dict[str, Any], facts: Dict[str, Any], language: str,
                           told: tuple = ()) -> List[EventType]:
    """After the rules a question asked about: the verdict when every answer is known, else an
    offer to check the rules left (a button that starts the questions, or a plain yes). Rules of
    the kinds in `told` were just stated: the offer names the others (all, when none is left)."""
    needed = rules_of.needed_slots(course.get("eligibility"))
    reused = {slot: tracker.get_slot(slot) for slot in needed
              if slot not in facts and tracker.get_slot(slot) is not None}
    known = {**reused, **{slot: value for slot, value in facts.items() if slot in needed}}
    if len(known) == len(needed):
        if reused:
            dispatcher.utter_message(response="utter_eligibility_reused",
                                     answers=describe_answers(domain, reused, language))
        return [FollowupAction("action_eligibility_verdict")]
    unknown = [(kind, values) for kind, values, met in rules_of.rule_results(course.get("eligibility"), known)
               if met is None]
    others = [rule_phrase(domain, kind, values, language) for kind, values in unknown if kind not in told]
    payload = "/ask_eligibility" + json.dumps({"course_id": course["id"]})
    # course_id goes with the message (Rasa keeps it in the bot event's metadata): a plain "oui"
    # to the offer starts the questions for this course (ActionEligibilityCorrection).
    if others:
        button = {"title": render(domain, "utter_eligibility_other_conditions_button", language), "payload": payload}
        dispatcher.utter_message(response=OTHER_CONDITIONS, rules=", ".join(others), buttons=[button],
                                 course_id=course["id"])
    else:
        # Only the rules just stated are left: no "other conditions" to name, the check itself.
        button = {"title": render(domain, "utter_eligibility_check_button", language), "payload": payload}
        dispatcher.utter_message(response="utter_eligibility_check_offer", buttons=[button], course_id=course["id"])
    return [FollowupAction(LISTEN)]


# --- A question about one rule ("il faut un diplôme ?"): that rule of the course ----------------

# The rules each kind of rule_asked (bot.text) is about, as rules_of.rule_results names them.
RULE_KINDS = {
    "registration": ("registered_jobseeker",),
    "residence": ("brussels_resident",),
    "age": ("min_age", "max_age"),
    "diploma": ("min_diploma", "max_diploma"),
}
RULE_SLOTS = {"registration": "elig_registered_jobseeker", "residence": "elig_brussels_resident",
              "age": "elig_age", "diploma": "elig_diploma"}


def rule_lines(domain: DomainDict, course: Dict[str, Any], kind: str, language: str) -> List[str]:
    """What the course asks on one kind of rule, or that it asks nothing on it; then its notes
    when they speak of it ("les inscrits chez Actiris sont prioritaires")."""
    rules = course.get("eligibility") or {}
    name = render(domain, "utter_stated_course", language, title=course_title(course, language))
    lines: List[str] = []
    if kind == "registration":
        lines.append(_sentence(render(domain, "utter_stated_registration_rule", language, course=name) + ".")
                     if rules.get("registered_jobseeker")
                     else registration_line(domain, rules, False, name, language))
    elif kind == "residence":
        lines.append(_sentence(render(domain, "utter_stated_residence_rule", language, course=name) + ".")
                     if rules.get("brussels_resident")
                     else residence_line(domain, rules, False, None, name, language))
    elif kind == "age":
        low, high = rules.get("min_age"), rules.get("max_age")
        if low is None and high is None:
            lines.append(_sentence(render(domain, "utter_stated_age_no_rule", language, course=name)))
        else:
            rule = ("utter_stated_age_rule_range" if low is not None and high is not None
                    else "utter_stated_age_rule_min" if low is not None else "utter_stated_age_rule_max")
            lines.append(_sentence(render(domain, rule, language, course=name, min_age=low, max_age=high) + "."))
    elif kind == "diploma":
        limits = [("utter_stated_diploma_rule_min", rules.get("min_diploma")),
                  ("utter_stated_diploma_rule_max", rules.get("max_diploma"))]
        for rule, limit in limits:
            if limit:
                lines.append(_sentence(render(domain, rule, language, course=name,
                                              diploma=render(domain, f"utter_diploma_{limit}", language)) + "."))
                name = render(domain, "utter_stated_course_again", language)
        if not lines:
            lines.append(_sentence(render(domain, "utter_stated_diploma_no_rule", language, course=name)))
    notes, notes_language = localized(rules, "notes", language)
    if notes and rules_of.notes_concern(notes, [RULE_SLOTS[kind]]):
        lines.append(with_note(domain, notes, notes_language, language))
    return lines


def answer_rule_question(dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                         course: Dict[str, Any], kind: str, language: str) -> List[EventType]:
    """Answers "il faut un diplôme ?" / "moet ik bij Actiris ingeschreven zijn?" with that rule of
    the course, then offers to check the conditions (the others first)."""
    dispatcher.utter_message(text="\n".join(rule_lines(domain, course, kind, language)))
    return offer_other_conditions(dispatcher, tracker, domain, course, {}, language, told=RULE_KINDS[kind])


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent the NLU gave the latest message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def offered_course(tracker: Tracker) -> Optional[str]:
    """The course whose other conditions the bot offered to check just before this message."""
    answer = last_answer_metadata(tracker)
    last = answer[-1] if answer else {}
    return last.get("course_id") if last.get("utter_action") == OTHER_CONDITIONS else None


class ValidateEligibilityForm(FormValidationAction):
    """Asks only the questions the course's rules need and understands answers in FR and NL.

    Every message the form sees is read for the question asked and for facts it states about the
    others: an answer to a later question fills it ahead ("j'ai 24 ans et j'habite à Jette"), a
    new answer to an earlier one replaces it and is confirmed ("ah non, j'habite à Vilvorde"),
    then the form asks its current question again.
    """

    def name(self) -> Text:
        """The form validation action's name (Rasa calls it while the form runs)."""
        return "validate_eligibility_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        """The slots this course's rules need."""
        return rules_of.needed_slots(course_rules(tracker))

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Extracts every slot (`extract_<slot>`), then confirms the answers a message corrected."""
        before = answers(tracker)
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        corrected = {
            event["name"]: event["value"] for event in events
            if event.get("event") == "slot" and before.get(event["name"]) is not None
            and event["value"] is not None and event["value"] != before[event["name"]]
        }
        if corrected:
            dispatcher.utter_message(response="utter_eligibility_corrected",
                                     answers=describe_answers(domain, corrected, user_language(tracker)))
        return events

    @staticmethod
    def _asked(tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot("requested_slot") == slot

    @staticmethod
    def _intent(tracker: Tracker) -> Optional[str]:
        return ((tracker.latest_message or {}).get("intent") or {}).get("name")

    def _is_answer(self, tracker: Tracker) -> bool:
        """Whether the NLU took the message for an answer (not a question of its own)."""
        return self._intent(tracker) in ANSWER_INTENTS

    def _may_read(self, tracker: Tracker) -> bool:
        """Whether to read a message the NLU did not take for an answer as the answer anyway.

        A short one is ("45", "B2", "Schaerbeek", which may look like something else), but not
        for a bare yes or no; a question ("c'est quoi B1 ?") or a longer request ("non en fait je
        cherche une formation en cybersécurité") is not: the rules answer it. What a message
        states ("je parle bien français", "j'ai 24 ans") is read whatever the intent.
        """
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        return not text.endswith("?") and len(text.split()) <= SHORT_ANSWER_WORDS

    def _not_understood(self, dispatcher, tracker: Tracker, slot: str, hint: str) -> Dict[Text, Any]:
        """An answer that could not be read gets a hint and the question again. Any other message
        fills nothing, so the form steps aside for the rules that answer it ("c'est quoi Actiris ?"),
        then asks its question again."""
        if not self._is_answer(tracker):
            return {}
        dispatcher.utter_message(response=hint)
        return {slot: None}

    def _from_nlu(self, slot: str, tracker: Tracker) -> Any:
        """The answer the NLU's intent and entities give, when the words themselves did not."""
        latest = tracker.latest_message or {}
        entities = latest.get("entities") or []
        intent = self._intent(tracker)
        places = entity_values(entities, "municipality")
        if slot == "elig_brussels_resident" and places:
            # A place the extractor found that the words did not name as Brussels: outside.
            return bool(rules_of.read_residence(places[0], context=True))
        if slot in ("elig_registered_jobseeker", "elig_brussels_resident"):
            return {"affirm": True, "deny": False}.get(intent)
        if slot == "elig_age":
            values = entity_values(entities, "age")
            return rules_of.read_age(values[0], context=True) if values else None
        if slot == "elig_diploma":
            values = [v for v in entity_values(entities, "diploma") if v in rules_of.DIPLOMAS]
            if values:
                return values[0]
            return "none" if intent == "deny" else None
        code = next(c for c, s in rules_of.LANGUAGE_SLOTS.items() if s == slot)
        if set(rules_of.languages_named(latest.get("text") or "")) - {code}:
            return None  # "anglais moyen" to the French question: the level is not French's
        values = [v for v in entity_values(entities, "cefr_level") if v in rules_of.CEFR_LEVELS]
        return values[0] if values else None

    async def _extract(self, slot: str, hint: str, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        """One slot from the latest message: a fact it states, or the answer to the question asked."""
        needed = await self.required_slots([], dispatcher, tracker, domain)
        facts = stated_facts(tracker, needed)
        if not self._asked(tracker, slot):
            if slot in facts and facts[slot] != tracker.get_slot(slot):
                return {slot: facts[slot]}
            return {}
        text = (tracker.latest_message or {}).get("text") or ""
        others = [s for s in facts if s != slot]
        value = None
        if others and rules_of.is_correction(text):
            pass  # "ah non, j'habite à Vilvorde" while asked about Actiris: the "non" is the correction's
        elif self._is_answer(tracker):
            value = rules_of.read_answer(slot, text)
        elif self._may_read(tracker):
            value = rules_of.read_answer(slot, text, yes_no=False)
        if value is None:
            value = facts.get(slot)  # stated, even in a question: "j'ai 17 ans, c'est bon ?"
        if value is None and self._is_answer(tracker) and not others:
            value = self._from_nlu(slot, tracker)
        if value is None:
            if others:
                return {}  # the message answered other questions: this one is asked again
            return self._not_understood(dispatcher, tracker, slot, hint)
        return {slot: value}

    async def extract_elig_registered_jobseeker(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes or no ("oui", "nee, nog niet", "je suis inscrite", "ik ben werkzoekende")."""
        return await self._extract("elig_registered_jobseeker", "utter_eligibility_yes_no_hint", dispatcher, tracker, domain)

    async def extract_elig_brussels_resident(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes, no, or a place ("j'habite à Schaerbeek", "ik woon in Gent", "Berchem (Anvers)")."""
        return await self._extract("elig_brussels_resident", "utter_eligibility_yes_no_hint", dispatcher, tracker, domain)

    async def extract_elig_age(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A number of years ("j'ai 24 ans", "31", "vierentwintig")."""
        return await self._extract("elig_age", "utter_eligibility_age_hint", dispatcher, tracker, domain)

    async def extract_elig_level_fr(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of French ("B1", "je parle bien français", "un peu")."""
        return await self._extract("elig_level_fr", "utter_eligibility_level_hint", dispatcher, tracker, domain)

    async def extract_elig_level_nl(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of Dutch."""
        return await self._extract("elig_level_nl", "utter_eligibility_level_hint", dispatcher, tracker, domain)

    async def extract_elig_level_en(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of English."""
        return await self._extract("elig_level_en", "utter_eligibility_level_hint", dispatcher, tracker, domain)

    async def extract_elig_diploma(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """The highest diploma ("CESS", "bachelier", "geen"), or the button's `diploma` entity."""
        return await self._extract("elig_diploma", "utter_eligibility_diploma_hint", dispatcher, tracker, domain)


def rule_text(domain: DomainDict, kind: str, values: Dict[str, Any], met: Optional[bool], language: str) -> str:
    """One line of the verdict: the rule, in plain words, and whether it is met."""
    state = {True: "utter_rule_met", False: "utter_rule_not_met", None: "utter_rule_unknown"}[met]
    return render(domain, state, language, rule=rule_phrase(domain, kind, values, language))


def eligible_alternatives(catalogue, course_id: str, person: Dict[str, Any]) -> List[Dict]:
    """Open courses (other than this one) whose every rule the person meets."""
    found = []
    for course in catalogue.search_courses(limit=ALTERNATIVES_SCANNED):
        if course["id"] == course_id or course.get("status") in ("full", "closed"):
            continue
        if rules_of.meets_all(course.get("eligibility"), person):
            found.append(course)
        if len(found) >= MAX_ALTERNATIVES:
            break
    return found


def send_verdict(dispatcher: CollectingDispatcher, domain: DomainDict, catalogue, course: Dict[str, Any],
                 person: Dict[str, Any], language: str) -> None:
    """Each rule of the course met or not by `person`'s answers, and courses to join instead.

    The verdict is never final: a counsellor confirms it at the info session.
    """
    title = course_title(course, language)
    results = rules_of.rule_results(course.get("eligibility"), person)
    eligible = all(met is True for _, _, met in results)
    intro = "utter_eligibility_met" if eligible else "utter_eligibility_not_met"
    lines = [render(domain, intro, language, title=title)]
    lines += [rule_text(domain, kind, values, met, language) for kind, values, met in results]
    notes, notes_language = localized(course.get("eligibility") or {}, "notes", language)
    if notes:
        lines.append(with_note(domain, notes, notes_language, language))
    lines.append(render(domain, "utter_eligibility_not_final", language))
    buttons = course_buttons(domain, course, language)[:1] if eligible else []
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
    if not eligible:
        alternatives = eligible_alternatives(catalogue, course["id"], person)
        if alternatives:
            dispatcher.utter_message(response="utter_eligibility_alternatives",
                                     buttons=[course_button(c, language) for c in alternatives])


def checked(tracker: Tracker, course_id: str) -> List[str]:
    """The courses checked in this session, `course_id` last."""
    courses = [c for c in (tracker.get_slot(CHECKED_SLOT) or []) if c != course_id]
    return courses + [course_id]


class ActionEligibilityVerdict(CatalogueAction):
    """Lists each rule met or not, and proposes courses the person can join when not eligible."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_eligibility_verdict"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
        catalogue: Catalogue, language: str,
    ) -> List[EventType]:
        """Sends the verdict for the course under discussion, from this session's answers."""
        course = catalogue.get_course(tracker.get_slot("course_id") or "")
        if course is None:
            dispatcher.utter_message(response="utter_eligibility_which_course")
            return []
        send_verdict(dispatcher, domain, catalogue, course, answers(tracker), language)
        return [SlotSet(CHECKED_SLOT, checked(tracker, course["id"]))]


class ActionEligibilityCorrection(CatalogueAction):
    """A statement outside any question: corrects an answer and gives the verdict again.

    After a verdict, "en fait j'ai 17 ans", "sorry, ik ben 17" or "ah non, j'habite à Vilvorde"
    come as `inform`, `deny` or `affirm`. When the course under discussion was checked in this
    session and the message changes an answer its rules ask, the answer is replaced and the
    verdict given again. Right after the offer to check a course's other conditions, a yes
    ("oui", "ja graag") starts the questions and facts ("j'habite à Jette") get their rules. A
    question that states facts and the NLU took for a statement ("j'ai 16 ans, je peux faire
    Java ?") gets the rules those facts concern, as after `ask_eligibility`, and a question about
    one rule ("et sans diplôme ?") that rule of the course. Anything else gets "how can I help?".
    """

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_eligibility_correction"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
        catalogue: Catalogue, language: str,
    ) -> List[EventType]:
        """Answers the offer, applies a correction, or answers the facts of a question; else asks how to help."""
        if for_a_person(dispatcher, tracker, language, catalogue):
            return []
        for step in (self._after_offer, self._correction, self._question_with_facts, self._rule_question,
                     self._course_named):
            events = step(dispatcher, tracker, domain, catalogue, language)
            if events is not None:
                return events
        if not tracker.get_slot("course_id") and _facts((tracker.latest_message or {}).get("text") or ""):
            # Facts with no course in mind ("j'ai 50 ans, je suis inscrit chez Actiris. vous avez
            # quelque chose pour moi ?"): the courses that fit, as after a question.
            return ActionEligibilityStart().answer(dispatcher, tracker, domain, catalogue, language)
        dispatcher.utter_message(response="utter_how_can_i_help")
        return []

    @staticmethod
    def _course_named(dispatcher, tracker: Tracker, domain: DomainDict, catalogue: Catalogue,
                      language: str) -> Optional[List[EventType]]:
        """A statement that names a course ("impression 3d", "j'ai 17 ans je veux faire l'école de
        code"): that course (its overview, the detail asked, or the rules the facts concern)."""
        from bot.text import named_course

        text = (tracker.latest_message or {}).get("text") or ""
        if not text or text.startswith("/") or named_course(text, catalogue) is None:
            return None
        return ActionCourseDetail().run(dispatcher, tracker, domain)

    @staticmethod
    def _after_offer(dispatcher, tracker: Tracker, domain: DomainDict, catalogue: Catalogue,
                     language: str) -> Optional[List[EventType]]:
        """A yes to the offer to check the other conditions, or more facts; None otherwise."""
        offered = offered_course(tracker)
        course = catalogue.get_course(offered) if offered else None
        if course is None or course.get("withdrawn"):
            return None
        text = (tracker.latest_message or {}).get("text") or ""
        facts = dict(_facts(text))
        said = rules_of.read_yes_no(text)
        if said is True or (said is None and latest_intent(tracker) == "affirm"):
            return [SlotSet("course_id", course["id"])] + begin_questions(
                dispatcher, tracker, domain, course, language, facts)
        if facts:
            return [SlotSet("course_id", course["id"])] + answer_stated_facts(
                dispatcher, tracker, domain, course, facts, text, language)
        return None

    @staticmethod
    def _correction(dispatcher, tracker: Tracker, domain: DomainDict, catalogue: Catalogue,
                    language: str) -> Optional[List[EventType]]:
        """A changed answer for the course checked: the verdict again; None when nothing changed."""
        course_id = tracker.get_slot("course_id")
        if not course_id or course_id not in (tracker.get_slot(CHECKED_SLOT) or []):
            return None
        course = catalogue.get_course(course_id)
        needed = rules_of.needed_slots((course or {}).get("eligibility"))
        person = answers(tracker)
        changed = {slot: value for slot, value in stated_facts(tracker, needed).items()
                   if person.get(slot) != value}
        if course is None or not changed:
            return None
        dispatcher.utter_message(response="utter_eligibility_corrected",
                                 answers=describe_answers(domain, changed, language))
        send_verdict(dispatcher, domain, catalogue, course, {**person, **changed}, language)
        return [SlotSet(slot, value) for slot, value in changed.items()]

    @staticmethod
    def _rule_question(dispatcher, tracker: Tracker, domain: DomainDict, catalogue: Catalogue,
                       language: str) -> Optional[List[EventType]]:
        """ "Et sans diplôme ?" / "en zonder diploma?" about a course: that rule of the course, then
        the offer to check the others; None without a rule question or a course."""
        kind = rule_asked((tracker.latest_message or {}).get("text") or "")
        if not kind:
            return None
        course, _ = resolve_course(tracker, catalogue)
        if course is None or course.get("withdrawn"):
            return None
        status_notice(dispatcher, course, language)
        return [SlotSet("course_id", course["id"])] + answer_rule_question(
            dispatcher, tracker, domain, course, kind, language)

    @staticmethod
    def _question_with_facts(dispatcher, tracker: Tracker, domain: DomainDict, catalogue: Catalogue,
                             language: str) -> Optional[List[EventType]]:
        """Facts in a question about a course ("ik ben 16, mag ik X volgen?"), or told right after
        an answer about one ("jsuis pas inscrit chez Actiris moi"): their rules; None for a
        statement out of the blue ("en fait j'ai 17 ans") or without a course."""
        text = (tracker.latest_message or {}).get("text") or ""
        facts = dict(_facts(text))
        course_id = tracker.get_slot("course_id")
        told = course_id and (course_id not in (tracker.get_slot("elig_checked_courses") or [])
                              or any(tracker.get_slot(slot) != value for slot, value in facts.items()))
        if not facts or not (text.rstrip().endswith("?") or told):
            return None
        course, _ = resolve_course(tracker, catalogue)
        if course is None or course.get("withdrawn") or not rules_of.needed_slots(course.get("eligibility")):
            return None
        status_notice(dispatcher, course, language)
        return [SlotSet("course_id", course["id"])] + answer_stated_facts(
            dispatcher, tracker, domain, course, facts, text, language)
