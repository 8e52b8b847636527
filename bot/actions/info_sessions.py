"""The info sessions of a course: the next ones with seats left, or similar courses when none is planned."""

from __future__ import annotations

import json
from typing import Dict, List, Text

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.types import DomainDict

from bot.actions.catalogue import CatalogueAction, for_a_person, staleness_note, utter_with_contact
from bot.actions.course_details import MAX_ANSWERED_TOGETHER
from bot.actions.courses import (
    ask_which_course,
    course_button,
    course_title,
    label,
    offer_similar_courses,
    resolve_course,
    say_if_full_or_closed,
)
from bot.actions.formatting import format_session_time
from bot.actions.registration import coming_sessions
from bot.actions.texts import render

SESSIONS_SHOWN = 3


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


class ActionInfoSessions(CatalogueAction):
    """The next info sessions of a course, or alternatives when none is scheduled."""

    def name(self) -> Text:
        """The action's name in the domain."""
        return "action_info_sessions"

    def answer(self, dispatcher, tracker, domain, catalogue, language) -> List[EventType]:
        """Lists upcoming, not cancelled sessions in Brussels time."""
        if for_a_person(dispatcher, tracker, language, catalogue):
            return []
        course, candidates = resolve_course(tracker, catalogue)
        if course is None:
            if 1 < len(candidates) <= MAX_ANSWERED_TOGETHER:
                # "Et c'est quand la séance d'info ?" after a short list: the next one of each.
                lines = []
                for candidate in candidates:
                    title = course_title(candidate, language)
                    if candidate.get("status") in ("full", "closed"):
                        # "Il reste de la place ?": a full course says so, not its next session.
                        status = render(domain, f"utter_fact_{candidate['status']}", language)
                        lines.append(render(domain, "utter_course_status_of", language, title=title, status=status))
                        continue
                    upcoming = coming_sessions(catalogue, candidate["id"], limit=1)
                    lines.append(render(domain, "utter_next_session_of", language, title=title,
                                        session=session_line(domain, upcoming[0], language).lstrip("- ")) if upcoming
                                 else render(domain, "utter_no_next_session_of", language, title=title))
                dispatcher.utter_message(text="\n".join(lines))
                dispatcher.utter_message(response="utter_which_course_interests",
                                         buttons=[course_button(c, language, "ask_info_session") for c in candidates])
            elif candidates:
                ask_which_course(dispatcher, domain, language, candidates, intent="ask_info_session")
            else:
                dispatcher.utter_message(response="utter_which_course")
            return []
        title = course_title(course, language)
        if course.get("withdrawn"):
            dispatcher.utter_message(response="utter_course_withdrawn", title=title)
            return [SlotSet("course_id", None)]
        unavailable = say_if_full_or_closed(dispatcher, course, language)
        # Seats left count the bookings of the registrations store, the system of record.
        sessions = coming_sessions(catalogue, course["id"], limit=SESSIONS_SHOWN)
        if sessions:
            lines = [render(domain, "utter_sessions_intro", language, title=title)]
            lines += [session_line(domain, s, language) for s in sessions]
            buttons = [] if unavailable else [{"title": render(domain, "utter_sessions_register_button", language),
                                               "payload": "/register_info_session" + json.dumps({"course_id": course["id"]})}]
            dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_no_sessions", title=title)
        if unavailable or not sessions:
            offer_similar_courses(dispatcher, catalogue, course, language,
                                  response="utter_no_sessions_alternatives", with_sessions=True)
        if not sessions:
            utter_with_contact(dispatcher, language, "utter_no_sessions_contact", catalogue)
        staleness_note(dispatcher, catalogue, language)
        return [SlotSet("course_id", course["id"])]
