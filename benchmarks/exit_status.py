"""Does every `ccm` command end with its real exit status? Loops of commands that talk to
Temporal, through the `ccm` script (which leaves by `os._exit` once its output is
flushed) and, for comparison, through click's own entry point (interpreter teardown,
where the SDK's exit-time race aborts some runs with 134 or 139).

    .venv/bin/python benchmarks/exit_status.py [--runs 500]

Starts an embedded dev server and a `ccm worker` in a temporary data directory, one
chase to read, then runs `--runs` invocations each way, cycling over `chase status`,
`ping` and `task list`, and prints the exit codes seen (a run still going after 60 s is killed and counted)."""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from domain.schedule import geneva_today
from runtime import devserver

BIN = Path(sys.executable).parent
COMMANDS = [["chase", "status", "--state", "ITA", "--year", str(geneva_today().year + 1)], ["ping"], ["task", "list"]]
ENTRIES = {
    "ccm script (os._exit after flush)": [str(BIN / "ccm")],
    "click entry point (interpreter teardown)": [sys.executable, "-c", "from cli.main import cli; cli()"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    runs = parser.parse_args().runs
    home = Path(tempfile.mkdtemp(prefix="ccm-exit-"))
    port = devserver.free_port()
    env = os.environ | {"CCM_HOME": str(home), "CCM_TEMPORAL_ADDRESS": f"127.0.0.1:{port}"}
    server = devserver.start(home, port, 0, headless=True)
    worker = subprocess.Popen(
        [str(BIN / "ccm"), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(3)
        subprocess.run(
            [
                str(BIN / "ccm"),
                "chase",
                "start",
                "--state",
                "ITA",
                "--year",
                str(geneva_today().year + 1),
                "--amount",
                "1000",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        for name, entry in ENTRIES.items():
            codes: collections.Counter[int] = collections.Counter()
            start = time.perf_counter()
            hung = 0
            for i in range(runs):
                try:
                    done = subprocess.run(entry + COMMANDS[i % len(COMMANDS)], env=env, capture_output=True, timeout=60)
                    codes[done.returncode] += 1
                except subprocess.TimeoutExpired:  # the exit-time race can also deadlock
                    hung += 1
                    codes[-9] += 1
            seconds = time.perf_counter() - start
            failed = runs - codes[0]
            print(
                f"{name}: {runs} runs in {seconds:.0f} s, exit codes {dict(sorted(codes.items()))}, "
                f"{failed} not 0 ({hung} hung past 60 s and were killed)",
                flush=True,
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        devserver.stop(server)


if __name__ == "__main__":
    main()
