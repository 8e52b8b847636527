"""The filters of a course search, read from a message: NLU entities, start periods, longest duration.

Pure helpers, no Rasa. The words that name a course are bot.text's (shared with the NLU).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from babel.dates import get_month_names

from bot.language import fold

SOON_DAYS = 60

SEASONS = {
    # month numbers a season covers, keyed by folded words in French, Dutch and English
    "printemps": (3, 4, 5), "lente": (3, 4, 5), "voorjaar": (3, 4, 5), "spring": (3, 4, 5),
    "ete": (6, 7, 8), "zomer": (6, 7, 8), "summer": (6, 7, 8),
    "automne": (9, 10, 11), "herfst": (9, 10, 11), "najaar": (9, 10, 11), "autumn": (9, 10, 11),
    "hiver": (12, 1, 2), "winter": (12, 1, 2),
}
SOON_WORDS = {"bientot", "binnenkort", "soon", "prochainement", "vite", "snel", "asap", "rapidement"}


@lru_cache(maxsize=None)
def _month_numbers() -> Dict[str, int]:
    months = {}
    for locale in ("fr_BE", "nl_BE", "en"):
        for number, name in get_month_names("wide", locale=locale).items():
            months[fold(name)] = number
        for number, name in get_month_names("abbreviated", locale=locale).items():
            months[fold(name).rstrip(".")] = number
    return months


def _next_start(month: int, today: date) -> date:
    year = today.year if month >= today.month else today.year + 1
    return date(year, month, 1)


def _end_of_month(start: date) -> date:
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_range(text: str, today: date) -> Optional[Tuple[date, date]]:
    """The dates a start period means: "en janvier", "in maart", "au printemps", "binnenkort".

    Returns:
        (first day, last day), the next such period from today, or None if none is named.
    """
    words = re.findall(r"[^\W\d_]+", fold(text))
    months = _month_numbers()
    named = [months[w] for w in words if w in months and len(w) >= 3]
    if named:
        start = _next_start(named[0], today)
        return start, _end_of_month(start)
    for word in words:
        if word in SEASONS:
            season = SEASONS[word]
            start = _next_start(season[0], today)
            last = _next_start(season[-1], start) if season[-1] < season[0] else date(start.year, season[-1], 1)
            return start, _end_of_month(last)
        if word in SOON_WORDS:
            return today, today + timedelta(days=SOON_DAYS)
    return None


def entity_values(entities: List[Dict[str, Any]], name: str) -> List[str]:
    """The values of one entity type in an NLU parse, in order, without repeats."""
    values = []
    for entity in entities or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            value = str(entity["value"])
            if value not in values:
                values.append(value)
    return values


def entity_texts(entities: List[Dict[str, Any]], name: str, message: str) -> List[str]:
    """What the user typed for an entity (before synonyms): better search words than the value.

    A span that stops inside a word is widened to the whole word: "C" of "C#", "node" of
    "Node.js" would search for something else.
    """
    texts = []
    for entity in entities or []:
        if entity.get("entity") != name:
            continue
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(message):
            typed = message[_word_start(message, start):_word_end(message, end)]
        else:
            typed = entity.get("value")
        if typed and typed not in texts:
            texts.append(str(typed))
    return texts


def _inside_word(message: str, index: int) -> bool:
    """Whether the character at `index` belongs to a word: a letter, a digit, or # + . within one."""
    char = message[index]
    if char.isalnum() or char in "#+":
        return True
    return char == "." and 0 < index < len(message) - 1 and message[index + 1].isalnum()


def _word_start(message: str, start: int) -> int:
    while start > 0 and _inside_word(message, start - 1) and message[start - 1] != ".":
        start -= 1
    return start


def _word_end(message: str, end: int) -> int:
    while end < len(message) and _inside_word(message, end):
        end += 1
    return end


WEEKS_PER_UNIT = {
    "semaine": 1, "semaines": 1, "sem": 1, "week": 1, "weken": 1, "weeks": 1,
    "mois": 4.35, "maand": 4.35, "maanden": 4.35, "month": 4.35, "months": 4.35,
}
SHORT_WORDS = {"courte", "courtes", "court", "courts", "kort", "korte", "short", "rapide", "snelle"}
SHORT_COURSE_WEEKS = 12


def max_duration_weeks(text: str) -> Optional[float]:
    """The longest duration a message accepts: "moins de 3 mois", "max 10 weken", "une formation courte".

    Returns:
        A number of weeks, or None when the message sets no limit.
    """
    folded = fold(text)
    match = re.search(
        r"(?:moins de|max(?:imum)?|pas plus de|au plus|minder dan|hoogstens|hooguit|niet langer dan|"
        r"at most|less than|under)\s+(\d+)\s*([a-z]+)", folded)
    if match and match.group(2) in WEEKS_PER_UNIT:
        return round(int(match.group(1)) * WEEKS_PER_UNIT[match.group(2)], 1)
    if any(word in SHORT_WORDS for word in re.findall(r"[a-z]+", folded)):
        return SHORT_COURSE_WEEKS
    return None
