"""The running release: its version from the installed package's metadata, and the git
commit it was built from where that is known (`ccm --version`)."""

from __future__ import annotations

import os
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

DISTRIBUTION = "ccm-workflows"


def release() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def commit() -> str | None:
    """CCM_GIT_COMMIT (the image sets it from its build argument); else, when the code runs
    from a git checkout (an editable install), that checkout's HEAD, marked `+dirty` with
    uncommitted changes; else None (a wheel installed elsewhere does not know it)."""
    if given := os.environ.get("CCM_GIT_COMMIT", "").strip():
        return given
    here = Path(__file__).resolve().parent.parent
    if not (here / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):  # no git on this machine
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def described() -> str:
    """`ccm 1.0.0 (commit 1a2b3c4d5e6f)`, or without the commit where it is not known."""
    built = commit()
    return f"ccm {release()}" + (f" (commit {built})" if built else "")
