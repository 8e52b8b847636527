"""Settings of the action server, read from environment variables (with their defaults)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def catalogue_db_path() -> Path:
    """Where the synced catalogue lives: `CATALOGUE_DB`, default `var/catalogue.db`."""
    return Path(os.environ.get("CATALOGUE_DB") or REPO_ROOT / "var" / "catalogue.db")


def catalogue_max_age_hours() -> float:
    """Past this age (`CATALOGUE_MAX_AGE_HOURS`, default 48), answers note the catalogue's date."""
    return float(os.environ.get("CATALOGUE_MAX_AGE_HOURS", "48"))
