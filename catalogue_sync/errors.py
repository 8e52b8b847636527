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


class FeedTooLarge(FeedInvalid):
    "The feed is larger than the size allowed (max_bytes): it was not read to the end, nothing was applied"

    def __init__(self, source: str, size: int, limit: int, whole: bool):
        """`size`: the size announced or found (whole=True), or the bytes read before stopping."""
        found = f"it is {size:,} bytes" if whole else f"reading stopped after {size:,} bytes"
        super().__init__(source, f"the feed is larger than the {limit:,} bytes allowed: {found}")
        self.size = size
        self.limit = limit


class MassWithdrawal(CatalogueSyncError):
    "The feed would withdraw more of the active courses than allowed: nothing was applied"

    def __init__(self, source: str, withdrawn: int, active: int, limit_percent: float):
        self.source = source
        self.withdrawn = withdrawn
        self.active = active
        self.percent = 100 * withdrawn / active
        self.limit_percent = limit_percent
        self.reason = (
            f"would withdraw {withdrawn} of {active} active courses ({_percent(self.percent, limit_percent)} %), "
            f"more than the {limit_percent:g} % allowed"
        )
        super().__init__(f"{source}: {self.reason}")


def _percent(value: float, above: Optional[float] = None) -> str:
    """A percentage to show: whole if it can be (80, 33), with as many decimals as needed to stay
    above `above` (30.04 is shown 30.04, not 30, when the limit is 30)."""
    for digits in range(4):
        shown = round(value, digits)
        if above is None or shown > above:
            break
    return f"{shown:g}"
