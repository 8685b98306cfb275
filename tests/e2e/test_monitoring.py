"""Monitoring as deployed: the worker's metrics page read by a real Prometheus (Debian's,
the version the compose runs), with ccm's alert rules loaded and the Grafana dashboard's
queries run against what the worker really exports; the rules also checked and unit-tested
by promtool."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller

from domain.schedule import geneva_today

ROOT = Path(__file__).parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "ccm.json"
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
needs_prometheus = pytest.mark.skipif(
    PROMTOOL is None or PROMETHEUS is None, reason="Debian's prometheus is not installed (Makefile: make prometheus)"
)
# Names a query may use that are no metric: functions, aggregations, keywords.
PROMQL_WORDS = {
    "sum",
    "max",
    "min",
    "by",
    "rate",
    "increase",
    "histogram_quantile",
    "vector",
    "or",
    "unless",
    "le",
    "up",
    "absent",
}


def dashboard_queries() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [t["expr"] for p in panels for t in p.get("targets", [])]


def alert_queries() -> list[str]:
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())
    return [r["expr"] for g in rules["groups"] for r in g["rules"]]


def metric_names(query: str) -> set[str]:
    """The metric names a PromQL query reads: identifiers outside label matchers, strings
    and `by (...)` lists, that are not PromQL's own words."""
    query = re.sub(r"\{[^}]*\}|\"[^\"]*\"|by \([^)]*\)|\[[^\]]*\]|offset \d+[smhdwy]", " ", query)
    return {w for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", query) if w not in PROMQL_WORDS}


@needs_prometheus
def test_promtool_accepts_the_config_and_the_rules_and_each_alert_fires_as_its_unit_tests_say():
    for args in (
        ["check", "config", "prometheus.yml"],
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts.test.yml"],
    ):
        result = subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS_DIR / "alerts.test.yml").read_text()))
    defined = set(re.findall(r"- alert: (\w+)", (PROMETHEUS_DIR / "alerts.yml").read_text()))
    assert defined == tested, defined ^ tested


def test_the_compose_mounts_the_monitoring_files_where_prometheus_and_grafana_read_them():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in services["prometheus"]["command"]
    grafana = services["grafana"]["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
    assert "./deploy/grafana/dashboards:/etc/grafana/dashboards:ro" in grafana
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/ccm.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/etc/grafana/dashboards"
    source = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    assert source["datasources"][0]["url"] == "http://prometheus:9090"
    # Every worker the compose runs is scraped: each job names a service serving metrics.
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    scraped = {c["names"][0]: c["port"] for job in config["scrape_configs"] for c in job.get("dns_sd_configs", [])}
    serving = {name for name, s in services.items() if "--metrics-bind" in s.get("command", [])}
    assert set(scraped) == serving == {"worker", "letters"}
    for name in serving:
        bind = services[name]["command"][services[name]["command"].index("--metrics-bind") + 1]
        assert bind == f"0.0.0.0:{scraped[name]}" and str(scraped[name]) in services[name]["expose"]
    # The dashboard reads the provisioned data source, and its panels do not overlap.
    dashboard = json.loads(DASHBOARD.read_text())
    uid = source["datasources"][0]["uid"]
    cells = set()
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]
        g = panel["gridPos"]
        assert g["x"] + g["w"] <= 24
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, panel["title"]
                cells.add((x, y))
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])


class BusyThenOpen:
    """An SMTP server's handler: the first message is turned away for now, the rest taken."""

    def __init__(self):
        self.turned_away, self.received = 0, []

    async def handle_DATA(self, server, session, envelope):
        if not self.turned_away:
            self.turned_away += 1
            return "451 4.3.0 busy, try again later"
        self.received.append(envelope.content)
        return "250 OK"


def eventually(check, seconds: float = 30):
    """Poll `check` until it returns True; past `seconds`, fail with what it last returned."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            seen = check()
        except OSError as e:  # Prometheus not listening yet
            seen = e
        if seen is True:
            return
        assert time.monotonic() < deadline, seen
        time.sleep(0.5)


def _prometheus(tmp_path: Path, target: str) -> tuple[subprocess.Popen, str]:
    """Debian's Prometheus scraping `target` every second with ccm's alert rules."""
    from runtime.devserver import free_port

    port = free_port()
    (tmp_path / "prometheus.yml").write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(PROMETHEUS_DIR / "alerts.yml")],
                "scrape_configs": [{"job_name": "ccm-worker", "static_configs": [{"targets": [target]}]}],
            }
        )
    )
    proc = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=open(tmp_path / "prometheus.log", "w"),
        stderr=subprocess.STDOUT,
    )
    return proc, f"http://127.0.0.1:{port}"


def _api(base: str, path: str, **params) -> dict:
    url = f"{base}/api/v1/{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
    with urllib.request.urlopen(url, timeout=10) as r:
        answer = json.loads(r.read())
    assert answer["status"] == "success", answer
    return answer["data"]


@needs_prometheus
@pytest.mark.slow
def test_prometheus_scrapes_the_worker_runs_the_dashboards_queries_and_fires_the_alerts(dev_env, namespace, tmp_path):
    from prometheus_client.parser import text_string_to_metric_families

    from domain.bank import creditor_reference
    from runtime.devserver import free_port
    from tests.conftest import wait_for
    from tests.letters import write_contacts
    from tests.statements import Line, camt053

    port, smtp_port = free_port(), free_port()
    queue = f"metrics-{uuid.uuid4().hex[:6]}"
    env = os.environ | {
        "CCM_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "CCM_NAMESPACE": namespace,
        "CCM_HOME": str(tmp_path),
        "CCM_TASK_QUEUE": queue,
        "CCM_METRICS_INTERVAL": "1",
        "CCM_SMTP_HOST": "127.0.0.1",
        "CCM_SMTP_PORT": str(smtp_port),
    }
    # A real SMTP server that turns the first message away ("try again later"), then takes all.
    mail = BusyThenOpen()
    smtp = Controller(mail, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    ccm = str(Path(sys.executable).parent / "ccm")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([ccm, *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("db", "upgrade").returncode == 0
    # Italy's Mission has an address; France has no contact: its letters are held.
    write_contacts(tmp_path / "contacts.csv", emails={"ITA": "mission.italy@example.org"}, states=["ITA"])
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [ccm, "worker", "--metrics-bind", f"0.0.0.0:{port}"], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT
    )
    prometheus, base = _prometheus(tmp_path, f"127.0.0.1:{port}")
    try:
        wait_for(lambda: "worker polling" in log.read_text(), seconds=30)
        # Prometheus has read the counters at 0 before anything happens, as it would in service.
        eventually(
            lambda: [t["health"] for t in _api(base, "targets")["activeTargets"]] == ["up"] or _api(base, "targets")
        )
        year = geneva_today().year + 1
        for state in ("ITA", "FRA"):
            started = run("chase", "start", "--state", state, "--year", str(year), "--amount", "100")
            assert started.returncode == 0, started.stderr
        refused = run(
            "chase",
            "reverse-receipt",
            "--state",
            "ITA",
            "--year",
            str(year),
            "--reference",
            "NONE",
            "--reason",
            "a test",
        )
        assert refused.returncode != 0 and "no standing receipt" in refused.stderr, refused.stderr
        statement = tmp_path / "statement.xml"
        statement.write_bytes(
            camt053(
                [
                    Line("M-1", "100", geneva_today(), reference=creditor_reference(year, "ITA")),
                    Line("M-2", "37.50", geneva_today()),
                    Line("M-3", "250000", geneva_today(), currency="EUR"),  # no franc: counted as EUR
                ],
                statement_id="STMT-METRICS",
            )
        )
        imported = run("bank", "import", str(statement))
        assert imported.returncode == 0 and "1 matched" in imported.stdout, imported.stderr
        # Verified before it is signed: with no key, verified and not signed.
        checkpoint = run("audit", "checkpoint")
        assert checkpoint.returncode != 0 and "CCM_CHECKPOINT_KEY" in checkpoint.stderr, checkpoint.stderr
        # A workflow task that fails: a type no worker knows.
        address = dev_env.client.service_client.config.target_host
        asyncio.run(_unknown_workflow(address, namespace, queue, start=True))

        def scrape():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                text = r.read().decode()
            wanted = (
                "ccm_letters_held",
                "ccm_refusals_total",
                "ccm_eventlog_verified",
                "temporal_workflow_task_execution_failed_total",
                "ccm_chases{",
            )
            delivered = re.search(r"^ccm_messages_delivered_total\{[^}]*\} (\d+)", text, re.M)
            waiting = re.search(r"^ccm_outbox_messages\{[^}]*\} (\d+)", text, re.M)
            settled = delivered and delivered.group(1) == "2" and waiting and waiting.group(1) == "0"
            return text if all(w in text for w in wanted) and settled else None

        metrics = wait_for(scrape, seconds=90)
        families = {f.name: f for f in text_string_to_metric_families(metrics)}
        # Named to Prometheus's conventions: counters end in _total, durations are seconds.
        counters = [n for n, f in families.items() if f.type == "counter"]
        assert counters and all(f"{n}_total" in metrics for n in counters), counters
        histograms = [n for n, f in families.items() if f.type == "histogram"]
        assert all(not n.endswith(("_ms", "_milliseconds")) for n in histograms), histograms
        assert "ccm_letter_drawing_seconds" in histograms

        def samples(name: str, *labels: str) -> dict:
            family = families[name.removesuffix("_total")]
            return {tuple(s.labels.get(k) for k in labels): s.value for s in family.samples if s.name == name}

        assert samples("ccm_letters_drawn_total", "kind", "language") == {
            ("call_for_contributions", "en"): 1,
            ("thank_you", "en"): 1,
        }
        held = samples("ccm_letters_held_total", "kind", "language")
        assert len(held) == 18 and {k: v for k, v in held.items() if v} == {("call_for_contributions", "en"): 1}
        assert samples("ccm_bank_lines_total", "outcome") == {
            ("matched",): 1,
            ("unmatched",): 2,
            ("reversed",): 0,
            ("ignored",): 0,
        }
        assert samples("ccm_bank_unmatched_amount_total", "currency") == {("CHF",): 37, ("EUR",): 250000}
        assert samples("ccm_refusals_total", "code", "process") == {("no_such_receipt", "ContributionChase"): 1}
        # The call turned away once, retried 10 s later; both letters delivered; none given up.
        assert samples("ccm_delivery_attempts_failed_total") == {(): 1}
        assert samples("ccm_messages_delivered_total") == {(): 2} and len(mail.received) == 2
        assert samples("ccm_deliveries_failed_total") == {(): 0}
        assert samples("ccm_eventlog_verified") == {(): 1}
        # The namespace's own; a stage seen once and left since (a chase caught "starting") reads 0.
        assert {k: v for k, v in samples("ccm_chases", "stage").items() if v} == {("paid",): 1, ("invoiced",): 1}
        assert samples("ccm_outbox_messages") == {(): 0}, list((tmp_path / "outbox" / "new").iterdir())
        # The worker is the log's only writer: every row it wrote is counted once.
        from activities.database import open_event_log

        rows = open_event_log(f"sqlite:///{tmp_path / 'eventlog.db'}").count()
        assert samples("ccm_eventlog_appends_total") == {(): rows}
        # Each transaction wrote at least one row; a step's events share one.
        assert 0 < samples("ccm_eventlog_transactions_total")[()] < rows
        assert 0 < samples("ccm_eventlog_verified_rows")[()] <= rows

        # Prometheus scrapes it, and every metric the dashboard and the alerts read is there.
        wanted = set().union(*map(metric_names, dashboard_queries() + alert_queries()))
        eventually(lambda: not (missing := wanted - set(_api(base, "label/__name__/values"))) or missing)
        # Every panel's query runs and answers (rates need two scrapes: waited for).
        for query in dashboard_queries():
            eventually(lambda q=query: bool(_api(base, "query", query=q)["result"]) or q)
        rules = [r for g in _api(base, "rules")["groups"] for r in g["rules"]]
        assert {r["name"] for r in rules} == set(
            re.findall(r"- alert: (\w+)", (PROMETHEUS_DIR / "alerts.yml").read_text())
        )
        assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]

        def alert_states():
            return {a["labels"]["alertname"]: a["state"] for a in _api(base, "alerts")["alerts"]}

        # The unmatched line fires at once; failing workflow tasks and deliveries wait their minutes.
        eventually(lambda: alert_states().get("CcmBankLinesUnmatched") == "firing" or alert_states())
        eventually(lambda: alert_states().get("CcmDeliveryFailing") == "pending" or alert_states())
        eventually(lambda: alert_states().get("TemporalWorkflowTasksFailing") == "pending" or alert_states(), 60)
        assert "CcmEventLogBroken" not in alert_states() and "CcmOutboxMessageOld" not in alert_states()
    finally:
        asyncio.run(_unknown_workflow(dev_env.client.service_client.config.target_host, namespace, queue, start=False))
        worker.terminate()
        prometheus.terminate()
        assert worker.wait(timeout=30) == 0
        prometheus.wait(timeout=30)
        smtp.stop()


async def _unknown_workflow(address: str, namespace: str, queue: str, start: bool) -> None:
    """A workflow of a type no worker registers: its tasks fail until it is terminated."""
    from temporalio.client import Client

    client = await Client.connect(address, namespace=namespace)
    if start:
        await client.start_workflow("NoSuchWorkflow", id=f"{queue}-unknown", task_queue=queue)
    else:
        await client.get_workflow_handle(f"{queue}-unknown").terminate("the test is over")
