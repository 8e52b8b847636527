"""Fetches the feed document from the backend (http/https, conditional GET) or from a local file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    DecodeError,
    HTTPError,
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
    SSLError,
)
from urllib3.util.retry import Retry

from catalogue_sync import __version__
from catalogue_sync.errors import FeedTooLarge, FeedUnreachable

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
DEFAULT_DEADLINE = 120.0
DEFAULT_MAX_BYTES = 50_000_000
# A server under load may ask to come back later; anything else in 4xx will not fix itself.
RETRIED_STATUSES = {429, 500, 502, 503, 504}
# A Retry-After longer than this is cut to it: a sync every 15 minutes must not sleep for hours.
MAX_RETRY_AFTER = 60
# Read the body as it arrives, at most this much at a time, to check the deadline and the size.
READ_SIZE = 64 * 1024


@dataclass
class FetchedFeed:
    """What one fetch brought back.

    Attributes:
        source: The URL or path fetched.
        body: The document's bytes, or None when the server answered 304 Not Modified.
        etag: The server's ETag validator, to send back as If-None-Match next time.
        last_modified: The server's Last-Modified validator, to send back as If-Modified-Since.
        status: The HTTP status (None for a file).
        attempts: How many requests it took.
    """

    source: str
    body: Optional[bytes]
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    status: Optional[int] = None
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        """True when the server said the feed has not changed since the validators sent."""
        return self.body is None


def is_url(source: str) -> bool:
    """True for an http:// or https:// source."""
    return str(source).lower().startswith(("http://", "https://"))


def fetch_feed(
    source: str,
    *,
    etag: Optional[str] = None,
    last_modified: Optional[str] = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    deadline: float = DEFAULT_DEADLINE,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> FetchedFeed:
    """Fetches the feed from an http(s) URL or a local file (a path or a file:// URL).

    Args:
        source: Where the feed is.
        etag: ETag of the last feed applied; the server may then answer 304 Not Modified.
        last_modified: Last-Modified of the last feed applied, used the same way.
        timeout: Seconds to wait to connect, and for each read, per attempt.
        retries: How many times to try again after a connection error, a timeout, a connection
            cut mid-body or a 429/5xx answer.
        backoff: urllib3's backoff factor: the first retry comes at once, the next ones after
            2 × backoff, 4 × backoff... seconds. A Retry-After header wins (at most MAX_RETRY_AFTER).
        deadline: Seconds for the whole fetch, retries and waits included. No retry starts whose
            wait would end past it, and the body stops being read at it; an attempt under way
            may take up to `timeout` more to fail.
        max_bytes: The largest feed accepted, in bytes (after decompression).

    Raises:
        FeedUnreachable: no document after all attempts or by the deadline, the server refused
            (4xx), or no such file.
        FeedTooLarge: the document is over `max_bytes`; it was not read to the end.
    """
    if is_url(source):
        return _fetch_http(source, etag, last_modified, timeout, retries, backoff, deadline, max_bytes)
    return _read_file(source, max_bytes)


def _read_file(source: str, max_bytes: int) -> FetchedFeed:
    path = Path(unquote(urlparse(source).path)) if str(source).startswith("file://") else Path(source)
    try:
        with path.open("rb") as file:
            size = path.stat().st_size
            if size > max_bytes:
                raise FeedTooLarge(str(source), size, max_bytes, whole=True)
            # A file that grows while it is read (or a device) is stopped at the limit too.
            body = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise FeedUnreachable(str(source), f"no file at {path.resolve()}") from None
    except IsADirectoryError:
        raise FeedUnreachable(str(source), f"{path.resolve()} is a directory, not a feed file") from None
    except OSError as e:
        raise FeedUnreachable(str(source), f"cannot read {path.resolve()}: {e.strerror or e}") from e
    if len(body) > max_bytes:
        raise FeedTooLarge(str(source), len(body), max_bytes, whole=False)
    return FetchedFeed(source=str(source), body=body)


class _Budget:
    """What one fetch has spent: its attempts that failed, and the time left before its deadline."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.failed = 0
        self.refused_wait: Optional[float] = None

    def left(self) -> float:
        return self.deadline - time.monotonic()


class _FetchRetry(Retry):
    """urllib3's Retry, which also counts the failed attempts of a fetch and gives up when the wait
    before the next one would end past the fetch's deadline."""

    def __init__(self, *args, budget: _Budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget = budget

    def new(self, **kw) -> _FetchRetry:
        kw.setdefault("budget", self.budget)
        return super().new(**kw)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        self.budget.failed += 1
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry.get_backoff_time()
        if response is not None and self.respect_retry_after_header:
            wait = retry.get_retry_after(response) or wait
        if wait >= self.budget.left():
            self.budget.refused_wait = wait
            raise MaxRetryError(_pool, url, error or ResponseError("no time left before the deadline"))
        return retry


def _fetch_http(source, etag, last_modified, timeout, retries, backoff, deadline, max_bytes) -> FetchedFeed:
    headers = {"Accept": "application/json", "User-Agent": f"catalogue-sync/{__version__}"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    budget = _Budget(deadline)
    retry = _FetchRetry(
        total=max(0, int(retries)),
        status_forcelist=RETRIED_STATUSES,
        allowed_methods={"GET"},
        backoff_factor=backoff,
        respect_retry_after_header=True,
        retry_after_max=MAX_RETRY_AFTER,
        # The last answer is returned, not raised: its status goes into the message.
        raise_on_status=False,
        budget=budget,
    )
    adapter = HTTPAdapter(max_retries=retry)
    with requests.Session() as http:
        http.mount("http://", adapter)
        http.mount("https://", adapter)
        while True:
            # No wait may go past the deadline (urllib3 keeps this timeout for the retries it makes).
            attempt_timeout = max(0.001, min(timeout, budget.left()))
            try:
                response = http.get(source, headers=headers, timeout=attempt_timeout, stream=True)
            except requests.exceptions.Timeout:
                raise FeedUnreachable(source, _given_up(f"no answer within {attempt_timeout:.3g} s", budget)) from None
            except requests.exceptions.ConnectionError as e:
                raise FeedUnreachable(source, _given_up(_connection_problem(e, attempt_timeout), budget)) from None
            except requests.exceptions.RequestException as e:
                raise FeedUnreachable(source, f"cannot request the feed: {e}") from e
            with response:
                if response.status_code == 304 and (etag or last_modified):
                    return FetchedFeed(
                        source=source,
                        body=None,
                        etag=response.headers.get("ETag") or etag,
                        last_modified=response.headers.get("Last-Modified") or last_modified,
                        status=304,
                        attempts=budget.failed + 1,
                    )
                if response.status_code != 200:
                    problem = f"the server answered {response.status_code} {response.reason or ''}".rstrip()
                    if response.status_code in RETRIED_STATUSES:
                        problem = _given_up(problem, budget)
                    raise FeedUnreachable(source, problem)
                try:
                    body = _read_body(response, source, max_bytes, budget)
                except (ProtocolError, ReadTimeoutError, SSLError) as e:
                    # The answer began but did not end: urllib3 retries only until the headers
                    # arrive, so this retry is counted and timed by the same Retry here.
                    if isinstance(e, ReadTimeoutError):
                        problem = f"no answer within {attempt_timeout:.3g} s"
                    else:
                        problem = "the connection was cut before the whole feed arrived"
                    try:
                        retry = response.raw.retries.increment("GET", source, error=e)
                    except MaxRetryError:
                        raise FeedUnreachable(source, _given_up(problem, budget)) from None
                    retry.sleep()
                    adapter.max_retries = retry
                    continue
                except DecodeError as e:
                    raise FeedUnreachable(source, f"the server sent a body that cannot be decoded: {e}") from e
                except HTTPError as e:
                    raise FeedUnreachable(source, f"cannot read the feed: {e}") from e
                return FetchedFeed(
                    source=source,
                    body=body,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    status=200,
                    attempts=budget.failed + 1,
                )


def _read_body(response: requests.Response, source: str, max_bytes: int, budget: _Budget) -> bytes:
    """The body, read as it arrives (decompressed), stopped at the size limit or the deadline."""
    announced = (response.headers.get("Content-Length") or "").strip()
    if announced.isdigit() and int(announced) > max_bytes:
        raise FeedTooLarge(source, int(announced), max_bytes, whole=True)
    body = bytearray()
    while True:
        if budget.left() <= 0:
            raise FeedUnreachable(
                source,
                f"the whole feed did not arrive within the {budget.seconds:g} s deadline "
                f"({len(body):,} bytes received)",
            )
        # read1: whatever has arrived, so a server that trickles is checked against the deadline.
        piece = response.raw.read1(READ_SIZE, decode_content=True)
        if not piece:
            return bytes(body)
        body += piece
        if len(body) > max_bytes:
            raise FeedTooLarge(source, len(body), max_bytes, whole=False)


def _given_up(problem: str, budget: _Budget) -> str:
    """The last problem, with how many attempts were made and, if so, that the deadline stopped them."""
    attempts = max(1, budget.failed)
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    if budget.refused_wait:
        return (
            f"{problem} ({tries}; the next one, after a {budget.refused_wait:g} s wait, "
            f"would have started past the {budget.seconds:g} s deadline)"
        )
    if budget.refused_wait is not None:
        return f"{problem} ({tries}; no time left for another within the {budget.seconds:g} s deadline)"
    return f"{problem} ({tries})"


def _connection_problem(error: requests.exceptions.ConnectionError, timeout: float) -> str:
    text = str(error)
    if "timed out" in text.lower():
        return f"no answer within {timeout:.3g} s"
    if "Name or service not known" in text or "nodename nor servname" in text or "NameResolution" in text:
        return "the server's name could not be resolved"
    if "Connection refused" in text:
        return "the connection was refused"
    return f"connection failed ({type(error).__name__})"
