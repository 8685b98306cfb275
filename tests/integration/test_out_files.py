"""`--out`: written whole or not at all, and only to a regular file or a new path. The
probe, as root: `ccm audit export --out /dev/full --force` said "exported" and replaced the
device node with a regular file; on a full disk `audit export` and `report --out` ended in
tracebacks and left partial files."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.integration.test_audit_cli import fill


def chases_of_2017(log, states=("ITA", "NOR", "FRA", "DEU")) -> None:
    """Rows as the chase writes them (`domain.chase` builds each), not shapes made up here."""
    from datetime import date, datetime, timezone
    from decimal import Decimal

    from domain.chase import Chase, ChaseInput, RecordReceipt
    from domain.events import NewEvent

    start = datetime(2017, 1, 10, 9, tzinfo=timezone.utc)
    for state in states:
        chase = Chase(input=ChaseInput(state=state, year=2017, amount_due=Decimal("1000")), started_at=start)
        effects = chase.start() + chase.record_receipt(
            RecordReceipt(amount=Decimal("400"), date=date(2017, 2, 1), reference=f"R-{state}"),
            datetime(2017, 2, 1, 9, tzinfo=timezone.utc),
        )
        wid = f"chase-2017-{state}"
        log.append_all(
            [
                NewEvent(
                    idempotency_key=f"{wid}/{e.key}",
                    workflow_id=wid,
                    workflow_type="ContributionChase",
                    subject=state,
                    event_type=e.event_type,
                    occurred_at=start,
                    payload=e.payload,
                )
                for e in effects
                if getattr(e, "event_type", None)
            ]
        )


def ccm(db_url, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"CCM_DATABASE_URL": db_url})


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a file system of 64 KiB (a tmpfs, mounted as root), filled but for a few
    bytes: any file written there runs out of space."""
    where = tmp_path / f"tiny-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"a small file system cannot be mounted here: {mounted.stderr.decode().strip()}")
    try:
        with open(where / "filler", "wb") as f:
            try:
                f.write(b"x" * 64 * 1024)
            except OSError:
                pass
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


@pytest.mark.parametrize(
    "args",
    [["audit", "export"], ["report", "contributions", "--year", "2017", "-o", "html"]],
    ids=["audit-export", "report"],
)
def test_a_full_disk_is_one_line_and_leaves_no_partial_file(event_log, db_url, full_disk, args):
    chases_of_2017(event_log)
    before = sorted(p.name for p in full_disk.iterdir())
    result = ccm(db_url, *args, "--out", full_disk / "out.file")
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.output.strip().splitlines() == [
        f"Error: {full_disk / 'out.file'} was not written: No space left on device"
    ], repr(result.exception)
    assert sorted(p.name for p in full_disk.iterdir()) == before  # no out.file, no temporary file
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "args", [["audit", "export"], ["report", "contributions", "--year", "2017"]], ids=["audit-export", "report"]
)
def test_a_device_or_a_fifo_is_never_replaced_even_with_force(event_log, db_url, tmp_path, args):
    chases_of_2017(event_log)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (Path("/dev/full"), fifo):
        result = ccm(db_url, *args, "--out", target, "--force")
        assert result.exit_code == 2, result.output
        assert f"{target} is not a regular file" in result.output
    assert Path("/dev/full").is_char_device() and fifo.is_fifo()


def test_an_export_over_a_file_with_force_replaces_it_whole(event_log, db_url, tmp_path):
    fill(event_log)
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "export.jsonl"
    out.write_text("old\n")
    assert ccm(db_url, "audit", "export", "--out", out).exit_code == 2  # exists: --force needed
    result = ccm(db_url, "audit", "export", "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 6 and [p.name for p in folder.iterdir()] == ["export.jsonl"]
