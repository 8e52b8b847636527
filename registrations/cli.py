"""The `registrations` command for staff: sessions and bookings, exports, cancels, the outbox, its sender, erasure."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import click

from catalogue_sync.errors import CatalogueUnavailable
from catalogue_sync.read import Catalogue
from registrations.catalogue import default_catalogue_path, sessions_from_catalogue
from registrations.codes import ALPHABET, LENGTH, normalise_reference
from registrations.config import REPO_ROOT, ConfigError, RegistrationsConfig
from registrations.delivery import EmlFileTransport, SmtpTransport, WebhookTransport, transports_from_config
from registrations.sender import DEFAULT_INTERVAL, DEFAULT_LIMIT, run_forever, send_due
from registrations.store import (
    OUTBOX_STATUSES,
    REGISTRATION_STATUSES,
    NotFound,
    Registration,
    RegistrationStore,
    SessionSummary,
    StoreUnavailable,
    default_db_path,
    open_store,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
DEFAULT_TRACKER_DB = REPO_ROOT / "var" / "conversations.db"  # as scripts/run-assistant writes it

EXIT_OK = 0
EXIT_NOT_DONE = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_CONFIG = 4
EXIT_CATALOGUE = 5
EXIT_CODES_HELP = """\b
Exit codes:
  0  done
  1  not done: unknown reference or outbox id, nothing to retry, or "no" at the confirmation
  2  usage error: wrong command, option or argument
  3  the registrations database cannot be opened, read or written (or does not exist yet)
  4  a setting is wrong (SMTP_*, REGISTRATIONS_WEBHOOK_*, OUTBOX_DIR, REMINDER_BEFORE_HOURS)
  5  the catalogue cannot be read (sync-sessions)"""

ACTIVE = ("confirmed", "waiting")
EXPORT_COLUMNS = (
    "reference", "status", "waiting_position", "session_id", "course_id", "course_title_fr", "course_title_nl",
    "session_starts_at", "session_status", "session_change", "first_name", "last_name", "email", "phone",
    "language", "created_at", "confirmed_at", "cancelled_at", "cancelled_by", "replaces",
)
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); a phone
# number ("+32...") is left alone, as a spreadsheet reads it as a number, not a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_OR_NUMBER = re.compile(r"[+-]?[\d .]+")
# The .eml file of an outbox row is named after its key ("booking_confirmed:K7P2QX:email" ->
# "booking_confirmed_K7P2QX_email-<hash>.eml", see EmlFileTransport.path_for): this finds the code.
_EML_REFERENCE = re.compile(rf"_([{ALPHABET}]{{{LENGTH}}})_email(?=[-_.])")


class CommandFailed(click.ClickException):
    """A click error with one of the EXIT_* codes."""

    def __init__(self, message: str, exit_code: int = EXIT_NOT_DONE):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class Settings:
    """What the group's options say, for the commands."""

    db_path: Path


# --- Helpers the commands share -----------------------------------------------------------------


def _config() -> RegistrationsConfig:
    try:
        return RegistrationsConfig.from_env()
    except ConfigError as error:
        raise CommandFailed(str(error), EXIT_CONFIG) from error


def _open(settings: Settings, *, create: bool = False,
          config: Optional[RegistrationsConfig] = None) -> RegistrationStore:
    """The store; a missing file is an error unless `create` (a mistyped --db must not look empty)."""
    if not create and not settings.db_path.exists():
        raise CommandFailed(
            f"No registrations database at {settings.db_path}: check --db or REGISTRATIONS_DB (the bot creates "
            "the file at its first booking; `registrations sync-sessions` creates it too).", EXIT_STORE)
    try:
        return open_store(settings.db_path, reminder_before=(config or _config()).reminder_before)
    except StoreUnavailable as error:
        raise CommandFailed(str(error), EXIT_STORE) from error


def _local(moment: Optional[str]) -> str:
    """An ISO time as people in Brussels read it: "2027-01-12 18:00"."""
    if not moment:
        return "-"
    try:
        return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return moment


def _day(moment: str) -> date:
    """The Brussels date of an ISO time (a session stays listed on its own day)."""
    try:
        return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(BRUSSELS).date()
    except ValueError:
        return date.max  # unreadable: shown rather than hidden


def _title(titles: Dict[str, str]) -> str:
    return titles.get("fr") or titles.get("nl") or next(iter(titles.values()), "")


def _plural(count: int, word: str, plural: Optional[str] = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _registrations(store: RegistrationStore, *, course: Optional[str], session: Optional[str],
                   statuses: Sequence[str]) -> List[Registration]:
    rows = store.registrations(session_id=session, course_id=course)
    return [row for row in rows if row.status in statuses]


def _check_session(summaries: List[SessionSummary], session: Optional[str]) -> None:
    if session is not None and not any(summary.session_id == session for summary in summaries):
        raise CommandFailed(
            f"No session {session!r} in the registrations database: a session is known once someone booked it "
            "or `registrations sync-sessions` read it from the catalogue. `registrations list` shows them.")


def delete_mail_files(directory: Path, references: Iterable[str]) -> int:
    """Deletes the .eml files of these booking references from the outbox folder (they hold a name and
    an address); returns how many. A missing folder has none."""
    wanted = set(references)
    if not wanted or not directory.is_dir():
        return 0
    deleted = 0
    for path in directory.glob("*.eml"):
        match = _EML_REFERENCE.search(path.name)
        if match and match.group(1) in wanted:
            try:
                path.unlink()
                deleted += 1
            except FileNotFoundError:
                pass  # the sender or another erasure removed it meanwhile
    return deleted


def erase_conversations(tracker_db: Path, sender_ids: Sequence[str]) -> Tuple[Optional[int], int]:
    """Deletes these conversations from Rasa's SQL tracker store on SQLite.

    bot/conversations.py does the deleting (BEGIN IMMEDIATE, secure_delete): the one place that
    knows the tracker store's table.

    Returns:
        (conversations that had events, events deleted); (None, 0) when there is no tracker store
        at `tracker_db`.
    """
    from bot.conversations import NoTrackerStore, forget  # the tracker store's keeper; light, no Rasa import

    conversations = events = 0
    for sender_id in sender_ids:
        try:
            deleted = forget(tracker_db, sender_id)
        except NoTrackerStore:
            return None, 0
        conversations += bool(deleted)
        events += deleted
    return conversations, events


def _tracker_report(tracker_db: Path, sender_ids: Sequence[str]) -> str:
    if not sender_ids:
        return "no conversation to delete"
    conversations, events = erase_conversations(tracker_db, sender_ids)
    if conversations is None:
        return (f"{_plural(len(sender_ids), 'conversation')} NOT deleted: no conversation store at {tracker_db} "
                "(give --tracker-db or TRACKER_DB)")
    return f"{_plural(conversations, 'conversation')} deleted ({_plural(events, 'event')})"


db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The registrations database (default: REGISTRATIONS_DB, else var/registrations.db in the checkout).",
)
tracker_option = click.option(
    "--tracker-db", type=click.Path(dir_okay=False, path_type=Path), envvar="TRACKER_DB",
    default=str(DEFAULT_TRACKER_DB), show_default=True,
    help="Rasa's tracker store on SQLite, where the conversations are (env TRACKER_DB).",
)
course_option = click.option("--course", metavar="ID", help="Only this course's sessions.")
session_option = click.option("--session", metavar="ID", help="Only this info session.")
status_option = click.option(
    "--status", "statuses", multiple=True, type=click.Choice(REGISTRATION_STATUSES),
    help="Registrations with this status (repeat for several; default: confirmed and waiting).",
)


# --- The commands -------------------------------------------------------------------------------


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.pass_context
def cli(ctx: click.Context, db_path: Optional[Path]):
    """Info-session registrations for staff: who booked which session, the waiting lists, the
    messages to send (mail, backend webhook), and erasure on request.

    Only `list --people` and `export` show names and addresses; every other command prints
    codes and counts.

    \b
    Examples:
        registrations list
        registrations list --course dh-data-analyst-27 --people
        registrations export --format csv -o inscriptions.csv
        registrations cancel K7P2QX
        registrations outbox --status failed
        registrations send --forever
        registrations forget amina@example.org
    """
    ctx.obj = Settings(db_path=db_path if db_path is not None else default_db_path())


@cli.command(name="list")
@course_option
@session_option
@click.option("--people", is_flag=True, help="Also list the registrations: reference, status, name, email.")
@status_option
@click.option("--past", is_flag=True, help="Also the sessions of earlier days (default: from today on).")
@click.pass_obj
def list_command(settings: Settings, course: Optional[str], session: Optional[str], people: bool,
                 statuses: Tuple[str, ...], past: bool):
    """Sessions with their seats taken, capacity, waiting list and flags.

    Flags: cancelled (by the feed), moved (new date; the old one is shown), missing_from_feed
    (the feed no longer has it: check with the hub before telling anyone), overbooked (the feed
    lowered the capacity below the seats taken). Times are Brussels time.

    \b
    Examples:
        registrations list
        registrations list --course dh-data-analyst-27
        registrations list --session dh-data-analyst-27-is2 --people
        registrations list --people --status waiting
        registrations list --past --course dh-data-analyst-27
    """
    if statuses and not people:
        raise click.UsageError("--status chooses the registrations shown by --people: add --people.")
    with _open(settings) as store:
        summaries = store.session_summaries(course_id=course)
        _check_session(summaries, session)
        today = datetime.now(BRUSSELS).date()
        summaries = [summary for summary in summaries if session == summary.session_id
                     or (session is None and (past or _day(summary.starts_at) >= today))]
        by_session: Dict[str, List[Registration]] = {}
        if people:
            for registration in _registrations(store, course=course, session=session, statuses=statuses or ACTIVE):
                by_session.setdefault(registration.session_id, []).append(registration)
    if not summaries:
        click.echo("No session to show: sessions appear once booked or after `registrations sync-sessions`; "
                   "--past shows those of earlier days.")
        return
    for summary in summaries:
        line = (f"{_local(summary.starts_at)}  {summary.session_id}  {_title(summary.course_title)}  "
                f"seats {summary.confirmed}/{summary.capacity}  waiting {summary.waiting}")
        flags = summary.flags
        if flags:
            shown = [f"moved (was {_local(summary.previous_starts_at)})" if flag == "moved" else flag for flag in flags]
            line += "  [" + ", ".join(shown) + "]"
        click.echo(line)
        for registration in by_session.get(summary.session_id, []):
            status = registration.status
            if status == "waiting":
                status += f" #{registration.position}"
            if registration.session_change:
                status += f" (session {registration.session_change})"
            if status.startswith("erased"):
                person = "(erased)"
            else:
                person = f"{registration.first_name} {registration.last_name}  {registration.email}"
            click.echo(f"    {registration.reference}  {status:<12}  {person}")


@cli.command(name="export")
@click.option("--format", "output_format", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="CSV (one row per registration) or JSON (a list of objects).")
@course_option
@session_option
@status_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (readable by its owner only) instead of the screen.")
@click.pass_obj
def export_command(settings: Settings, output_format: str, course: Optional[str], session: Optional[str],
                   statuses: Tuple[str, ...], output: Optional[Path]):
    """Exports registrations with the people's details, for the hub's staff.

    The file holds names, email addresses and phone numbers: keep it out of shared folders and
    delete it when done. Cells a spreadsheet would run as formulas are prefixed with '.

    \b
    Examples:
        registrations export --format csv -o inscriptions.csv
        registrations export --format json --course dh-data-analyst-27
        registrations export --session dh-data-analyst-27-is2 --status confirmed --status waiting
    """
    with _open(settings) as store:
        if session is not None:
            _check_session(store.session_summaries(), session)
        rows = [_export_row(registration)
                for registration in _registrations(store, course=course, session=session, statuses=statuses or ACTIVE)]
    if output_format == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: _csv_cell(value) for key, value in row.items()} for row in rows)
        text = buffer.getvalue()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        # Created readable by its owner only: it holds personal data.
        handle = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
    except OSError as error:
        raise CommandFailed(f"Cannot write {output}: {error.strerror or error}. Choose another -o path.") from error
    click.echo(f"Wrote {_plural(len(rows), 'registration')} to {output}.", err=True)


def _export_row(registration: Registration) -> Dict[str, object]:
    session = registration.session
    return {
        "reference": registration.reference, "status": registration.status,
        "waiting_position": registration.position, "session_id": session.session_id,
        "course_id": session.course_id, "course_title_fr": session.course_title.get("fr"),
        "course_title_nl": session.course_title.get("nl"), "session_starts_at": session.starts_at,
        "session_status": session.status, "session_change": registration.session_change,
        "first_name": registration.first_name, "last_name": registration.last_name, "email": registration.email,
        "phone": registration.phone, "language": registration.language, "created_at": registration.created_at,
        "confirmed_at": registration.confirmed_at, "cancelled_at": registration.cancelled_at,
        "cancelled_by": registration.cancelled_by, "replaces": registration.replaces,
    }


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE_OR_NUMBER.fullmatch(value):
        return "'" + value
    return value


@cli.command(name="cancel")
@click.argument("reference")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def cancel_command(settings: Settings, reference: str, yes: bool):
    """Cancels a booking (or a waiting-list place) for staff; the person is told by email.

    The freed seat goes to the first person on the session's waiting list, who gets an email too.
    REFERENCE is the code of the confirmation email; case, spaces and dashes do not matter.

    \b
    Examples:
        registrations cancel K7P2QX
        registrations cancel k7p-2qx --yes
    """
    config = _config()
    with _open(settings, config=config) as store:
        registration = store.get(reference)
        if registration is None or registration.status == "erased":
            raise CommandFailed(str(NotFound.for_reference(normalise_reference(reference))))
        what = (f"{registration.reference}: {registration.status} for {registration.session_id} "
                f"({_title(registration.session.course_title)}, {_local(registration.session.starts_at)})")
        if registration.status == "cancelled":
            click.echo(f"{what}: already cancelled, nothing to do.")
            return
        click.echo(what)
        if not yes:
            click.confirm("Cancel it and tell the person by email?", abort=True)
        try:
            result = store.cancel_as_staff(registration.reference)
        except NotFound as error:  # erased between the question and the answer
            raise CommandFailed(str(error)) from error
    message = f"Cancelled {result.registration.reference}."
    if result.promoted:
        message += f" The seat went to {result.promoted}, first on the waiting list (told by email)."
    click.echo(message)


@cli.command(name="outbox")
@click.option("--status", type=click.Choice(OUTBOX_STATUSES), help="Only rows with this status.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Newest rows shown.")
@click.pass_obj
def outbox_command(settings: Settings, status: Optional[str], limit: int):
    """The messages waiting, sent, failed or cancelled (newest first), without personal data.

    Each row: id, kind (email or webhook), event, booking reference, status, tries, when it is
    (or was) due, Brussels time, and the last error. A failed row was given up: fix the cause,
    then `registrations retry`.

    \b
    Examples:
        registrations outbox
        registrations outbox --status failed
        registrations outbox --status pending --limit 200
    """
    with _open(settings) as store:
        counts = store.outbox_counts()
        rows = store.outbox(status, limit=limit)
    click.echo("Outbox: " + ", ".join(f"{counts[name]} {name}" for name in OUTBOX_STATUSES))
    if not rows:
        return
    click.echo(f"{'id':>6}  {'kind':<7}  {'event':<17}  {'reference':<9}  {'status':<9}  {'tries':>5}  "
               f"{'due':<16}  last error")
    for row in rows:
        click.echo(f"{row.id:>6}  {row.kind:<7}  {row.event:<17}  {row.reference or '-':<9}  {row.status:<9}  "
                   f"{row.attempts:>5}  {_local(row.due_at):<16}  {row.last_error or ''}")


@cli.command(name="retry")
@click.argument("item_id", metavar="ID", type=int, required=False)
@click.option("--all-failed", is_flag=True, help="Every failed row.")
@click.pass_obj
def retry_command(settings: Settings, item_id: Optional[int], all_failed: bool):
    """Puts failed outbox rows back in the queue, due now, their tries counted from zero.

    The sender (`registrations send`, or the one the assistant runs) delivers them at its next pass.

    \b
    Examples:
        registrations retry 42
        registrations retry --all-failed
    """
    if (item_id is None) == (not all_failed):
        raise click.UsageError("Give one outbox row ID, or --all-failed (not both).")
    with _open(settings) as store:
        try:
            count = store.retry_outbox(item_id)
        except NotFound as error:
            raise CommandFailed(str(error)) from error
    if item_id is not None and not count:
        raise CommandFailed(f"Outbox row {item_id} has not failed (pending, sent or cancelled): nothing to retry. "
                            "`registrations outbox` shows its status.")
    click.echo(f"{_plural(count, 'row')} back in the queue.")


@cli.command(name="send")
@click.option("--once/--forever", default=True, show_default=True,
              help="One pass over the due rows, or passes until stopped (Ctrl-C or SIGTERM).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=DEFAULT_INTERVAL, show_default=True,
              help="Seconds between passes, with --forever.")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="Rows at most per pass.")
@click.option("--catalogue", "catalogue_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The catalogue, for the hub's contact lines in mails (default CATALOGUE_DB, else "
                   "var/catalogue.db in the checkout).")
@click.pass_obj
def send_command(settings: Settings, once: bool, interval: float, limit: int, catalogue_path: Optional[Path]):
    """Delivers the outbox: mails (SMTP, or .eml files without SMTP_HOST) and backend webhook events.

    Settings come from the environment: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_FROM,
    SMTP_STARTTLS, SMTP_SSL, OUTBOX_DIR, REGISTRATIONS_WEBHOOK_URL, REGISTRATIONS_WEBHOOK_SECRET.
    A failed try is retried later (30 s, 1 min, 2 min... up to hourly); logs give counts, codes
    and events, never a name or an address.

    \b
    Examples:
        registrations send
        registrations send --forever --interval 10
        SMTP_HOST=smtp.example.org SMTP_USER=hub SMTP_PASSWORD=... SMTP_FROM='Hub <inscriptions@hub.example>' \\
            registrations send --forever
    """
    config = _config()
    organisation = None
    catalogue = Catalogue(catalogue_path or default_catalogue_path())
    try:
        organisation = catalogue.organisation()
    except CatalogueUnavailable:
        click.echo(f"Note: no catalogue at {catalogue.path}: mails go without the hub's contact lines.", err=True)
    transports = transports_from_config(config, organisation=organisation)
    click.echo(_describe(transports), err=True)
    # The package's own log (counts, codes, events) on stderr while the command runs; the root
    # logger is left alone, so a caller's logging is not changed.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    package_logger = logging.getLogger("registrations")
    previous_level = package_logger.level
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    try:
        with _open(settings, create=True, config=config) as store:
            if once:
                try:
                    report = send_due(store, transports, limit=limit)
                except StoreUnavailable as error:
                    raise CommandFailed(str(error), EXIT_STORE) from error
                click.echo(f"Outbox: {report}.")
                return
            stop = threading.Event()

            def stop_sending(signum, frame):
                stop.set()

            previous = {sig: signal.signal(sig, stop_sending) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                run_forever(store, transports, interval=interval, stop_event=stop, limit=limit)
            finally:
                for sig, old_handler in previous.items():
                    signal.signal(sig, old_handler)
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous_level)
    click.echo("Sender stopped.", err=True)


def _describe(transports) -> str:
    email = transports.get("email")
    if isinstance(email, SmtpTransport):
        mail = f"mails through {email.config.smtp_host}:{email.config.smtp_port}"
    elif isinstance(email, EmlFileTransport):
        mail = f"mails written as .eml files in {email.directory} (no SMTP_HOST)"
    else:
        mail = "no mail transport"
    webhook = transports.get("webhook")
    # The host only: the URL's path or query may carry a token.
    hook = (f"events to the webhook at {urlsplit(webhook.url).hostname}" if isinstance(webhook, WebhookTransport)
            else "no webhook")
    return f"Sending: {mail}; {hook}."


@cli.command(name="sync-sessions")
@click.option("--catalogue", "catalogue_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The synced catalogue (default CATALOGUE_DB, else var/catalogue.db in the checkout).")
@click.pass_obj
def sync_sessions_command(settings: Settings, catalogue_path: Optional[Path]):
    """Reads the catalogue's info sessions into the registrations database.

    Run it after each catalogue sync. A session the feed cancelled or moved keeps its
    registrations, which are marked, and each person gets an email (through the outbox); a
    capacity increase gives seats to the waiting list; a session still to come that the feed no
    longer has is flagged missing_from_feed, without telling anyone.

    \b
    Examples:
        registrations sync-sessions
        catalogue-sync sync https://hub.example/feed.json && registrations sync-sessions --catalogue var/catalogue.db
    """
    catalogue = Catalogue(catalogue_path or default_catalogue_path())
    try:
        sessions = sessions_from_catalogue(catalogue)
    except CatalogueUnavailable as error:
        raise CommandFailed(f"{error}. Give --catalogue or CATALOGUE_DB.", EXIT_CATALOGUE) from error
    config = _config()
    with _open(settings, create=True, config=config) as store:
        try:
            result = store.sync_sessions(sessions)
        except StoreUnavailable as error:
            raise CommandFailed(str(error), EXIT_STORE) from error
    parts = [f"{result.added} new, {result.updated} changed"]
    for label, ids in (("cancelled", result.cancelled), ("moved", result.moved), ("scheduled again", result.reinstated),
                       ("missing from the feed", result.missing), ("back in the feed", result.back_in_feed)):
        if ids:
            parts.append(f"{label}: {', '.join(ids)}")
    if result.promoted:
        parts.append(f"{_plural(len(result.promoted), 'person', 'people')} given a seat from a waiting list")
    if result.notified:
        parts.append(f"{_plural(result.notified, 'registration')} told by email")
    click.echo(f"Read {_plural(len(sessions), 'session')} from {catalogue.path}: {'; '.join(parts)}.")


@cli.command(name="forget")
@click.argument("email")
@tracker_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def forget_command(settings: Settings, email: str, tracker_db: Path, yes: bool):
    """Erases a person on request: registrations, messages, mail files and conversations.

    Their future bookings are cancelled (the seats go to the waiting lists, the backend is told
    without personal data), every registration of theirs is anonymised (the counts stay), their
    outbox rows and .eml files (OUTBOX_DIR) are deleted, and so are their conversations in the
    assistant's tracker store. Prints counts only.

    \b
    Examples:
        registrations forget amina@example.org
        registrations forget amina@example.org --yes --tracker-db /srv/assistant/var/conversations.db
    """
    key = email.strip().lower()
    if "@" not in key:
        raise click.BadParameter("give the email address the person registered with.", param_hint="EMAIL")
    config = _config()
    with _open(settings, config=config) as store:
        references = [row.reference for row in store.registrations() if (row.email or "").strip().lower() == key]
        if not references:
            click.echo("No registration has this email address: nothing erased.")
            return
        if not yes:
            click.confirm(f"Erase {_plural(len(references), 'registration')} of this person, their messages and "
                          "conversations? This cannot be undone.", abort=True)
        # Files first: if the erasure then fails, running it again finds the person still there.
        files = delete_mail_files(config.outbox_dir, references)
        result = store.forget(key)
        # A sender may have written a file between the two steps.
        files += delete_mail_files(config.outbox_dir, references)
    click.echo(
        f"Erased {_plural(result.registrations_erased, 'registration')}: "
        f"{_plural(result.bookings_cancelled, 'future booking')} cancelled, "
        f"{_plural(result.waiting_removed, 'waiting-list place')} removed, "
        f"{_plural(len(result.promoted), 'seat')} given to the waiting list; "
        f"{_plural(result.outbox_deleted, 'outbox message')} and {_plural(files, 'mail file')} deleted; "
        f"{_tracker_report(tracker_db, result.sender_ids)}."
    )


@cli.command(name="retention")
@click.option("--days", type=click.IntRange(min=0), required=True, envvar="REGISTRATIONS_RETENTION_DAYS",
              help="Keep the people's details this many days after their session (env REGISTRATIONS_RETENTION_DAYS).")
@tracker_option
@click.pass_obj
def retention_command(settings: Settings, days: int, tracker_db: Path):
    """Anonymises the registrations of sessions over for more than DAYS days.

    Names, addresses and phones go; the counts per session stay. Their outbox rows, .eml files
    and conversations are deleted too. Run it daily, e.g. from cron. Prints counts only.

    \b
    Examples:
        registrations retention --days 90
        15 4 * * *  cd /srv/assistant && .venv/bin/registrations retention --days 90
    """
    config = _config()
    with _open(settings, config=config) as store:
        result = store.forget_older_than(days)
        erased = [row.reference for row in store.registrations(status="erased")]
    files = delete_mail_files(config.outbox_dir, erased)
    click.echo(
        f"Anonymised {_plural(result.registrations_erased, 'registration')} of sessions over for more than "
        f"{_plural(days, 'day')}; {_plural(result.outbox_deleted, 'outbox message')} and "
        f"{_plural(files, 'mail file')} deleted; {_tracker_report(tracker_db, result.sender_ids)}."
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
