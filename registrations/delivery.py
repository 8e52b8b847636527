"""Delivering outbox items: mail over SMTP or as .eml files, events to the hub's backend webhook, and retry timing."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Protocol
from urllib.parse import urlsplit

import requests

from registrations.config import DEFAULT_SMTP_FROM, RegistrationsConfig
from registrations.messages import render_email, render_webhook

logger = logging.getLogger(__name__)

# 30 s, 1 min, 2 min, 4 min ... then every hour: a mail server restarting is caught within
# seconds, a backend down for a night does not get hammered.
BACKOFF_START = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
# About three days of tries (7 in the first hour, then hourly): long enough for a weekend outage
# of the backend, after which staff see the row as failed in the CLI and can retry it.
MAX_ATTEMPTS = 80
USER_AGENT = "brussels-jobseeker-assistant-registrations/1"
# SMTP answers often quote the address they refuse; it must not reach logs or the outbox's last_error.
_ADDRESS = re.compile(r"[^\s<>\"'@]+@[^\s<>\"'@]+")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class DeliveryError(Exception):
    """An outbox item could not be delivered; `permanent` says that trying again cannot help.

    Attributes:
        permanent: True when the receiver refused this very item (unknown mailbox, 4xx from the
            backend): retrying sends the same thing to the same refusal.
        retry_after: How long the receiver asked us to wait (HTTP Retry-After), or None.
    """

    def __init__(self, message: str, permanent: bool = False, retry_after: Optional[timedelta] = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Transport(Protocol):
    """Something that delivers one outbox item or raises DeliveryError.

    An item is anything with the attributes of `registrations.store.OutboxItem`: id, kind, event,
    idempotency_key, payload (dict), attempts. The sender loop marks the row sent when `deliver`
    returns, or failed with `retry_at(item.attempts + 1, error, now)` as the next try (None: give up).
    """

    def deliver(self, item: Any) -> None:
        """Delivers the item; returns only once the receiver has accepted it."""


def item_label(item: Any) -> str:
    """What logs and errors may say about an item: its event and reference ("booking_confirmed K7P2QX")."""
    reference = (getattr(item, "payload", None) or {}).get("reference") or "?"
    return f"{getattr(item, 'event', '?')} {reference}"


class _EmailTransport:
    """What both mail transports share: turning an item into its mail."""

    def __init__(self, sender: str, organisation: Optional[Mapping[str, Any]] = None,
                 privacy_url: Optional[str] = None):
        self.sender = sender
        self.organisation = organisation
        self.privacy_url = privacy_url

    def compose(self, item: Any) -> EmailMessage:
        """The mail for an item.

        Raises:
            DeliveryError: permanent, when the payload cannot make a mail (unknown event, no
                address): it will not get better by waiting.
        """
        try:
            return render_email(item.payload, sender=self.sender, organisation=self.organisation,
                                privacy_url=self.privacy_url)
        except ValueError as error:
            # render_email's messages name the event, reference and field, never the person.
            raise DeliveryError(f"{item_label(item)}: the mail could not be written: {error}", permanent=True) from None
        except Exception as error:
            # A fault in this code, not in the payload: retried, so a fixed release sends the mail. Only the
            # type is shown, as another exception's text may quote the payload.
            raise DeliveryError(f"{item_label(item)}: the mail could not be written ({type(error).__name__}); "
                                f"see registrations/messages.py") from None


class SmtpTransport(_EmailTransport):
    """Sends each mail through the SMTP server of the configuration (one connection per mail).

    Args:
        config: SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SMTP_STARTTLS, SMTP_SSL, SMTP_TIMEOUT.
        organisation: The hub's details from the catalogue, for the contact lines and Reply-To.
    """

    def __init__(self, config: RegistrationsConfig, *, organisation: Optional[Mapping[str, Any]] = None):
        if not config.smtp_host:
            raise ValueError("SmtpTransport needs SMTP_HOST; without it use EmlFileTransport (transports_from_config chooses)")
        super().__init__(config.smtp_from, organisation, config.privacy_notice_for(organisation))
        self.config = config

    def deliver(self, item: Any) -> None:
        """Sends the item's mail; the mail's Message-ID comes from the item's idempotency key.

        Raises:
            DeliveryError: permanent when the server refuses this recipient or this message with a
                5xx answer; temporary for everything a later try can fix: server down, timeouts,
                4xx answers, and configuration faults (login, STARTTLS, sender) that staff fix.
        """
        message = self.compose(item)
        recipient = message["To"].addresses[0].addr_spec
        label = item_label(item)
        config = self.config
        try:
            smtp = self._connect()
            try:
                if config.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if config.smtp_user:
                    smtp.login(config.smtp_user, config.smtp_password or "")
                smtp.send_message(message, from_addr=parseaddr(config.smtp_from)[1], to_addrs=[recipient])
            finally:
                _close(smtp)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise DeliveryError(f"{label}: the mail server refused the recipient ({code} {_server_text(text)})",
                                permanent=code >= 500) from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"{label}: the mail server refused the login ({error.smtp_code} "
                                f"{_server_text(error.smtp_error)}): check SMTP_USER and SMTP_PASSWORD") from None
        except smtplib.SMTPSenderRefused as error:
            raise DeliveryError(f"{label}: the mail server refused the sender address ({error.smtp_code} "
                                f"{_server_text(error.smtp_error)}): check SMTP_FROM") from None
        except smtplib.SMTPDataError as error:
            raise DeliveryError(f"{label}: the mail server refused the message ({error.smtp_code} "
                                f"{_server_text(error.smtp_error)})", permanent=error.smtp_code >= 500) from None
        except smtplib.SMTPNotSupportedError as error:
            raise DeliveryError(f"{label}: the mail server at {self._where()} does not offer what the settings ask "
                                f"({error}): check SMTP_STARTTLS, SMTP_SSL and SMTP_USER") from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"{label}: the mail server at {self._where()} answered {error.smtp_code} "
                                f"{_server_text(error.smtp_error)}") from None
        except smtplib.SMTPServerDisconnected as error:
            # smtplib reports a read that timed out as a disconnection ("... closed: timed out").
            if isinstance(error.__context__, (socket.timeout, TimeoutError)) or "timed out" in str(error):
                raise DeliveryError(f"{label}: no answer from the mail server at {self._where()} within "
                                    f"{config.smtp_timeout:g} s") from None
            raise DeliveryError(f"{label}: the mail server at {self._where()} closed the connection") from None
        except (socket.timeout, TimeoutError):
            raise DeliveryError(f"{label}: no answer from the mail server at {self._where()} within "
                                f"{config.smtp_timeout:g} s") from None
        except ssl.SSLError as error:
            raise DeliveryError(f"{label}: TLS with the mail server at {self._where()} failed ({error.reason}): "
                                f"check SMTP_PORT, SMTP_SSL and SMTP_STARTTLS") from None
        except ConnectionRefusedError:
            raise DeliveryError(f"{label}: nothing accepts connections at {self._where()} (mail server down?)") from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"{label}: the mail server at {self._where()} could not be reached "
                                f"({type(error).__name__}: {_server_text(str(error))})") from None
        logger.info("sent %s by mail (%s)", label, message["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        if config.smtp_ssl:
            return smtplib.SMTP_SSL(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout,
                                    context=ssl.create_default_context())
        return smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout)

    def _where(self) -> str:
        return f"{self.config.smtp_host}:{self.config.smtp_port}"


class EmlFileTransport(_EmailTransport):
    """Writes each mail as `<idempotency key>.eml` in a directory, instead of sending it.

    The `make run` default: a newcomer opens the files with a mail client (or reads them) to see what
    a person would receive. A file that exists already means the mail was delivered: nothing is
    rewritten, so a retry after a crash leaves one file.

    Args:
        directory: Where the files go (created if missing); OUTBOX_DIR, default var/outbox.
        sender: The From header.
        organisation: The hub's details, for the contact lines and Reply-To.
        privacy_url: The privacy notice's address, linked at the end of each mail.
    """

    def __init__(self, directory, *, sender: str = DEFAULT_SMTP_FROM,
                 organisation: Optional[Mapping[str, Any]] = None, privacy_url: Optional[str] = None):
        super().__init__(sender, organisation, privacy_url)
        self.directory = Path(directory)

    def path_for(self, idempotency_key: str) -> Path:
        """The file of an outbox key (`forget` deletes it: the file holds the person's name and address).

        The key made safe for every filesystem ("booking_confirmed:K7P2QX:email" ->
        "booking_confirmed_K7P2QX_email-<hash>.eml"); the short hash of the original key keeps two keys
        that differ only in unsafe characters apart.
        """
        safe = _SAFE_NAME.sub("_", idempotency_key).strip("._") or "item"
        if safe != idempotency_key or len(safe) > 120:
            safe = f"{safe[:120]}-{hashlib.sha256(idempotency_key.encode('utf-8')).hexdigest()[:10]}"
        return self.directory / f"{safe}.eml"

    def deliver(self, item: Any) -> None:
        """Writes the item's mail atomically (a temporary file renamed into place), once per key.

        Raises:
            DeliveryError: temporary when the directory cannot be written (full disk, permissions);
                permanent when the payload cannot make a mail.
        """
        path = self.path_for(item.idempotency_key)
        label = item_label(item)
        if path.exists():
            logger.info("%s was written before as %s; not written again", label, path.name)
            return
        data = self.compose(item).as_bytes()
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # mkstemp makes the file readable by its owner only: it holds a name and an address.
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".eml.part")
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            # The rename is atomic: a reader (or a crash) sees no file or the whole file, never half.
            os.replace(temporary, path)
            temporary = None
        except OSError as error:
            raise DeliveryError(f"{label}: could not write {path.name} in {self.directory} "
                                f"({error.strerror or error}): check OUTBOX_DIR and the free space") from None
        finally:
            if temporary:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass
        logger.info("wrote %s as %s", label, path)


class WebhookTransport:
    """POSTs each event's JSON to the hub's backend, signed, with the outbox key as Idempotency-Key.

    Each request carries `Idempotency-Key` (the outbox key: the same on every retry) and
    `X-Signature-SHA256`, the hex HMAC-SHA256 of the exact body bytes keyed with
    REGISTRATIONS_WEBHOOK_SECRET. The backend verifies before parsing:

        expected = hmac.new(secret.encode(), request_body_bytes, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, request.headers["X-Signature-SHA256"])

    then answers 2xx once the event is stored, and 2xx again for a key it already has (a retry
    after a lost answer). No timestamp is signed: a replayed body repeats a known key, which the
    backend ignores like any retry. `verify_signature` does the check for Python backends and tests.

    Args:
        url: REGISTRATIONS_WEBHOOK_URL.
        secret: REGISTRATIONS_WEBHOOK_SECRET, the HMAC key.
        timeout: Seconds to connect and to wait for the answer.
        session: A requests.Session to reuse connections (one per sender thread); a new one by default.
    """

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0, session: Optional[requests.Session] = None):
        if not secret:
            raise ValueError("WebhookTransport needs a secret (REGISTRATIONS_WEBHOOK_SECRET) to sign events")
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.session = session or requests.Session()
        # Errors name the host only: a webhook URL may carry a token in its path or query.
        self._host = urlsplit(url).hostname or "the webhook"

    def deliver(self, item: Any) -> None:
        """Posts the item's event; returns when the backend answered 2xx.

        Raises:
            DeliveryError: permanent for a 4xx answer other than 408 and 429 (the backend refuses
                this event); temporary for 5xx, 408, 429, redirects, timeouts and connection
                errors, with `retry_after` when the backend sent Retry-After.
        """
        label = item_label(item)
        try:
            body = render_webhook(item.payload)
        except ValueError as error:
            raise DeliveryError(f"{label}: the event could not be written: {error}", permanent=True) from None
        except TypeError as error:  # a value JSON cannot carry; its text may quote the payload
            raise DeliveryError(f"{label}: the event could not be written as JSON ({type(error).__name__})",
                                permanent=True) from None
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": item.idempotency_key,
            "X-Signature-SHA256": sign(body, self.secret),
            "X-Registrations-Event": str(item.event),
            "User-Agent": USER_AGENT,
        }
        try:
            # No redirects: requests would turn a redirected POST into a GET without the body.
            with self.session.post(self.url, data=body, headers=headers, timeout=self.timeout,
                                   allow_redirects=False) as response:
                status = response.status_code
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except requests.Timeout:
            raise DeliveryError(f"{label}: no answer from the webhook at {self._host} within {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise DeliveryError(f"{label}: could not connect to the webhook at {self._host}") from None
        except requests.RequestException as error:
            raise DeliveryError(f"{label}: the webhook at {self._host} failed ({type(error).__name__})") from None
        if 200 <= status < 300:
            logger.info("sent %s to the webhook (%s)", label, status)
            return
        if 300 <= status < 400:
            raise DeliveryError(f"{label}: the webhook at {self._host} answered {status} (a redirect): "
                                f"set REGISTRATIONS_WEBHOOK_URL to the final address", retry_after=retry_after)
        if 400 <= status < 500 and status not in (408, 429):
            raise DeliveryError(f"{label}: the webhook at {self._host} refused the event ({status}); "
                                f"a 401/403 may mean REGISTRATIONS_WEBHOOK_SECRET differs from the backend's",
                                permanent=True)
        raise DeliveryError(f"{label}: the webhook at {self._host} answered {status}", retry_after=retry_after)


def sign(body: bytes, secret: str) -> str:
    """The X-Signature-SHA256 of a body: hex HMAC-SHA256 of the exact bytes, keyed with the secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, signature: Optional[str]) -> bool:
    """Whether a received body carries a valid X-Signature-SHA256 (constant-time comparison)."""
    return bool(signature) and hmac.compare_digest(sign(body, secret), signature.strip().lower())


def transports_from_config(config: RegistrationsConfig, *,
                           organisation: Optional[Mapping[str, Any]] = None) -> Dict[str, Transport]:
    """The transport for each outbox kind the configuration can deliver.

    Args:
        config: The registrations settings.
        organisation: The hub's details from the catalogue (contact lines, Reply-To, privacy link).

    Returns:
        {"email": SmtpTransport when SMTP_HOST is set, else EmlFileTransport(OUTBOX_DIR),
         "webhook": WebhookTransport only when REGISTRATIONS_WEBHOOK_URL is set}.
    """
    transports: Dict[str, Transport] = {}
    if config.uses_smtp:
        transports["email"] = SmtpTransport(config, organisation=organisation)
    else:
        transports["email"] = EmlFileTransport(config.outbox_dir, sender=config.smtp_from, organisation=organisation,
                                               privacy_url=config.privacy_notice_for(organisation))
    if config.webhook_url:
        transports["webhook"] = WebhookTransport(config.webhook_url, config.webhook_secret,
                                                 timeout=config.webhook_timeout)
    return transports


def next_retry(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, 4 min ... at most 1 h.

    Args:
        attempts: Failed tries so far, counting the one that just failed (1 after the first).
    """
    doublings = min(max(attempts, 1) - 1, 20)  # 2**20 * 30 s is far past the cap already
    return min(BACKOFF_START * (2 ** doublings), BACKOFF_CAP)


def retry_at(attempts: int, error: DeliveryError, now: datetime) -> Optional[datetime]:
    """When to try an item again after `error`, or None to give up (`outbox_failed`'s retry_at).

    Args:
        attempts: Failed tries so far, counting this one (the item's `attempts` + 1).
        error: What the transport raised.
        now: The current time (aware).

    Returns:
        None for a permanent error or once MAX_ATTEMPTS tries have failed; else now plus
        `next_retry(attempts)`, or plus the receiver's Retry-After when that is longer (at most 1 h).
    """
    if error.permanent or attempts >= MAX_ATTEMPTS:
        return None
    delay = next_retry(attempts)
    if error.retry_after is not None:
        delay = max(delay, min(error.retry_after, BACKOFF_CAP))
    return now + delay


def _close(smtp: smtplib.SMTP) -> None:
    """Says goodbye to the server; a failure here must not undo a mail already accepted."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _server_text(text: Any) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _ADDRESS.sub("<address>", " ".join(str(text).split()))
    return text[:200]


def _retry_after(value: Optional[str]) -> Optional[timedelta]:
    """Retry-After in seconds (the HTTP-date form is rare from backends and is ignored)."""
    if value and value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    return None
