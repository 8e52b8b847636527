"""Course search, course details and info sessions, answered from the synced catalogue."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import course_search
from bot.actions import eligibility_rules as rules_of
from bot.actions.catalogue import (
    localized,
    open_catalogue,
    search_courses,
    staleness_note,
    user_language,
)
from bot.actions.formatting import format_day, format_session_time
from bot.actions.handoff import utter_with_contact
from bot.actions.texts import render

PAGE_SIZE = 5
# Details that have a general answer in the FAQ when no course is under discussion.
GENERAL_DETAIL_TOPICS = {"cost": "cost", "certificate": "certificates"}
SESSIONS_SHOWN = 3
FILTER_ENTITIES = ("level", "course_format", "teaching_language")


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
        facts.append(render(domain, "utter_fact_weeks", language, weeks=_number(course["duration_weeks"])))
    if course.get("start_date"):
        facts.append(render(domain, "utter_fact_starts", language, date=format_day(course["start_date"], language)))
    if course.get("status") == "full":
        facts.append(render(domain, "utter_fact_full", language))
    elif course.get("status") == "closed":
        facts.append(render(domain, "utter_fact_closed", language))
    return ", ".join(f for f in facts if f)


def _number(value: Any) -> str:
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


def search_request(tracker: Tracker) -> Dict[str, Any]:
    """What to search for, from the latest message's entities and words."""
    latest = tracker.latest_message or {}
    text = latest.get("text") or ""
    entities = latest.get("entities") or []
    words = []
    for name in ("course", "topic"):
        for typed in course_search.entity_texts(entities, name, text):
            words.extend(course_search.keywords(typed) or [typed])
    if not words and not text.startswith("/"):
        words = course_search.keywords(text)
    filters = {}
    for name in FILTER_ENTITIES:
        values = course_search.entity_values(entities, name)
        if values:
            filters[name] = values[0]
    longest = course_search.max_duration_weeks(text)
    if longest is not None:
        filters["max_duration_weeks"] = longest
    period_text = " ".join(course_search.entity_texts(entities, "period", text)) or text
    period = course_search.period_range(period_text, today())
    if period:
        filters["starts_after"], filters["starts_before"] = period[0].isoformat(), period[1].isoformat()
    return {"words": words, "filters": filters}


def run_search(catalogue, request: Dict[str, Any], offset: int) -> Tuple[List[Dict], int, bool]:
    """Searches, loosening the request when nothing matches.

    Returns:
        (courses of this page, total, whether the request had to be loosened)
    """
    known = course_search.catalogue_words(catalogue)
    words = course_search.correct_spelling(request["words"], known)
    filters = dict(request["filters"])
    text = " ".join(words) or None
    courses, total = search_courses(catalogue, text, filters, PAGE_SIZE, offset)
    if total or (not text and not filters):
        return courses, total, False
    # Nothing: drop the filters one by one, then search each word that names a course or topic.
    for name in list(filters):
        filters.pop(name)
        courses, total = search_courses(catalogue, text, filters, PAGE_SIZE, offset)
        if total:
            return courses, total, True
    for word in words:
        if len(words) > 1 and len(word) >= 4 and word in known:
            courses, total = search_courses(catalogue, word, {}, PAGE_SIZE, offset)
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
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons)


class ActionSearchCourses(Action):
    """Finds courses by free text, topic, level, format, teaching language and start period."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_search_courses"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Shows the first page of results, or asks what field when nothing was said."""
        language = user_language(tracker)
        catalogue = open_catalogue()
        if catalogue is None:
            dispatcher.utter_message(response="utter_catalogue_unavailable")
            return []
        request = search_request(tracker)
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
        events = [SlotSet("last_search", json.dumps({**request, "offset": 0}))]
        if total == 1:
            events.append(SlotSet("course_id", courses[0]["id"]))
        return events


class ActionShowMoreCourses(Action):
    """The next page of the last search."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_show_more_courses"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Shows the next five courses, or says there are no more."""
        language = user_language(tracker)
        catalogue = open_catalogue()
        last = tracker.get_slot("last_search")
        if catalogue is None or not last:
            dispatcher.utter_message(response="utter_how_can_i_help")
            return []
        request = json.loads(last)
        offset = int(request.get("offset", 0)) + PAGE_SIZE
        courses, total, loosened = run_search(catalogue, request, offset)
        if not courses:
            dispatcher.utter_message(response="utter_no_more_courses")
            return []
        send_course_list(dispatcher, domain, language, courses, total, offset, loosened)
        return [SlotSet("last_search", json.dumps({**request, "offset": offset}))]


def resolve_course(tracker: Tracker, catalogue) -> Tuple[Optional[Dict], List[Dict]]:
    """The course the user means: a button's id, a course named in the message, or the one
    under discussion.

    Returns:
        (the course, or None; candidates to choose from when it is not clear which: the courses
        the message's words match, or those of the last search)
    """
    latest = tracker.latest_message or {}
    entities = latest.get("entities") or []
    for course_id in course_search.entity_values(entities, "course_id"):
        course = catalogue.get_course(course_id)
        if course:
            return course, []
    named = []
    text = latest.get("text") or ""
    for name in ("course", "topic"):
        for typed in course_search.entity_texts(entities, name, text):
            named.extend(course_search.keywords(typed) or [typed])
    current = tracker.get_slot("course_id")
    if named:
        known = course_search.catalogue_words(catalogue)
        words = course_search.correct_spelling(named, known)
        courses, total = search_courses(catalogue, " ".join(words), {}, PAGE_SIZE, 0)
        if total == 1:
            return courses[0], []
        if total > 1:
            for course in courses:
                if course["id"] == current:
                    return course, []
            # "Java" also starts "JavaScript": a course naming the very words wins.
            exact = [c for c in courses if set(words) <= course_search.vocabulary([c])]
            if len(exact) == 1:
                return exact[0], []
            return None, courses
    if current:
        return catalogue.get_course(current), []
    # No entity, no course under discussion: words of the message that name a course or topic.
    if not text.startswith("/"):
        known = course_search.catalogue_words(catalogue)
        words = [w for w in course_search.correct_spelling(course_search.keywords(text), known) if w in known]
        if words:
            courses, total = search_courses(catalogue, " ".join(words), {}, PAGE_SIZE, 0)
            if total == 1:
                return courses[0], []
            if total > 1:
                return None, courses
    last = tracker.get_slot("last_search")
    if last:
        request = json.loads(last)
        courses, _, _ = run_search(catalogue, request, int(request.get("offset", 0)))
        return None, courses
    return None, []


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


DETAIL_KEYWORDS = {
    # folded words that name a detail, when the NLU found no course_detail entity
    "duration": ("duree", "dure", "longtemps", "combien de temps", "hoe lang", "duur", "duurt", "weken", "semaines", "mois", "maanden"),
    "hours_per_week": ("heures par semaine", "uur per week", "uren per week", "lesuren", "combien d'heures"),
    "schedule": ("horaire", "horaires", "uurrooster", "lesrooster", "temps plein", "voltijds", "deeltijds", "mi-temps"),
    "start_date": ("commence", "debut", "demarre", "begint", "start", "aanvang", "quand"),
    "cost": ("cout", "coute", "prix", "payer", "payant", "gratuit", "kost", "kosten", "prijs", "betalen", "gratis"),
    "certificate": ("certificat", "attestation", "diplome", "certificaat", "attest", "getuigschrift"),
    "location": ("ou", "lieu", "adresse", "endroit", "waar", "plaats", "locatie", "adres"),
    "internship": ("stage", "stagiair", "stageplaats"),
    "teaching_languages": ("quelle langue", "en quelle langue", "welke taal", "in welke taal"),
    "prerequisites": ("prerequis", "niveau requis", "conditions", "voorkennis", "vereisten", "voorwaarden"),
    "provider": ("qui organise", "organisateur", "operateur", "organisator", "wie organiseert", "aanbieder"),
    "url": ("lien", "site", "link", "website", "url"),
}


def requested_detail(tracker: Tracker) -> Optional[str]:
    """Which detail the user asked about: the course_detail entity, else keywords."""
    latest = tracker.latest_message or {}
    values = course_search.entity_values(latest.get("entities") or [], "course_detail")
    # Only a canonical value counts: a partial span ("hoe" of "hoe lang") is no detail.
    values = [v for v in values if v in DETAIL_KEYWORDS]
    if values:
        return values[0]
    text = " " + course_search.fold(latest.get("text") or "") + " "
    for detail, words in DETAIL_KEYWORDS.items():
        for word in words:
            if f" {word} " in text or f" {word}?" in text or f"'{word} " in text:
                return detail
    return None


def detail_answer(domain: DomainDict, course: Dict, detail: str, language: str) -> Optional[str]:
    """The answer to one detail of a course, or None when the catalogue lacks it."""
    title = course_title(course, language)
    weeks, hours = course.get("duration_weeks"), course.get("hours_per_week")
    internship = course.get("internship_weeks")
    if detail == "duration" and weeks:
        if internship:
            return render(domain, "utter_detail_duration_with_internship", language, title=title,
                          weeks=_number(weeks), internship=_number(internship))
        return render(domain, "utter_detail_duration", language, title=title, weeks=_number(weeks))
    if detail == "hours_per_week" and hours:
        return render(domain, "utter_detail_hours_per_week", language, title=title, hours=_number(hours))
    if detail == "schedule" and hours and weeks:
        return render(domain, "utter_detail_schedule", language, title=title, hours=_number(hours),
                      weeks=_number(weeks), format=label(domain, "utter_format_", course.get("format"), language) or "")
    if detail == "start_date" and course.get("start_date"):
        return render(domain, "utter_detail_start_date", language, title=title,
                      date=format_day(course["start_date"], language))
    if detail == "cost" and course.get("cost_eur") is not None:
        if float(course["cost_eur"]) == 0:
            return render(domain, "utter_detail_cost_free", language, title=title)
        return render(domain, "utter_detail_cost", language, title=title, amount=_number(course["cost_eur"]))
    if detail == "certificate":
        text, text_language = localized(course, "certificate", language)
        if text:
            return render(domain, "utter_detail_certificate", language, title=title,
                          certificate=with_note(domain, text, text_language, language))
    if detail == "location":
        location = course.get("location") or {}
        place = ", ".join(p for p in (location.get("name"), location.get("address")) if p)
        if place:
            return render(domain, "utter_detail_location", language, title=title, place=place)
        if course.get("format") == "online":
            return render(domain, "utter_detail_online", language, title=title)
    if detail == "internship" and internship is not None:
        if internship:
            return render(domain, "utter_detail_internship", language, title=title, weeks=_number(internship))
        return render(domain, "utter_detail_no_internship", language, title=title)
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
    if detail == "provider" and course.get("provider"):
        return render(domain, "utter_detail_provider", language, title=title, provider=course["provider"])
    if detail == "url" and course.get("url"):
        return render(domain, "utter_detail_url", language, title=title, url=course["url"])
    return None


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


def course_overview(domain: DomainDict, course: Dict, language: str) -> str:
    """Title, summary and key facts of a course."""
    summary, summary_language = localized(course, "summary", language)
    return render(domain, "utter_course_overview", language, title=course_title(course, language),
                  summary=with_note(domain, summary, summary_language, language) if summary else "",
                  facts=course_facts(domain, course, language)).replace("\n\n", "\n")


def course_buttons(domain: DomainDict, course: Dict, language: str) -> List[Dict[str, str]]:
    """Next steps for a course: its info sessions and whether one can take part."""
    payload = json.dumps({"course_id": course["id"]})
    return [
        {"title": render(domain, "utter_course_buttons_sessions", language), "payload": f"/ask_info_session{payload}"},
        {"title": render(domain, "utter_course_buttons_eligibility", language), "payload": f"/ask_eligibility{payload}"},
    ]


class ActionCourseDetail(Action):
    """Answers a question about a course: the detail asked, or an overview."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_course_detail"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Sends the detail from the catalogue record, in the user's language."""
        language = user_language(tracker)
        catalogue = open_catalogue()
        if catalogue is None:
            dispatcher.utter_message(response="utter_catalogue_unavailable")
            return []
        course, candidates = resolve_course(tracker, catalogue)
        detail = requested_detail(tracker)
        if course is None:
            general, _ = localized(catalogue.faq(GENERAL_DETAIL_TOPICS.get(detail, "")), "answer", language)
            if general and not candidates:
                # "C'est payant ?" with no course in mind: the general answer staff maintain.
                dispatcher.utter_message(response="utter_faq_answer", answer=general)
            elif candidates:
                ask_which_course(dispatcher, domain, language, candidates, detail=detail)
            else:
                dispatcher.utter_message(response="utter_which_course")
            return []
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=course_title(course, language))
            return [SlotSet("course_id", None)]
        if detail is None:
            dispatcher.utter_message(text=course_overview(domain, course, language),
                                     buttons=course_buttons(domain, course, language))
        else:
            answer = detail_answer(domain, course, detail, language)
            if answer is None:
                utter_with_contact(dispatcher, language, "utter_detail_unknown", title=course_title(course, language))
            else:
                dispatcher.utter_message(text=answer)
        staleness_note(dispatcher, catalogue, language)
        return [SlotSet("course_id", course["id"])]


def session_line(domain: DomainDict, session: Dict, language: str) -> str:
    """One info session: when, where, in which language, seats left."""
    if session.get("format") == "online":
        place = render(domain, "utter_session_online", language)
    else:
        place = session.get("location") or ""
    seats_left = session.get("seats_left")
    if seats_left is not None and seats_left <= 0:
        seats = render(domain, "utter_session_full", language)
    else:
        seats = render(domain, "utter_session_seats", language, seats=seats_left if seats_left is not None else session.get("capacity"))
    return render(domain, "utter_session_line", language,
                  when=format_session_time(session["starts_at"], language), place=place,
                  session_language=label(domain, "utter_language_", session.get("language"), language) or "",
                  seats=seats).replace(" ()", "")


class ActionInfoSessions(Action):
    """The next info sessions of a course, or alternatives when none is scheduled."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_info_sessions"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Lists upcoming, not cancelled sessions in Brussels time."""
        language = user_language(tracker)
        catalogue = open_catalogue()
        if catalogue is None:
            dispatcher.utter_message(response="utter_catalogue_unavailable")
            return []
        course, candidates = resolve_course(tracker, catalogue)
        if course is None:
            if candidates:
                ask_which_course(dispatcher, domain, language, candidates, intent="ask_info_session")
            else:
                dispatcher.utter_message(response="utter_which_course")
            return []
        title = course_title(course, language)
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=title)
            return [SlotSet("course_id", None)]
        sessions = catalogue.next_info_sessions(course["id"], limit=SESSIONS_SHOWN)
        if sessions:
            lines = [render(domain, "utter_sessions_intro", language, title=title)]
            lines += [session_line(domain, s, language) for s in sessions]
            dispatcher.utter_message(text="\n".join(lines))
        else:
            dispatcher.utter_message(response="utter_no_sessions", title=title)
            alternatives = similar_courses_with_sessions(catalogue, course)
            if alternatives:
                dispatcher.utter_message(response="utter_no_sessions_alternatives",
                                         buttons=[course_button(c, language) for c in alternatives])
            utter_with_contact(dispatcher, language, "utter_no_sessions_contact")
        staleness_note(dispatcher, catalogue, language)
        return [SlotSet("course_id", course["id"])]


def similar_courses_with_sessions(catalogue, course: Dict, limit: int = 3) -> List[Dict]:
    """Other active courses sharing a topic with this one that have sessions coming up."""
    found = []
    for topic in course.get("topics") or []:
        courses, _ = search_courses(catalogue, topic, {}, 10, 0)
        for other in courses:
            if other["id"] == course["id"] or any(o["id"] == other["id"] for o in found):
                continue
            if catalogue.next_info_sessions(other["id"], limit=1):
                found.append(other)
            if len(found) >= limit:
                return found
    return found
