"""Questions about the course named or under discussion that the NLU read as something else.

"Il faut un diplôme ?" is a FAQ on diploma equivalence to the NLU, "c'est pour les débutants ?" a
search for beginners' courses, "c'est en ligne ?" unclear: after an answer about one course, each
asks about that course. The FAQ, search and fallback actions hand such a message to the action
that answers it from the course's record.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Action, Tracker

from bot import text as words_of
from bot.actions import eligibility_rules as rules_of
from bot.actions.course_details import ActionCourseDetail
from bot.actions.eligibility import ActionEligibilityStart

# An unclear message longer than this is more than a detail question about the course in context.
MAX_UNCLEAR_WORDS = 6


def course_in_context(tracker: Tracker, catalogue) -> Optional[Dict[str, Any]]:
    """The course the latest message names, else the one under discussion; None when neither
    (or the course left the catalogue)."""
    text = (tracker.latest_message or {}).get("text") or ""
    course = words_of.named_course(text, catalogue)
    course_id = tracker.get_slot("course_id")
    if course is None and course_id:
        course = catalogue.get_course(course_id)
    return course if course and not course.get("withdrawn") else None


def question_about_the_course(tracker: Tracker, catalogue, unclear: bool = False) -> Optional[Action]:
    """The action that answers the latest message about the course in context, or None.

    A question about one admission rule goes to the eligibility action (that rule, then the
    offer to check the others), one about the course's level to the course details. With
    `unclear` (the NLU was unsure), a short question naming a detail of the course ("c'est en
    ligne ?", "en Engels?") is a detail question too. A search ("y a des formations sans
    diplôme ?") stays a search.
    """
    text = (tracker.latest_message or {}).get("text") or ""
    if not text or text.startswith("/") or words_of.is_search(text) or words_of.is_search_for_many(text):
        return None
    named = words_of.named_course(text, catalogue)
    asked = words_of.without_title(text, named)
    kind = words_of.rule_asked(asked)
    facts = bool(rules_of.stated_facts(text))
    level = words_of.asks_course_level(asked)
    # A detail of the course the message names ("netwerken en wifi, welk niveau Engels?"), or,
    # when the NLU was unsure, a short question on a detail of the course in context.
    detail = words_of.detail_named(asked) is not None and (
        named is not None or (unclear and len(text.split()) <= MAX_UNCLEAR_WORDS))
    if not (kind or facts or level or detail) or course_in_context(tracker, catalogue) is None:
        return None
    return ActionEligibilityStart() if kind or facts else ActionCourseDetail()
