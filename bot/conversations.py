"""Retention and erasure of the conversations that Rasa keeps in its SQLite tracker store.

Rasa's SQL tracker store (`TRACKER_DB`, written by `make run`) keeps every event of every
conversation in one table, `events`, one row per event, with the conversation's `sender_id`, the
event's `type_name` ("session_started", "user", "slot"...) and its `timestamp` (seconds since the
epoch). Rasa has no API to delete a conversation: these functions delete its rows, in one
transaction that waits for Rasa's writes (`BEGIN IMMEDIATE`, busy timeout) and overwrites the freed
space (`secure_delete`), so the text of a deleted message does not linger in the file.

They report counts only, never what was said.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Union

import click

DEFAULT_TRACKER_DB = Path("var") / "conversations.db"
DEFAULT_RETENTION_DAYS = 90
# Rasa may hold the write lock for the length of one turn; a purge waits for it rather than fail.
BUSY_TIMEOUT_SECONDS = 30.0
SECONDS_PER_DAY = 86400

PathLike = Union[str, "os.PathLike[str]"]


class NoTrackerStore(Exception):
    """The file is not a tracker store Rasa has written: missing, or without an `events` table."""


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or would delete, in a dry run).

    Attributes:
        conversations_deleted: senders whose last event was older than the cutoff, deleted whole.
        conversations_trimmed: senders still active whose earlier sessions were deleted.
        events_deleted: rows deleted in all.
        cutoff: the epoch time before which conversation data is deleted.
    """

    conversations_deleted: int
    conversations_trimmed: int
    events_deleted: int
    cutoff: float


def connect(db_path: PathLike) -> sqlite3.Connection:
    """Opens an existing tracker store for writing, in autocommit mode (transactions are explicit).

    Raises:
        NoTrackerStore: the file does not exist, or has no `events` table.
    """
    path = Path(db_path)
    if not path.is_file():
        raise NoTrackerStore(f"No tracker database at {path}")
    # mode=rw: a mistyped path must not create an empty database that "purges" nothing.
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True,
                         timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        has_events = db.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'events'").fetchone()
    except sqlite3.DatabaseError as error:
        db.close()
        raise NoTrackerStore(f"{path} is not a SQLite database ({error})") from error
    if not has_events:
        db.close()
        raise NoTrackerStore(f"{path} has no 'events' table: it is not a Rasa SQL tracker store")
    db.execute("pragma secure_delete = on")
    return db


# Events of a sender still active that belong to sessions over before the cutoff. A session runs
# from its `session_started` event to the next one; the first session with an event at or after the
# cutoff is kept whole, and so is everything after it. Timestamps, not ids, delimit sessions, as
# in Rasa's own query (rasa/core/tracker_store.py, SQLTrackerStore._event_query).
_EARLIER_SESSIONS = """
with first_recent as (
    select sender_id, min(timestamp) as first_recent
    from events where timestamp >= :cutoff group by sender_id
), kept_from as (
    select f.sender_id, (
        select max(s.timestamp) from events s
        where s.sender_id = f.sender_id and s.type_name = 'session_started'
          and s.timestamp <= f.first_recent
    ) as session_start
    from first_recent f
)
select e.id, e.sender_id from events e join kept_from k on k.sender_id = e.sender_id
where k.session_start is not null and e.timestamp < k.session_start
"""

_INACTIVE_SENDERS = """
select sender_id from events group by sender_id having max(timestamp) < :cutoff
"""


@contextmanager
def _deleting(db_path: PathLike, dry_run: bool) -> Iterator[sqlite3.Connection]:
    """One write transaction on the tracker store: committed, or rolled back for a dry run or an error."""
    db = connect(db_path)
    try:
        db.execute("begin immediate")
        try:
            yield db
        except BaseException:
            db.execute("rollback")
            raise
        db.execute("rollback" if dry_run else "commit")
    finally:
        db.close()


def purge(db_path: PathLike, days: int = DEFAULT_RETENTION_DAYS, now: Optional[float] = None,
          dry_run: bool = False) -> PurgeReport:
    """Deletes the conversation data older than `days`.

    A sender whose last event is older than the cutoff is deleted entirely. For a sender still
    active, the sessions that ended before the cutoff are deleted; the session that spans the
    cutoff and the later ones are kept whole, so the conversation goes on as before.

    Args:
        db_path: the tracker store's SQLite file.
        days: how many days of conversations to keep (at least 1).
        now: the current epoch time (tests pass one); `time.time()` by default.
        dry_run: count what would be deleted, and delete nothing.

    Returns:
        The counts of what was deleted.

    Raises:
        NoTrackerStore: the file is not a tracker store.
        ValueError: `days` is below 1.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    with _deleting(db_path, dry_run) as db:
        inactive = [row[0] for row in db.execute(_INACTIVE_SENDERS, {"cutoff": cutoff})]
        events_deleted = 0
        for sender_id in inactive:
            events_deleted += db.execute("delete from events where sender_id = ?", (sender_id,)).rowcount
        earlier = db.execute(_EARLIER_SESSIONS, {"cutoff": cutoff}).fetchall()
        trimmed = {sender_id for _, sender_id in earlier}
        db.executemany("delete from events where id = ?", [(event_id,) for event_id, _ in earlier])
        events_deleted += len(earlier)
    return PurgeReport(conversations_deleted=len(inactive), conversations_trimmed=len(trimmed),
                       events_deleted=events_deleted, cutoff=cutoff)


def forget(db_path: PathLike, sender_id: str, dry_run: bool = False) -> int:
    """Deletes every event of one conversation (an erasure request).

    Args:
        db_path: the tracker store's SQLite file.
        sender_id: the conversation's id (the REST channel's `sender`, the socket.io session id).
        dry_run: count what would be deleted, and delete nothing.

    Returns:
        The number of events deleted (0 when there was no such conversation).

    Raises:
        NoTrackerStore: the file is not a tracker store.
    """
    with _deleting(db_path, dry_run) as db:
        return db.execute("delete from events where sender_id = ?", (sender_id,)).rowcount


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False), envvar="TRACKER_DB",
    default=str(DEFAULT_TRACKER_DB), show_default=True,
    help="The tracker store's SQLite file, as `make run` uses it (env TRACKER_DB).",
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Count what would be deleted, and delete nothing.")


def _open_error(error: NoTrackerStore) -> click.ClickException:
    return click.ClickException(
        f"{error}. Point --db (or TRACKER_DB) at the file the assistant writes "
        f"(`make run` uses {DEFAULT_TRACKER_DB} by default).")


@click.group()
def cli():
    """Deletes old or requested conversations from the assistant's tracker store.

    Conversations hold what jobseekers wrote (their age, where they live...). `purge` keeps them
    CONVERSATION_RETENTION_DAYS days (90 by default); `forget` deletes one person's conversation
    on request. Both print counts only, never what was said.

    \b
    Examples:
        conversations purge
        conversations forget 3f2a9c0d-me
    """


@cli.command(name="purge")
@db_option
@click.option("--days", type=click.IntRange(min=1), envvar="CONVERSATION_RETENTION_DAYS",
              default=DEFAULT_RETENTION_DAYS, show_default=True,
              help="Days of conversations to keep (env CONVERSATION_RETENTION_DAYS).")
@dry_run_option
def purge_command(db_path: str, days: int, dry_run: bool):
    """Deletes conversation data older than the retention period.

    A conversation whose last message is older than --days is deleted whole. For a conversation
    still going on, its sessions that ended before then are deleted; the rest is kept, so the
    person can carry on. Safe to run while the assistant runs (it waits for the assistant's
    writes). Run it daily, e.g. from cron.

    \b
    Examples:
        conversations purge
        conversations purge --days 30 --db /srv/assistant/var/conversations.db
        conversations purge --dry-run
    """
    try:
        report = purge(db_path, days=days, dry_run=dry_run)
    except NoTrackerStore as error:
        raise _open_error(error) from error
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {_plural(report.events_deleted, 'event')} older than {days} days: "
               f"{_plural(report.conversations_deleted, 'conversation')} whole, and earlier sessions "
               f"of {_plural(report.conversations_trimmed, 'conversation')} still going on.")


@cli.command(name="forget")
@click.argument("sender_id")
@db_option
@dry_run_option
def forget_command(sender_id: str, db_path: str, dry_run: bool):
    """Deletes one conversation entirely, on the person's request.

    SENDER_ID is the conversation's id: the `sender` the website or the counsellor tool sent to
    the REST channel, or the socket.io session id.

    \b
    Examples:
        conversations forget 3f2a9c0d-me
        conversations forget 3f2a9c0d-me --db /srv/assistant/var/conversations.db
    """
    try:
        deleted = forget(db_path, sender_id, dry_run=dry_run)
    except NoTrackerStore as error:
        raise _open_error(error) from error
    if not deleted:
        click.echo("No conversation has this id: nothing deleted (already purged, or check the id).")
        return
    click.echo(f"{'Would delete' if dry_run else 'Deleted'} {_plural(deleted, 'event')} of this conversation.")


if __name__ == "__main__":
    cli()
