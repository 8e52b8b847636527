"""Settings of the registrations' mail and webhook delivery, read once from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Mapping, Optional
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]

# What mails say they come from when they are only written as .eml files (the `make run` default).
DEFAULT_SMTP_FROM = "Digital Hub Brussels <no-reply@example.org>"
# The demo hub's privacy page; PRIVACY_NOTICE_URL replaces it, and a hub website from the
# catalogue gives `<website>/privacy` when PRIVACY_NOTICE_URL is not set.
DEFAULT_PRIVACY_NOTICE_URL = "https://www.example.org/privacy"
PRIVACY_PATH = "/privacy"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A registrations setting is missing or malformed; the text names the variable and the fix."""


@dataclass(frozen=True)
class RegistrationsConfig:
    """Where mails and webhook events go, and when reminders are due.

    Build it with `RegistrationsConfig.from_env()`; tests build it directly.

    Attributes:
        smtp_host: `SMTP_HOST`; None (the `make run` default) writes mails as .eml files instead.
        smtp_port: `SMTP_PORT`, default 587 (465 means TLS from the first byte).
        smtp_user: `SMTP_USER`; when set, the sender logs in.
        smtp_password: `SMTP_PASSWORD`; never shown by repr().
        smtp_from: `SMTP_FROM`, the From of every mail ("Hub name <address>"); required with SMTP_HOST.
        smtp_starttls: `SMTP_STARTTLS`; default on when a user is set (a password is never sent in clear).
        smtp_ssl: `SMTP_SSL`; default on for port 465 (implicit TLS), else off.
        smtp_timeout: `SMTP_TIMEOUT`, seconds for each network step, default 20.
        outbox_dir: `OUTBOX_DIR`, default var/outbox: where .eml files go without SMTP_HOST.
        webhook_url: `REGISTRATIONS_WEBHOOK_URL`; None sends no webhook.
        webhook_secret: `REGISTRATIONS_WEBHOOK_SECRET`, the HMAC key; required with the URL; never shown.
        webhook_timeout: `REGISTRATIONS_WEBHOOK_TIMEOUT`, seconds, default 10.
        privacy_notice_url: `PRIVACY_NOTICE_URL`, or None to use the hub's website (see `privacy_notice_for`).
        reminder_before_hours: `REMINDER_BEFORE_HOURS`, default 24: how long before a session its reminder is due.
    """

    smtp_host: Optional[str] = None
    smtp_port: int = 587
    smtp_user: Optional[str] = None
    smtp_password: Optional[str] = None
    smtp_from: str = DEFAULT_SMTP_FROM
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 20.0
    outbox_dir: Path = REPO_ROOT / "var" / "outbox"
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = None
    webhook_timeout: float = 10.0
    privacy_notice_url: Optional[str] = None
    reminder_before_hours: float = 24.0

    def __post_init__(self):
        if self.webhook_url and not self.webhook_secret:
            raise ConfigError(
                "REGISTRATIONS_WEBHOOK_URL is set but REGISTRATIONS_WEBHOOK_SECRET is empty: the backend "
                "could not tell our events from forged ones. Set REGISTRATIONS_WEBHOOK_SECRET to the secret "
                "the backend checks signatures with (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        if self.webhook_url and urlsplit(self.webhook_url).scheme not in ("http", "https"):
            raise ConfigError(
                f"REGISTRATIONS_WEBHOOK_URL must start with https:// (or http:// on a private network), "
                f"got a URL with scheme {urlsplit(self.webhook_url).scheme!r}."
            )
        if self.smtp_host and not parseaddr(self.smtp_from)[1]:
            raise ConfigError(
                "SMTP_HOST is set but SMTP_FROM is empty or not an address: set it to what mails come "
                "from, e.g. SMTP_FROM='Digital Hub Brussels <inscriptions@hub.example>'."
            )
        if self.smtp_ssl and self.smtp_starttls:
            raise ConfigError(
                "SMTP_SSL and SMTP_STARTTLS are both on: use SMTP_SSL=1 with port 465 (TLS from the start) "
                "or SMTP_STARTTLS=1 with port 587 (TLS after hello), not both."
            )

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "RegistrationsConfig":
        """The settings from the environment (or `environ`), checked.

        Args:
            environ: Variables to read instead of `os.environ` (tests).

        Raises:
            ConfigError: A value is malformed, or a variable needed by another one is missing.
        """
        env = os.environ if environ is None else environ

        def text(name: str) -> Optional[str]:
            value = (env.get(name) or "").strip()
            return value or None

        user = text("SMTP_USER")
        port = _number(env, "SMTP_PORT", 587, int)
        return cls(
            smtp_host=text("SMTP_HOST"),
            smtp_port=port,
            smtp_user=user,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_from=text("SMTP_FROM") or ("" if text("SMTP_HOST") else DEFAULT_SMTP_FROM),
            # TLS by default whenever a password would cross the network, unless the port is 465
            # (TLS from the first byte already).
            smtp_starttls=_flag(env, "SMTP_STARTTLS", default=bool(user) and port != 465),
            smtp_ssl=_flag(env, "SMTP_SSL", default=port == 465),
            smtp_timeout=_number(env, "SMTP_TIMEOUT", 20.0, float),
            outbox_dir=Path(text("OUTBOX_DIR") or REPO_ROOT / "var" / "outbox"),
            webhook_url=text("REGISTRATIONS_WEBHOOK_URL"),
            webhook_secret=env.get("REGISTRATIONS_WEBHOOK_SECRET") or None,
            webhook_timeout=_number(env, "REGISTRATIONS_WEBHOOK_TIMEOUT", 10.0, float),
            privacy_notice_url=text("PRIVACY_NOTICE_URL"),
            reminder_before_hours=_number(env, "REMINDER_BEFORE_HOURS", 24.0, float),
        )

    def __repr__(self) -> str:
        # Shows whether the password and the secret are set, never what they are: a config is logged
        # and printed while debugging.
        shown = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in ("smtp_password", "webhook_secret"):
                shown.append(f"{name}={'<set>' if value else None}")
            elif name == "webhook_url" and value and "@" in urlsplit(value).netloc:
                # A URL may carry credentials (https://user:token@host/...).
                parts = urlsplit(value)
                shown.append(f"{name}={parts._replace(netloc='<credentials>@' + parts.netloc.rsplit('@', 1)[1]).geturl()!r}")
            else:
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def reminder_before(self) -> timedelta:
        """How long before a session its reminder email is due."""
        return timedelta(hours=self.reminder_before_hours)

    @property
    def uses_smtp(self) -> bool:
        """Whether mails go to an SMTP server (else they are written as .eml files)."""
        return bool(self.smtp_host)

    def privacy_notice_for(self, organisation: Optional[Mapping] = None) -> str:
        """The privacy notice's URL: PRIVACY_NOTICE_URL, else the hub website's /privacy, else the demo's.

        Args:
            organisation: The hub's details from the catalogue (its `website` is used), or None.
        """
        if self.privacy_notice_url:
            return self.privacy_notice_url
        website = (organisation or {}).get("website")
        if website and urlsplit(website).scheme in ("http", "https"):
            return website.rstrip("/") + PRIVACY_PATH
        return DEFAULT_PRIVACY_NOTICE_URL


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = (env.get(name) or "").strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value: use 1 or 0 (true/false, yes/no, on/off also work).")


def _number(env: Mapping[str, str], name: str, default, kind):
    value = (env.get(name) or "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a {'whole ' if kind is int else ''}number; "
                          f"leave it unset for the default ({default}).") from None
    if number <= 0:
        raise ConfigError(f"{name}={value!r} must be more than 0; leave it unset for the default ({default}).")
    return number
