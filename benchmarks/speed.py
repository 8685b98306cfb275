"""Speed, measured side by side: every figure is a pair or a ratio from one run on one
dev server, since this 2-core machine is shared and noisy.

    .venv/bin/python -m benchmarks.speed chases [--n 300]      # chases against the bare SDK floor
    .venv/bin/python -m benchmarks.speed scale [--n 100]       # chases with two worker processes against one
    .venv/bin/python -m benchmarks.speed statement [--n 1000]  # a bank statement against bare updates
    .venv/bin/python -m benchmarks.speed eventlog [--n 5000]   # appends against raw inserts
    .venv/bin/python -m benchmarks.speed audit [--events 1000000]
    .venv/bin/python -m benchmarks.speed status [--chases 1000]
    .venv/bin/python -m benchmarks.speed cli

A chase is one State's in one year and a year has 100 States Parties, so runs of more than
100 chases use several namespaces on the one server: fictional treaty secretariats, each
with the same States, its own `ccm worker` process and its own event log. The bare
workflows run on the same namespaces, one bare worker process each."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from domain.process import Acting
from domain.schedule import geneva_today
from runtime import devserver
from tests.letters import write_contacts
from workflows.bank_statement import CONCURRENCY

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
NEXT_YEAR = geneva_today().year + 1
ISU = Acting(actor="bench", office="isu")  # who starts the chases
AT_REST = 20  # receipts sent one at a time, after the burst


@dataclass
class Server:
    address: str
    namespaces: list[str]
    home: Path
    pid: int = 0


@contextlib.contextmanager
def dev_server(namespaces: list[str]):
    """One dev server as ccm runs it (SQLite file, WAL, synchronous=normal) holding the
    namespaces, with the Ccm* search attributes registered in each."""
    home = Path(tempfile.mkdtemp(prefix="ccm-bench-"))
    port = devserver.free_port()
    cmd = devserver.command(home, port, 0, headless=True)
    for ns in namespaces:
        cmd += ["--namespace", ns]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"127.0.0.1:{port}"
    try:
        asyncio.run(_ready(address, namespaces))
        yield Server(address, namespaces, home, proc.pid)
    finally:
        devserver.stop(proc)


async def _ready(address: str, namespaces: list[str]) -> None:
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
    from temporalio.client import Client

    from workflows.common import SEARCH_ATTRIBUTES

    kinds = {
        "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
        "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
    }
    for _ in range(150):
        try:
            client = await Client.connect(address)
            break
        except Exception:
            await asyncio.sleep(0.2)
    for ns in namespaces:
        for _ in range(50):  # the server creates its namespaces just after it opens its port
            try:
                await client.operator_service.add_search_attributes(
                    AddSearchAttributesRequest(
                        namespace=ns, search_attributes={n: kinds[k] for n, k in SEARCH_ATTRIBUTES.items()}
                    )
                )
                break
            except Exception as e:
                if "already" in str(e).lower():
                    break
                await asyncio.sleep(0.2)


def ccm_env(server: Server, ns: str) -> dict[str, str]:
    return {
        "CCM_HOME": str(server.home / ns),
        "CCM_TEMPORAL_ADDRESS": server.address,
        "CCM_NAMESPACE": ns,
        "CCM_TASK_QUEUE": "ccm",
    }


@contextlib.contextmanager
def workers(server: Server, kind: str, env_extra: dict[str, str] | None = None, per_namespace: int = 1):
    """`per_namespace` worker processes per namespace: `ccm worker`, or the bare SDK worker."""
    procs = []
    try:
        for ns, i in [(ns, i) for ns in server.namespaces for i in range(per_namespace)]:
            log = open(server.home / f"{kind}-{ns}-{i}.log", "w")
            if kind == "ccm":
                # Every State with a Mission's address, as at the ISU: each letter is a PDF.
                (server.home / ns).mkdir(exist_ok=True)
                if not (server.home / ns / "contacts.csv").exists():
                    write_contacts(server.home / ns / "contacts.csv")
                cmd, env = [str(BIN / "ccm"), "worker"], os.environ | ccm_env(server, ns) | (env_extra or {})
                # Only `ccm db upgrade` creates a log.
                subprocess.run([str(BIN / "ccm"), "db", "upgrade"], env=env, check=True, capture_output=True)
            else:
                cmd = [
                    sys.executable,
                    "-m",
                    "benchmarks.bare",
                    "worker",
                    "--address",
                    server.address,
                    "--namespace",
                    ns,
                    "--task-queue",
                    "bare",
                ]
                env = os.environ | {
                    "PYTHONPATH": str(ROOT),
                    "BARE_LETTERS": str(server.home / ns / "bare-letters"),
                    "BARE_DB": str(server.home / ns / "bare-rows.db"),  # beside the namespace's event log
                }
            procs.append((subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT), log))
        for proc, log in procs:
            deadline = time.monotonic() + 60
            while "polling" not in Path(log.name).read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start: {Path(log.name).read_text()}")
                time.sleep(0.1)
        yield [p for p, _ in procs]
    finally:
        for proc, log in procs:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()


def _sdk_warnings(server: Server) -> int:
    """The SDK's warnings of slow or lost workflow tasks in every worker's log (TMPRL1104,
    "Task not found"): the benchmarks' count, to be 0."""
    return sum(
        log.read_text(errors="replace").count(marker)
        for log in server.home.glob("*.log")
        for marker in ("TMPRL1104", "Task not found")
    )


def settings_for(server: Server, ns: str):
    from services.settings import Settings

    return Settings(home=server.home / ns, temporal_address=server.address, namespace=ns, task_queue="ccm")


def parties() -> list[str]:
    from domain.states import registry

    return [s.alpha3 for s in registry().parties()]


def namespaces_for(n: int) -> list[str]:
    return [f"secretariat-{i}" for i in range(1, -(-n // len(parties())) + 1)]


def chase_slots(server: Server, n: int) -> list[tuple[str, str]]:
    """(namespace, State) for n chases: each secretariat's States in turn."""
    states = parties()
    return [(ns, s) for ns in server.namespaces for s in states][:n]


async def clients(server: Server) -> dict:
    from runtime.temporal import connect

    return {ns: await connect(settings_for(server, ns)) for ns in server.namespaces}


# --- 1b. one worker against two -----------------------------------------------------------
def scale(n: int) -> None:
    """N chases served by one `ccm worker` process, then N by two, each set in a namespace
    of its own with its own event log on PostgreSQL (SQLite takes one writer at a time):
    the throughput ratio, and the CPU the workers, the Temporal server and PostgreSQL used
    meanwhile, in cores kept busy."""
    rates = {}
    with dev_server(["one-worker", "two-workers"]) as server:
        for k, ns in ((1, "one-worker"), (2, "two-workers")):
            alone = Server(server.address, [ns], server.home, server.pid)
            with _databases() as urls, workers(alone, "ccm", {"CCM_DATABASE_URL": urls["PostgreSQL"]}, k) as procs:
                pids = [p.pid for p in procs]
                cpu, began = _cpu_seconds(pids + [server.pid] + _postgres_pids()), time.perf_counter()
                driver = time.process_time()  # this process, sending the commands
                rates[k], _, _ = asyncio.run(run_chases(alone, n))
                wall, driver = time.perf_counter() - began, time.process_time() - driver
                # PostgreSQL's backends opened during the run count from 0.
                postgres = _postgres_pids()
                used = {
                    pid: seconds - cpu.get(pid, 0.0)
                    for pid, seconds in _cpu_seconds(pids + [server.pid] + postgres).items()
                }
                logs = _verify_logs(alone, urls["PostgreSQL"])
            busy = {
                what: sum(used.get(p, 0.0) for p in group) / wall
                for what, group in (("workers", pids), ("server", [server.pid]), ("postgres", postgres))
            }
            per_chase = {
                what: 1000 * sum(used.get(p, 0.0) for p in group) / n
                for what, group in (("workers", pids), ("server", [server.pid]), ("postgres", postgres))
            }
            print(
                f"{k} worker process{'es' if k > 1 else ''}: CPU per chase: workers {per_chase['workers']:.1f} ms, "
                f"Temporal dev server {per_chase['server']:.1f} ms, PostgreSQL (the event log) "
                f"{per_chase['postgres']:.1f} ms"
            )
            print(
                f"{k} worker process{'es' if k > 1 else ''}: {rates[k]:.1f} chases/s; cores busy: workers "
                f"{busy['workers']:.2f}, Temporal server {busy['server']:.2f}, PostgreSQL {busy['postgres']:.2f}, "
                f"the benchmark's client {driver / wall:.2f} (of {os.cpu_count()}); event log: {logs}"
            )
        warnings = _sdk_warnings(server)
    print(f"two workers / one: {rates[2] / rates[1]:.2f} (SDK warnings in the workers' logs: {warnings})")


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process still running, threads included."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its backends for the workers among them)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            if stat.read_text().strip() == "postgres":
                found.append(int(stat.parent.name))
    return found


# --- 1. chases against the bare floor ------------------------------------------------------
async def run_chases(server: Server, n: int, rest: int = 0) -> tuple[float, float, float | None]:
    """N chases through start, the call for contributions and its event, a full receipt
    and the thank-you letter (a paid chase then stays open until 31 December for
    reversals, by design): chases per second, and the receipts' median latency; then
    `rest` more chases paid one at a time: their receipts' median."""
    from domain.chase import ChaseInput, RecordReceipt, workflow_id
    from services.chases import start_chase
    from services.commands import update

    by_ns = await clients(server)

    async def opened(ns: str, state: str) -> None:
        await start_chase(
            by_ns[ns],
            settings_for(server, ns).task_queue,
            ChaseInput(state=state, year=NEXT_YEAR, amount_due=Decimal("1000.00")),
            ISU,
            wait=False,
        )
        await handle(ns, state).execute_update("settled")  # its call drawn

    async def paid(ns: str, state: str) -> float:
        # The receipt answers once its events are logged; the thank-you letter is drawn
        # beside it, and `settled` waits for it.
        begun = time.perf_counter()
        await update(
            by_ns[ns],
            workflow_id(NEXT_YEAR, state),
            "record_receipt",
            RecordReceipt(amount=Decimal("1000.00"), date=geneva_today(), reference=f"B-{state}"),
        )
        answered = time.perf_counter() - begun
        await handle(ns, state).execute_update("settled")
        return answered

    def handle(ns: str, state: str):
        return by_ns[ns].get_workflow_handle(workflow_id(NEXT_YEAR, state))

    return await _phases(chase_slots(server, n + rest), n, opened, paid)


async def _phases(slots, n: int, opened, paid) -> tuple[float, float, float | None]:
    """The first n slots all opened (started, the call drawn), then all paid (a receipt,
    the thank-you drawn): the throughput over both, and the receipts' median latency under
    that burst. Then the other slots opened, and paid one at a time: the median latency of
    a receipt sent to a system at rest, as most receipts from the bank find it."""
    burst_slots, rest_slots = slots[:n], slots[n:]
    start = time.perf_counter()
    await asyncio.gather(*(opened(ns, s) for ns, s in burst_slots))
    burst = await asyncio.gather(*(paid(ns, s) for ns, s in burst_slots))
    rate = len(burst_slots) / (time.perf_counter() - start)
    await asyncio.gather(*(opened(ns, s) for ns, s in rest_slots))
    at_rest = [await paid(ns, s) for ns, s in rest_slots]
    return rate, statistics.median(burst), statistics.median(at_rest) if at_rest else None


async def run_bare(
    server: Server, n: int, prefix: str = "bare", rows: dict[str, int] | None = None, rest: int = 0
) -> tuple[float, float, float | None]:
    """The letters-only floor (`Bare`), or with `rows` the fair floor (`BareLogged`), which
    also appends the chase's rows of each step; as `run_chases` measures the chases."""
    from benchmarks.bare import Bare, BareLogged

    by_ns = await clients(server)

    async def opened(ns: str, state: str) -> None:
        wid = f"{prefix}-{ns}-{state}"
        if rows is None:
            handle = await by_ns[ns].start_workflow(Bare.run, len(ids), id=wid, task_queue="bare")
        else:
            handle = await by_ns[ns].start_workflow(BareLogged.run, args=[len(ids), rows], id=wid, task_queue="bare")
        ids[(ns, state)] = handle
        await handle.execute_update(Bare.called_for if rows is None else BareLogged.called_for)

    async def paid(ns: str, state: str) -> float:
        begun = time.perf_counter()
        if rows is None:
            await ids[(ns, state)].execute_update(Bare.receive)
        else:
            await ids[(ns, state)].execute_update(BareLogged.receive, rows["receipt"])
        answered = time.perf_counter() - begun
        await ids[(ns, state)].result()
        return answered

    ids: dict = {}
    return await _phases(chase_slots(server, n + rest), n, opened, paid)


def _rows_per_step(server: Server) -> dict[str, int]:
    """The rows a chase's log holds for each step of the benchmark, the median over the
    chases: its start, its call (the letter and its delivery), the receipt's command, and
    what follows (the thank-you letter and its delivery)."""
    from activities.database import open_event_log

    per: dict[str, list[int]] = {"started": [], "call": [], "receipt": [], "thanks": []}
    for ns in server.namespaces:
        log = open_event_log(f"sqlite:///{server.home / ns / 'eventlog.db'}", create=False)
        by_chase: dict[str, list[str]] = {}
        for row in log.query(event_type="chase.*"):
            by_chase.setdefault(row.workflow_id, []).append(row.event_type)
        for types in by_chase.values():
            receipt = types.index("chase.receipt_recorded") if "chase.receipt_recorded" in types else len(types)
            thanks = next((i for i in range(receipt + 1, len(types)) if types[i] != "chase.paid"), len(types))
            counts = {"started": 1, "call": receipt - 1, "receipt": thanks - receipt, "thanks": len(types) - thanks}
            for step, count in counts.items():
                per[step].append(count)
    return {step: int(statistics.median(counts)) for step, counts in per.items()}


@dataclass
class Account:
    """Where one run's work went, per workflow: CPU-ms of the worker processes (SQLite, the
    log's database and the floor's, runs inside them) and of the Temporal dev server; and
    from the histories, workflow tasks, activities, local activities and updates, and the
    longest workflow task."""

    workflows: int = 0
    worker_ms: float = 0.0
    server_ms: float = 0.0
    tasks: int = 0
    activities: int = 0
    local_activities: int = 0
    updates: int = 0
    events: int = 0  # history events
    visibility: int = 0  # search attributes or memo upserted (each a write to the visibility store)
    longest: float = 0.0
    over: int = 0  # workflow tasks longer than 1 s

    def line(self) -> str:
        per = max(self.workflows, 1)
        return (
            f"CPU per workflow: worker {self.worker_ms / per:.1f} ms, Temporal server {self.server_ms / per:.1f} ms; "
            f"per workflow: {self.tasks / per:.1f} workflow tasks, {self.activities / per:.1f} activities, "
            f"{self.local_activities / per:.1f} local activities, {self.updates / per:.1f} updates, "
            f"{self.events / per:.1f} history events, {self.visibility / per:.1f} search attribute or memo upserts; "
            f"longest workflow task {self.longest * 1000:.0f} ms, {self.over} over 1 s"
        )


def _measured(server: Server, procs, run) -> tuple[tuple, Account]:
    """`run()` with the CPU the worker processes and the Temporal server used meanwhile."""
    pids = [p.pid for p in procs]
    before = _cpu_seconds(pids + [server.pid])
    result = run()
    after = _cpu_seconds(pids + [server.pid])
    used = {pid: after.get(pid, 0.0) - before.get(pid, 0.0) for pid in after}
    return result, Account(
        worker_ms=1000 * sum(used.get(p, 0.0) for p in pids), server_ms=1000 * used.get(server.pid, 0.0)
    )


def chases(n: int, profile: Path | None = None, slots: int | None = None) -> None:
    """Chases against the letters-only and the fair floors; `slots`: the ccm workers'
    CCM_WORKFLOW_TASK_SLOTS (workflow tasks each runs at once)."""
    with dev_server(namespaces_for(n + AT_REST)) as server:
        with workers(server, "bare") as procs:
            asyncio.run(run_bare(server, 20, "warm"))  # the first workflows pay for imports and caches
            (bare, bare_update, bare_rest), bare_account = _measured(
                server, procs, lambda: asyncio.run(run_bare(server, n, rest=AT_REST))
            )
        with workers(server, "ccm", {"CCM_WORKFLOW_TASK_SLOTS": str(slots)} if slots else None) as procs:
            with _profiled(procs, profile):
                (chase, receipt, receipt_rest), chase_account = _measured(
                    server, procs, lambda: asyncio.run(run_chases(server, n, AT_REST))
                )
            logs = _verify_logs(server)
            pdfs = sum(len(list((server.home / ns / "outbox" / "letters").glob("*.pdf"))) for ns in server.namespaces)
        rows = _rows_per_step(server)
        transactions = _log_transactions(server)
        with workers(server, "bare") as procs:
            asyncio.run(run_bare(server, 20, "warm-fair", rows))
            fair_profile = profile.with_suffix(".fair") if profile else None
            with _profiled(procs, fair_profile):
                (fair, fair_update, fair_rest), fair_account = _measured(
                    server, procs, lambda: asyncio.run(run_bare(server, n, "fair", rows, AT_REST))
                )
        for account, query, prefix in (
            (bare_account, "WorkflowType = 'Bare'", "bare-"),
            (chase_account, "WorkflowType = 'ContributionChase'", ""),
            (fair_account, "WorkflowType = 'BareLogged'", "fair-"),
        ):
            asyncio.run(_history_account(server, query, prefix, account))
        warnings = _sdk_warnings(server)
    print(
        f"bare SDK workflows (start, call letter drawn and stored, receipt update, thank-you letter drawn and "
        f"stored, completion): {bare:.1f}/s; its receipt update answered in {bare_update * 1000:.0f} ms (median)"
    )
    print(f"  {bare_account.line()}")
    print(
        f"ccm chases (start, call letter and event, full receipt, thank-you letter): {chase:.1f}/s; "
        f"the receipt answered in {receipt * 1000:.0f} ms (median), its letter drawn beside it"
    )
    print(f"  {chase_account.line()}")
    print(
        f"  event logs: {logs} in {transactions} transactions ({transactions / n:.1f} per chase); "
        f"{pdfs} PDF letters written; SDK warnings in the workers' logs: {warnings}"
    )
    steps = sum(1 for count in rows.values() if count)
    print(
        f"fair floor (the bare workflow appending the chase's rows of each step, {rows}, one transaction a step: "
        f"{steps} per workflow): {fair:.1f}/s; its receipt update answered in {fair_update * 1000:.0f} ms (median)"
    )
    print(f"  {fair_account.line()}")
    print(
        f"one at a time ({AT_REST} each, at rest): a receipt answered in {receipt_rest * 1000:.0f} ms (median); "
        f"the bare update {bare_rest * 1000:.0f} ms, the fair floor's {fair_rest * 1000:.0f} ms; "
        f"receipt/bare {receipt_rest / bare_rest:.2f}, receipt/fair {receipt_rest / fair_rest:.2f}"
    )
    print(f"chase/bare ratio: {chase / bare:.2f}; receipt/bare-update latency ratio: {receipt / bare_update:.2f}")
    print(
        f"chase/fair-floor ratio: {chase / fair:.2f}; "
        f"receipt/fair-floor-update latency ratio: {receipt / fair_update:.2f}"
    )
    if profile and fair_profile:
        print("ccm chases, " + profile_summary(profile, chase_account))
        print("fair floor, " + profile_summary(fair_profile, fair_account))


async def _history_account(server: Server, query: str, prefix: str, account: Account) -> None:
    """Counts from the histories of the workflows `query` lists whose id starts with
    `prefix` (the measured run's, not the warm-up's) into `account`."""
    kinds = {
        "workflow_task_completed_event_attributes": "tasks",
        "activity_task_scheduled_event_attributes": "activities",
        "workflow_execution_update_accepted_event_attributes": "updates",
        "upsert_workflow_search_attributes_event_attributes": "visibility",
        "workflow_properties_modified_event_attributes": "visibility",
    }
    for client in (await clients(server)).values():
        async for wf in client.list_workflows(query):
            if not wf.id.startswith(prefix):
                continue
            account.workflows += 1
            started = None
            async for ev in client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history_events():
                kind = ev.WhichOneof("attributes")
                account.events += 1
                if kind in kinds:
                    setattr(account, kinds[kind], getattr(account, kinds[kind]) + 1)
                if kind == "marker_recorded_event_attributes":  # the SDK's record of a local activity
                    account.local_activities += ev.marker_recorded_event_attributes.marker_name == "core_local_activity"
                if kind == "workflow_task_started_event_attributes":
                    started = ev.event_time.ToDatetime()
                elif kind == "workflow_task_completed_event_attributes" and started is not None:
                    seconds = (ev.event_time.ToDatetime() - started).total_seconds()
                    account.longest, account.over = max(account.longest, seconds), account.over + (seconds > 1)


def _log_transactions(server: Server) -> int:
    """The transactions that wrote the namespaces' event logs: rows written in one share a
    `recorded_at` (one clock reading per transaction) and form a run of sequence numbers."""
    from sqlalchemy import text

    from activities.database import open_event_log

    total = 0
    for ns in server.namespaces:
        log = open_event_log(f"sqlite:///{server.home / ns / 'eventlog.db'}", create=False)
        with log.engine.connect() as conn:
            total += conn.execute(text("SELECT COUNT(DISTINCT recorded_at) FROM events")).scalar_one()
    return total


@contextlib.contextmanager
def _profiled(procs, out: Path | None):
    """py-spy sampling the worker processes while the block runs: 100 Hz, only the thread
    holding the GIL (a thread waiting on a queue or a lock is not work)."""
    if out is None:
        yield
        return
    spies = [
        subprocess.Popen(
            [str(BIN / "py-spy"), "record", "--gil", "-p", str(p.pid), "-r", "100", "-f", "raw", "-o", f"{out}.{i}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i, p in enumerate(procs)
    ]
    try:
        time.sleep(1)  # attached
        yield
    finally:
        for spy in spies:
            spy.send_signal(2)  # py-spy writes its file on SIGINT
            spy.wait(timeout=60)
        with open(out, "w") as whole:
            for i in range(len(spies)):
                part = Path(f"{out}.{i}")
                if part.exists():
                    whole.write(part.read_text())
                    part.unlink()


# Frames grouped by where their code lives, for the profile's account.
PROFILE_AREAS = (
    ("SQLite (the event log)", ("sqlite3", "sqlalchemy")),
    ("letters (templates, typst's PDF drawing)", ("typst", "jinja2", "babel", "/activities/letters")),
    ("pydantic (models, converter)", ("pydantic",)),
    ("Temporal SDK (sandbox, payloads, worker)", ("temporalio", "google/protobuf")),
    ("ccm (workflows, activities, domain)", ("/workflows/", "/activities/", "/domain/", "/runtime/", "/services/")),
    ("signatures and hashes", ("cryptography", "hashlib")),
)


def profile_summary(path: Path, account: Account, top: int = 15) -> str:
    """py-spy's raw samples (`stack;…;leaf count`), each 10 ms of the GIL held, per
    workflow of the run: by area (its innermost frame of note), and the top frames where
    the sample was taken. The worker CPU the samples do not cover ran outside the GIL: the
    SDK's Rust core (gRPC, protobuf), and native code that releases it."""
    from collections import Counter

    leaves: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames, samples = stack.split(";"), int(count)
        total += samples
        leaves[frames[-1]] += samples
        area = next(
            (name for frame in reversed(frames) for name, marks in PROFILE_AREAS if any(m in frame for m in marks)),
            "other (asyncio, the standard library)",
        )
        areas[area] += samples
    per = max(account.workflows, 1)
    held = 10 * total / per  # ms of the GIL held per workflow (100 Hz)
    lines = [
        f"py-spy: {total} samples at 100 Hz of the thread holding the GIL: {held:.1f} ms per workflow of the "
        f"worker's {account.worker_ms / per:.1f} ms CPU ({account.worker_ms / per - held:.1f} ms outside the GIL)"
    ]
    lines += [f"  {10 * share / per:6.1f} ms  {share / total:6.1%}  {area}" for area, share in areas.most_common()]
    lines.append(f"  top {top} frames where the sample was taken:")
    lines += [
        f"  {10 * share / per:6.1f} ms  {share / total:6.1%}  {frame}" for frame, share in leaves.most_common(top)
    ]
    return "\n".join(lines)


def _verify_logs(server: Server, url: str | None = None) -> str:
    """Each namespace's log (its SQLite file, or `url`) verified whole."""
    from activities.database import open_event_log

    rows = 0
    for ns in server.namespaces:
        log = open_event_log(url or f"sqlite:///{server.home / ns / 'eventlog.db'}", create=False)
        result = log.verify()
        assert result.ok, result
        rows += result.rows
    return f"{rows} rows, every chain intact"


# --- 2. a statement against bare updates -----------------------------------------------------
def statement(n: int, partial: bool) -> None:
    """A statement of n credit lines (one per chase, each with its creditor reference)
    reconciled into n open chases, against n bare updates on n bare workflows. Each line
    pays its chase in full, so each chase also writes its thank-you letter; with
    `partial`, half, so that a receipt is only its log row."""
    from domain.bank import creditor_reference
    from tests.statements import Line, camt053

    with dev_server(namespaces_for(n)) as server:
        slots = chase_slots(server, n)
        with workers(server, "bare"):
            bare = asyncio.run(_bare_updates(server, slots))
        with workers(server, "ccm") as procs:
            asyncio.run(_open_chases(server, slots))
            files = {}
            for ns in server.namespaces:
                lines = [
                    Line(
                        f"{ns}-{s}",
                        "500" if partial else "1000",
                        geneva_today(),
                        reference=creditor_reference(NEXT_YEAR, s),
                    )
                    for n_s, s in slots
                    if n_s == ns
                ]
                files[ns] = camt053(lines, statement_id=f"STMT-{ns}")
            (seconds, matched), account = _measured(
                server, procs, lambda: asyncio.run(_import_statements(server, files))
            )
    print(f"{n} bare updates on {n} running bare workflows: {bare:.2f} s ({n / bare:.0f} updates/s)")
    print(
        f"statement of {n} credit lines ({'half' if partial else 'all'} of each amount due) reconciled into "
        f"{n} chases: {seconds:.2f} s "
        f"({matched / seconds:.0f} receipts/s), {matched} matched"
    )
    print(
        f"  CPU per line: worker {account.worker_ms / n:.1f} ms, Temporal server {account.server_ms / n:.1f} ms "
        + ("(each line's thank-you letter included)" if not partial else "(half paid: no thank-you letter)")
    )
    print(f"statement/bare-updates time ratio: {seconds / bare:.2f}")


async def _bare_updates(server: Server, slots) -> float:
    from benchmarks.bare import Bare

    by_ns = await clients(server)
    handles = await asyncio.gather(
        *(by_ns[ns].start_workflow(Bare.run, i, id=f"upd-{i}", task_queue="bare") for i, (ns, _) in enumerate(slots))
    )
    await asyncio.gather(*(h.execute_update(Bare.bump, 1) for h in handles[:20]))  # warm
    # As many in flight as `ccm bank import` sends, for each secretariat's statement.
    gates = {ns: asyncio.Semaphore(CONCURRENCY) for ns in server.namespaces}

    async def bump(ns, h):
        async with gates[ns]:
            await h.execute_update(Bare.bump, 2)

    start = time.perf_counter()
    await asyncio.gather(*(bump(ns, h) for (ns, _), h in zip(slots, handles, strict=True)))
    seconds = time.perf_counter() - start
    await asyncio.gather(*(h.signal(Bare.go) for h in handles))
    return seconds


async def _open_chases(server: Server, slots) -> None:
    from domain.chase import ChaseInput, SetMspDate, workflow_id
    from services.chases import start_chase
    from services.commands import update

    by_ns = await clients(server)
    gate = asyncio.Semaphore(100)  # as start-all runs: not a thousand workflow tasks at once

    async def one(ns, s):
        async with gate:
            await start_chase(
                by_ns[ns],
                settings_for(server, ns).task_queue,
                ChaseInput(state=s, year=NEXT_YEAR, amount_due=Decimal("1000.00")),
                ISU,
                wait=False,
            )
            # An update answers once the start's effects are done: the chase is ready.
            await update(
                by_ns[ns],
                workflow_id(NEXT_YEAR, s),
                "set_msp_date",
                SetMspDate(msp_date=date(NEXT_YEAR, 9, 8), office="isu"),
            )

    await asyncio.gather(*(one(ns, s) for ns, s in slots))
    # Visibility is eventually consistent: wait until every chase is listed.
    for ns, client in by_ns.items():
        want = sum(1 for n_s, _ in slots if n_s == ns)
        for _ in range(300):
            if (
                await client.count_workflows(f"WorkflowType = 'ContributionChase' AND CcmYear = {NEXT_YEAR}")
            ).count >= want:
                break
            await asyncio.sleep(0.1)


async def _import_statements(server: Server, files: dict) -> tuple[float, int]:
    """Each statement handed to its namespace's worker, as `ccm bank import` hands it."""
    from domain.bank import read_statement
    from domain.records import StatementInput, statement_id
    from workflows.bank_statement import BankStatementImport

    by_ns = await clients(server)

    async def one(ns: str, data: bytes) -> list[dict]:
        statement = read_statement(data)
        return await by_ns[ns].execute_workflow(
            BankStatementImport.run,
            StatementInput(statement=statement, actor="bench", office="isu"),
            id=statement_id(statement),
            task_queue=settings_for(server, ns).task_queue,
        )

    start = time.perf_counter()
    results = await asyncio.gather(*(one(ns, data) for ns, data in files.items()))
    seconds = time.perf_counter() - start
    for rows in results:
        for r in rows:
            if r["outcome"] != "matched":
                print(f"entry {r['entry']} {r['outcome']}: {r.get('reason', '')}")
    return seconds, sum(1 for rows in results for r in rows if r["outcome"] == "matched")


# --- 3. event-log appends against raw inserts ------------------------------------------------
PG_URL = os.environ.get("CCM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _events(n: int, start: int = 0) -> list:
    from datetime import datetime, timedelta, timezone

    from domain.events import NewEvent

    t0 = datetime(2027, 1, 1, tzinfo=timezone.utc)
    return [
        NewEvent(
            idempotency_key=f"bench/{start + i}",
            workflow_id=f"chase-2027-S{i % 100:02d}",
            workflow_type="ContributionChase",
            subject="ITA",
            event_type="chase.reminder_sent",
            occurred_at=t0 + timedelta(minutes=i),
            actor="bench",
            office="isu",
            payload={"i": start + i, "letter": "second_reminder", "outstanding": "12345.00"},
        )
        for i in range(n)
    ]


@contextlib.contextmanager
def _databases():
    """An empty event log and an empty raw table of the same columns (no chain, no
    triggers, no unique key), on SQLite and on PostgreSQL (a schema of their own)."""
    import uuid

    from sqlalchemy import create_engine, text

    tmp = Path(tempfile.mkdtemp(prefix="ccm-bench-log-"))
    schema = f"ccm_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"SQLite": f"sqlite:///{tmp / 'eventlog.db'}", "PostgreSQL": f"{PG_URL}?options=-csearch_path%3D{schema}"}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def eventlog(n: int, batch: int, rounds: int = 5) -> None:
    import json

    from sqlalchemy import Column, Index, MetaData, Table

    from activities.database import open_event_log
    from activities.eventlog import events as events_table
    from activities.eventlog import make_engine

    with _databases() as urls:
        for name, url in urls.items():
            log = open_event_log(url)
            raw_meta = MetaData()
            raw = Table("raw_events", raw_meta, *(Column(c.name, c.type) for c in events_table.columns))
            # The same rows in a table with the log's keys and indexes (what any table of
            # events that is queried and deduplicated needs), still without chain or triggers.
            indexed = Table(
                "raw_indexed_events",
                raw_meta,
                *(Column(c.name, c.type, primary_key=c.primary_key, unique=c.unique) for c in events_table.columns),
                *(Index(f"raw_{i.name}", *(c.name for c in i.columns)) for i in events_table.indexes),
            )
            engine = make_engine(url)
            raw_meta.create_all(engine)

            def rows(evs, offset):
                return [
                    e.model_dump(mode="python")
                    | {
                        "seq": offset + i,
                        "recorded_at": e.occurred_at,
                        "payload": json.dumps(e.model_dump(mode="json")["payload"]),
                        "prev_hash": "",
                        "hash": "",
                    }
                    for i, e in enumerate(evs)
                ]

            single = _events(n)
            t = time.perf_counter()
            for e in single:
                log.append(e)
            chain_single = n / (time.perf_counter() - t)
            # The raw inserts start from the same events: turning them into rows is timed too.
            t = time.perf_counter()
            for i, e in enumerate(single):
                with engine.begin() as conn:
                    conn.execute(raw.insert(), rows([e], i))
            raw_single = n / (time.perf_counter() - t)
            # The batches go into a log that holds rows and statistics, as a secretariat's
            # log does (autovacuum analyses a table a minute or so after it grew): without
            # them PostgreSQL looks each batch's keys up by scanning the table.
            with log.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            # In rounds, the three sides in turn, so that a slow second of the machine's
            # disk falls on all three alike: n rows each per round.
            batched = _events(n * rounds, start=n)
            took = {"log": 0.0, "raw": 0.0, "indexed": 0.0}
            for r in range(rounds):
                part = batched[r * n : (r + 1) * n]
                t = time.perf_counter()
                for i in range(0, n, batch):
                    log.append_all(part[i : i + batch])  # as a letter's activity writes its step's events
                took["log"] += time.perf_counter() - t
                for side, table in (("raw", raw), ("indexed", indexed)):
                    t = time.perf_counter()
                    for i in range(0, n, batch):
                        with engine.begin() as conn:
                            conn.execute(table.insert(), rows(part[i : i + batch], n + r * n + i))
                    took[side] += time.perf_counter() - t
            chain_batched, raw_batched, indexed_batched = (n * rounds / took[k] for k in ("log", "raw", "indexed"))
            assert log.verify().ok
            print(
                f"{name}: single append {chain_single:,.0f} rows/s vs raw insert {raw_single:,.0f} rows/s "
                f"({chain_single / raw_single:.2f}x); batches of {batch}: {chain_batched:,.0f} rows/s vs raw "
                f"{raw_batched:,.0f} rows/s ({chain_batched / raw_batched:.2f}x), vs raw into a table with the "
                f"log's keys and indexes {indexed_batched:,.0f} rows/s ({chain_batched / indexed_batched:.2f}x)"
            )
            log.engine.dispose()
            engine.dispose()


# --- 4. audit at scale --------------------------------------------------------------------------
def _busy_years(total: int, years: int = 100) -> list:
    """`total` events over `years` years of a busy secretariat: each year 100 chases with
    their call, reminders, receipt and close, and the rest meetings and action items."""
    from datetime import datetime, timedelta, timezone

    from domain.events import NewEvent

    states = parties()
    per_year = total // years
    out = []
    first = geneva_today().year - years + 1
    for y in range(first, first + years):
        t0 = datetime(y, 1, 15, 8, tzinfo=timezone.utc)
        for i in range(per_year):
            state = states[i % 100]
            step = i // 100
            if step < 6:
                kind = [
                    "chase.started",
                    "chase.reminder_sent",
                    "chase.reminder_sent",
                    "chase.reminder_sent",
                    "chase.receipt_recorded",
                    "chase.paid",
                ][step]
                payload = (
                    {"amount_due": "1000.00", "arrears": "0.00"}
                    if step == 0
                    else (
                        {"amount": "1000.00", "date": f"{y}-06-01", "reference": f"B-{y}-{state}", "budget_line": "7a"}
                        if step == 4
                        else {"letter": "second_reminder"}
                    )
                )
                wid, subject = f"chase-{y}-{state}", state
            else:
                kind, payload = "action.reminder_sent", {"due": f"{y}-12-07"}
                wid, subject = f"action-meeting-cc-{y}-11-04-{i}", "meeting-cc"
            out.append(
                NewEvent(
                    idempotency_key=f"{wid}/{kind}/{i}",
                    workflow_id=wid,
                    workflow_type="Bench",
                    subject=subject,
                    event_type=kind,
                    occurred_at=t0 + timedelta(minutes=i),
                    payload=payload,
                )
            )
    return out


def audit(total: int) -> None:
    from activities.database import open_event_log

    tmp = Path(tempfile.mkdtemp(prefix="ccm-bench-audit-"))
    url = f"sqlite:///{tmp / 'eventlog.db'}"
    log = open_event_log(url)
    t = time.perf_counter()
    events = _busy_years(total)
    for start in range(0, total, 5000):
        log.append_many(events[start : start + 5000])
    del events
    print(f"filled {log.count():,} events in {time.perf_counter() - t:.0f} s (append_many, batches of 5,000)")
    year = geneva_today().year - 3
    env = os.environ | {"CCM_DATABASE_URL": url, "CCM_HOME": str(tmp)}
    probe = (
        f"import itertools, time, statistics; from datetime import datetime, timezone; "
        f"from activities.database import open_event_log; log = open_event_log({url!r}, create=False); "
        f"since = datetime({year}, 1, 1, tzinfo=timezone.utc); times = []\n"
        f"for _ in range(21):\n"
        f"    t = time.perf_counter(); page = list(itertools.islice(log.query(subject='ITA', since=since), 50))\n"
        f"    times.append(time.perf_counter() - t)\n"
        f"times.sort(); print(statistics.median(times), times[int(len(times) * 0.95) - 1])"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    median, p95 = map(float, out.stdout.split())
    print(
        f"audit log --subject ITA --since {year}-01-01, first page of 50: median {median * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms"
    )
    for name, cmd in [
        ("ccm report contributions", ["report", "contributions", "--year", str(year), "-o", "csv"]),
        ("ccm audit verify", ["audit", "verify"]),
        ("ccm audit log --subject ITA", ["audit", "log", "--subject", "ITA", "-o", "json"]),
    ]:
        seconds, rss = _timed_child([str(BIN / "ccm"), *cmd], env)
        print(f"{name}: {seconds:.2f} s, peak RSS {rss:.0f} MiB")


def _timed_child(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall time and peak RSS of one command, run from a fresh interpreter so that the
    children's running maximum of RSS is its own."""
    code = (
        f"import resource, subprocess, sys, time; t = time.perf_counter(); "
        f"subprocess.run({cmd!r}, stdout=subprocess.DEVNULL, check=True); "
        f"print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    seconds, rss = map(float, out.stdout.split())
    return seconds, rss


# --- 5. status at scale ---------------------------------------------------------------------------
HOST = """
import asyncio, concurrent.futures, sys
from pathlib import Path
from services.settings import Settings
from runtime.temporal import connect
from activities.database import open_event_log
from runtime.worker import build_activities, make_workers
from tests.letters import write_contacts

async def main(address, base, namespaces):
    workers = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        for ns in namespaces:  # the process keeps CCM_WORKER_CACHE runs in all, as one `ccm worker` would
            s = Settings(home=Path(base) / ns, temporal_address=address, namespace=ns, task_queue="ccm")
            s = s.model_copy(update={"worker_cache": max(10, s.worker_cache // len(namespaces))})
            s.home.mkdir(parents=True, exist_ok=True)
            write_contacts(s.contacts_file)  # each call is a PDF
            open_event_log(s.database_url, create=True)  # as `ccm db upgrade` makes it
            workers += make_workers(await connect(s), s, build_activities(s), executor)
        await asyncio.gather(*(w.__aenter__() for w in workers))
        print("polling", flush=True)
        await asyncio.Event().wait()

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
"""


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            out += [int(child) for child in (task / "children").read_text().split()]
    return out


def _rss_mib(pid: int, children: bool = True) -> float:
    """A process's RSS, with its children's (none since the letters are drawn in its threads)."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1]) / 1024
    if children:
        for child in _children(pid):
            with contextlib.suppress(FileNotFoundError):
                total += _rss_mib(child, children=False)
    return total


def status(n: int) -> None:
    """`ccm chase status --year Y` over n chases (one command per secretariat of 100), and
    the RSS of one worker process that holds all n chases open."""
    with dev_server(namespaces_for(n)) as server:
        log = open(server.home / "host.log", "w")
        host = subprocess.Popen(
            [sys.executable, "-c", HOST, server.address, str(server.home), *server.namespaces],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 60
            while "polling" not in (server.home / "host.log").read_text():
                if host.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((server.home / "host.log").read_text())
                time.sleep(0.2)
            idle = _rss_mib(host.pid)
            slots = chase_slots(server, n)
            asyncio.run(_open_chases(server, slots))
            held = _rss_mib(host.pid)
            pdfs = sum(len(list((server.home / ns / "outbox" / "letters").glob("*.pdf"))) for ns in server.namespaces)
            time.sleep(10)
            rest = _rss_mib(host.pid)
            times = []
            for ns in server.namespaces:
                env = os.environ | ccm_env(server, ns)
                start = time.perf_counter()
                out = subprocess.run(
                    [str(BIN / "ccm"), "chase", "status", "--year", str(NEXT_YEAR), "-o", "json"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                times.append(time.perf_counter() - start)
                assert out.count('"state"') == sum(1 for n_s, _ in slots if n_s == ns)
        finally:
            host.terminate()
            host.wait(timeout=30)

    from services.settings import Settings

    print(
        f"one worker process serving {len(server.namespaces)} secretariats, keeping {Settings().worker_cache} "
        f"runs in memory (CCM_WORKER_CACHE), drawing its letters in its own threads: RSS {idle:.0f} MiB idle, "
        f"{held:.0f} MiB with {n} chases open ({pdfs} PDF letters written), {rest:.0f} MiB 10 s later"
    )
    print(
        f"ccm chase status --year {NEXT_YEAR} (100 chases each): median {statistics.median(times):.2f} s, "
        f"{sum(times):.2f} s for all {n}"
    )


# --- the cost of a PDF letter -------------------------------------------------------------------
def letter_cost(n: int) -> None:
    """CPU per PDF letter in one process (Typst, PDF/A-2b + PDF/UA-1), each to another
    State and in turn in English, French and Spanish (Typst caches what it drew before:
    the same letter twice would cost almost nothing), rendered from its template and
    drawn; and the ceilings it sets on this machine's cores: a benchmark chase writes 2
    letters, a statement line paid in full 1."""
    from activities.letters import letter_values, render_letter, typst_to_pdf
    from tests.integration.test_letters_pdf import ANYWHERE, FIGURES, HEAD

    kinds = ["call_for_contributions", "thank_you"]
    states = parties()
    typst_to_pdf(
        render_letter(
            kinds[0], "en", letter_values(kinds[0], "ITA", FIGURES, "en", date(2027, 1, 15), HEAD, ANYWHERE)
        ).source
    )  # loads the fonts
    start = time.process_time()
    for i in range(n):
        kind, language = kinds[i % 2], ("en", "fr", "es")[i % 3]
        values = letter_values(
            kind, states[i % len(states)], FIGURES | {"year": 2000 + i}, language, date(2027, 1, 15), HEAD, ANYWHERE
        )
        typst_to_pdf(render_letter(kind, language, values).source)
    cpu = (time.process_time() - start) / n
    cores = os.cpu_count() or 1
    print(
        f"{n} PDF letters (call and thank-you, en/fr/es, each to another State): {cpu * 1000:.1f} ms of CPU each, "
        "template included"
    )
    print(
        f"ceilings from drawing alone on {cores} cores: {cores / (2 * cpu):.1f} chases/s, "
        f"{cores / cpu:.1f} statement lines paid in full/s"
    )


# --- 6. the CLI ----------------------------------------------------------------------------
def cli_times(runs: int) -> None:
    """The wall time of the commands people use most, and the time each spends importing
    (the sum of `python -X importtime`'s self times, in one run of each)."""

    def timed(cmd, env=None) -> list[float]:
        out = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                cmd, env=os.environ | (env or {}), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
            )
            out.append(time.perf_counter() - start)
        return out

    def importing(cmd, env=None) -> float:
        """Seconds spent importing modules in one run of `cmd` (a `ccm` command)."""
        run = subprocess.run(
            [sys.executable, "-X", "importtime", str(BIN / "ccm"), *cmd[1:]],
            env=os.environ | (env or {}),
            capture_output=True,
            text=True,
            check=True,
        )
        selfs = [
            int(line.split("|")[0].split(":")[1])
            for line in run.stderr.splitlines()
            if line.startswith("import time:") and line.split("|")[0].split(":")[1].strip().isdigit()
        ]
        return sum(selfs) / 1e6

    with dev_server(["default"]) as server:
        with workers(server, "ccm"):
            env = ccm_env(server, "default")
            asyncio.run(_open_chases(server, [("default", "ITA"), ("default", "SWE")]))
            ccm = str(BIN / "ccm")
            commands = {
                "ccm --help": [ccm, "--help"],
                "ccm chase status --state ITA": [ccm, "chase", "status", "--state", "ITA", "--year", str(NEXT_YEAR)],
                "ccm chase status --year": [ccm, "chase", "status", "--year", str(NEXT_YEAR)],
                "ccm chase receive": [
                    ccm,
                    "chase",
                    "receive",
                    "--state",
                    "SWE",
                    "--year",
                    str(NEXT_YEAR),
                    "--amount",
                    "0.01",
                ],  # each a new intent: no reference  # fmt: skip
                "ccm task list": [ccm, "task", "list"],
                "ccm outbox list": [ccm, "outbox", "list"],
            }
            rows = {"python -c pass": timed([sys.executable, "-c", "pass"])}
            imports = {}
            for name, cmd in commands.items():
                rows[name] = timed(cmd, env)
                imports[name] = importing(cmd, env)
    base = statistics.median(rows["python -c pass"])
    for name, times in rows.items():
        said = f"; imports {imports[name] * 1000:.0f} ms in a run under -X importtime" if name in imports else ""
        print(
            f"{name}: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms ({statistics.median(times) / base:.1f}x python -c pass){said}"
        )


def _count(text: str) -> int:
    """A count of at least 1 (a benchmark of nothing divides by zero)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    chases_parser = sub.add_parser("chases")
    chases_parser.add_argument("--n", type=_count, default=300)
    chases_parser.add_argument("--slots", type=_count, help="the ccm workers' CCM_WORKFLOW_TASK_SLOTS")
    chases_parser.add_argument("--profile", type=Path, help="py-spy the ccm workers; raw samples written here")
    sub.add_parser("scale").add_argument("--n", type=_count, default=100)
    statement_parser = sub.add_parser("statement")
    statement_parser.add_argument("--n", type=_count, default=1000)
    statement_parser.add_argument("--partial", action="store_true", help="pay half: no thank-you letters")
    sub.add_parser("cli").add_argument("--runs", type=_count, default=10)
    log_parser = sub.add_parser("eventlog")
    log_parser.add_argument("--n", type=_count, default=5000)
    log_parser.add_argument("--batch", type=_count, default=100)
    sub.add_parser("audit").add_argument("--events", type=_count, default=1_000_000)
    sub.add_parser("status").add_argument("--chases", type=_count, default=1000)
    sub.add_parser("letters").add_argument("--n", type=_count, default=40)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; {geneva_today()}")
    if args.what == "chases":
        chases(args.n, args.profile, args.slots)
    elif args.what == "scale":
        scale(args.n)
    elif args.what == "statement":
        statement(args.n, args.partial)
    elif args.what == "cli":
        cli_times(args.runs)
    elif args.what == "eventlog":
        eventlog(args.n, args.batch)
    elif args.what == "audit":
        audit(args.events)
    elif args.what == "letters":
        letter_cost(args.n)
    elif args.what == "status":
        status(args.chases)


if __name__ == "__main__":
    main()
