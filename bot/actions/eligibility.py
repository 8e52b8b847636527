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
    label,
    resolve_course,
    with_note,
)
from bot.actions.texts import render

FORM = "eligibility_form"
ANSWER_SLOTS = (
    "elig_registered_jobseeker", "elig_brussels_resident", "elig_age",
    "elig_level_fr", "elig_level_nl", "elig_level_en", "elig_diploma",
)
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
        """Resolves the course; without one, gives the general rules (FAQ) and asks which."""
        language = user_language(tracker)
        catalogue = open_catalogue()
        if catalogue is None:
            dispatcher.utter_message(response="utter_catalogue_unavailable")
            return []
        course, candidates = resolve_course(tracker, catalogue)
        if course is None:
            general, _ = localized(catalogue.faq("registration_process"), "answer", language)
            if general:
                dispatcher.utter_message(response="utter_eligibility_general", answer=general)
            if candidates:
                ask_which_course(dispatcher, domain, language, candidates)
            else:
                dispatcher.utter_message(response="utter_eligibility_which_course")
            return []
        title = course_title(course, language)
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=title)
            return [SlotSet("course_id", None)]
        events: List[EventType] = [SlotSet("course_id", course["id"])]
        needed = rules_of.needed_slots(course.get("eligibility"))
        if not needed:
            dispatcher.utter_message(response="utter_eligibility_no_rules", title=title)
            dispatcher.utter_message(response="utter_eligibility_not_final")
            return events
        if all(tracker.get_slot(slot) is not None for slot in needed):
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
    def _yes_no(tracker: Tracker) -> Optional[bool]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        return {"affirm": True, "deny": False}.get(intent)

    def extract_elig_registered_jobseeker(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes or no."""
        if not self._asked(tracker, "elig_registered_jobseeker"):
            return {}
        return {"elig_registered_jobseeker": self._yes_no(tracker)}

    def extract_elig_brussels_resident(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """Yes, no, or a municipality ("j'habite à Schaerbeek", "ik woon in Gent")."""
        if not self._asked(tracker, "elig_brussels_resident"):
            return {}
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        if rules_of.lives_in_brussels(text):
            return {"elig_brussels_resident": True}
        yes_no = self._yes_no(tracker)
        if yes_no is None and entity_values(latest.get("entities") or [], "municipality"):
            return {"elig_brussels_resident": False}  # a municipality outside the Region
        return {"elig_brussels_resident": yes_no}

    def extract_elig_age(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A number of years."""
        if not self._asked(tracker, "elig_age"):
            return {}
        latest = tracker.latest_message or {}
        values = entity_values(latest.get("entities") or [], "age")
        age = rules_of.parse_age(values[0] if values else latest.get("text") or "")
        if age is None:
            dispatcher.utter_message(response="utter_eligibility_age_hint")
        return {"elig_age": age}

    def _extract_level(self, slot: str, tracker: Tracker, dispatcher) -> Dict[Text, Any]:
        if not self._asked(tracker, slot):
            return {}
        latest = tracker.latest_message or {}
        values = entity_values(latest.get("entities") or [], "cefr_level")
        level = rules_of.parse_cefr(values[0] if values else latest.get("text") or "")
        if level is None:
            dispatcher.utter_message(response="utter_eligibility_level_hint")
        return {slot: level}

    def extract_elig_level_fr(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of French."""
        return self._extract_level("elig_level_fr", tracker, dispatcher)

    def extract_elig_level_nl(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of Dutch."""
        return self._extract_level("elig_level_nl", tracker, dispatcher)

    def extract_elig_level_en(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """A CEFR level of English."""
        return self._extract_level("elig_level_en", tracker, dispatcher)

    def extract_elig_diploma(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        """The highest diploma, as the `diploma` entity or a button."""
        if not self._asked(tracker, "elig_diploma"):
            return {}
        values = entity_values((tracker.latest_message or {}).get("entities") or [], "diploma")
        diploma = values[0] if values and values[0] in rules_of.DIPLOMAS else None
        if diploma is None and self._yes_no(tracker) is False:
            diploma = "none"  # "non" / "nee" to "which diploma do you have?"
        if diploma is None:
            dispatcher.utter_message(response="utter_eligibility_diploma_hint")
        return {"elig_diploma": diploma}


def rule_text(domain: DomainDict, kind: str, values: Dict[str, Any], met: Optional[bool], language: str) -> str:
    """One line of the verdict: the rule, in plain words, and whether it is met."""
    values = dict(values)
    if "language" in values:
        values["language"] = label(domain, "utter_language_", values["language"], language)
    if "diploma" in values:
        values["diploma"] = render(domain, f"utter_diploma_{values['diploma']}", language)
    rule = render(domain, f"utter_rule_{kind}", language, **values)
    state = {True: "utter_rule_met", False: "utter_rule_not_met", None: "utter_rule_unknown"}[met]
    return render(domain, state, language, rule=rule)


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
