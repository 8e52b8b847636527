"""Helpers for the catalogue_sync tests: paths, table snapshots, and a real HTTP feed server."""

from __future__ import annotations

import copy
import gzip
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
SAMPLE_FEED = SHARED / "catalogue-feed" / "sample.json"
SHARED_SCHEMA = SHARED / "catalogue-feed" / "schema.json"
DEMO_FEED = REPO_ROOT / "catalogue_sync" / "demo" / "catalogue.json"
CATALOGUE_TABLES = ("courses", "info_sessions", "faq", "organisation", "registrations")


def read_snapshot(path: Path) -> Dict[str, List[tuple]]:
    """Every row of the catalogue tables (not sync_runs), to compare before and after a run."""
    with sqlite3.connect(path) as conn:
        return {
            table: sorted(conn.execute(f"select * from [{table}]").fetchall(), key=repr)
            for table in CATALOGUE_TABLES
        }


def big_feed(sample, courses: int, renamed: bool = False) -> dict:
    """The sample's courses repeated to `courses` courses, each with its own ids."""
    feed = copy.deepcopy(sample)
    models = sample["courses"]
    feed["courses"] = []
    for number in range(courses):
        course = copy.deepcopy(models[number % len(models)])
        course["id"] = f"c{number:05d}"
        if renamed:
            course["title"]["fr"] = course["title"].get("fr", "") + " (édition 2)"
        for index, session in enumerate(course["info_sessions"]):
            session["id"] = f"c{number:05d}-s{index}"
        feed["courses"].append(course)
    return feed


@dataclass
class Reply:
    """How the feed server answers one request.

    Attributes:
        status: HTTP status when the conditional headers do not match.
        body: The bytes sent.
        etag: Sent as ETag; a request with a matching If-None-Match gets 304.
        last_modified: Sent as Last-Modified; a matching If-Modified-Since gets 304.
        hang: Send nothing until the test ends.
        cut_at: Announce the whole body but close the connection after this many bytes.
        headers: More headers to send (Retry-After...).
        trickle: Send the body one byte at a time, this many seconds apart.
        no_length: Announce no Content-Length: the body ends when the connection closes.
        gzip: Send the body gzip-compressed (Content-Encoding: gzip).
    """

    status: int = 200
    body: bytes = b""
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    hang: bool = False
    cut_at: Optional[int] = None
    headers: Dict[str, str] = field(default_factory=dict)
    trickle: Optional[float] = None
    no_length: bool = False
    gzip: bool = False


@dataclass
class FeedServer:
    """A real HTTP server on 127.0.0.1 that serves feeds, and the faults a backend can have."""

    url: str = ""
    replies: Dict[str, List[Reply]] = field(default_factory=dict)
    requests: List[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def serve(self, path: str, *replies: Reply) -> str:
        """Answers requests to `path` with these replies in turn (the last one repeats); its URL."""
        self.replies[path] = list(replies)
        return self.url + path

    def requests_to(self, path: str) -> List[dict]:
        """The headers of each request made to `path`."""
        return [r["headers"] for r in self.requests if r["path"] == path]

    def arrivals(self, path: str) -> List[float]:
        """When each request to `path` arrived (time.monotonic())."""
        return [r["at"] for r in self.requests if r["path"] == path]

    def bytes_sent(self, path: str) -> List[int]:
        """How many body bytes each answer to `path` could send before the client stopped reading."""
        return [r.get("sent", 0) for r in self.requests if r["path"] == path]

    def next_reply(self, path: str) -> Optional[Reply]:
        queue = self.replies.get(path)
        if not queue:
            return None
        return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(server: FeedServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            record = {"path": self.path, "headers": dict(self.headers), "at": time.monotonic()}
            server.requests.append(record)
            reply = server.next_reply(self.path)
            if reply is None:
                return self._send(404, b"not found")
            if reply.hang:
                server.release.wait(20)
                return
            headers = dict(reply.headers)
            if reply.etag:
                headers["ETag"] = reply.etag
            if reply.last_modified:
                headers["Last-Modified"] = reply.last_modified
            if (reply.etag and self.headers.get("If-None-Match") == reply.etag) or (
                reply.last_modified and self.headers.get("If-Modified-Since") == reply.last_modified
            ):
                return self._send(304, b"", headers)
            body = reply.body
            if reply.gzip:
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            if reply.trickle or reply.no_length:
                return self._stream(reply, body, headers, record)
            self._send(reply.status, body, headers, reply.cut_at)

        def _stream(self, reply, body, headers, record):
            """Sends the body slowly (trickle) or without a length, counting what got through."""
            self.send_response(reply.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            if reply.no_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = 1 if reply.trickle else 64 * 1024
            record["sent"] = 0
            try:
                for start in range(0, len(body), step):
                    if server.release.is_set():
                        return
                    self.wfile.write(body[start:start + step])
                    self.wfile.flush()
                    record["sent"] = start + step
                    if reply.trickle:
                        time.sleep(reply.trickle)
            except OSError:  # the client stopped reading: what it took is in record["sent"]
                self.close_connection = True

        def _send(self, status, body, headers=None, cut_at=None):
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if cut_at is not None:
                self.wfile.write(body[:cut_at])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if status != 304:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def start_feed_server() -> tuple:
    """A FeedServer running on a free port of 127.0.0.1, and a function that stops it."""
    server = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def stop():
        server.release.set()
        httpd.shutdown()
        httpd.server_close()

    return server, stop
