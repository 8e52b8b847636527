"""The demo catalogue `make run` syncs: its dates moved forward so the demo has sessions to come."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from catalogue_sync_helpers import DEMO_FEED, REPO_ROOT, SAMPLE_FEED

from catalogue_sync.demo_feed import demo_feed, shift_feed_dates, weeks_to_come
from catalogue_sync.read import Catalogue
from catalogue_sync.sync import sync_catalogue
from catalogue_sync.utils import parse_datetime

DEMO = json.loads(DEMO_FEED.read_text(encoding="utf-8"))


def session_starts(feed):
    return [parse_datetime(s["starts_at"]) for c in feed["courses"] for s in c["info_sessions"]]


@pytest.mark.parametrize("months_later", [0, 1, 7, 30])
def test_first_session_is_one_to_two_weeks_ahead_whenever_the_demo_runs(months_later):
    now = min(session_starts(DEMO)) + timedelta(days=30 * months_later)
    first = min(session_starts(demo_feed(now)))
    assert timedelta(days=7) <= first - now < timedelta(days=14)


def test_a_feed_already_ahead_is_left_as_it_is():
    now = min(session_starts(DEMO)) - timedelta(days=60)
    assert weeks_to_come(DEMO, now) == 0
    assert demo_feed(now) == DEMO


def test_weekdays_times_and_offsets_stay_as_published():
    moved = shift_feed_dates(DEMO, weeks=9)
    before = [s["starts_at"] for c in DEMO["courses"] for s in c["info_sessions"]]
    after = [s["starts_at"] for c in moved["courses"] for s in c["info_sessions"]]
    for old, new in zip(before, after, strict=True):
        old_time, new_time = datetime.fromisoformat(old), datetime.fromisoformat(new)
        assert new_time - old_time == timedelta(weeks=9)
        assert new_time.weekday() == old_time.weekday()
        assert new[10:] == old[10:]  # "T10:00:00+01:00": same time of day, same offset
    starts = [(c["start_date"], m["start_date"]) for c, m in zip(DEMO["courses"], moved["courses"]) if c.get("start_date")]
    assert all((datetime.fromisoformat(n) - datetime.fromisoformat(o)).days == 63 for o, n in starts)
    assert DEMO == json.loads(DEMO_FEED.read_text(encoding="utf-8")), "the original must not change"


def test_the_moved_demo_syncs_whole_and_offers_sessions(tmp_path):
    now = datetime.now(timezone.utc) + timedelta(days=400)
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(demo_feed(now)), encoding="utf-8")
    report = sync_catalogue(path, tmp_path / "catalogue.db")
    assert report.rejected == [] and len(report.changes.added) == len(DEMO["courses"])
    sessions = Catalogue(tmp_path / "catalogue.db").next_info_sessions("dh-webdev-fullstack-27", now=now)
    assert sessions and all(parse_datetime(s["starts_at"]) > now for s in sessions)


def test_command_writes_the_feed_and_leaves_an_unchanged_file_alone(tmp_path):
    out = tmp_path / "var" / "demo-catalogue.json"
    command = [sys.executable, "-m", "catalogue_sync.demo_feed", str(out)]
    subprocess.run(command, cwd=REPO_ROOT, check=True, timeout=60)
    feed = json.loads(out.read_text(encoding="utf-8"))
    assert min(session_starts(feed)) > datetime.now(timezone.utc)
    written = out.stat().st_mtime_ns
    subprocess.run(command, cwd=REPO_ROOT, check=True, timeout=60)
    assert out.stat().st_mtime_ns == written


def make(*args, cwd=REPO_ROOT, env=None):
    """Runs make as a user would, without a CATALOGUE_SOURCE of the caller's (unless `env` gives one)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("CATALOGUE_SOURCE", "MAKEFLAGS")}
    return subprocess.run(["make", "-s", *args], cwd=cwd, env={**environment, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def test_make_catalogue_syncs_the_moved_demo_by_default(tmp_path):
    db = tmp_path / "catalogue.db"
    result = make("catalogue", f"CATALOGUE_DB={db}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(
        f"Syncing the demo catalogue into {db}\nsynced 24 courses from {tmp_path}/demo-catalogue.json: "
    )
    assert Catalogue(db).next_info_sessions("dh-webdev-fullstack-27")


@pytest.mark.parametrize("how", ["environment", "command line"])
def test_make_catalogue_syncs_the_source_the_user_gives(tmp_path, how):
    db = tmp_path / "catalogue.db"
    feed = json.loads(SAMPLE_FEED.read_text(encoding="utf-8"))
    feed["courses"][0]["level"] = "expert"  # a partial sync (exit code 4) still leaves a catalogue
    source = tmp_path / "feed.json"
    source.write_text(json.dumps(feed), encoding="utf-8")
    if how == "environment":
        result = make("catalogue", f"CATALOGUE_DB={db}", env={"CATALOGUE_SOURCE": str(source)})
    else:
        result = make("catalogue", f"CATALOGUE_DB={db}", f"CATALOGUE_SOURCE={source}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"Syncing the catalogue from {source} into {db}\nsynced 23 courses from {source}: ")
    assert Catalogue(db).count_courses() == 23
    assert not (tmp_path / "demo-catalogue.json").exists()


def test_make_catalogue_fails_on_a_mass_withdrawal(tmp_path):
    db = tmp_path / "catalogue.db"
    assert make("catalogue", f"CATALOGUE_DB={db}").returncode == 0
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({**DEMO, "courses": []}), encoding="utf-8")
    result = make("catalogue", f"CATALOGUE_DB={db}", env={"CATALOGUE_SOURCE": str(empty)})
    assert result.returncode != 0
    assert "would withdraw 24 of 24 active courses (100 %)" in result.stderr
    assert Catalogue(db).count_courses() == 24


def test_make_clean_removes_the_databases_with_their_wal_files(tmp_path):
    # In a scratch folder with a copy of the Makefile: `make clean` removes models/ too.
    shutil.copy(REPO_ROOT / "Makefile", tmp_path / "Makefile")
    var = tmp_path / "var"
    var.mkdir()
    doomed = ["catalogue.db", "catalogue.db-wal", "catalogue.db-shm", "conversations.db", "conversations.db-wal",
              "demo-catalogue.json"]
    for name in [*doomed, "rasa.log"]:
        (var / name).write_text("x")
    result = make("clean", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in var.iterdir()) == ["rasa.log"]
