"""Benchmark of catalogue_sync on a large feed: full, unchanged (304) and changed syncs, search, memory.

Generates a feed of 10,000 courses x 4 info sessions from the demo catalogue in a temporary
folder, serves it from a local HTTP server (ETag, 304) and prints a table against the targets.

    python bench/bench_sync.py [--courses 10000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from catalogue_sync import feed as feed_module  # noqa: E402
from catalogue_sync.read import Catalogue  # noqa: E402
from catalogue_sync.sync import DEMO_SOURCE, sync_catalogue  # noqa: E402

TARGETS = {"full sync": 5.0, "unchanged feed (304)": 0.2, "search p95": 0.005}
QUERY_WORDS = [
    "securite", "cyberveiligheid", "cyber", "python", "web", "développement", "data", "réseau",
    "netwerk", "CAFÉ", "marketing", "cloud", "java", "test", "bureautique", "helpdesk", "ux",
    "design", "wordpress", "intelligence", "admin", "programmeren", "analyste", "e-commerce",
]


def make_feed(courses: int, sessions_per_course: int = 4) -> dict:
    """A valid feed of `courses` courses, each with `sessions_per_course` info sessions."""
    demo = json.loads(DEMO_SOURCE.read_text(encoding="utf-8"))
    models = demo["courses"]
    feed = {key: value for key, value in demo.items() if key != "courses"}
    feed["courses"] = []
    for number in range(courses):
        course = copy.deepcopy(models[number % len(models)])
        course["id"] = f"bench-{number:05d}"
        for language in ("fr", "nl", "en"):
            if language in course["title"]:
                course["title"][language] += f" {number}"
        template = course["info_sessions"]
        course["info_sessions"] = []
        for index in range(sessions_per_course):
            session = copy.deepcopy(template[index % len(template)])
            session["id"] = f"bench-{number:05d}-is{index + 1}"
            course["info_sessions"].append(session)
        feed["courses"].append(course)
    return feed


def change_some(feed: dict, share: float, seed: int = 3) -> dict:
    """A copy of the feed where `share` of the courses have a new summary and a session more seats."""
    changed = copy.deepcopy(feed)
    rng = random.Random(seed)
    for course in rng.sample(changed["courses"], int(len(changed["courses"]) * share)):
        course["summary"]["fr"] = course["summary"].get("fr", "") + " Nouvelle édition."
        course["info_sessions"][0]["capacity"] += 5
    return changed


class FeedServer:
    """Serves one feed document over HTTP with an ETag, answering 304 when it matches."""

    def __init__(self):
        self.body = b""
        self.etag = ""
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                if self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.send_header("ETag", server.etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.send_header("ETag", server.etag)
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/catalogue.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def publish(self, feed: dict) -> None:
        self.body = json.dumps(feed, ensure_ascii=False).encode("utf-8")
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    feed = make_feed(args.courses)
    server = FeedServer()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "catalogue.db"
        server.publish(feed)
        size_mb = len(server.body) / 1e6

        seconds, report = timed(sync_catalogue, server.url, db_path)
        assert report.outcome == "ok" and len(report.changes.added) == args.courses, report
        rows.append(("full sync", seconds, f"{args.courses} courses, {4 * args.courses} sessions, {size_mb:.0f} MB"))

        before = server.requests
        seconds, report = timed(sync_catalogue, server.url, db_path)
        assert report.outcome == "unchanged" and server.requests == before + 1, report
        rows.append(("unchanged feed (304)", seconds, "one request, nothing written"))

        server.publish(change_some(feed, 0.05))
        seconds, report = timed(sync_catalogue, server.url, db_path)
        assert len(report.changes.updated) == args.courses // 20, report
        rows.append(("changed feed (5 %)", seconds, f"{len(report.changes.updated)} courses updated"))

        seconds, report = timed(sync_catalogue, server.url, db_path, dry_run=True)
        rows.append(("dry run, unchanged (304)", seconds, "copies the catalogue in memory"))

        catalogue = Catalogue(db_path)
        rng = random.Random(7)
        latencies = []
        for _ in range(args.queries):
            word = rng.choice(QUERY_WORDS)
            query = word if rng.random() < 0.7 else word[: max(3, len(word) // 2)]
            start = time.perf_counter()
            catalogue.search_courses(query, limit=5)
            latencies.append(time.perf_counter() - start)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        rows.append(("search p50", p50, f"{args.queries} queries, 5 results each"))
        rows.append(("search p95", p95, ""))
        start = time.perf_counter()
        for _ in range(200):
            catalogue.count_courses(rng.choice(QUERY_WORDS))
        rows.append(("count_courses mean", (time.perf_counter() - start) / 200, ""))
        start = time.perf_counter()
        for number in range(200):
            catalogue.next_info_sessions(f"bench-{number:05d}")
        rows.append(("next_info_sessions mean", (time.perf_counter() - start) / 200, ""))

        # Memory, on a second full sync into a fresh file (tracemalloc slows it down: not timed).
        server.publish(feed)
        tracemalloc.start()
        sync_catalogue(server.url, Path(folder) / "memory.db")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    server.close()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    validator = "jsonschema-rs" if feed_module.jsonschema_rs is not None else "jsonschema only"
    print(f"\ncatalogue_sync benchmark ({args.courses} courses x 4 info sessions, records checked with {validator})\n")
    print(f"| {'measure':<26} | {'value':>10} | {'target':>8} | {'':<4} | notes")
    print(f"|{'-' * 28}|{'-' * 12}|{'-' * 10}|{'-' * 6}|{'-' * 40}")
    failed = False
    for name, seconds, notes in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else ("ok" if seconds < target else "SLOW")
        failed |= verdict == "SLOW"
        shown = f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"
        target_shown = "" if target is None else (f"< {target * 1000:g} ms" if target < 1 else f"< {target:g} s")
        print(f"| {name:<26} | {shown:>10} | {target_shown:>8} | {verdict:<4} | {notes}")
    for name, megabytes, notes in (
        ("peak memory (full sync)", peak / 1e6, "Python allocations (tracemalloc)"),
        ("max RSS (whole process)", max_rss, "includes the generated feed and server"),
    ):
        print(f"| {name:<26} | {megabytes:>7.0f} MB | {'':>8} | {'':<4} | {notes}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
