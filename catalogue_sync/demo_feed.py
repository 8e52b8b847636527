"""The demo catalogue for `make run`, its dates moved forward so that a demo always has sessions to come.

The demo feed (`catalogue_sync/demo/catalogue.json`) is a fixed document: left as it is, its info
sessions would all be past a few weeks after it was written, and the demo would only say "no
session scheduled". This moves every date of a feed by whole weeks (so weekdays and times of day
stay as published) until its first info session is at least a week ahead.

    catalogue-sync sync --demo                                 # writes it beside the catalogue, syncs it
    python -m catalogue_sync.demo_feed var/demo-catalogue.json  # only writes it
"""

from __future__ import annotations

import argparse
import copy
import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Optional

from catalogue_sync.utils import parse_datetime

DEMO_SOURCE = Path(__file__).with_name("demo") / "catalogue.json"
# Where `catalogue-sync sync --demo` writes the moved demo feed: beside the catalogue.
DEMO_COPY_NAME = "demo-catalogue.json"
LEAD_DAYS = 7


def shift_feed_dates(feed: Dict[str, Any], weeks: int) -> Dict[str, Any]:
    """A copy of the feed with every date and date-time moved by whole weeks.

    Moves `generated_at`, course `start_date` and info session `starts_at` / `ends_at`;
    a date-time keeps the UTC offset it was written with.
    """
    delta = timedelta(weeks=weeks)

    def moved(value: str) -> str:
        if len(value) == 10:
            return (date.fromisoformat(value) + delta).isoformat()
        return (parse_datetime(value) + delta).isoformat()

    feed = copy.deepcopy(feed)
    feed["generated_at"] = moved(feed["generated_at"])
    for course in feed.get("courses") or []:
        if course.get("start_date"):
            course["start_date"] = moved(course["start_date"])
        for session in course.get("info_sessions") or []:
            for key in ("starts_at", "ends_at"):
                if session.get(key):
                    session[key] = moved(session[key])
    return feed


def weeks_to_come(feed: Dict[str, Any], now: datetime, lead_days: int = LEAD_DAYS) -> int:
    """Whole weeks to move the feed by so that its first info session is `lead_days` ahead, or 0."""
    starts = [
        parse_datetime(session["starts_at"])
        for course in feed.get("courses") or []
        for session in course.get("info_sessions") or []
        if session.get("starts_at")
    ]
    if not starts:
        return 0
    behind = (now + timedelta(days=lead_days)) - min(starts)
    return max(0, math.ceil(behind / timedelta(weeks=1)))


def demo_feed(now: Optional[datetime] = None, source: Path = DEMO_SOURCE) -> Dict[str, Any]:
    """The demo feed with its dates moved forward to come after `now` (default: the current time)."""
    feed = json.loads(Path(source).read_text(encoding="utf-8"))
    return shift_feed_dates(feed, weeks_to_come(feed, now or datetime.now(timezone.utc)))


def write_demo_feed(out: Path, now: Optional[datetime] = None) -> Path:
    """Writes the demo feed, dates moved forward to come after `now`, to `out` (its folder created).

    Unchanged content is not rewritten: the file's date then says when the dates last moved.

    Returns:
        `out`.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(demo_feed(now), ensure_ascii=False, indent=1)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    return out


def main() -> None:
    """Writes the demo feed, dates moved forward, to the path given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the feed (JSON)")
    write_demo_feed(parser.parse_args().out)


if __name__ == "__main__":
    main()
