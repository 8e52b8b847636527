"""The read API the bot's actions use: courses, info sessions, FAQ answers and sync status.

Every method reads in one transaction on a read-only connection, so it sees the catalogue as of
the last committed sync, never a sync half done. Connections are kept per thread (a few files at
most) and reopened when the file at the path is replaced: opening one and reading the schema cost
about 0.5 ms, more than many a search.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Union

from catalogue_sync.db import FTS_WEIGHTS, JSON_COLUMNS
from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.utils import default_db_path, fold, iso_date, parse_datetime, search_text, utc_iso, utc_now

_WORD = re.compile(r"\w+", re.UNICODE)
ACTIVE_COURSE_FIELDS = ("id", "title_fr", "title_nl", "title_en", "topics")


PREFIX_MIN_LENGTH = 3
# Seconds a read waits for a lock to go (WAL readers wait only for an exclusive lock or a recovery).
DEFAULT_BUSY_TIMEOUT = 10.0
# Read-only connections a thread keeps open, most recently used last.
OPEN_CONNECTIONS_PER_THREAD = 4
_open = threading.local()


class _CourseQuery(NamedTuple):
    """A query on courses: `sql` (no ORDER BY) and its `params`; `ranked` when words are searched
    (so FTS5 can rank), `filtered` when other conditions than the words narrow the courses down."""

    sql: str
    params: List[Any]
    ranked: bool
    filtered: bool


# Words to search for: a text, or terms that must all match, each a word or phrase or a list of
# alternatives of which one must match (synonyms: [["gsm", "smartphone"], "reparation"]).
SearchText = Union[str, Sequence[Union[str, Sequence[str]]]]


def fts_query(text: SearchText) -> Optional[str]:
    """The FTS5 query for words a user typed: every word must match, as a word or a word's start.

    `cyber securite` becomes `"cyber"* "securite"*`; None when the text has no word at all.
    Words shorter than 3 letters match whole words only: as prefixes ("e" of "e-commerce")
    they would match nearly everything, slowly. Tech terms are rewritten as the index holds
    them (utils.search_text): `C# .NET` becomes `"csharp"* "dotnet"*`.

    Terms instead of a text: each must match, and a list of alternatives matches when one of
    them does; an alternative of several words is a phrase. `[["gsm", "telephone portable"],
    "reparer"]` becomes `("gsm"* OR "telephone portable"*) AND "reparer"*`.
    """
    if isinstance(text, str):
        text = _WORD.findall(search_text(text) or "")
    terms = []
    for term in text or ():
        alternatives = [term] if isinstance(term, str) else list(term)
        phrases = list(dict.fromkeys(p for p in (_fts_phrase(a) for a in alternatives) if p))
        if phrases:
            terms.append(phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")")
    # FTS5 reads "a b" as a AND b, but not after a parenthesised group.
    return (" AND " if any(t.startswith("(") for t in terms) else " ").join(terms) or None


def _fts_phrase(words: str) -> Optional[str]:
    """One word or phrase as FTS5 writes it: quoted, its last word a prefix if long enough."""
    tokens = _WORD.findall(search_text(words) or "")
    if not tokens:
        return None
    return f'"{" ".join(tokens)}"' + ("*" if len(tokens[-1]) >= PREFIX_MIN_LENGTH else "")


class Catalogue:
    """Read access to the synced catalogue.

    Args:
        path: The SQLite file; default `CATALOGUE_DB`, else `var/catalogue.db`.
        timeout: Seconds a read waits for a lock held by another process before it gives up.

    Every method raises CatalogueUnavailable when there is no usable catalogue at `path`.
    """

    def __init__(self, path: Union[str, Path, None] = None, timeout: float = DEFAULT_BUSY_TIMEOUT):
        self.path = Path(path) if path is not None else default_db_path()
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"Catalogue({str(self.path)!r})"

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            # One read transaction: all statements of a call see the same committed sync.
            conn.execute("begin")
            yield conn
        except sqlite3.DatabaseError as e:
            _forget(conn)
            raise CatalogueUnavailable(f"cannot read the catalogue at {self.path}: {e}") from e
        except BaseException:
            conn.rollback()
            raise
        conn.rollback()

    def _connection(self) -> sqlite3.Connection:
        """This thread's read-only connection to the file now at the path, opened if needed."""
        try:
            # A replaced file is a new inode: the old one stays allocated while a connection is open.
            stat = os.stat(self.path)
        except OSError:
            raise CatalogueUnavailable(f"no catalogue at {self.path}: run `catalogue-sync sync` first") from None
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        # A forked child opens its own: SQLite connections must not cross a fork.
        key = (uri, stat.st_dev, stat.st_ino, os.getpid(), self.timeout)
        connections = getattr(_open, "connections", None)
        if connections is None:
            connections = _open.connections = OrderedDict()
        conn = connections.pop(key, None)
        if conn is None:
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=self.timeout)
            except sqlite3.Error as e:
                raise CatalogueUnavailable(f"cannot open the catalogue at {self.path}: {e}") from e
            conn.row_factory = sqlite3.Row
            conn.create_function("fold", 1, fold, deterministic=True)
        connections[key] = conn
        while len(connections) > OPEN_CONNECTIONS_PER_THREAD:
            _, oldest = connections.popitem(last=False)
            oldest.close()
        return conn

    def search_courses(
        self,
        text: Optional[SearchText] = None,
        *,
        topic: Optional[str] = None,
        level: Optional[str] = None,
        course_format: Optional[str] = None,
        teaching_language: Optional[str] = None,
        starts_after: Union[date, datetime, str, None] = None,
        starts_before: Union[date, datetime, str, None] = None,
        max_duration_weeks: Optional[float] = None,
        places: Optional[Sequence[str]] = None,
        limit: int = 5,
        offset: int = 0,
    ) -> List[Dict[str, Any]]:
        """Courses matching words and filters; withdrawn courses are never returned.

        The total number of matches (for "5 of 12") is `count_courses` with the same arguments.

        Args:
            text: Words to look for in titles, summaries and topics, in French, Dutch or English.
                Accents and case do not matter; each word also matches as the start of a longer
                word ("cyber" finds "cybersécurité"); every word must match. Ranked by relevance.
                Tech terms are words of their own: "C#" finds C#, not every "c" (utils.search_text).
                Or terms (see `fts_query`): each must match, a list of alternatives by any of them
                (synonyms: `[["gsm", "smartphone"], "reparation"]`).
                Without text, courses come by start date (courses without one last), then id.
            topic: A topic the course lists (accents and case do not matter).
            level: "beginner", "intermediate" or "advanced".
            course_format: "onsite", "online" or "hybrid".
            teaching_language: "fr", "nl" or "en": a language the course is taught in.
            starts_after: Courses starting on or after this date.
            starts_before: Courses starting on or before this date. Courses with no start date
                (open entry) match any date range.
            max_duration_weeks: Courses of at most this many weeks (unknown durations excluded).
            places: The names of one place (e.g. its French and Dutch names): courses whose
                location (name, address, municipality) holds one of them.
            limit: How many courses to return at most.
            offset: How many matching courses to skip (for paging).

        Returns:
            Course dicts: every `courses` column, JSON columns decoded, plus `withdrawn` (False).
        """
        page = [max(0, int(limit)), max(0, int(offset))]
        query = self._course_query(
            "c.*", text, topic, level, course_format, teaching_language, starts_after, starts_before,
            max_duration_weeks, places,
        )
        if query.ranked and not query.filtered:
            # Words only (the usual search): FTS5 ranks its own matches and only the page's
            # courses are read. About 20 % faster on many matches than `ORDER BY rank` over the
            # join, which reads every matching course and sorts them all (bench/bench_sync.py).
            # The index holds only courses not withdrawn; the check on c is a second guard.
            sql = f"""select c.* from (
                select rowid, bm25(courses_fts, {", ".join(map(str, FTS_WEIGHTS))}) as score
                from courses_fts where courses_fts match ? order by score, rowid limit ? offset ?
              ) as ranked join courses c on c.rowid = ranked.rowid
              where c.withdrawn_at is null order by ranked.score, ranked.rowid"""
        else:
            # `rank` is bm25 with the weights of FTS_WEIGHTS, set in ensure_db_shape.
            order = "courses_fts.rank" if query.ranked else "c.start_date is null, c.start_date, c.id"
            sql = f"{query.sql} order by {order} limit ? offset ?"
        params = [*query.params, *page]
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [_course(row) for row in rows]

    def count_courses(
        self,
        text: Optional[SearchText] = None,
        *,
        topic: Optional[str] = None,
        level: Optional[str] = None,
        course_format: Optional[str] = None,
        teaching_language: Optional[str] = None,
        starts_after: Union[date, datetime, str, None] = None,
        starts_before: Union[date, datetime, str, None] = None,
        max_duration_weeks: Optional[float] = None,
        places: Optional[Sequence[str]] = None,
    ) -> int:
        """How many courses `search_courses` would find with the same arguments, all pages together."""
        query = self._course_query(
            "count(*)", text, topic, level, course_format, teaching_language, starts_after, starts_before,
            max_duration_weeks, places,
        )
        with self._reading() as conn:
            return conn.execute(query.sql, query.params).fetchone()[0]

    @staticmethod
    def _course_query(
        columns, text, topic, level, course_format, teaching_language, starts_after, starts_before,
        max_duration_weeks, places=None,
    ) -> "_CourseQuery":
        where, params = ["c.withdrawn_at is null"], []
        match = fts_query(text) if text else None
        if match:
            sql = f"select {columns} from courses_fts join courses c on c.rowid = courses_fts.rowid"
            where.append("courses_fts match ?")
            params.append(match)
        else:
            sql = f"select {columns} from courses c"
        if topic:
            words = _WORD.findall(search_text(topic))
            if words:
                # The search index narrows the courses down fast; the exact topic is checked after.
                where.append("c.rowid in (select rowid from courses_fts where courses_fts match ?)")
                params.append('topics : "{}"'.format(" ".join(words)))
            where.append("exists (select 1 from json_each(c.topics) t where fold(t.value) = ?)")
            params.append(fold(topic))
        if level:
            where.append("c.level = ?")
            params.append(level)
        if course_format:
            where.append("c.format = ?")
            params.append(course_format)
        if teaching_language:
            where.append("exists (select 1 from json_each(c.teaching_languages) l where l.value = ?)")
            params.append(teaching_language)
        if starts_after:
            where.append("(c.start_date is null or c.start_date >= ?)")
            params.append(iso_date(starts_after))
        if starts_before:
            where.append("(c.start_date is null or c.start_date <= ?)")
            params.append(iso_date(starts_before))
        if max_duration_weeks is not None:
            where.append("c.duration_weeks <= ?")
            params.append(float(max_duration_weeks))
        names = [fold(name) for name in places or () if fold(name)]
        if names:
            where.append("(" + " or ".join("instr(fold(coalesce(c.location, '')), ?) > 0" for _ in names) + ")")
            params.extend(names)
        return _CourseQuery(
            sql=f"{sql} where {' and '.join(where)}",
            params=params,
            ranked=bool(match),
            # Conditions beyond "not withdrawn" and the words: the fast ranked path can't apply them.
            filtered=len(where) > 1 + bool(match),
        )

    def get_course(self, course_id: str) -> Optional[Dict[str, Any]]:
        """One course by id, withdrawn or not (see its `withdrawn` flag); None if never seen."""
        with self._reading() as conn:
            row = conn.execute("select * from courses where id = ?", [course_id]).fetchone()
        return _course(row) if row else None

    def next_info_sessions(
        self, course_id: str, *, now: Optional[datetime] = None, limit: int = 3
    ) -> List[Dict[str, Any]]:
        """The course's coming info sessions: scheduled, starting after `now`, soonest first.

        Args:
            course_id: The course.
            now: An aware datetime; default the current time.
            limit: How many sessions at most.

        Returns:
            Session dicts (every `info_sessions` column) with `seats_left`: capacity minus the
            active registrations, never below 0. Full sessions are included, with 0 seats left.
            A withdrawn course has none.
        """
        moment = utc_iso(now) if now is not None else utc_iso(utc_now())
        with self._reading() as conn:
            booked = (
                "(select count(*) from registrations r where r.session_id = s.id and r.status = 'active')"
                if _has_table(conn, "registrations") else "0"
            )
            rows = conn.execute(
                f"""select s.*, max(0, s.capacity - {booked}) as seats_left
                from info_sessions s join courses c on c.id = s.course_id
                where s.course_id = ? and s.status = 'scheduled' and s.starts_at > ?
                  and c.withdrawn_at is null
                order by s.starts_at, s.id limit ?""",
                [course_id, moment, max(0, int(limit))],
            ).fetchall()
        return [_decode("info_sessions", row) for row in rows]

    def active_courses(self) -> List[Dict[str, Any]]:
        """Every course not withdrawn: id, title_fr, title_nl, title_en and topics (a list)."""
        with self._reading() as conn:
            rows = conn.execute(
                f"select {', '.join(ACTIVE_COURSE_FIELDS)} from courses where withdrawn_at is null order by id"
            ).fetchall()
        return [_decode("courses", row) for row in rows]

    def faq(self, topic: str) -> Optional[Dict[str, Any]]:
        """The FAQ entry for a topic (question_fr, answer_fr, answer_nl, ...), or None."""
        with self._reading() as conn:
            row = conn.execute("select * from faq where topic = ?", [topic]).fetchone()
        return _decode("faq", row) if row else None

    def organisation(self) -> Optional[Dict[str, Any]]:
        """The hub's details (name, phone, email, address, opening_hours_fr, ...), or None."""
        with self._reading() as conn:
            row = conn.execute("select * from organisation order by id limit 1").fetchone()
        return _decode("organisation", row) if row else None

    def last_successful_sync(self) -> Optional[Dict[str, Any]]:
        """The latest `sync_runs` row whose outcome is ok or unchanged, or None if there is none."""
        with self._reading() as conn:
            row = conn.execute(
                "select * from sync_runs where outcome in ('ok', 'unchanged') order by id desc limit 1"
            ).fetchone()
        return _decode("sync_runs", row) if row else None

    def catalogue_age(self, now: Optional[datetime] = None) -> Optional[timedelta]:
        """Time since the catalogue was last confirmed in step with its feed, or None if never.

        Args:
            now: An aware datetime; default the current time.
        """
        last = self.last_successful_sync()
        if last is None:
            return None
        return (now or datetime.now(timezone.utc)) - parse_datetime(last["finished_at"])

    def sync_runs(self, limit: int = 5) -> List[Dict[str, Any]]:
        """The latest sync runs, newest first."""
        with self._reading() as conn:
            rows = conn.execute("select * from sync_runs order by id desc limit ?", [max(0, int(limit))]).fetchall()
        return [_decode("sync_runs", row) for row in rows]

    def summary(self, now: Optional[datetime] = None) -> Dict[str, int]:
        """Counts for staff: active and withdrawn courses, upcoming scheduled and cancelled sessions."""
        moment = utc_iso(now or utc_now())
        with self._reading() as conn:
            row = conn.execute(
                """select
                  (select count(*) from courses where withdrawn_at is null),
                  (select count(*) from courses where withdrawn_at is not null),
                  (select count(*) from info_sessions s join courses c on c.id = s.course_id
                    where s.status = 'scheduled' and s.starts_at > ? and c.withdrawn_at is null),
                  (select count(*) from info_sessions where status = 'cancelled' and starts_at > ?)""",
                [moment, moment],
            ).fetchone()
        keys = ("active_courses", "withdrawn_courses", "upcoming_sessions", "cancelled_sessions")
        return dict(zip(keys, row, strict=True))


def _forget(conn: sqlite3.Connection) -> None:
    """Closes a connection that failed, so the next read opens a new one."""
    connections = getattr(_open, "connections", {})
    for key, kept in list(connections.items()):
        if kept is conn:
            del connections[key]
    conn.close()


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [name]).fetchone() is not None


def _decode(table: str, row: sqlite3.Row) -> Dict[str, Any]:
    record = dict(row)
    for column in JSON_COLUMNS.get(table, ()):
        if record.get(column) is not None:
            record[column] = json.loads(record[column])
    return record


def _course(row: sqlite3.Row) -> Dict[str, Any]:
    record = _decode("courses", row)
    record["withdrawn"] = record.get("withdrawn_at") is not None
    return record
