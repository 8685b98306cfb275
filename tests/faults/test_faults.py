"""Faults survived, with real processes: a worker killed again and again, the Temporal
server restarted, the event-log database unreachable. Each test ends by checking the
event log row by row against what the workflows should have written (no row missing,
none written twice, the chain intact) and every workflow at its expected stage.

Bounded in time; marked `slow`, and run in CI (`make test` runs every test)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from activities.database import open_event_log
from domain.chase import ChaseStatus, RecordReceipt
from domain.schedule import geneva_today
from domain.states import registry
from runtime import devserver
from services.commands import update_id
from tests.conftest import wait_for
from tests.letters import write_contacts

pytestmark = pytest.mark.slow
CCM = str(Path(sys.executable).parent / "ccm")
YEAR = geneva_today().year + 1


class Cluster:
    """An embedded Temporal server (SQLite file) and `ccm worker` processes, all real."""

    def __init__(self, home: Path, database_url: str | None = None):
        self.home, self.port = home, devserver.free_port()
        if not (home / "contacts.csv").exists():  # letters need an addressee
            write_contacts(home / "contacts.csv")
        self.env = os.environ | {
            "CCM_HOME": str(home),
            "CCM_TEMPORAL_ADDRESS": f"127.0.0.1:{self.port}",
            "CCM_TASK_QUEUE": "faults",
        }
        if database_url:
            self.env["CCM_DATABASE_URL"] = database_url
        subprocess.run([CCM, "db", "upgrade"], env=self.env, check=True, capture_output=True)
        self.server = devserver.start(home, self.port, 0, headless=True)
        self.workers: list[subprocess.Popen] = []
        self.kills = 0

    def start_worker(self, wait: bool = True) -> subprocess.Popen:
        """A `ccm worker` process; with `wait`, once it polls (a command refuses to start a
        workflow no worker would run)."""
        path = self.home / f"worker-{len(self.workers)}.log"
        log = open(path, "w")
        proc = subprocess.Popen([CCM, "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(proc)
        if wait:
            wait_for(lambda: "worker polling" in path.read_text() or proc.poll() is not None, seconds=60)
        return proc

    def kill_worker(self) -> None:
        proc = self.workers[-1]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.kills += 1

    def restart_server(self) -> None:
        devserver.stop(self.server)
        self.server = devserver.start(self.home, self.port, 0, headless=True)

    def close(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        devserver.stop(self.server)


@pytest.fixture
def cluster(tmp_path):
    c = Cluster(tmp_path)
    yield c
    c.close()


async def connect(cluster: Cluster):
    from temporalio.client import Client

    from runtime.codec import CCM_CONVERTER

    for _ in range(120):  # the server may be restarting
        try:
            return await Client.connect(f"127.0.0.1:{cluster.port}", data_converter=CCM_CONVERTER)
        except RuntimeError:
            await asyncio.sleep(0.5)
    raise AssertionError("the server did not come back")


async def persist(call, attempts: int = 120):
    """Retry a client call across a killed worker or a restarting server. An update's id is
    made once for its intent and sent again with each retry, so a retry is applied once."""
    from temporalio.service import RPCError

    for attempt in range(attempts):
        try:
            return await call()
        except (RPCError, RuntimeError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5)


def start_chases(cluster: Cluster, states: list[str]) -> None:
    amounts = cluster.home / "amounts.csv"
    amounts.write_text("state,amount\n" + "".join(f"{s},{1000 + i}\n" for i, s in enumerate(states)))
    done = subprocess.run(
        [CCM, "chase", "start-all", "--year", str(YEAR), "--amounts", str(amounts)],
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


async def pay(cluster: Cluster, states: list[str], amounts: dict[str, Decimal]) -> None:
    """Even-numbered States pay in full, the others half; one receipt each, by reference."""
    client = await connect(cluster)

    async def receipt(i: int, state: str):
        amount = amounts[state] if i % 2 == 0 else amounts[state] / 2
        cmd = RecordReceipt(amount=amount, date=geneva_today(), reference=f"BANK-{state}", budget_line="7a")
        wid = f"chase-{YEAR}-{state}"
        uid = update_id(wid, "record_receipt", cmd)
        await persist(lambda: client.get_workflow_handle(wid).execute_update("record_receipt", cmd, id=uid))

    for batch in range(0, len(states), 10):
        await asyncio.gather(*(receipt(i, s) for i, s in enumerate(states) if batch <= i < batch + 10))


def expected_rows(states: list[str]) -> Counter:
    rows = Counter()
    for i, state in enumerate(states):
        wid = f"chase-{YEAR}-{state}"
        rows.update({(wid, "chase.started"): 1, (wid, "chase.reminder_sent"): 1, (wid, "chase.receipt_recorded"): 1})
        if i % 2 == 0:
            rows[(wid, "chase.paid")] += 1
    return rows


def check(cluster: Cluster, states: list[str], url: str | None = None) -> int:
    """Row by row: exactly the rows each chase should have written, no more, no fewer;
    the chain intact; the outbox holding each letter once; each chase at its stage."""
    log = open_event_log(url or f"sqlite:///{cluster.home / 'eventlog.db'}", create=False)
    want = expected_rows(states)

    def chase_rows() -> Counter:
        return Counter((e.workflow_id, e.event_type) for e in log.query(event_type="chase.*"))

    deadline = time.monotonic() + 120
    while chase_rows() != want and time.monotonic() < deadline:
        time.sleep(1)
    got = chase_rows()
    assert got == want, {"missing": want - got, "extra": got - want}
    verification = log.verify()
    assert verification.ok, verification.first_break
    letters = Counter(p.name for p in (cluster.home / "outbox" / "new").iterdir())
    assert len(letters) == len(states) + (len(states) + 1) // 2 and set(letters.values()) == {1}

    async def stages():
        client = await connect(cluster)
        return [
            (await client.get_workflow_handle(f"chase-{YEAR}-{s}").query("status", result_type=ChaseStatus)).stage
            for s in states
        ]

    assert asyncio.run(stages()) == ["paid" if i % 2 == 0 else "partially_paid" for i in range(len(states))]
    return verification.rows


def amounts_of(states):
    return {s: Decimal(1000 + i) for i, s in enumerate(states)}


def test_a_worker_killed_again_and_again_loses_nothing_and_writes_nothing_twice(cluster):
    states = [s.alpha3 for s in registry().parties()]  # 100 chases
    cluster.start_worker()
    start_chases(cluster, states)
    stop = threading.Event()

    def killer():  # SIGKILL the worker every 3 s and start another, while receipts arrive
        while cluster.kills < 6 and not stop.wait(3):
            cluster.kill_worker()
            cluster.start_worker(wait=False)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        asyncio.run(pay(cluster, states, amounts_of(states)))
    finally:
        stop.set()
        thread.join()
    if cluster.kills < 5:  # receipts went faster than the killer: kill some more while letters settle
        for _ in range(5 - cluster.kills):
            cluster.kill_worker()
            cluster.start_worker()
            time.sleep(1)
    rows = check(cluster, states)
    assert cluster.kills >= 5
    print(f"worker killed {cluster.kills} times; {len(states)} chases; {rows} rows checked")


def test_the_server_restarted_mid_run_loses_nothing(cluster):
    states = [s.alpha3 for s in registry().parties()][:30]
    cluster.start_worker()
    start_chases(cluster, states)
    first, rest = states[:10], states[10:]
    asyncio.run(pay(cluster, first, amounts_of(states)))
    cluster.restart_server()  # same SQLite file: the workflows and their timers survive
    asyncio.run(pay(cluster, rest, {s: amounts_of(states)[s] for s in rest}))
    rows = check(cluster, states)
    print(f"server restarted once mid-run; {len(states)} chases; {rows} rows checked")


def test_a_worker_killed_while_it_imports_a_statement_leaves_the_rest_to_the_next_one(cluster, tmp_path):
    """A crash at any point of an import is finished by the workflow, not by the person:
    the command waits, the next worker's attempt settles what is left, and every line is
    logged once and credited once."""
    from domain.bank import creditor_reference
    from tests.statements import Line, camt053

    states = [s.alpha3 for s in registry().parties()][:40]
    amounts = amounts_of(states)
    cluster.start_worker()
    start_chases(cluster, states)
    statement = tmp_path / "statement.xml"
    statement.write_bytes(
        camt053(
            [Line(f"K-{s}", amounts[s], geneva_today(), reference=creditor_reference(YEAR, s)) for s in states],
            "STMT-KILL",
        )
    )
    out = open(tmp_path / "import.out", "w")
    importing = subprocess.Popen(
        [CCM, "bank", "import", str(statement)], env=cluster.env, stdout=out, stderr=subprocess.STDOUT, text=True
    )
    log = open_event_log(f"sqlite:///{cluster.home / 'eventlog.db'}", create=False)

    def receipts() -> int:
        return sum(1 for _ in log.query(event_type="chase.receipt_recorded"))

    wait_for(lambda: receipts() >= 3, seconds=120)  # midway: some receipts recorded, the entries not logged yet
    cluster.kill_worker()
    at_kill = receipts()
    assert at_kill < len(states)
    cluster.start_worker()
    assert importing.wait(timeout=300) == 0, (tmp_path / "import.out").read_text()
    said = (tmp_path / "import.out").read_text()
    assert f"{len(states)} entries, 0 already imported; {len(states)} matched" in said, said
    assert Counter(e.payload["entry"]["ref"] for e in log.query(event_type="bank.entry_matched")) == Counter(
        {f"K-{s}": 1 for s in states}
    )
    assert Counter(e.workflow_id for e in log.query(event_type="chase.receipt_recorded")) == Counter(
        {f"chase-{YEAR}-{s}": 1 for s in states}
    )
    assert log.verify().ok
    print(f"worker killed after {at_kill} receipts of {len(states)}; every line logged once, credited once")


class Proxy:
    """A TCP proxy to PostgreSQL that the test can cut and restore (every connection
    dropped, new ones refused), to make the event-log database unreachable."""

    def __init__(self, target_port: int = 5432):
        self.port, self.target = devserver.free_port(), target_port
        self.open = threading.Event()
        self.conns: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.open.set()
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        self.open.clear()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.conns.clear()

    def restore(self):
        self.open.set()

    def close(self):
        self.running = False
        self.cut()
        self.listener.close()


def test_the_event_log_database_unreachable_for_30_s_loses_nothing(tmp_path, pg_url):
    proxy = Proxy()
    url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    cluster = Cluster(tmp_path, database_url=url)
    try:
        upgraded = subprocess.run([CCM, "db", "upgrade"], env=cluster.env, capture_output=True, text=True)
        assert upgraded.returncode == 0, upgraded.stderr
        states = [s.alpha3 for s in registry().parties()][:20]
        cluster.start_worker()
        start_chases(cluster, states)
        proxy.cut()  # receipts arrive while the log cannot be reached: activities retry
        timer = threading.Timer(30, proxy.restore)
        timer.start()
        started = time.monotonic()
        asyncio.run(pay(cluster, states, amounts_of(states)))
        assert time.monotonic() - started >= 25  # the updates waited for the log
        timer.join()
        rows = check(cluster, states, url=pg_url)
        print(
            f"event log cut for 30 s; updates waited {time.monotonic() - started:.0f} s; {len(states)} chases; "
            f"{rows} rows checked"
        )
    finally:
        cluster.close()
        proxy.close()


def test_smtp_down_while_letters_are_due_then_each_delivered_once(tmp_path):
    """Updates answer at once while the SMTP server is down (delivery runs beside the
    lock); when it comes back, every letter arrives once. (Past the day of retries,
    `*.delivery_failed` and `ccm outbox retry`: tests/workflows/test_letters_by_smtp.py.)"""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    smtp_port = devserver.free_port()
    states = ["ITA", "DEU", "NOR", "NZL", "ZMB"]
    write_contacts(tmp_path / "contacts.csv", {s: f"mission.{s.lower()}@example.org" for s in states})
    cluster = Cluster(tmp_path)
    cluster.env |= {"CCM_SMTP_HOST": "127.0.0.1", "CCM_SMTP_PORT": str(smtp_port)}  # contacts.csv in CCM_HOME
    received = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=smtp_port)
    try:
        cluster.start_worker()
        start_chases(cluster, states)
        began = time.monotonic()
        for state in states:  # an update answers at once: no delivery under the lock
            done = subprocess.run(
                [CCM, "chase", "set-msp-date", "--state", state, "--year", str(YEAR), "--date", f"{YEAR}-09-08"],
                env=cluster.env,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stderr
        assert time.monotonic() - began < 30
        assert received == []
        controller.start()  # the server comes back; the retries find it
        log = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}", create=False)
        # A delivery is logged only after its message was accepted, and a message whose
        # delivery is logged is never sent again (`activities.records.deliver`): once every
        # delivery is logged, every message that will ever arrive has arrived.
        wait_for(lambda: len(list(log.query(event_type="chase.delivered"))) == len(states), seconds=120)
        assert sorted(m["To"] for m in received) == sorted(f"mission.{s.lower()}@example.org" for s in states)
        assert log.verify().ok
        print(f"SMTP down while {len(states)} letters were due; each delivered once when it came back")
    finally:
        controller.stop()
        cluster.close()
