"""Access to the synced catalogue for the actions, and texts picked in the user's language.

Every action that reads the catalogue is a `CatalogueAction`: when the catalogue is missing,
locked, corrupt or being replaced, it still answers, with an apology and the way to a person.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Mapping, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.config import catalogue_busy_timeout, catalogue_db_path, hub_contact
from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, other_language
from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.read import Catalogue

logger = logging.getLogger(__name__)


def open_catalogue() -> Catalogue:
    """The catalogue's read API on the file at `CATALOGUE_DB`.

    Opened per call: each answer reads the catalogue as it is at the time of asking.

    Raises:
        CatalogueUnavailable: no catalogue has been synced there yet.
    """
    path = catalogue_db_path()
    if not path.exists():
        raise CatalogueUnavailable(f"no catalogue at {path}: run `catalogue-sync sync` first")
    return Catalogue(path, timeout=catalogue_busy_timeout())


def contact_details(language: str, catalogue: Optional[Catalogue] = None) -> Dict[str, str]:
    """The hub's name, phone, email and opening hours: from the catalogue when it can be read and
    has them, else from the configuration (`HUB_CONTACT_*`), so the way to a person never fails."""
    organisation = None
    try:
        organisation = (catalogue or open_catalogue()).organisation()
    except CatalogueUnavailable as error:
        logger.warning("Hub contact details from the configuration: %s", error)
    if not organisation or not (organisation.get("phone") or organisation.get("email")):
        configured = hub_contact()
        return {"organisation": configured["name"], "phone": configured["phone"],
                "email": configured["email"], "opening_hours": ""}
    hours, _ = localized(organisation, "opening_hours", language)
    return {
        "organisation": organisation.get("name") or hub_contact()["name"],
        "phone": organisation.get("phone") or "-",
        "email": organisation.get("email") or "-",
        "opening_hours": hours or "",
    }


def utter_with_contact(
    dispatcher: CollectingDispatcher, language: str, response: str, catalogue: Optional[Catalogue] = None, **values
) -> None:
    """Sends a response that gives the hub's contact details ({organisation}, {phone}, {email}, {opening_hours})."""
    dispatcher.utter_message(response=response, **contact_details(language, catalogue), **values)


def for_a_person(dispatcher: CollectingDispatcher, tracker: Tracker, language: str,
                 catalogue: Optional[Catalogue] = None) -> bool:
    """Gives the way to a person when the message is about a personal situation the hub's team
    answers (bot.for_a_person: residence permit, pregnancy, criminal record...); says whether it did.

    "Je suis enceinte, je peux faire <course> ?" gets no conditions, FAQ or course answer.
    """
    from bot.for_a_person import TOPIC_FOUND

    if not (tracker.latest_message or {}).get(TOPIC_FOUND):
        return False
    utter_with_contact(dispatcher, language, "utter_out_of_scope", catalogue)
    return True


class CatalogueAction(Action, ABC):
    """An action that answers from the catalogue, and still answers when it cannot be read.

    Subclasses write `answer()`; a catalogue that is missing, locked, corrupt or being replaced
    (CatalogueUnavailable, from anywhere in the answer) gives, instead of a silent failure, an
    apology in the user's language and the hub's contact details.
    """

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Runs `answer()` on the catalogue as it is now."""
        language = user_language(tracker)
        try:
            return self.answer(dispatcher, tracker, domain, open_catalogue(), language)
        except CatalogueUnavailable as error:
            logger.warning("%s answered without the catalogue: %s", self.name(), error)
            dispatcher.messages.clear()  # half an answer would mislead
            utter_with_contact(dispatcher, language, "utter_catalogue_unavailable")
            return self.events_without_catalogue(tracker)

    @abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
        catalogue: Catalogue, language: str,
    ) -> List[EventType]:
        """Answers from `catalogue` in `language`; returns the events, as `Action.run` does."""

    def events_without_catalogue(self, tracker: Tracker) -> List[EventType]:
        """The events to return when the catalogue could not be read (none by default)."""
        return []


def user_language(tracker: Tracker) -> str:
    """The conversation's language ("fr" or "nl")."""
    language = tracker.get_slot("language")
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def localized(record: Optional[Mapping[str, Any]], field: str, language: str) -> Tuple[Optional[str], Optional[str]]:
    """A text of a catalogue record in the user's language, else in the other one.

    Accepts both shapes the catalogue uses: flattened columns (`answer_fr`) and
    per-language objects (`{"fr": ..., "nl": ...}`).

    Returns:
        (text, language of the text), or (None, None) when the record has it in neither.
    """
    if not record:
        return None, None
    for code in (language, other_language(language)):
        value = record.get(f"{field}_{code}")
        if value is None and isinstance(record.get(field), Mapping):
            value = record[field].get(code)
        if value:
            return str(value), code
    return None, None


def search_courses(catalogue, text, filters, limit: int, offset: int):
    """One page of matching courses and how many match in all.

    Args:
        catalogue: the read API.
        text: words to look for (a text, or search terms with synonyms: `bot.text.search_terms`), or None.
        filters: keyword filters of `Catalogue.search_courses` (level, course_format, ...).
        limit: page size.
        offset: courses to skip.

    Returns:
        (courses, total)
    """
    courses = catalogue.search_courses(text, limit=limit, offset=offset, **filters)
    total = catalogue.count_courses(text, **filters) if (courses or offset) else 0
    return courses, total


def staleness_note(dispatcher, catalogue, language: str, now=None) -> None:
    """Adds the catalogue's date when the last successful sync is older than the configured age."""
    from datetime import timedelta

    from bot.actions.formatting import format_session_time
    from bot.config import catalogue_max_age_hours

    age = catalogue.catalogue_age(now)
    if age is None or age <= timedelta(hours=catalogue_max_age_hours()):
        return
    finished = catalogue.last_successful_sync()["finished_at"]
    dispatcher.utter_message(response="utter_catalogue_stale", date=format_session_time(finished, language))
