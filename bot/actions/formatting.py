"""Dates, times and amounts written the local way in French and Dutch (Europe/Brussels time)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

BRUSSELS = ZoneInfo("Europe/Brussels")
LOCALES = {"fr": "fr_BE", "nl": "nl_BE"}
# "mardi 12 janvier 2027 à 10h00" / "dinsdag 12 januari 2027 om 10.00 uur"
DATETIME_PATTERNS = {"fr": "EEEE d MMMM y 'à' HH'h'mm", "nl": "EEEE d MMMM y 'om' HH.mm 'uur'"}
TIME_PATTERNS = {"fr": "HH'h'mm", "nl": "HH.mm 'uur'"}
DATE_PATTERN = "EEEE d MMMM y"


def parse_datetime(value) -> datetime:
    """An aware datetime from an ISO 8601 string (or datetime); naive values are taken as UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def format_session_time(value, language: str) -> str:
    """A session's start in Brussels time: "mardi 12 janvier 2027 à 10h00"."""
    moment = parse_datetime(value).astimezone(BRUSSELS)
    return format_datetime(moment, DATETIME_PATTERNS[language], tzinfo=BRUSSELS, locale=LOCALES[language])


def format_time(value, language: str) -> str:
    """A time of day in Brussels time: "12h00" / "12.00 uur"."""
    moment = parse_datetime(value).astimezone(BRUSSELS)
    return format_datetime(moment, TIME_PATTERNS[language], tzinfo=BRUSSELS, locale=LOCALES[language])


def format_day(value, language: str) -> str:
    """A calendar date: "lundi 1 mars 2027" / "maandag 1 maart 2027"."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return format_date(day, DATE_PATTERN, locale=LOCALES[language])
