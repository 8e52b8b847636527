"""Fetches the feed document from the backend (http/https, conditional GET) or from a local file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlparse

import requests

from catalogue_sync import __version__
from catalogue_sync.errors import FeedUnreachable

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5
# A server under load may ask to come back later; anything else in 4xx will not fix itself.
RETRIED_STATUSES = {429, 500, 502, 503, 504}


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
    session: Optional[requests.Session] = None,
) -> FetchedFeed:
    """Fetches the feed from an http(s) URL or a local file (a path or a file:// URL).

    Args:
        source: Where the feed is.
        etag: ETag of the last feed applied; the server may then answer 304 Not Modified.
        last_modified: Last-Modified of the last feed applied, used the same way.
        timeout: Seconds to wait to connect, and for each read, per attempt.
        retries: How many times to try again after a connection error, a timeout or a 5xx/429.
        backoff: Seconds before the first retry; doubled before each next one.
        session: A requests session to reuse (tests, connection pooling).

    Raises:
        FeedUnreachable: no document after all attempts, or the server refused (4xx), or no such file.
    """
    if is_url(source):
        return _fetch_http(source, etag, last_modified, timeout, retries, backoff, session)
    return _read_file(source)


def _read_file(source: str) -> FetchedFeed:
    path = Path(unquote(urlparse(source).path)) if str(source).startswith("file://") else Path(source)
    try:
        return FetchedFeed(source=str(source), body=path.read_bytes())
    except FileNotFoundError:
        raise FeedUnreachable(str(source), f"no file at {path.resolve()}") from None
    except IsADirectoryError:
        raise FeedUnreachable(str(source), f"{path.resolve()} is a directory, not a feed file") from None
    except OSError as e:
        raise FeedUnreachable(str(source), f"cannot read {path.resolve()}: {e.strerror or e}") from e


def _fetch_http(source, etag, last_modified, timeout, retries, backoff, session) -> FetchedFeed:
    headers = {"Accept": "application/json", "User-Agent": f"catalogue-sync/{__version__}"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    http = session or requests.Session()
    attempts = max(0, int(retries)) + 1
    problem = ""
    try:
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                time.sleep(backoff * 2 ** (attempt - 2))
            try:
                response = http.get(source, headers=headers, timeout=timeout)
            except requests.exceptions.Timeout:
                problem = f"no answer within {timeout:g} s"
                continue
            except requests.exceptions.ChunkedEncodingError:
                problem = "the connection was cut before the whole feed arrived"
                continue
            except requests.exceptions.ConnectionError as e:
                problem = _connection_problem(e, timeout)
                continue
            except requests.exceptions.RequestException as e:
                raise FeedUnreachable(source, f"cannot request the feed: {e}") from e
            if response.status_code == 304 and (etag or last_modified):
                return FetchedFeed(
                    source=source,
                    body=None,
                    etag=response.headers.get("ETag") or etag,
                    last_modified=response.headers.get("Last-Modified") or last_modified,
                    status=304,
                    attempts=attempt,
                )
            if response.status_code == 200:
                return FetchedFeed(
                    source=source,
                    body=response.content,
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                    status=200,
                    attempts=attempt,
                )
            problem = f"the server answered {response.status_code} {response.reason or ''}".rstrip()
            if response.status_code not in RETRIED_STATUSES:
                raise FeedUnreachable(source, problem)
    finally:
        if session is None:
            http.close()
    tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
    raise FeedUnreachable(source, f"{problem} ({tries})")


def _connection_problem(error: requests.exceptions.ConnectionError, timeout: float) -> str:
    text = str(error)
    if "timed out" in text.lower():
        return f"no answer within {timeout:g} s"
    if "Name or service not known" in text or "nodename nor servname" in text or "NameResolution" in text:
        return "the server's name could not be resolved"
    if "Connection refused" in text:
        return "the connection was refused"
    return f"connection failed ({type(error).__name__})"
