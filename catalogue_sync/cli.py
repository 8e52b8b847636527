"""The `catalogue-sync` command: a thin click layer over catalogue_sync.sync and catalogue_sync.read."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from typing import Optional

import click
from click.core import ParameterSource

from catalogue_sync import __version__
from catalogue_sync.errors import (
    CatalogueUnavailable,
    FeedInvalid,
    FeedTooLarge,
    FeedUnreachable,
    MassWithdrawal,
)
from catalogue_sync.fetch import (
    DEFAULT_BACKOFF,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_RETRY_AFTER,
)
from catalogue_sync.read import Catalogue
from catalogue_sync.sync import (
    DEFAULT_MAX_WITHDRAWAL_PERCENT,
    SyncReport,
    sync_catalogue,
    sync_demo_catalogue,
)
from catalogue_sync.utils import DEFAULT_DB_PATH

EXIT_OK = 0
EXIT_FEED_INVALID = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_PARTIAL = 4
EXIT_CATALOGUE_UNAVAILABLE = 5
EXIT_MASS_WITHDRAWAL = 6
EXIT_CODES_HELP = """\b
Exit codes:
  0  ok: the catalogue is in step with the feed (changed or unchanged)
  1  feed rejected: the document is broken (not JSON, wrong version...) or too large; nothing changed
  2  usage error: wrong option or argument, or no source given
  3  source unreachable: network error, timeout, server error, no such file; nothing changed
  4  partial: the feed was applied, but some records were rejected (listed)
  5  catalogue unavailable: the database file cannot be opened or written
  6  mass withdrawal refused: the feed would withdraw too many active courses; nothing changed"""
# Below this many courses a sync is over before a progress bar would help.
PROGRESS_MIN_COURSES = 1000
SHOWN_REJECTIONS = 3


class SyncFailed(click.ClickException):
    """A click error with the exit code a scheduler can act on."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    envvar="CATALOGUE_DB",
    default=str(DEFAULT_DB_PATH),
    show_default=True,
    help="The catalogue's SQLite file (env CATALOGUE_DB).",
)


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(__version__, prog_name="catalogue-sync")
def cli():
    """Keeps the bot's training catalogue in step with the hub's backend feed.

    \b
    Example:
        catalogue-sync sync https://backend.example.org/catalogue.json
        catalogue-sync status
    """


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("source", required=False, envvar="CATALOGUE_SOURCE")
@db_option
@click.option("--demo", is_flag=True, help="Sync the demo catalogue shipped with catalogue-sync, dates moved ahead.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing at all.")
@click.option(
    "--max-withdrawal", "max_withdrawal", metavar="PERCENT", type=click.FloatRange(0, 100),
    envvar="CATALOGUE_MAX_WITHDRAWAL_PERCENT", default=DEFAULT_MAX_WITHDRAWAL_PERCENT, show_default=True,
    help="Refuse a feed that would withdraw more than this share of the active courses "
    "(env CATALOGUE_MAX_WITHDRAWAL_PERCENT).",
)
@click.option(
    "--allow-mass-withdrawal", is_flag=True,
    help="Apply the feed however many courses it withdraws (when that is intended).",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT, show_default=True,
    help="Seconds to wait to connect and for each read, per attempt.",
)
@click.option(
    "--retries", type=click.IntRange(0, 10), default=DEFAULT_RETRIES, show_default=True,
    help="Retries after a connection error, a timeout, a cut answer, a 429 or a 5xx answer.",
)
@click.option(
    "--backoff", type=click.FloatRange(min=0), default=DEFAULT_BACKOFF, show_default=True,
    help="Backoff factor: the first retry comes at once, the next ones after 2, 4... times this many "
    f"seconds. A Retry-After from the server is honoured instead (at most {MAX_RETRY_AFTER} s).",
)
@click.option(
    "--deadline", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_DEADLINE, show_default=True,
    help="Seconds for the whole fetch, retries and waits included.",
)
@click.option(
    "--max-bytes", type=click.IntRange(min=1), envvar="CATALOGUE_MAX_BYTES", default=DEFAULT_MAX_BYTES,
    show_default=True, help="The largest feed accepted, in bytes (env CATALOGUE_MAX_BYTES).",
)
def sync(
    source: Optional[str], db_path: str, demo: bool, dry_run: bool, max_withdrawal: float,
    allow_mass_withdrawal: bool, timeout: float, retries: int, backoff: float, deadline: float, max_bytes: int,
):
    """Syncs the catalogue from SOURCE: an http(s) URL or a feed file.

    SOURCE defaults to $CATALOGUE_SOURCE. --demo syncs the demo catalogue instead, its dates
    moved so that its info sessions are still to come (the moved copy is written beside the
    catalogue, as demo-catalogue.json). An unchanged feed costs one request answered 304 Not
    Modified and changes nothing. Courses that leave the feed are marked withdrawn, info
    sessions cancelled; nothing is deleted. A feed that would withdraw more than --max-withdrawal
    percent of the active courses is refused. Each run but a dry run is recorded in the
    sync_runs table.

    \b
    Example:
        catalogue-sync sync https://backend.example.org/catalogue.json --db var/catalogue.db
        catalogue-sync sync catalogue.json --dry-run
        catalogue-sync sync --demo
    """
    given = click.get_current_context().get_parameter_source("source") == ParameterSource.COMMANDLINE
    if demo and given:
        raise click.UsageError(
            f"give either SOURCE ({source}) or --demo, not both: --demo syncs the demo catalogue."
        )
    if not demo and not source:
        raise click.UsageError(
            "no feed to sync from. Give its URL or path as SOURCE "
            "(catalogue-sync sync https://backend.example.org/catalogue.json), set CATALOGUE_SOURCE, "
            "or use --demo to sync the demo catalogue."
        )
    bars = _ProgressBars(enabled=sys.stderr.isatty())
    options = {
        "dry_run": dry_run, "timeout": timeout, "retries": retries, "backoff": backoff, "deadline": deadline,
        "max_bytes": max_bytes, "max_withdrawal_percent": max_withdrawal,
        "allow_mass_withdrawal": allow_mass_withdrawal, "progress": bars,
    }
    try:
        report = sync_demo_catalogue(db_path, **options) if demo else sync_catalogue(source, db_path, **options)
    except FeedUnreachable as e:
        raise SyncFailed(
            f"could not fetch the feed from {e.source}: {e.reason}. Nothing was changed. "
            "Check that the backend is up and the URL or path is right, "
            "or give it more time with --timeout / --retries / --deadline.",
            EXIT_UNREACHABLE,
        ) from None
    except FeedTooLarge as e:
        raise SyncFailed(
            f"the feed from {e.source} was refused, nothing was changed: {e.reason}. "
            "If the catalogue really is this big, raise the limit with --max-bytes (or CATALOGUE_MAX_BYTES); "
            "if not, ask the backend team why the feed is so large.",
            EXIT_FEED_INVALID,
        ) from None
    except FeedInvalid as e:
        where = f" (at {e.where})" if e.where else ""
        raise SyncFailed(
            f"the feed from {e.source} was rejected, nothing was changed: {e.reason}{where}. "
            "Ask the backend team to fix the feed; the bot keeps the current catalogue meanwhile.",
            EXIT_FEED_INVALID,
        ) from None
    except MassWithdrawal as e:
        raise SyncFailed(
            ("dry run: " if dry_run else "")
            + f"the feed from {e.source} {e.reason}; nothing was changed. If this is intended, run again "
            "with --allow-mass-withdrawal; if not, ask the backend team why those courses are missing "
            "(the bot keeps the current catalogue meanwhile).",
            EXIT_MASS_WITHDRAWAL,
        ) from None
    except CatalogueUnavailable as e:
        raise SyncFailed(
            f"{e}. Check the --db path, its permissions and free disk space; "
            "if another sync holds the database, try again when it is done.",
            EXIT_CATALOGUE_UNAVAILABLE,
        ) from None
    finally:
        bars.close()
    click.echo(describe_report(report))
    if report.partial:
        click.get_current_context().exit(EXIT_PARTIAL)


def describe_report(report: SyncReport) -> str:
    """The one-line summary printed at the end of a sync."""
    if report.not_modified:
        line = f"catalogue unchanged: {report.source} answered 304 Not Modified"
        return f"dry run, nothing written: {line}" if report.outcome == "dry_run" else line
    changes = report.changes
    counts = (
        f"{len(changes.added)} added, {len(changes.updated)} updated, "
        f"{len(changes.withdrawn)} withdrawn, {len(report.rejected)} rejected"
    )
    if report.rejected:
        shown = "; ".join(str(r) for r in report.rejected[:SHOWN_REJECTIONS])
        more = len(report.rejected) - SHOWN_REJECTIONS
        counts += f" ({shown}" + (f"; and {more} more: see `catalogue-sync status`)" if more > 0 else ")")
    courses = f"{report.courses_in_feed} course" + ("" if report.courses_in_feed == 1 else "s")
    if report.outcome == "dry_run":
        return f"dry run, nothing written: syncing {courses} from {report.source} would give {counts}"
    return f"synced {courses} from {report.source}: {counts}"


@cli.command(epilog=EXIT_CODES_HELP)
@db_option
@click.option("--limit", type=click.IntRange(1, 1000), default=5, show_default=True, help="How many runs to list.")
def status(db_path: str, limit: int):
    """Shows the catalogue's age, what it holds, and the last sync runs.

    \b
    Example:
        catalogue-sync status --db var/catalogue.db --limit 10
    """
    catalogue = Catalogue(db_path)
    try:
        now = datetime.now(timezone.utc)
        counts = catalogue.summary(now)
        runs = catalogue.sync_runs(limit)
        last = catalogue.last_successful_sync()
        age = catalogue.catalogue_age(now)
    except CatalogueUnavailable as e:
        raise SyncFailed(
            f"{e}. Check the --db path (or CATALOGUE_DB), or run `catalogue-sync sync` to create it.",
            EXIT_CATALOGUE_UNAVAILABLE,
        ) from None
    click.echo(f"Catalogue: {db_path}")
    click.echo(
        f"Courses: {counts['active_courses']} active, {counts['withdrawn_courses']} withdrawn; "
        f"info sessions to come: {counts['upcoming_sessions']} scheduled, {counts['cancelled_sessions']} cancelled"
    )
    if last is None:
        click.echo("Last successful sync: never")
    else:
        click.echo(f"Last successful sync: {last['finished_at']} ({_ago(age)}) from {last['source']}")
    click.echo("Recent runs:" if runs else "Recent runs: none")
    for run in runs:
        outcome = run["outcome"]
        if outcome == "failed":
            detail = run["error"] or ""
        else:
            detail = (
                f"{run['added']} added, {run['updated']} updated, {run['withdrawn']} withdrawn, "
                f"{run['rejected']} rejected"
            )
        click.echo(f"  #{run['id']} {run['started_at']} {outcome:<9} {detail} [{run['source']}]")
    if runs and runs[0]["rejected_details"]:
        click.echo("Rejected in the last run:")
        for rejection in runs[0]["rejected_details"]:
            name = rejection["kind"].replace("_", " ")
            click.echo(f"  {name} {rejection['id'] or '(no id)'} at {rejection['where']}: {rejection['reason']}")


def _ago(age: Optional[timedelta]) -> str:
    if age is None:
        return "never"
    minutes = int(age.total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"


class _ProgressBars:
    """One progress bar per stage of a long sync, on stderr, only when someone watches it."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.stage = None
        self.bar = None
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total < PROGRESS_MIN_COURSES:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.done = stage, 0
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
