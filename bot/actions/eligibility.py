"""Eligibility for a course: asks only what the course's rules need, then explains the verdict."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import eligibility_rules as rules_of
from bot.actions.catalogue import localized, open_catalogue, user_language
from bot.actions.course_search import entity_values
from bot.actions.courses import (
    ask_which_course,
    course_button,
    course_buttons,
    course_title,
    resolve_course,
    rule_phrase,
    with_note,
)
from bot.actions.texts import render

FORM = "eligibility_form"
LISTEN = "action_listen"
ANSWER_SLOTS = (
    "elig_registered_jobseeker", "elig_brussels_resident", "elig_age",
    "elig_level_fr", "elig_level_nl", "elig_level_en", "elig_diploma",
)
# Intents of a message that answers the form's question; any other intent is a question or a
# request of its own, which the rules answer before the form asks again.
ANSWER_INTENTS = {"inform", "affirm", "deny", "nlu_fallback"}
MAX_ALTERNATIVES = 3
ALTERNATIVES_SCANNED = 500


def course_rules(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The eligibility rules of the course under discussion, read now from the catalogue."""
    catalogue = open_catalogue()
    course_id = tracker.get_slot("course_id")
    course = catalogue.get_course(course_id) if (catalogue and course_id) else None
    return (course or {}).get("eligibility") or {}


def answers(tracker: Tracker) -> Dict[str, Any]:
    """What the person already told the form."""
    return {slot: tracker.get_slot(slot) for slot in ANSWER_SLOTS}


class ActionEligibilityStart(Action):
    """Picks the course, then starts the form, or answers at once when nothing needs asking."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_eligibility_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Resolves the course; without one, gives the general rules (FAQ) and asks which.

        The rules predict the form after this action; when there is nothing to ask, the action
        says so and waits for the user instead (`action_listen`), or gives the verdict at once.
        """
        language = user_language(tracker)
        catalogue = open_catalogue()
        if catalogue is None:
            dispatcher.utter_message(response="utter_catalogue_unavailable")
            return [FollowupAction(LISTEN)]
        course, candidates = resolve_course(tracker, catalogue)
        if course is None:
            general, _ = localized(catalogue.faq("registration_process"), "answer", language)
            if general:
                dispatcher.utter_message(response="utter_eligibility_general", answer=general)
            if candidates:
                ask_which_course(dispatcher, domain, language, candidates, intent="ask_eligibility")
            else:
                dispatcher.utter_message(response="utter_eligibility_which_course")
            return [FollowupAction(LISTEN)]
        title = course_title(course, language)
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=title)
            return [SlotSet("course_id", None), FollowupAction(LISTEN)]
        events: List[EventType] = [SlotSet("course_id", course["id"])]
        needed = rules_of.needed_slots(course.get("eligibility"))
        if not needed:
            dispatcher.utter_message(response="utter_eligibility_no_rules", title=title)
            dispatcher.utter_message(response="utter_eligibility_not_final")
            return events + [FollowupAction(LISTEN)]
        if all(tracker.get_slot(slot) is not None for slot in needed):
            # Answered already (for another course): the verdict needs no question.
            return events + [FollowupAction("action_eligibility_verdict")]
        dispatcher.utter_message(response="utter_eligibility_intro", title=title)
        return events + [FollowupAction(FORM)]


class ValidateEligibilityForm(FormValidationAction):
    """Asks only the questions the course's rules need and understands answers in FR and NL."""

    def name(self) -> Text:
        """The form validation action's name (Rasa calls it while the form runs)."""
        return "validate_eligibility_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        """The slots this course's rules need."""
        return rules_of.needed_slots(course_rules(tracker))

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
        """Whether to look for an answer in the message's words.

        An answer the NLU classified as something else ("je parle bien français" may look like a
        question about language support) is still read; a question ("c'est quoi B1 ?") is not.
        """
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        return self._is_answer(tracker) or not text.endswith("?")

    def _not_understood(self, dispatcher, tracker: Tracker, slot: str, hint: str) -> Dict[Text, Any]:
        """An answer that could not be read gets a hint and the question again. Any other message
        fills nothing, so the form steps aside for the rules that answer it ("c'est quoi Actiris ?"),
        then asks its question again."""
        if not self._is_answer(tracker):
            return {}
        dispatcher.utter_message(response=hint)
        return {slot: None}

    def _yes_no(self, tracker: Tracker) -> Optional[bool]:
        answer = {"affirm": True, "deny": False}.get(self._intent(tracker))
        if answer is None and self._is_answer(tracker):
            answer = rules_of.parse_yes_no((tracker.latest_message or {}).get("text") or "")
        return answer

    def extract_elig_registered_jobseeker(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes or no ("oui", "nee, nog niet", "je suis inscrite")."""
        slot = "elig_registered_jobseeker"
        if not self._asked(tracker, slot):
            return {}
        answer = self._yes_no(tracker)
        if answer is None:
            return self._not_understood(dispatcher, tracker, slot, "utter_eligibility_yes_no_hint")
        return {slot: answer}

    def extract_elig_brussels_resident(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes, no, or a municipality ("j'habite à Schaerbeek", "ik woon in Gent")."""
        slot = "elig_brussels_resident"
        if not self._asked(tracker, slot):
            return {}
        latest = tracker.latest_message or {}
        if self._may_read(tracker) and rules_of.lives_in_brussels(latest.get("text") or ""):
            return {slot: True}
        answer = self._yes_no(tracker)
        if answer is None and self._is_answer(tracker) and (
            entity_values(latest.get("entities") or [], "municipality")
            or rules_of.place_of_residence(latest.get("text") or "")
        ):
            answer = False  # a place outside the Region
        if answer is None:
            return self._not_understood(dispatcher, tracker, slot, "utter_eligibility_yes_no_hint")
        return {slot: answer}

    def extract_elig_age(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A number of years ("j'ai 24 ans", "31")."""
        slot = "elig_age"
        if not self._asked(tracker, slot):
            return {}
        latest = tracker.latest_message or {}
        age = None
        if self._may_read(tracker):
            values = entity_values(latest.get("entities") or [], "age")
            age = rules_of.parse_age(values[0] if values else latest.get("text") or "")
        if age is None:
            return self._not_understood(dispatcher, tracker, slot, "utter_eligibility_age_hint")
        return {slot: age}

    async def _extract_level(self, slot: str, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        if not self._asked(tracker, slot):
            return {}
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        level = None
        if self._may_read(tracker):
            values = entity_values(latest.get("entities") or [], "cefr_level")
            level = values[0] if values and values[0] in rules_of.CEFR_LEVELS else rules_of.parse_cefr(text)
        if level is None:
            return self._not_understood(dispatcher, tracker, slot, "utter_eligibility_level_hint")
        named = [rules_of.LANGUAGE_SLOTS[code] for code in rules_of.languages_named(text)]
        if named and slot not in named:
            # "anglais moyen" while asked about French: the level is English's, if the course asks it.
            needed = await self.required_slots([], dispatcher, tracker, domain)
            other = [s for s in named if s in needed]
            if len(other) == 1:
                return {other[0]: level}
            return self._not_understood(dispatcher, tracker, slot, "utter_eligibility_level_hint")
        return {slot: level}

    async def extract_elig_level_fr(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of French ("B1", "je parle bien français", "un peu")."""
        return await self._extract_level("elig_level_fr", dispatcher, tracker, domain)

    async def extract_elig_level_nl(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of Dutch."""
        return await self._extract_level("elig_level_nl", dispatcher, tracker, domain)

    async def extract_elig_level_en(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of English."""
        return await self._extract_level("elig_level_en", dispatcher, tracker, domain)

    def extract_elig_diploma(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """The highest diploma, as the `diploma` entity or a button ("CESS", "bachelier", "geen")."""
        slot = "elig_diploma"
        if not self._asked(tracker, slot):
            return {}
        values = entity_values((tracker.latest_message or {}).get("entities") or [], "diploma")
        diploma = values[0] if values and values[0] in rules_of.DIPLOMAS and self._may_read(tracker) else None
        if diploma is None and self._yes_no(tracker) is False:
            diploma = "none"  # "non" / "nee" to "which diploma do you have?"
        if diploma is None:
            return self._not_understood(dispatcher, tracker, slot, "utter_eligibility_diploma_hint")
        return {slot: diploma}


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


class ActionEligibilityVerdict(Action):
    """Lists each rule met or not, and proposes courses the person can join when not eligible."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_eligibility_verdict"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Sends the verdict; it is never final: a counsellor confirms at the info session."""
        language = user_language(tracker)
        catalogue = open_catalogue()
        course = catalogue.get_course(tracker.get_slot("course_id") or "") if catalogue else None
        if course is None:
            dispatcher.utter_message(response="utter_eligibility_which_course")
            return []
        title = course_title(course, language)
        person = answers(tracker)
        results = rules_of.rule_results(course.get("eligibility"), person)
        eligible = all(met is True for _, _, met in results)
        intro = "utter_eligibility_met" if eligible else "utter_eligibility_not_met"
        lines = [render(domain, intro, language, title=title)]
        lines += [rule_text(domain, kind, values, met, language) for kind, values, met in results]
        notes, notes_language = localized(course.get("eligibility") or {}, "notes", language)
        if notes:
            lines.append(with_note(domain, notes, notes_language, language))
        lines.append(render(domain, "utter_eligibility_not_final", language))
        buttons = []
        if eligible:
            buttons = course_buttons(domain, course, language)[:1]
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        if not eligible:
            alternatives = eligible_alternatives(catalogue, course["id"], person)
            if alternatives:
                dispatcher.utter_message(response="utter_eligibility_alternatives",
                                         buttons=[course_button(c, language) for c in alternatives])
        return []
