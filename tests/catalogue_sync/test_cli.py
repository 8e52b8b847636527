"""The `catalogue-sync` command as staff and schedulers use it: messages and exact exit codes."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from catalogue_sync_helpers import DEMO_FEED, REPO_ROOT, Reply

from catalogue_sync.cli import cli
from catalogue_sync.read import Catalogue

README = REPO_ROOT / "catalogue_sync" / "README.md"


@pytest.fixture
def run(monkeypatch):
    """run(*args): invokes the CLI, stderr kept apart from stdout."""
    monkeypatch.delenv("CATALOGUE_SOURCE", raising=False)
    monkeypatch.delenv("CATALOGUE_DB", raising=False)

    def invoke(*args, env=None):
        return CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return invoke


def test_sync_prints_a_one_line_summary(run, write_feed, sample, db_path):
    path = write_feed(sample)
    result = run("sync", path, "--db", db_path)
    assert result.exit_code == 0
    assert result.stdout == f"synced 24 courses from {path}: 24 added, 0 updated, 0 withdrawn, 0 rejected\n"
    assert result.stderr == ""


def test_sync_reports_changes(run, write_feed, sample, db_path):
    run("sync", write_feed(sample, "v1.json"), "--db", db_path)
    sample["courses"].pop(0)
    sample["courses"][0]["summary"]["fr"] += " Nouvelle session."
    path = write_feed(sample, "v2.json")
    result = run("sync", path, "--db", db_path)
    assert result.exit_code == 0
    assert result.stdout == f"synced 23 courses from {path}: 0 added, 1 updated, 1 withdrawn, 0 rejected\n"


def test_a_partial_sync_exits_4_and_names_the_rejected_records(run, write_feed, sample, db_path):
    sample["courses"][3]["level"] = "expert"
    sample["courses"][5]["info_sessions"][0]["capacity"] = -2
    path = write_feed(sample)
    result = run("sync", path, "--db", db_path)
    assert result.exit_code == 4
    assert result.stdout == (
        f"synced 23 courses from {path}: 23 added, 0 updated, 0 withdrawn, 2 rejected "
        "(course dh-soc-analyst-27: level: 'expert' is not one of ['beginner', 'intermediate', 'advanced']; "
        "info session dh-servicedesk-nl-27-is1: capacity: -2 is less than the minimum of 0)\n"
    )


def test_many_rejections_are_summarised(run, write_feed, sample, db_path):
    for course in sample["courses"][:5]:
        course["level"] = "expert"
    result = run("sync", write_feed(sample), "--db", db_path)
    assert result.exit_code == 4
    assert result.stdout.rstrip().endswith("; and 2 more: see `catalogue-sync status`)")


def test_a_broken_feed_exits_1_and_says_what_where_and_what_to_do(run, write_feed, sample, db_path):
    run("sync", write_feed(sample, "good.json"), "--db", db_path)
    sample["feed_version"] = 3
    path = write_feed(sample, "bad.json")
    result = run("sync", path, "--db", db_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: the feed from {path} was rejected, nothing was changed: feed_version is 3, this "
        "catalogue_sync reads version 1 (at $.feed_version). Ask the backend team to fix the feed; "
        "the bot keeps the current catalogue meanwhile.\n"
    )


def test_an_unreachable_source_exits_3(run, closed_port_url, db_path):
    result = run("sync", closed_port_url, "--db", db_path, "--timeout", "1", "--retries", "1", "--backoff", "0")
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: could not fetch the feed from {closed_port_url}: the connection was refused (2 attempts). "
        "Nothing was changed. Check that the backend is up and the URL or path is right, or give it more "
        "time with --timeout / --retries / --deadline.\n"
    )


def test_a_hanging_source_exits_3_and_leaves_the_catalogue_intact(run, feed_server, sample_bytes, db_path, snapshot):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes))
    assert run("sync", url, "--db", db_path).exit_code == 0
    before = snapshot(db_path)
    feed_server.serve("/feed.json", Reply(hang=True))
    result = run("sync", url, "--db", db_path, "--timeout", "0.5", "--retries", "1", "--backoff", "0.01")
    assert result.exit_code == 3
    assert "no answer within 0.5 s (2 attempts)" in result.stderr
    assert snapshot(db_path) == before


def test_a_missing_file_exits_3(run, tmp_path, db_path):
    result = run("sync", tmp_path / "nowhere.json", "--db", db_path)
    assert result.exit_code == 3
    assert f"no file at {tmp_path / 'nowhere.json'}" in result.stderr


def test_an_unusable_database_exits_5(run, write_feed, sample, tmp_path):
    not_a_db = tmp_path / "catalogue.db"
    not_a_db.write_text("not sqlite")
    result = run("sync", write_feed(sample), "--db", not_a_db)
    assert result.exit_code == 5
    assert "file is not a database" in result.stderr and "Check the --db path" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["sync", "--retries", "-1"], "Invalid value for '--retries'"),
        (["sync", "--timeout", "0"], "Invalid value for '--timeout'"),
        (["sync", "--nope"], "No such option: --nope"),
        (["resync"], "No such command 'resync'"),
    ],
)
def test_usage_errors_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_dry_run_writes_nothing_not_even_the_file(run, write_feed, sample, db_path):
    path = write_feed(sample)
    result = run("sync", path, "--db", db_path, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == (
        f"dry run, nothing written: syncing 24 courses from {path} would give "
        "24 added, 0 updated, 0 withdrawn, 0 rejected\n"
    )
    assert not db_path.exists()


def test_dry_run_on_a_catalogue_reports_the_changes_and_writes_nothing(
    run, write_feed, sample, db_path, snapshot, sync_runs
):
    run("sync", write_feed(sample, "v1.json"), "--db", db_path)
    before, runs_before = snapshot(db_path), sync_runs(db_path)
    sample["courses"].pop()
    sample["courses"][0]["level"] = "expert"
    result = run("sync", write_feed(sample, "v2.json"), "--db", db_path, "--dry-run")
    assert result.exit_code == 4
    assert "would give 0 added, 0 updated, 1 withdrawn, 1 rejected" in result.stdout
    assert snapshot(db_path) == before and sync_runs(db_path) == runs_before


def test_source_defaults_to_catalogue_source(run, write_feed, sample, db_path):
    path = write_feed(sample)
    result = run("sync", "--db", db_path, env={"CATALOGUE_SOURCE": str(path)})
    assert result.exit_code == 0
    assert result.stdout.startswith(f"synced 24 courses from {path}:")


@pytest.mark.parametrize("env", [None, {"CATALOGUE_SOURCE": ""}])
def test_no_source_is_a_usage_error_that_says_what_to_set(run, db_path, env):
    result = run("sync", "--db", db_path, env=env)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: no feed to sync from. Give its URL or path as SOURCE "
        "(catalogue-sync sync https://backend.example.org/catalogue.json), set CATALOGUE_SOURCE, "
        "or use --demo to sync the demo catalogue.\n"
    )
    assert not db_path.exists()


def test_demo_syncs_the_demo_catalogue_with_sessions_to_come(run, db_path):
    result = run("sync", "--demo", "--db", db_path)
    copy = db_path.parent / "demo-catalogue.json"
    assert result.exit_code == 0, result.stderr
    demo = json.loads(DEMO_FEED.read_text("utf-8"))
    assert result.stdout == (
        f"synced {len(demo['courses'])} courses from {copy}: {len(demo['courses'])} added, 0 updated, "
        "0 withdrawn, 0 rejected\n"
    )
    assert json.loads(copy.read_text("utf-8"))["courses"][0]["id"] == demo["courses"][0]["id"]
    catalogue = Catalogue(db_path)
    assert all(catalogue.next_info_sessions(course["id"]) for course in catalogue.active_courses()[:5])


def test_demo_wins_over_catalogue_source_from_the_environment(run, db_path, tmp_path):
    result = run("sync", "--demo", "--db", db_path, env={"CATALOGUE_SOURCE": str(tmp_path / "nowhere.json")})
    assert result.exit_code == 0
    assert "demo-catalogue.json" in result.stdout


def test_source_and_demo_together_is_a_usage_error(run, write_feed, sample, db_path):
    path = write_feed(sample)
    result = run("sync", path, "--demo", "--db", db_path)
    assert result.exit_code == 2
    assert f"Error: give either SOURCE ({path}) or --demo, not both" in result.stderr
    assert not db_path.exists()


def test_a_demo_dry_run_writes_nothing(run, db_path):
    result = run("sync", "--demo", "--dry-run", "--db", db_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("dry run, nothing written: syncing 24 courses from ")
    assert list(db_path.parent.iterdir()) == []


@pytest.fixture
def ten_courses(run, sample, write_feed, db_path):
    """A catalogue of 10 courses; returns a feed with only 2 of them."""
    sample["courses"] = sample["courses"][:10]
    assert run("sync", write_feed(sample, "ten.json"), "--db", db_path).exit_code == 0
    sample["courses"] = sample["courses"][:2]
    return write_feed(sample, "two.json")


def test_a_mass_withdrawal_exits_6_with_the_numbers_and_what_to_do(run, ten_courses, db_path, snapshot):
    before = snapshot(db_path)
    result = run("sync", ten_courses, "--db", db_path)
    assert result.exit_code == 6
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: the feed from {ten_courses} would withdraw 8 of 10 active courses (80 %), more than the 30 % "
        "allowed; nothing was changed. If this is intended, run again with --allow-mass-withdrawal; if not, "
        "ask the backend team why those courses are missing (the bot keeps the current catalogue meanwhile).\n"
    )
    assert snapshot(db_path) == before
    status = run("status", "--db", db_path).stdout
    assert re.search(r"#2 \S+ failed +would withdraw 8 of 10 active courses \(80 %\)", status)


def test_a_mass_withdrawal_dry_run_says_so(run, ten_courses, db_path):
    result = run("sync", ten_courses, "--db", db_path, "--dry-run")
    assert result.exit_code == 6
    assert result.stderr.startswith(f"Error: dry run: the feed from {ten_courses} would withdraw 8 of 10")


@pytest.mark.parametrize(
    "args, env",
    [
        (["--allow-mass-withdrawal"], None),
        (["--max-withdrawal", "80"], None),
        ([], {"CATALOGUE_MAX_WITHDRAWAL_PERCENT": "80"}),
    ],
)
def test_a_mass_withdrawal_goes_through_when_allowed(run, ten_courses, db_path, args, env):
    result = run("sync", ten_courses, "--db", db_path, *args, env=env)
    assert result.exit_code == 0
    assert result.stdout == f"synced 2 courses from {ten_courses}: 0 added, 0 updated, 8 withdrawn, 0 rejected\n"


def test_the_withdrawal_limit_is_configurable_down(run, ten_courses, db_path):
    result = run("sync", ten_courses, "--db", db_path, env={"CATALOGUE_MAX_WITHDRAWAL_PERCENT": "79.5"})
    assert result.exit_code == 6
    assert "(80 %), more than the 79.5 % allowed" in result.stderr
    assert run("sync", ten_courses, "--db", db_path, "--max-withdrawal", "101").exit_code == 2


@pytest.mark.parametrize("args, env", [(["--max-bytes", "1000"], None), ([], {"CATALOGUE_MAX_BYTES": "1000"})])
def test_a_feed_over_the_size_limit_exits_1_and_names_the_option(run, write_feed, sample_bytes, db_path, args, env):
    path = write_feed(sample_bytes)
    result = run("sync", path, "--db", db_path, *args, env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the feed from {path} was refused, nothing was changed: the feed is larger than the 1,000 bytes "
        f"allowed: it is {len(sample_bytes):,} bytes. If the catalogue really is this big, raise the limit with "
        "--max-bytes (or CATALOGUE_MAX_BYTES); if not, ask the backend team why the feed is so large.\n"
    )


def test_a_feed_slower_than_the_deadline_exits_3(run, feed_server, sample_bytes, db_path):
    url = feed_server.serve("/feed.json", Reply(body=sample_bytes, trickle=0.05))
    result = run("sync", url, "--db", db_path, "--deadline", "0.5", "--timeout", "2")
    assert result.exit_code == 3
    assert "the whole feed did not arrive within the 0.5 s deadline (" in result.stderr
    assert "--deadline" in result.stderr


def test_db_defaults_to_catalogue_db(run, write_feed, sample, db_path):
    run("sync", write_feed(sample), env={"CATALOGUE_DB": str(db_path)})
    assert db_path.exists()


def test_status_shows_age_counts_and_recent_runs(run, write_feed, sample, db_path):
    # The sample's sessions have fixed dates: those still to come are counted as the test runs.
    from datetime import datetime, timezone

    from catalogue_sync.utils import parse_datetime

    now = datetime.now(timezone.utc)
    to_come = [s for c in sample["courses"] for s in c["info_sessions"] if parse_datetime(s["starts_at"]) > now]
    cancelled = sum(1 for s in to_come if s.get("status") == "cancelled")
    run("sync", write_feed(sample, "good.json"), "--db", db_path)
    sample["courses"][0]["level"] = "expert"
    run("sync", write_feed(sample, "partial.json"), "--db", db_path)
    run("sync", write_feed(b"{", "broken.json"), "--db", db_path)
    result = run("status", "--db", db_path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Catalogue: {db_path}"
    assert lines[1] == (f"Courses: 24 active, 0 withdrawn; info sessions to come: {len(to_come) - cancelled} "
                        f"scheduled, {cancelled} cancelled")
    assert len(to_come) - cancelled > 50  # the sample still has sessions to come
    assert re.match(r"Last successful sync: \S+ \(just now\) from .*partial\.json$", lines[2])
    assert lines[3] == "Recent runs:"
    assert re.match(r"  #3 \S+ failed +the feed is not valid JSON \(it looks truncated\)", lines[4])
    assert re.match(r"  #2 \S+ unchanged +0 added, 0 updated, 0 withdrawn, 1 rejected", lines[5])
    assert re.match(r"  #1 \S+ ok +24 added, 0 updated, 0 withdrawn, 0 rejected", lines[6])
    assert len(lines) == 7


def test_status_lists_the_last_runs_rejections(run, write_feed, sample, db_path):
    sample["courses"][0]["level"] = "expert"
    run("sync", write_feed(sample), "--db", db_path)
    result = run("status", "--db", db_path)
    assert result.stdout.splitlines()[-2:] == [
        "Rejected in the last run:",
        "  course dh-webdev-fullstack-27 at courses[0]: level: 'expert' is not one of "
        "['beginner', 'intermediate', 'advanced']",
    ]


def test_status_without_a_catalogue_exits_5(run, db_path):
    result = run("status", "--db", db_path)
    assert result.exit_code == 5
    assert result.stderr == (
        f"Error: no catalogue at {db_path}: run `catalogue-sync sync` first. Check the --db path "
        "(or CATALOGUE_DB), or run `catalogue-sync sync` to create it.\n"
    )


def test_every_command_has_help_with_an_example_and_a_readme_section(run):
    readme = README.read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0
        assert command.help and "Example:" in result.stdout, name
        assert re.search(rf"\n +catalogue-sync {name}\b", result.stdout.split("Example:")[1]), name
        assert f"catalogue-sync {name}" in readme, name
    assert "Example:" in run("--help").stdout


def test_exit_codes_are_documented_in_the_help_and_the_readme(run):
    readme = README.read_text(encoding="utf-8")
    help_text = run("sync", "--help").stdout
    for code in range(7):
        assert re.search(rf"^\s+{code}  \S", help_text, re.M), code
        assert re.search(rf"^\| {code} \|", readme, re.M), code


def test_python_dash_m_runs_the_cli(tmp_path, write_feed, sample):
    result = subprocess.run(
        [sys.executable, "-m", "catalogue_sync", "sync", str(write_feed(sample)), "--db", str(tmp_path / "c.db")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("synced 24 courses from")
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("select count(*) from courses").fetchone()[0] == 24


def test_the_demo_catalogue_syncs_cleanly(run, db_path):
    result = run("sync", DEMO_FEED, "--db", db_path)
    assert result.exit_code == 0
    assert json.loads(DEMO_FEED.read_text("utf-8"))["courses"]
    assert ", 0 rejected" in result.stdout
