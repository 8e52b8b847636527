"""Paths and helpers shared by the tests (imported by test modules; fixtures live in conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict

from catalogue_sync.demo_feed import shift_feed_dates

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
SAMPLE_FEED = SHARED / "catalogue-feed" / "sample.json"
DEMO_FEED = REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json"


def sync_catalogue(source: Path, db_path: Path) -> subprocess.CompletedProcess:
    """Runs the real sync CLI, as staff would, into `db_path`."""
    result = subprocess.run(
        [sys.executable, "-m", "catalogue_sync", "sync", str(source), "--db", str(db_path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert result.returncode in (0, 4), result.stdout + result.stderr
    return result


def sample_feed_from_now() -> Dict:
    """The shared sample feed, its dates moved so that its first info session is 1 to 2 weeks
    ahead: tests keep working whatever day they run."""
    feed = json.loads(SAMPLE_FEED.read_text(encoding="utf-8"))
    first = min(datetime.fromisoformat(s["starts_at"]) for c in feed["courses"] for s in c["info_sessions"])
    days_ahead = (first - datetime.now(timezone.utc)).days
    return shift_feed_dates(feed, weeks=-((days_ahead - 7) // 7))


NEW_COURSE_ID = "dh-drone-pilot-27"


def feed_with_a_new_course(feed: Dict) -> Dict:
    """The feed plus a course no training example names ("télépilote de drones"), with sessions.

    Returns:
        A new feed; the course is its last one.
    """
    feed = json.loads(json.dumps(feed))
    course = json.loads(json.dumps(next(c for c in feed["courses"] if c["id"] == "dh-java-dev-27")))
    course.update({
        "id": NEW_COURSE_ID,
        "title": {"fr": "Télépilote de drones professionnel", "nl": "Professionele dronepiloot"},
        "summary": {"fr": "Piloter des drones pour l'inspection de bâtiments.", "nl": "Drones besturen voor gebouwinspecties."},
        "topics": ["drones", "télépilote", "dronepiloot"],
    })
    for number, session in enumerate(course["info_sessions"], start=1):
        session["id"] = f"{NEW_COURSE_ID}-is{number}"
    feed["courses"].append(course)
    return feed
