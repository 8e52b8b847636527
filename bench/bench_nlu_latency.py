"""Per-message latency through the REST channel and the Rasa server's memory.

Starts the action server and a Rasa server with the trained model on free loopback ports (the
catalogue synced from the demo feed, dates moved forward), warms it up, then sends the held-out test messages: one
conversation at a time, then 20 conversations at a time. Prints a table; asserts nothing.

    python bench/bench_nlu_latency.py --model models/assistant.tar.gz
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

from servers import running_servers  # noqa: E402


def messages(limit: int) -> list:
    """Held-out test messages of both languages, interleaved."""
    from rasa.shared.nlu.training_data.loading import load_data

    by_language = []
    for language in ("fr", "nl"):
        texts = []
        for path in sorted((REPO_ROOT / "tests" / "nlu" / language).glob("*.yml")):
            texts += [m.get("text") for m in load_data(str(path)).intent_examples]
        by_language.append(texts)
    mixed = [t for pair in zip(*by_language) for t in pair]
    return mixed[:limit]


def percentile(values: list, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    out = subprocess.run(["ps", "-o", "rss=", "--pid", str(pid), "--ppid", str(pid)],
                         capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split()) / 1024


def print_table(rows: list) -> None:
    """Prints (measure, value) rows as a two-column table."""
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}}  value")
    for name, value in rows:
        print(f"{name:{width}}  {value}")


def main() -> None:
    """Runs the benchmark and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    texts = messages(args.messages)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = workdir / "catalogue.db"
        feed = workdir / "demo-catalogue.json"
        # The demo catalogue with its dates moved forward, as `make run` syncs it.
        subprocess.run([sys.executable, "-m", "catalogue_sync.demo_feed", str(feed)], check=True, cwd=REPO_ROOT)
        subprocess.run([sys.executable, "-m", "catalogue_sync", "sync", str(feed), "--db", str(db)],
                       check=False, capture_output=True, cwd=REPO_ROOT)
        started = time.monotonic()
        with running_servers(db, workdir, model=args.model) as servers:
            startup = time.monotonic() - started

            def timed(pair):
                sender, text = pair
                begin = time.perf_counter()
                servers.send(sender, text)
                return (time.perf_counter() - begin) * 1000

            # One conversation at a time (each message its own conversation turn).
            sequential = [timed((f"seq-{uuid.uuid4().hex[:8]}", t)) for t in texts]
            # 20 conversations at a time.
            senders = [f"par-{i}-{uuid.uuid4().hex[:6]}" for i in range(args.concurrency)]
            work = [(senders[i % args.concurrency], t) for i, t in enumerate(texts)]
            begin = time.monotonic()
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                parallel = list(pool.map(timed, work))
            parallel_wall = time.monotonic() - begin
            rasa_mb = rss_mb(servers.pids["rasa"])
            actions_mb = rss_mb(servers.pids["actions"])

    rows = [
        ("server start to ready (s)", f"{startup:.1f}"),
        ("messages per run", f"{len(texts)}"),
        ("1 at a time: p50 (ms)", f"{statistics.median(sequential):.0f}"),
        ("1 at a time: p95 (ms)", f"{percentile(sequential, 0.95):.0f}"),
        (f"{args.concurrency} at a time: p50 (ms)", f"{statistics.median(parallel):.0f}"),
        (f"{args.concurrency} at a time: p95 (ms)", f"{percentile(parallel, 0.95):.0f}"),
        (f"{args.concurrency} at a time: messages/s", f"{len(texts) / parallel_wall:.1f}"),
        ("Rasa server memory (MB RSS)", f"{rasa_mb:.0f}"),
        ("action server memory (MB RSS)", f"{actions_mb:.0f}"),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
