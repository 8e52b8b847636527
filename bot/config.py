"""Settings of the bot (NLU components and actions), read from environment variables with their defaults.

Read when used, never at import: a test or a restarted process sees the environment of its time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict

REPO_ROOT = Path(__file__).resolve().parents[1]

# The demo hub's details: what the bot gives as the way to a person when the catalogue can't be read.
DEFAULT_HUB_CONTACT = {
    "name": "Digital Hub Brussels",
    "phone": "+32 2 555 48 20",
    "email": "info@example.org",
}
DEFAULT_MAX_MESSAGE_CHARS = 2000


def catalogue_db_path() -> Path:
    """Where the synced catalogue lives: `CATALOGUE_DB`, default `var/catalogue.db`."""
    return Path(os.environ.get("CATALOGUE_DB") or REPO_ROOT / "var" / "catalogue.db")


def catalogue_max_age_hours() -> float:
    """Past this age (`CATALOGUE_MAX_AGE_HOURS`, default 48), answers note the catalogue's date."""
    return float(os.environ.get("CATALOGUE_MAX_AGE_HOURS", "48"))


def catalogue_busy_timeout() -> float:
    """Seconds an answer waits for a locked catalogue before apologising (`CATALOGUE_BUSY_TIMEOUT`, default 3)."""
    return float(os.environ.get("CATALOGUE_BUSY_TIMEOUT", "3"))


def hub_contact() -> Dict[str, str]:
    """The hub's name, phone and email from `HUB_CONTACT_NAME`, `HUB_CONTACT_PHONE`, `HUB_CONTACT_EMAIL`.

    Used only when the catalogue (which has the hub's details from the feed) cannot be read.
    """
    return {
        "name": os.environ.get("HUB_CONTACT_NAME") or DEFAULT_HUB_CONTACT["name"],
        "phone": os.environ.get("HUB_CONTACT_PHONE") or DEFAULT_HUB_CONTACT["phone"],
        "email": os.environ.get("HUB_CONTACT_EMAIL") or DEFAULT_HUB_CONTACT["email"],
    }


def max_message_chars() -> int:
    """Longer messages get "please ask a shorter question" and are not searched (`MAX_MESSAGE_CHARS`, default 2000)."""
    try:
        return max(1, int(os.environ.get("MAX_MESSAGE_CHARS") or DEFAULT_MAX_MESSAGE_CHARS))
    except ValueError:
        return DEFAULT_MAX_MESSAGE_CHARS
