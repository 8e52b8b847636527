"""The errors catalogue_sync raises; the CLI turns each into an exit code and a hint."""

from __future__ import annotations

from typing import Optional


class CatalogueSyncError(Exception):
    "Base class of the errors raised by catalogue_sync"


class FeedUnreachable(CatalogueSyncError):
    "The feed could not be fetched: network error, timeout, server error or missing file"

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class FeedInvalid(CatalogueSyncError):
    "The feed document is broken as a whole (not JSON, wrong version, truncated): nothing was applied"

    def __init__(self, source: str, reason: str, where: Optional[str] = None):
        super().__init__(f"{source}: {reason}" + (f" (at {where})" if where else ""))
        self.source = source
        self.reason = reason
        self.where = where


class CatalogueUnavailable(CatalogueSyncError):
    "The catalogue database cannot be opened, read or written"
