"""Do over-long messages slow other conversations down? Ordinary latency with and without them.

Starts the assistant as `make run` does (demo catalogue, trained model) on free loopback ports,
warms it up, then measures 20 ordinary conversations at a time (held-out test messages through
the REST channel): once alone, once while 5 other clients keep sending 10,000-character messages.
Target: the ordinary p95 with the long messages stays within 1.5x of the p95 alone. Prints a
table; asserts nothing.

    python bench/bench_long_messages.py --model models/assistant.tar.gz
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_nlu_latency import messages, percentile, print_table  # noqa: E402
from servers import running_servers  # noqa: E402

LONG_MESSAGE = ("Bonjour, je cherche une formation en développement web, en data ou en cybersécurité, "
                "de préférence à Bruxelles et en français, et je voudrais savoir quand elle commence. ") * 60


def ordinary_run(servers, texts, concurrency: int) -> list:
    """Latencies (ms) of `texts` spread over `concurrency` conversations sending one after another."""
    senders = [f"ordinary-{uuid.uuid4().hex[:8]}" for _ in range(concurrency)]

    def conversation(index: int) -> list:
        latencies = []
        for text in texts[index::concurrency]:
            begin = time.perf_counter()
            servers.send(senders[index], text)
            latencies.append((time.perf_counter() - begin) * 1000)
        return latencies

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return [ms for latencies in pool.map(conversation, range(concurrency)) for ms in latencies]


def main() -> None:
    """Runs the benchmark and prints the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_ROOT / "models" / "assistant.tar.gz")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--long-clients", type=int, default=5)
    parser.add_argument("--long-chars", type=int, default=10_000)
    args = parser.parse_args()

    texts = messages(args.messages)
    long_text = (LONG_MESSAGE * (args.long_chars // len(LONG_MESSAGE) + 1))[:args.long_chars]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db = workdir / "catalogue.db"
        subprocess.run([sys.executable, "-m", "catalogue_sync", "sync", "--demo", "--db", str(db)],
                       check=False, capture_output=True, cwd=REPO_ROOT)
        with running_servers(db, workdir, model=args.model) as servers:
            for text in texts[:20]:  # warm-up
                servers.send("warm-up", text)
            alone = ordinary_run(servers, texts, args.concurrency)

            stop = threading.Event()
            long_latencies: list = []

            def long_client(number: int) -> None:
                sender = f"long-{number}-{uuid.uuid4().hex[:6]}"
                while not stop.is_set():
                    begin = time.perf_counter()
                    servers.send(sender, long_text)
                    long_latencies.append((time.perf_counter() - begin) * 1000)

            threads = [threading.Thread(target=long_client, args=(n,)) for n in range(args.long_clients)]
            for thread in threads:
                thread.start()
            try:
                with_long = ordinary_run(servers, texts, args.concurrency)
            finally:
                stop.set()
                for thread in threads:
                    thread.join()

    p95_alone, p95_with = percentile(alone, 0.95), percentile(with_long, 0.95)
    rows = [
        ("ordinary messages per run", f"{len(texts)} in {args.concurrency} conversations"),
        ("alone: p50 / p95 (ms)", f"{statistics.median(alone):.0f} / {p95_alone:.0f}"),
        (f"with {args.long_clients} long-message clients: p50 / p95 (ms)",
         f"{statistics.median(with_long):.0f} / {p95_with:.0f}"),
        ("p95 with / p95 alone (target <= 1.5)", f"{p95_with / p95_alone:.2f}"),
        (f"{args.long_chars:,}-character messages answered", f"{len(long_latencies)}"),
        ("their p50 / p95 (ms)", f"{statistics.median(long_latencies):.0f} / {percentile(long_latencies, 0.95):.0f}"
         if long_latencies else "-"),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
