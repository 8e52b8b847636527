"""Understands what course a user is looking for, against the live catalogue.

Pure helpers, no Rasa: the search filters from NLU entities, the keywords of a free-text
message, spelling correction against the catalogue's own vocabulary, and start periods from
month names. Because the vocabulary comes from the catalogue at the time of asking, a course
added by a sync is found without retraining.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from babel.dates import get_month_names

from bot.language import fold

SPELLING_CUTOFF = 0.8
# Shorter words are left alone: "temps" is one letter away from "teams".
SPELLING_MIN_LETTERS = 6
SOON_DAYS = 60

# Words that say "a course" or "I'm looking for" rather than what about.
GENERIC_WORDS = {
    "formation", "formations", "cours", "cursus", "training", "trainings", "opleiding", "opleidingen",
    "cursussen", "programme", "programma", "chercher", "cherche", "cherches", "recherche", "trouver",
    "zoek", "zoeken", "vinden", "veux", "voudrais", "wil", "graag", "aimerais", "interesse",
    "interesseert", "interesse", "quelque", "chose", "iets", "met", "une", "un", "des", "een", "course",
    "courses", "looking", "find", "want", "bonjour", "hallo", "svp", "aub", "stp", "possible",
    "dispo", "disponible", "beschikbaar", "propose", "proposez", "aanbod", "gratuit", "gratis",
    "faire", "doen", "leren", "apprendre", "suivre", "volgen", "jcherche", "jveux", "domaine",
    "secteur", "metier", "beroep", "travailler", "werken", "job", "emploi", "werk", "dans", "le",
    "la", "les", "de", "du", "het", "voor", "pour", "en", "in", "je", "ik", "j", "m", "moi", "mij",
    "bruxelles", "brussel", "brussels", "belgique", "belgie", "region", "gewest", "demain", "morgen",
    "aujourd", "hui", "vandaag", "devenir", "worden", "moins", "minder", "semaines", "weken",
    "mois", "maanden", "courte", "courtes", "korte", "kort", "max", "maximum", "hooguit",
}

SEASONS = {
    # month numbers a season covers, keyed by folded words in French, Dutch and English
    "printemps": (3, 4, 5), "lente": (3, 4, 5), "voorjaar": (3, 4, 5), "spring": (3, 4, 5),
    "ete": (6, 7, 8), "zomer": (6, 7, 8), "summer": (6, 7, 8),
    "automne": (9, 10, 11), "herfst": (9, 10, 11), "najaar": (9, 10, 11), "autumn": (9, 10, 11),
    "hiver": (12, 1, 2), "winter": (12, 1, 2),
}
SOON_WORDS = {"bientot", "binnenkort", "soon", "prochainement", "vite", "snel", "asap", "rapidement"}


@lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from spacy.lang.fr.stop_words import STOP_WORDS as FRENCH
    from spacy.lang.nl.stop_words import STOP_WORDS as DUTCH

    return frozenset(fold(w) for w in FRENCH | DUTCH)


def keywords(text: str) -> List[str]:
    """The words of a message that can say what course is meant (no stop or generic words)."""
    words = re.findall(r"[^\W_]+(?:[.\-][^\W_]+)*", fold(text))
    return [w for w in words
            if w not in _stop_words() and w not in GENERIC_WORDS and len(w) > 1 and not w.isdigit()]


def vocabulary(courses: Iterable[Dict[str, Any]]) -> set:
    """Every word of the active courses' titles and topics, folded."""
    words = set()
    for course in courses:
        texts = [course.get(f"title_{code}") or "" for code in ("fr", "nl", "en")]
        title = course.get("title")
        if isinstance(title, dict):
            texts += list(title.values())
        texts += list(course.get("topics") or [])
        for text in texts:
            words.update(re.findall(r"[^\W_]+", fold(str(text))))
    return words


_VOCABULARY_CACHE: Dict[str, Tuple[tuple, frozenset]] = {}


def _file_state(path) -> tuple:
    """What changes when the catalogue file is written: the sizes and times of it and its WAL."""
    state = []
    for name in (str(path), f"{path}-wal"):
        try:
            stat = os.stat(name)
        except OSError:
            state.append(None)
        else:
            state.append((stat.st_mtime_ns, stat.st_size))
    return tuple(state)


def catalogue_words(catalogue) -> frozenset:
    """`vocabulary()` of the catalogue's active courses, read again only when the file changed.

    Every message needs it (spelling, naming a course); reading every course each time would
    cost most of an answer on a large catalogue.
    """
    key = str(catalogue.path)
    state = _file_state(catalogue.path)
    cached = _VOCABULARY_CACHE.get(key)
    if cached is None or cached[0] != state:
        cached = (state, frozenset(vocabulary(catalogue.active_courses())))
        _VOCABULARY_CACHE[key] = cached
    return cached[1]


def correct_spelling(words: List[str], known: set) -> List[str]:
    """Each word, or the closest catalogue word when it is not one ("cybersecuriter" -> ...)."""
    corrected = []
    for word in words:
        if word in known or len(word) < SPELLING_MIN_LETTERS:
            corrected.append(word)
            continue
        match = difflib.get_close_matches(word, known, n=1, cutoff=SPELLING_CUTOFF)
        corrected.append(match[0] if match else word)
    return corrected


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
    """What the user typed for an entity (before synonyms): better search words than the value."""
    texts = []
    for entity in entities or []:
        if entity.get("entity") != name:
            continue
        start, end = entity.get("start"), entity.get("end")
        typed = message[start:end] if isinstance(start, int) and isinstance(end, int) else entity.get("value")
        if typed and typed not in texts:
            texts.append(str(typed))
    return texts


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
