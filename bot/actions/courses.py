"""What the course actions share: a course's title, facts and buttons, and which course the user means."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from bot import text as words_of
from bot.actions import course_search
from bot.actions.catalogue import localized, search_courses
from bot.actions.formatting import format_day
from bot.actions.texts import render
from bot.language import language_named

PAGE_SIZE = 5


def today() -> date:
    """Today in UTC (a function, so tests can move time)."""
    return datetime.now(timezone.utc).date()


def course_title(course: Dict[str, Any], language: str) -> str:
    """The course's title in the user's language, else in the other one."""
    title, _ = localized(course, "title", language)
    return title or course.get("id", "")


def label(domain: DomainDict, prefix: str, value: Optional[str], language: str) -> Optional[str]:
    """The words for a catalogue code in the user's language.

    Args:
        prefix: the responses' common start, e.g. "utter_format_" for utter_format_online.
    """
    if not value:
        return None
    try:
        return render(domain, f"{prefix}{value}", language)
    except KeyError:
        return value


def course_facts(domain: DomainDict, course: Dict[str, Any], language: str) -> str:
    """One line of key facts: format, level, duration, start date, and full or closed."""
    facts = [
        label(domain, "utter_format_", course.get("format"), language),
        label(domain, "utter_level_", course.get("level"), language),
    ]
    if course.get("duration_weeks"):
        facts.append(weeks_text(domain, course["duration_weeks"], language))
    if course.get("start_date"):
        facts.append(render(domain, "utter_fact_starts", language, date=format_day(course["start_date"], language)))
    if course.get("status") == "full":
        facts.append(render(domain, "utter_fact_full", language))
    elif course.get("status") == "closed":
        facts.append(render(domain, "utter_fact_closed", language))
    return ", ".join(f for f in facts if f)


def weeks_text(domain: DomainDict, weeks: Any, language: str) -> str:
    """ "1 semaine", "12 semaines"; "1 week", "12 weken"."""
    if float(weeks) == 1:
        return render(domain, "utter_fact_one_week", language)
    return render(domain, "utter_fact_weeks", language, weeks=number_text(weeks))


def number_text(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number).replace(".", ",")


def course_button(
    course: Dict[str, Any], language: str, intent: str = "ask_course_detail", detail: Optional[str] = None
) -> Dict[str, str]:
    """A button naming a course: by default it opens the course's overview.

    Args:
        intent: what the button asks about the course (its details, info sessions, eligibility).
        detail: the detail asked (a `course_detail` value), for a question about one detail.
    """
    entities = {"course_id": course["id"]}
    if detail:
        entities["course_detail"] = detail
    return {"title": course_title(course, language), "payload": f"/{intent}{json.dumps(entities)}"}


def course_buttons(domain: DomainDict, course: Dict, language: str) -> List[Dict[str, str]]:
    """Next steps for a course: its info sessions and whether one can take part."""
    payload = json.dumps({"course_id": course["id"]})
    return [
        {"title": render(domain, "utter_course_buttons_sessions", language), "payload": f"/ask_info_session{payload}"},
        {"title": render(domain, "utter_course_buttons_eligibility", language), "payload": f"/ask_eligibility{payload}"},
    ]


def last_answer_metadata(tracker: Tracker) -> List[Dict[str, Any]]:
    """The metadata of the bot's messages that answered the user's previous message, in order
    (what the actions passed besides the text: `course_id`, `detail`, the response's name)."""
    answer: List[Dict[str, Any]] = []
    users = 0
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            users += 1  # the first is the message being answered now
            if users > 1:
                break
        elif event.get("event") == "bot" and users:
            answer.insert(0, event.get("metadata") or {})
    return answer


def last_detail_answered(tracker: Tracker) -> Optional[str]:
    """The course detail the bot's last answer answered (a message's `detail` metadata), if any."""
    return next((m["detail"] for m in reversed(last_answer_metadata(tracker)) if m.get("detail")), None)


def level_question(tracker: Tracker) -> bool:
    """Whether the message asks the level of a language a course requires, rather than to switch
    to that language: "faut-il parler néerlandais ?" about the course under discussion, or "en
    Frans?" / "et en anglais ?" right after the levels it asks."""
    text = (tracker.latest_message or {}).get("text") or ""
    if words_of.asks_language_level(text) and tracker.get_slot("course_id"):
        return True
    if (last_detail_answered(tracker) == "teaching_languages" and {"niveau", "level"} & set(words_of.fold(text).split())
            and not set(words_of.fold(text).split()) & words_of.COURSE_LEVEL_WORDS):
        return True  # "et faut quel niveau ?" after the languages it is given in: the level in them
    return (len(text.split()) <= 4 and language_named(text) is not None
            and last_detail_answered(tracker) == "language_level")


# Words that make a language named a question about the course's ("on peut la faire en
# néerlandais ?", "kan ik die opleiding in het Frans volgen?"), not a request to switch.
_ABOUT_THE_COURSE = re.compile(
    r"\b(?:la|le|l) (?:faire|suivre)\b|\b(?:cette|la|ce) (?:formation|cours)\b|\bformation\b"
    r"|\b(?:volgen|doen)\b|\b(?:die|deze|de) (?:opleiding|cursus)\b|\b(?:gegeven|donnee|donne|enseigne)\b")


def course_language_question(tracker: Tracker) -> bool:
    """Whether a message naming a language asks whether the course under discussion is given in it."""
    text = words_of.fold((tracker.latest_message or {}).get("text") or "").replace("'", " ")
    if not tracker.get_slot("course_id") or words_of.asks_language_level(text):
        return False
    # The clause that names the language says what it is about ("kan het in het Nederlands? hoe
    # lang duurt de opleiding?" asks to switch, then about the course).
    return any(language_named(clause) in ("fr", "nl", "en") and _ABOUT_THE_COURSE.search(clause)
               for clause in re.split(r"[?.!,;:]", text))


def resolve_course(tracker: Tracker, catalogue) -> Tuple[Optional[Dict], List[Dict]]:
    """The course the user means: a button's id, a course the message names, or the one under
    discussion.

    Returns:
        (the course, or None; candidates to choose from when it is not clear which: the courses
        the message's words match, or those the last list showed)
    """
    latest = tracker.latest_message or {}
    entities = latest.get("entities") or []
    for course_id in course_search.entity_values(entities, "course_id"):
        course = catalogue.get_course(course_id)
        if course:
            return course, []
    text = latest.get("text") or ""
    course = words_of.named_course(text, catalogue)
    if course:
        # A course the message names wins over the one under discussion and over a FAQ word.
        return course, []
    place = words_of.ordinal_picked(text)
    listed = last_listed(tracker, catalogue) if place else []
    if listed and -len(listed) <= (place - 1 if place > 0 else place) < len(listed):
        return listed[place - 1 if place > 0 else place], []  # "la deuxième" of the list just shown
    fragment = words_of.fragment_picked(text, last_listed(tracker, catalogue)) if not place else None
    if fragment:
        return fragment, []  # "die nederlandstalige" of the list just shown
    known = words_of.catalogue_words(catalogue)
    current = tracker.get_slot("course_id")
    # "Liever in het Nederlands: waar is dat?" names a language to speak, not the course given in it.
    switching = (latest.get("intent") or {}).get("name") == "change_language"
    spoken = words_of.LANGUAGE_WORDS if switching else frozenset()
    named = []
    for name in ("course", "topic"):
        for typed in course_search.entity_texts(entities, name, text):
            named.extend(w for w in words_of.keywords(typed) or [typed] if words_of.fold(w) not in spoken)
    if words_of.names_a_course(named):
        # "Y a un stage ?" about the course under discussion names no other course whose title has "stage".
        course, candidates = courses_named(catalogue, words_of.correct_spelling(named, known), current)
        if course or candidates:
            return course, candidates
    if current:
        return catalogue.get_course(current), []
    # No entity, no course under discussion: words of the message that name a course or topic.
    words = [w for w in words_of.course_words(text, known) if w not in spoken]
    if words_of.names_a_course(words):
        course, candidates = courses_named(catalogue, words, None)
        if course or candidates:
            return course, candidates
    return None, last_listed(tracker, catalogue)


def courses_named(catalogue, words: List[str], current: Optional[str]) -> Tuple[Optional[Dict], List[Dict]]:
    """The course some words name, or the candidates when they name several.

    Among several, the course under discussion wins, then the only one whose titles and topics
    have every word ("Java" also starts "JavaScript").
    """
    courses, total = search_with_synonyms(catalogue, words, {}, PAGE_SIZE, 0)
    if total == 1:
        return courses[0], []
    if total > 1:
        for course in courses:
            if course["id"] == current:
                return course, []
        exact = [c for c in courses if set(words) <= words_of.vocabulary([c])]
        if len(exact) == 1:
            return exact[0], []
        return None, courses
    return None, []


def search_with_synonyms(catalogue, words: List[str], filters: Dict[str, Any], limit: int, offset: int):
    """Courses matching the words as written; when none does, matching their synonyms (bot/synonyms).

    The words first: "technicien pc" is a title, which its synonyms (helpdesk...) would drown.

    Returns:
        (courses of the page, total)
    """
    courses, total = search_courses(catalogue, list(words) or None, filters, limit, offset)
    terms = words_of.search_terms(list(words))
    if total or terms == list(words):
        return courses, total
    return search_courses(catalogue, terms, filters, limit, offset)


# The responses that tell a course is full or closed; each carries the course's id (a bot event's
# metadata), so that the next answers about it in the session don't offer the same alternatives.
UNAVAILABLE_NOTICES = frozenset({"utter_course_full_first", "utter_course_closed_first",
                                 "utter_eligibility_course_full", "utter_eligibility_course_closed"})


def told_unavailable(tracker: Optional[Tracker], course_id: str) -> bool:
    """Whether the bot already said, in this session, that this course is full or closed."""
    for event in reversed((tracker.events if tracker else None) or []):
        if event.get("event") == "session_started":
            return False
        metadata = event.get("metadata") or {}
        if (event.get("event") == "bot" and metadata.get("utter_action") in UNAVAILABLE_NOTICES
                and metadata.get("course_id") == course_id):
            return True
    return False


def say_if_full_or_closed(dispatcher, course: Dict[str, Any], language: str, tracker: Optional[Tracker] = None) -> bool:
    """Says first that a course the catalogue marks full or closed can't be joined now, in every
    answer about it.

    Returns:
        Whether the caller should offer what is still possible: given the tracker (answers about
        a detail), only the first time in the session, so that the follow-ups ("y a un stage ?",
        "c'est où ?") don't repeat the same alternatives.
    """
    status = course.get("status")
    if status not in ("full", "closed"):
        return False
    told = told_unavailable(tracker, course["id"])
    dispatcher.utter_message(response=f"utter_course_{status}_first", title=course_title(course, language),
                             course_id=course["id"])
    return not told


def similar_courses(catalogue, course: Dict[str, Any], limit: int = 3, with_sessions: bool = False) -> List[Dict]:
    """Other courses sharing a topic with this one that one can still join (not full, not closed).

    Args:
        with_sessions: only those with an info session to come.
    """
    found: List[Dict] = []
    for topic in course.get("topics") or []:
        courses, _ = search_courses(catalogue, topic, {}, 10, 0)
        for other in courses:
            if other["id"] == course["id"] or other.get("status") in ("full", "closed"):
                continue
            if any(o["id"] == other["id"] for o in found):
                continue
            if with_sessions and not catalogue.next_info_sessions(other["id"], limit=1):
                continue
            found.append(other)
            if len(found) >= limit:
                return found
    return found


def offer_similar_courses(dispatcher, catalogue, course: Dict[str, Any], language: str,
                          response: str = "utter_course_alternatives", with_sessions: bool = False) -> None:
    """Offers, with a button each, the open courses close to this one (`similar_courses`), if any."""
    alternatives = similar_courses(catalogue, course, with_sessions=with_sessions)
    if alternatives:
        dispatcher.utter_message(response=response, buttons=[course_button(c, language) for c in alternatives])


def last_listed(tracker: Tracker, catalogue) -> List[Dict]:
    """The courses the last list showed (the `last_search` slot), still in the catalogue."""
    try:
        shown = json.loads(tracker.get_slot("last_search") or "{}").get("shown") or []
    except (ValueError, AttributeError):
        return []
    courses = [catalogue.get_course(str(course_id)) for course_id in shown[:PAGE_SIZE]]
    return [c for c in courses if c and not c.get("withdrawn")]


def just_listed(tracker: Tracker, catalogue) -> List[Dict]:
    """The courses of a list the bot's previous answer showed (its `listed` metadata), if it did."""
    for metadata in last_answer_metadata(tracker):
        if metadata.get("listed"):
            courses = [catalogue.get_course(str(course_id)) for course_id in metadata["listed"][:PAGE_SIZE]]
            return [c for c in courses if c and not c.get("withdrawn")]
    return []


MAX_FITTING_SCANNED = 300


def courses_fitting(catalogue, facts: Dict[str, Any], limit: int = PAGE_SIZE) -> List[Dict]:
    """Open courses whose rules the facts a person gave don't rule out, those whose rules they
    meet first, and first of all those made for them ("j'ai 50 ans" -> a course for the 45+)."""
    from bot.actions import eligibility_rules as rules_of

    scored = []
    for index, course in enumerate(catalogue.search_courses(None, limit=MAX_FITTING_SCANNED)):
        if course.get("status") in ("full", "closed"):
            continue
        results = rules_of.rule_results(course.get("eligibility"), facts)
        if any(met is False for _, _, met in results):
            continue
        # An age bound that only some meet says the course is made for them.
        made_for = sum(1 for kind, values, met in results
                       if met and (kind == "max_age" or (kind == "min_age" and values["age"] > 18)))
        scored.append((-made_for, -sum(1 for _, _, met in results if met), index, course))
    return [course for *_, course in sorted(scored, key=lambda row: row[:3])][:limit]


def ask_which_course(
    dispatcher, domain, language, candidates: List[Dict], intent: str = "ask_course_detail",
    detail: Optional[str] = None,
) -> None:
    """Asks which course is meant, with a button per candidate that carries the question on.

    Args:
        intent: the question asked, so that a click answers it for the course chosen.
        detail: the detail asked, if the question was about one.
    """
    dispatcher.utter_message(response="utter_which_course",
                             buttons=[course_button(c, language, intent, detail) for c in candidates])


def rule_phrase(domain: DomainDict, kind: str, values: Dict[str, Any], language: str) -> str:
    """One eligibility rule in plain words: "avoir au moins 18 ans", "minstens niveau B2 hebben in het Frans"."""
    values = dict(values)
    if "language" in values:
        values["language"] = label(domain, "utter_language_", values["language"], language)
    if "diploma" in values:
        values["diploma"] = render(domain, f"utter_diploma_{values['diploma']}", language)
    return render(domain, f"utter_rule_{kind}", language, **values)


def with_note(domain: DomainDict, text: str, text_language: Optional[str], language: str) -> str:
    """A catalogue text, followed by a short note when it is not in the user's language."""
    if text_language and text_language != language:
        return f"{text} {render(domain, 'utter_in_other_language_note', language)}"
    return text
