"""Peak memory of `ccm audit log` streaming a small and a large event log.

    .venv/bin/python benchmarks/audit_log_memory.py [--small 10000] [--large 100000]

Fills two SQLite logs through `EventLog.append` (timing the appends), then runs
`ccm audit log --output json` and `--output csv` on each in a child process and reads
its peak RSS. Constant memory shows as a large/small ratio near 1."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from activities.database import open_event_log
from domain.events import NewEvent


def fill(url: str, n: int) -> float:
    log = open_event_log(url)
    t0 = datetime(2017, 1, 1, tzinfo=timezone.utc)
    start = time.perf_counter()
    for i in range(n):
        log.append(
            NewEvent(
                idempotency_key=f"bench/{i}",
                workflow_id=f"chase-2017-S{i % 100:02d}",
                subject="ITA",
                event_type="chase.reminder_sent",
                occurred_at=t0 + timedelta(minutes=i),
                payload={"i": i, "letter": "second_reminder", "outstanding": "12345.00"},
            )
        )
    return n / (time.perf_counter() - start)


def peak_rss_mb(url: str, output: str) -> tuple[float, float]:
    ccm = str(Path(sys.executable).parent / "ccm")
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(
        [ccm, "audit", "log", "--output", output],
        env=os.environ | {"CCM_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    results = {}
    for n in (args.small, args.large):
        url = f"sqlite:///{tmp / f'log-{n}.db'}"
        rate = fill(url, n)
        print(f"{n} rows appended at {rate:,.0f} rows/s")
        for output in ("json", "csv"):
            # ru_maxrss of children is a running maximum: run each in a fresh interpreter.
            code = (
                f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"from audit_log_memory import peak_rss_mb; print(*peak_rss_mb({url!r}, {output!r}))"
            )
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            mb, seconds = map(float, out.split())
            results[(n, output)] = mb
            print(f"  audit log --output {output}: peak RSS {mb:.1f} MB, {seconds:.1f} s ({n / seconds:,.0f} rows/s)")
    for output in ("json", "csv"):
        ratio = results[(args.large, output)] / results[(args.small, output)]
        print(f"ratio large/small peak RSS ({output}): {ratio:.2f}")


if __name__ == "__main__":
    main()
