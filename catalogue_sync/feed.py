"""Reads a feed document, checks it against the contract (schema.json) and turns it into table rows.

A broken document as a whole raises FeedInvalid. A bad record (a course, an info session, a FAQ
entry, the organisation) is set aside as a Rejection and the rest goes on.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from catalogue_sync.errors import FeedInvalid
from catalogue_sync.utils import LANGUAGES, json_column, parse_datetime, utc_iso

SCHEMA_PATH = Path(__file__).with_name("schema.json")
FEED_VERSION = 1
# Properties of a record that become columns; anything else the backend adds goes to `extra`.
COURSE_TEXTS = ("title", "summary", "certificate")
COURSE_SCALARS = (
    "provider", "level", "format", "duration_weeks", "hours_per_week", "internship_weeks",
    "start_date", "cost_eur", "url", "status",
)
COURSE_JSON = ("topics", "teaching_languages", "location", "eligibility")
SESSION_SCALARS = ("language", "format", "location", "capacity", "status")
SESSION_TIMES = ("starts_at", "ends_at")
FAQ_TEXTS = ("question", "answer")
ORGANISATION_SCALARS = ("name", "phone", "email", "address", "website")
ORGANISATION_TEXTS = ("opening_hours",)
CANCELLED_IN_FEED = "cancelled in feed"
MAX_REASONS = 3

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class Rejection:
    """A record left out of a sync, and why.

    Attributes:
        kind: "course", "info_session", "faq" or "organisation".
        id: The record's id (a FAQ's topic), when it has a readable one.
        where: Its place in the document, e.g. `courses[3].info_sessions[1]`.
        reason: What breaks the contract, e.g. `capacity: -1 is less than the minimum of 0`.
    """

    kind: str
    id: Optional[str]
    where: str
    reason: str

    def __str__(self) -> str:
        name = self.kind.replace("_", " ")
        if self.id:
            return f"{name} {self.id}: {self.reason}"
        return f"{name}: {self.reason}" if self.where == self.kind else f"{name} at {self.where}: {self.reason}"

    def as_dict(self) -> Dict[str, Optional[str]]:
        """The rejection as stored in `sync_runs.rejected_details`."""
        return {"kind": self.kind, "id": self.id, "where": self.where, "reason": self.reason}


@dataclass
class Feed:
    """A checked feed, as rows ready for the tables.

    Attributes:
        generated_at: When the backend produced the document (UTC ISO string).
        courses: One row per accepted course.
        sessions: One row per accepted info session of an accepted course.
        faq: One row per accepted FAQ entry, or None when the document has no `faq`
            (then the stored answers stay as they are).
        organisation: The organisation row, or None when absent or rejected (stored one kept).
        rejected: The records left out.
        kept_course_ids: Ids of rejected courses: still in the feed, so their rows stay as they are.
        kept_session_ids: Ids of rejected sessions (and of all sessions of rejected courses).
        kept_faq_topics: Topics of rejected FAQ entries.
    """

    generated_at: str
    courses: List[Dict[str, Any]] = field(default_factory=list)
    sessions: List[Dict[str, Any]] = field(default_factory=list)
    faq: Optional[List[Dict[str, Any]]] = None
    organisation: Optional[Dict[str, Any]] = None
    rejected: List[Rejection] = field(default_factory=list)
    kept_course_ids: Set[str] = field(default_factory=set)
    kept_session_ids: Set[str] = field(default_factory=set)
    kept_faq_topics: Set[str] = field(default_factory=set)


@lru_cache(maxsize=1)
def load_schema() -> Dict[str, Any]:
    """The feed contract this package validates against (catalogue_sync/schema.json)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def is_date(value: Any) -> bool:
    """The contract's `date` format: a real calendar date written YYYY-MM-DD."""
    if not isinstance(value, str):
        return True
    try:
        return len(value) == 10 and bool(date.fromisoformat(value))
    except ValueError:
        return False


def is_date_time(value: Any) -> bool:
    """The contract's `date-time` format: a date and time with its UTC offset."""
    if not isinstance(value, str):
        return True
    try:
        return bool(parse_datetime(value))
    except ValueError:
        return False


def _format_checker() -> FormatChecker:
    # Only the formats the contract uses; dates must be real so the bot can sort and show them.
    checker = FormatChecker(formats=())
    checker.checks("date")(is_date)
    checker.checks("date-time")(is_date_time)
    return checker


@dataclass
class _RecordValidator:
    """Checks one kind of record against the contract.

    `fast` (jsonschema_rs, about 100 times faster on big feeds) says whether a record is valid;
    `full` (jsonschema) says why not, and has the last word when the two disagree.
    """

    full: Draft202012Validator
    fast: Any

    def problems(self, record: Any) -> Optional[str]:
        """What is wrong with a record, in a few words per problem, or None when it is valid."""
        if not isinstance(record, dict):
            return f"is a JSON {type(record).__name__}, not an object"
        if self.fast.is_valid(record):
            return None
        errors = sorted(
            self.full.iter_errors(record),
            key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
        )
        if not errors:
            return None
        reasons = [_describe(e) for e in errors[:MAX_REASONS]]
        if len(errors) > MAX_REASONS:
            reasons.append(f"{len(errors) - MAX_REASONS} more")
        return "; ".join(reasons)


@lru_cache(maxsize=1)
def _validators() -> Dict[str, Any]:
    """Validators for the document's frame and for each kind of record, so records fail alone."""
    schema = load_schema()
    defs = copy.deepcopy(schema["$defs"])
    # A course is checked without its sessions, each session is checked on its own.
    defs["course"]["properties"]["info_sessions"] = {"type": "array"}
    frame = copy.deepcopy(schema)
    frame["$defs"] = defs
    frame["properties"]["courses"] = {"type": "array"}
    frame["properties"]["faq"] = {"type": "array"}
    frame["properties"]["organisation"] = {}
    checker = _format_checker()

    def of(definition: Dict[str, Any]) -> _RecordValidator:
        record_schema = {"$defs": defs, **definition}
        # Its own RFC 3339 format checks: calling back into Python would cost most of the gain.
        # A date-time it accepts that `parse_datetime` cannot read is rejected by `session_row`.
        fast = jsonschema_rs.Draft202012Validator(record_schema, validate_formats=True)
        return _RecordValidator(Draft202012Validator(record_schema, format_checker=checker), fast)

    return {
        "frame": Draft202012Validator(frame, format_checker=checker),
        "course": of({"$ref": "#/$defs/course"}),
        "info_session": of({"$ref": "#/$defs/info_session"}),
        "faq": of(schema["properties"]["faq"]["items"]),
        "organisation": of(schema["properties"]["organisation"]),
    }


def parse_feed(body: bytes, source: str) -> Dict[str, Any]:
    """Reads the document and checks its frame: JSON, `feed_version`, `generated_at`, lists.

    Raises:
        FeedInvalid: the document cannot be used at all; the message says what and where.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FeedInvalid(source, f"the feed is not UTF-8 text ({e.reason})", f"byte {e.start}") from None
    if not text.strip():
        raise FeedInvalid(source, "the feed is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        # A string left open, or an error at the very end, means the document stops mid-way.
        truncated = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
        message = e.msg[:-3] if e.msg.endswith(" at") else e.msg
        reason = "the feed is not valid JSON" + (" (it looks truncated)" if truncated else "") + f": {message}"
        raise FeedInvalid(source, reason, f"line {e.lineno}, column {e.colno}, character {e.pos}") from None
    if not isinstance(document, dict):
        raise FeedInvalid(source, f"the feed is a JSON {type(document).__name__}, not an object", "$")
    if "feed_version" in document and document["feed_version"] != FEED_VERSION:
        raise FeedInvalid(
            source,
            f"feed_version is {document['feed_version']!r}, this catalogue_sync reads version {FEED_VERSION}",
            "$.feed_version",
        )
    errors = sorted(_validators()["frame"].iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        reason = "; ".join(_describe(e) for e in errors[:MAX_REASONS])
        raise FeedInvalid(source, f"the feed breaks the contract: {reason}", _json_path("$", first.absolute_path))
    return document


def check_feed(document: Dict[str, Any], progress: Optional[ProgressCallback] = None) -> Feed:
    """Checks each record of a parsed document and turns the good ones into rows.

    Duplicate ids: the first record with an id is used, the later ones are rejected.

    Args:
        document: A document returned by `parse_feed`.
        progress: Called as progress("Checking courses", done, total) while it works.
    """
    feed = Feed(generated_at=utc_iso(parse_datetime(document["generated_at"])))
    validators = _validators()
    if "organisation" in document:
        organisation = document["organisation"]
        problems = validators["organisation"].problems(organisation)
        if problems:
            feed.rejected.append(Rejection("organisation", None, "organisation", problems))
        else:
            feed.organisation = organisation_row(organisation)
    if "faq" in document:
        feed.faq = []
        topics: Dict[str, int] = {}
        for index, entry in enumerate(document["faq"]):
            where = f"faq[{index}]"
            topic = entry.get("topic") if isinstance(entry, dict) and isinstance(entry.get("topic"), str) else None
            problems = validators["faq"].problems(entry)
            if not problems and topic in topics:
                problems = f"duplicate topic (first at faq[{topics[topic]}])"
            if problems:
                feed.rejected.append(Rejection("faq", topic, where, problems))
                if topic:
                    feed.kept_faq_topics.add(topic)
                continue
            topics[topic] = index
            feed.faq.append(faq_row(entry))
    course_indexes: Dict[str, int] = {}
    session_places: Dict[str, str] = {}
    courses = document["courses"]
    total = len(courses)
    for index, course in enumerate(courses):
        _check_course(feed, validators, course, index, course_indexes, session_places)
        if progress and (index + 1) % 500 == 0:
            progress("Checking courses", index + 1, total)
    if progress:
        progress("Checking courses", total, total)
    return feed


def _check_course(feed, validators, course, index, course_indexes, session_places) -> None:
    where = f"courses[{index}]"
    course_id = _readable_id(course)
    problems = validators["course"].problems(course)
    if not problems and course_id in course_indexes:
        problems = f"duplicate id (first at courses[{course_indexes[course_id]}])"
    if problems:
        feed.rejected.append(Rejection("course", course_id, where, problems))
        if course_id and course_id not in course_indexes:
            feed.kept_course_ids.add(course_id)
            sessions = course.get("info_sessions") if isinstance(course, dict) else None
            for session in sessions if isinstance(sessions, list) else []:
                session_id = _readable_id(session)
                if session_id:
                    feed.kept_session_ids.add(session_id)
        return
    course_indexes[course_id] = index
    feed.courses.append(course_row(course))
    for session_index, session in enumerate(course["info_sessions"]):
        session_where = f"{where}.info_sessions[{session_index}]"
        session_id = _readable_id(session)
        problems = validators["info_session"].problems(session)
        if not problems and session_id in session_places:
            problems = f"duplicate id (first at {session_places[session_id]})"
        if not problems:
            try:
                row = session_row(session, course_id)
            except ValueError as e:
                problems = str(e)
        if problems:
            feed.rejected.append(Rejection("info_session", session_id, session_where, problems))
            if session_id and session_id not in session_places:
                feed.kept_session_ids.add(session_id)
            continue
        session_places[session_id] = session_where
        feed.sessions.append(row)


def _readable_id(record: Any, key: str = "id") -> Optional[str]:
    if isinstance(record, dict) and isinstance(record.get(key), str) and record[key].strip():
        return record[key]
    return None


def _describe(error: ValidationError) -> str:
    path = _json_path("", error.absolute_path).lstrip(".")
    if error.validator == "anyOf" and {"fr", "nl"} <= set(error.schema.get("properties", {})):
        message = "needs a French (fr) or Dutch (nl) text"
    elif error.validator == "const":
        message = f"must be {error.validator_value!r}, found {error.instance!r}"
    elif error.validator == "format" and error.validator_value == "date-time":
        try:
            parse_datetime(error.instance)
            message = f"{error.instance!r} is not a valid date-time"
        except ValueError as e:
            message = str(e)
    elif error.validator == "format":
        message = f"{error.instance!r} is not a valid {error.validator_value}"
    else:
        message = error.message
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{path}: {message}" if path else message


def _json_path(root: str, parts: Iterable[Any]) -> str:
    path = root
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _texts(row: Dict[str, Any], extra: Dict[str, Any], name: str, value: Any) -> None:
    """Flattens a per-language text into `name_fr`, `name_nl`, `name_en` columns."""
    value = value or {}
    for language in LANGUAGES:
        row[f"{name}_{language}"] = value.get(language)
    others = {k: v for k, v in value.items() if k not in LANGUAGES}
    if others:
        extra[name] = others


def _extra(record: Dict[str, Any], known: Iterable[str]) -> Dict[str, Any]:
    known = set(known)
    return {k: v for k, v in record.items() if k not in known}


def course_row(course: Dict[str, Any]) -> Dict[str, Any]:
    """A valid feed course as a `courses` row (without the sync's own bookkeeping columns)."""
    extra = _extra(course, ("id", "info_sessions", *COURSE_TEXTS, *COURSE_SCALARS, *COURSE_JSON))
    row: Dict[str, Any] = {"id": course["id"]}
    for name in COURSE_TEXTS:
        _texts(row, extra, name, course.get(name))
    for name in COURSE_SCALARS:
        row[name] = course.get(name)
    row["status"] = row["status"] or "open"
    for name in COURSE_JSON:
        row[name] = json_column(course.get(name))
    row["extra"] = json_column(extra or None)
    return row


def session_row(session: Dict[str, Any], course_id: str) -> Dict[str, Any]:
    """A valid feed info session as an `info_sessions` row (without bookkeeping columns).

    Raises:
        ValueError: a time cannot be read (possible only if a validator was more lenient).
    """
    extra = _extra(session, ("id", *SESSION_SCALARS, *SESSION_TIMES))
    row: Dict[str, Any] = {"id": session["id"], "course_id": course_id}
    for name in SESSION_TIMES:
        text = session.get(name)
        try:
            row[name] = utc_iso(parse_datetime(text)) if text else None
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None
        row[f"{name}_local"] = text
    for name in SESSION_SCALARS:
        row[name] = session.get(name)
    row["status"] = row["status"] or "scheduled"
    row["cancel_reason"] = CANCELLED_IN_FEED if row["status"] == "cancelled" else None
    row["extra"] = json_column(extra or None)
    return row


def faq_row(entry: Dict[str, Any]) -> Dict[str, Any]:
    """A valid FAQ entry as a `faq` row."""
    extra = _extra(entry, ("topic", *FAQ_TEXTS))
    row: Dict[str, Any] = {"topic": entry["topic"]}
    for name in FAQ_TEXTS:
        _texts(row, extra, name, entry.get(name))
    row["extra"] = json_column(extra or None)
    return row


def organisation_row(organisation: Dict[str, Any]) -> Dict[str, Any]:
    """The valid organisation object as the single `organisation` row."""
    extra = _extra(organisation, (*ORGANISATION_SCALARS, *ORGANISATION_TEXTS))
    row: Dict[str, Any] = {"id": 1}
    for name in ORGANISATION_SCALARS:
        row[name] = organisation.get(name)
    for name in ORGANISATION_TEXTS:
        _texts(row, extra, name, organisation.get(name))
    row["extra"] = json_column(extra or None)
    return row
