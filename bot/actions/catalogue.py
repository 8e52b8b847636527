"""Access to the synced catalogue for the actions, and texts picked in the user's language."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional, Tuple

from rasa_sdk import Tracker

from bot.actions.config import catalogue_db_path
from bot.language import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, other_language

logger = logging.getLogger(__name__)


def open_catalogue():
    """The catalogue's read API, or None when no catalogue has been synced yet.

    Opened per call: each answer reads the catalogue as it is at the time of asking.
    """
    from catalogue_sync.read import Catalogue

    path = catalogue_db_path()
    if not path.exists():
        logger.warning("No catalogue at %s: run `catalogue-sync sync` first", path)
        return None
    return Catalogue(path)


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
        text: words to look for, or None.
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

    from bot.actions.config import catalogue_max_age_hours
    from bot.actions.formatting import format_session_time

    age = catalogue.catalogue_age(now)
    if age is None or age <= timedelta(hours=catalogue_max_age_hours()):
        return
    finished = catalogue.last_successful_sync()["finished_at"]
    dispatcher.utter_message(response="utter_catalogue_stale", date=format_session_time(finished, language))
