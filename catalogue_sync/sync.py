"""One sync run: fetch the feed, check it, save it in one transaction, and record the run."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from catalogue_sync.db import (
    Changes,
    active_course_count,
    copy_db_to_memory,
    ensure_db_shape,
    last_applied_run,
    open_db,
    record_run,
    save_feed,
    transaction,
)
from catalogue_sync.demo_feed import DEMO_COPY_NAME, DEMO_SOURCE, write_demo_feed
from catalogue_sync.errors import CatalogueUnavailable, FeedInvalid, FeedUnreachable, MassWithdrawal
from catalogue_sync.feed import ProgressCallback, Rejection, check_feed, parse_feed
from catalogue_sync.fetch import (
    DEFAULT_BACKOFF,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    fetch_feed,
    is_url,
)
from catalogue_sync.utils import utc_iso, utc_now

# DEMO_SOURCE is imported from here by older code (bench/bench_sync.py).
__all__ = ["DEFAULT_MAX_WITHDRAWAL_PERCENT", "DEMO_SOURCE", "SyncReport", "sync_catalogue", "sync_demo_catalogue"]

# A feed that would withdraw more than this share of the active courses is refused: a backend
# that sends an empty or half list by mistake must not empty the bot's catalogue.
DEFAULT_MAX_WITHDRAWAL_PERCENT = 30.0


@dataclass
class SyncReport:
    """What a sync run did.

    Attributes:
        source: The URL or path synced from.
        outcome: "ok" (the catalogue changed), "unchanged" (nothing to change, or 304 Not
            Modified), "failed" (nothing applied: see `error`) or "dry_run" (nothing written).
        started_at, finished_at: UTC ISO strings.
        courses_in_feed: Courses accepted from the feed (0 when it was not read).
        changes: What changed, or would change in a dry run.
        rejected: Records left out, each with its id and reason.
        not_modified: True when the server answered 304 Not Modified.
        error: Why the run failed, if it did.
        run_id: The run's row in `sync_runs` (None for a dry run).
        would_be: For a dry run, the outcome a real run would have had ("ok" or "unchanged").
    """

    source: str
    outcome: str
    started_at: str
    finished_at: str = ""
    courses_in_feed: int = 0
    changes: Changes = field(default_factory=Changes)
    rejected: List[Rejection] = field(default_factory=list)
    not_modified: bool = False
    error: Optional[str] = None
    run_id: Optional[int] = None
    would_be: Optional[str] = None

    @property
    def partial(self) -> bool:
        """True when the feed was applied (or would be) but some records were rejected."""
        return self.outcome != "failed" and bool(self.rejected)


def sync_catalogue(
    source: Union[str, Path],
    db_path: Union[str, Path],
    *,
    dry_run: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_withdrawal_percent: float = DEFAULT_MAX_WITHDRAWAL_PERCENT,
    allow_mass_withdrawal: bool = False,
    progress: Optional[ProgressCallback] = None,
) -> SyncReport:
    """Brings the catalogue at `db_path` in step with the feed at `source`.

    The feed is fetched (with the ETag / Last-Modified of the last run applied from the same URL,
    so an unchanged feed costs one 304 and writes nothing but its `sync_runs` row), checked, and
    applied in a single transaction, the database's shape and search index included: readers see
    the old catalogue or the new one, never half, and never a catalogue without its index.
    Every run but a dry run adds one row to `sync_runs`, failed ones included.

    Args:
        source: An http(s) URL, a file:// URL or a path to a feed document.
        db_path: The catalogue's SQLite file; created with its folder if missing.
        dry_run: Work out what would change without writing anything, not even `sync_runs`.
        timeout: Seconds per connection attempt and per read.
        retries: Retries after connection errors, timeouts, cut bodies and 429/5xx answers.
        backoff: urllib3's backoff factor: no wait before the first retry, then 2 ×, 4 × this.
            A Retry-After header from the server is honoured instead (at most 60 s).
        deadline: Seconds for the whole fetch, retries included.
        max_bytes: The largest feed accepted, in bytes.
        max_withdrawal_percent: The largest share (0-100) of the active courses a feed may
            withdraw. A first sync, into a catalogue with no active course, is never refused.
        allow_mass_withdrawal: Apply the feed whatever share of the courses it withdraws.
        progress: Called as progress(stage, done, total) on long runs.

    Raises:
        FeedUnreachable: no feed could be fetched; the catalogue is unchanged.
        FeedInvalid: the document is broken as a whole, or too large (FeedTooLarge); the
            catalogue is unchanged.
        MassWithdrawal: the feed would withdraw more than `max_withdrawal_percent` of the active
            courses; the catalogue is unchanged. Dry runs raise it too.
        CatalogueUnavailable: the database cannot be opened or written.
    """
    source = str(source)
    started = time.monotonic()
    report = SyncReport(source=source, outcome="dry_run" if dry_run else "ok", started_at=utc_iso(utc_now()))
    db = copy_db_to_memory(db_path) if dry_run else open_db(db_path)
    try:
        validators = {}
        last = last_applied_run(db)
        if is_url(source) and last and last.get("source") == source:
            validators = {"etag": last.get("etag"), "last_modified": last.get("last_modified")}
        run: Dict[str, Any] = {"source": source, "started_at": report.started_at}
        try:
            fetched = fetch_feed(
                source, timeout=timeout, retries=retries, backoff=backoff, deadline=deadline,
                max_bytes=max_bytes, **validators,
            )
            run["http_status"] = fetched.status
            if fetched.not_modified:
                report.not_modified = True
                report.courses_in_feed = last.get("courses_in_feed") or 0
                run["feed_generated_at"] = last.get("feed_generated_at")
                report.outcome = "dry_run" if dry_run else "unchanged"
                report.would_be = "unchanged"
                run.update(etag=fetched.etag, last_modified=fetched.last_modified)
                with transaction(db):
                    ensure_db_shape(db)
                    _finish(db, report, run, started, dry_run)
                return report
            document = parse_feed(fetched.body, source)
            feed = check_feed(document, progress)
        except (FeedUnreachable, FeedInvalid) as e:
            where = f" (at {e.where})" if getattr(e, "where", None) else ""
            report.outcome, report.error = "failed", f"{e.reason}{where}"
            _record_failure(db, report, run, started, dry_run)
            raise
        report.courses_in_feed = len(feed.courses)
        report.rejected = feed.rejected
        run["feed_generated_at"] = feed.generated_at
        if not feed.rejected:
            # Validators are kept only when every record was applied: after a partial run the
            # feed is read again, so its rejected records are reported again until fixed.
            run.update(etag=fetched.etag, last_modified=fetched.last_modified)
        try:
            # One transaction: the shape (a search index rebuilt for a new version included), the
            # feed and the run's row are committed together, or nothing is.
            with transaction(db):
                ensure_db_shape(db)
                active = active_course_count(db)
                report.changes = save_feed(db, feed, report.started_at, progress)
                withdrawn = len(report.changes.withdrawn)
                if active and not allow_mass_withdrawal and 100 * withdrawn > max_withdrawal_percent * active:
                    raise MassWithdrawal(source, withdrawn, active, max_withdrawal_percent)
                report.would_be = "ok" if report.changes.any else "unchanged"
                report.outcome = "dry_run" if dry_run else report.would_be
                _finish(db, report, run, started, dry_run)
        except MassWithdrawal as e:
            report.changes = Changes()
            report.outcome, report.error = "failed", e.reason
            _record_failure(db, report, run, started, dry_run)
            raise
        return report
    except sqlite3.Error as e:
        raise CatalogueUnavailable(f"cannot use the catalogue at {db_path}: {e}") from e
    finally:
        db.close()


def sync_demo_catalogue(db_path: Union[str, Path], *, dry_run: bool = False, **options: Any) -> SyncReport:
    """Syncs the demo catalogue shipped with the package, its dates moved to be ahead of today.

    The moved copy is written beside the catalogue (`demo-catalogue.json` in its folder), and
    rewritten only when its dates move; a dry run writes it to a temporary folder instead.

    Args:
        db_path: The catalogue's SQLite file.
        dry_run: As for `sync_catalogue`.
        **options: Any other keyword argument of `sync_catalogue`.

    Raises:
        The errors of `sync_catalogue`.
    """
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="catalogue-sync-demo-") as folder:
            copy = write_demo_feed(Path(folder) / DEMO_COPY_NAME)
            return sync_catalogue(copy, db_path, dry_run=True, **options)
    copy = write_demo_feed(Path(db_path).parent / DEMO_COPY_NAME)
    return sync_catalogue(copy, db_path, **options)


def _record_failure(db, report: SyncReport, run: Dict[str, Any], started: float, dry_run: bool) -> None:
    """Records a failed run in `sync_runs`; if even that fails, says so in the report's error."""
    try:
        with transaction(db):
            ensure_db_shape(db)
            _finish(db, report, run, started, dry_run)
    except sqlite3.Error as e:
        # The run failed already; its own error says more than a failure to record it.
        report.error = f"{report.error} (and it could not be recorded: {e})"


def _finish(db, report: SyncReport, run: Dict[str, Any], started: float, dry_run: bool) -> None:
    report.finished_at = utc_iso(utc_now())
    if dry_run:
        return
    changes = report.changes
    run.update(
        finished_at=report.finished_at,
        duration_seconds=round(time.monotonic() - started, 3),
        outcome=report.outcome,
        courses_in_feed=report.courses_in_feed,
        added=len(changes.added),
        updated=len(changes.updated),
        withdrawn=len(changes.withdrawn),
        rejected=len(report.rejected),
        sessions_added=len(changes.sessions_added),
        sessions_updated=len(changes.sessions_updated),
        sessions_cancelled=len(changes.sessions_cancelled),
        error=report.error,
        rejected_details=json.dumps([r.as_dict() for r in report.rejected], ensure_ascii=False)
        if report.rejected else None,
    )
    report.run_id = record_run(db, run)

