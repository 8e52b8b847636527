"""Small helpers shared by the sync and the read API: times, JSON columns, text folding, search text."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional, Union

DEFAULT_DB_PATH = Path("var") / "catalogue.db"
LANGUAGES = ("fr", "nl", "en")


def default_db_path() -> Path:
    """Where the catalogue lives: `CATALOGUE_DB`, else `var/catalogue.db` under the current directory."""
    return Path(os.environ.get("CATALOGUE_DB") or DEFAULT_DB_PATH)


def utc_now() -> datetime:
    """The current time, aware, in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?\Z"
)


def parse_datetime(text: str) -> datetime:
    """Reads an ISO 8601 / RFC 3339 date-time that carries a UTC offset (`Z` allowed).

    Raises:
        ValueError: the text is not a date-time, or has no UTC offset.
    """
    match = _DATE_TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a date-time like 2027-01-14T10:00:00+01:00")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_hours, off_minutes = match.groups()
    if not zulu and not sign:
        raise ValueError(f"{text!r} has no UTC offset (add +01:00, +02:00 or Z)")
    if sign and second and fraction is None and text[10] == "T" and text[-3] == ":":
        # The usual shape, 2027-01-14T10:00:00+01:00: the C parser is much faster.
        try:
            return datetime.fromisoformat(text)
        except ValueError as e:
            raise ValueError(f"{text!r} is not a real date and time ({e})") from None
    offset = timedelta(0)
    if sign:
        offset = timedelta(hours=int(off_hours), minutes=int(off_minutes)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone(offset),
        )
    except ValueError as e:
        raise ValueError(f"{text!r} is not a real date and time ({e})") from None


def utc_iso(value: datetime) -> str:
    """An aware datetime as an ISO 8601 UTC string: these sort in time order in SQL."""
    if value.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone: pass an aware datetime")
    return value.astimezone(timezone.utc).isoformat(timespec="seconds")


def iso_date(value: Union[date, datetime, str]) -> str:
    """A date (or the UTC date of a datetime, or an ISO string) as `YYYY-MM-DD`."""
    if isinstance(value, datetime):
        return (value.astimezone(timezone.utc) if value.tzinfo else value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value)[:10]).isoformat()


def json_column(value: Any) -> Optional[str]:
    """The text stored in a JSON column: stable (sorted keys) so an unchanged value compares equal."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def fold(text: Optional[str]) -> Optional[str]:
    """Text without accents, in case-folded form: `Sécurité` and `securite` fold alike."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Tech terms that the search tokenizer (unicode61) would break apart or reduce to a letter: "C#" and
# "C++" to "c" (a word of every French text: "c'est"), ".NET" to "net" (the start of "network"),
# "Node.js" to "node" + "js". Each becomes one word token, the same in the index and in a query.
# (pattern, token): a pattern matches a whole term, in any case.
TECH_TERMS = (
    (r"c ?#", "csharp"),
    (r"c ?\+\+", "cplusplus"),
    (r"f ?#", "fsharp"),
    (r"\.net", "dotnet"),
    (r"dotnet", "dotnet"),
    (r"node[. -]?js", "nodejs"),
    (r"vue[. -]?js", "vuejs"),
)
# A term is not followed by a letter ("c#d", ".network"; a version is fine: "C++17"), nor preceded
# by a letter or digit ("abc#"), except ".NET", which often is: "ASP.NET".
_TECH_TERM = re.compile(
    "|".join(
        f"(?P<t{number}>" + ("" if pattern.startswith("\\.") else r"(?<!\w)") + pattern + r"(?![^\W\d]))"
        for number, (pattern, _) in enumerate(TECH_TERMS)
    ),
    re.IGNORECASE,
)
# What each term holds: a text with none of these (most) skips the pattern, which costs ~50 µs
# on a summary, 7 times per course in a sync.
_TECH_TERM_MARKS = ("#", "+", "net", "js")


def search_text(text: Optional[str]) -> Optional[str]:
    """The text with tech terms rewritten as the single words the course search indexes.

    `C#` becomes `csharp`, `C++` `cplusplus`, `F#` `fsharp`, `.NET` and `dotnet` `dotnet`,
    `Node.js` / `nodejs` / `node js` `nodejs`, `Vue.js` `vuejs` (the table is TECH_TERMS). Terms
    are matched whole and in any case; a term glued to a word before it (`ASP.NET`) is split off
    (`ASP dotnet`). Everything else is left as it is (case, accents, punctuation, spacing), and
    words such as `3D` need nothing: the tokenizer keeps them whole already.

    The search index is filled with this function and every query goes through it, so a word
    found in one is found in the other; keyword extraction for a search must use it too.
    Idempotent: search_text(search_text(t)) == search_text(t).

    Args:
        text: Any text; None gives None.

    Returns:
        The rewritten text, or None.
    """
    if not text:
        return text
    text = str(text)
    lowered = text.lower()
    if not any(mark in lowered for mark in _TECH_TERM_MARKS):
        return text

    def token(match: re.Match) -> str:
        word = TECH_TERMS[int(match.lastgroup[1:])][1]
        glued = match.start() > 0 and text[match.start() - 1].isalnum()
        return f" {word}" if glued else word

    return _TECH_TERM.sub(token, text)
