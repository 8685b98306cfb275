"""Connecting to Temporal and running a worker. Imported only by commands that need it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING

from temporalio.client import Client
from temporalio.service import TLSConfig

from cli.codec import data_converter
from cli.settings import Settings

if TYPE_CHECKING:
    from temporalio.worker import Worker


class Unreachable(Exception):
    """The Temporal server did not answer."""


def _tls(settings: Settings) -> TLSConfig | bool:
    if not (settings.tls_server_ca or settings.tls_client_cert):
        return bool(settings.api_key)  # an API key implies TLS (Temporal Cloud)
    if bool(settings.tls_client_cert) != bool(settings.tls_client_key):
        raise Unreachable("mTLS needs both CCM_TLS_CLIENT_CERT and CCM_TLS_CLIENT_KEY")
    read = lambda p: p.read_bytes() if p else None  # noqa: E731
    return TLSConfig(
        server_root_ca_cert=read(settings.tls_server_ca),
        client_cert=read(settings.tls_client_cert),
        client_private_key=read(settings.tls_client_key),
    )


def metrics_runtime(port: int):
    """A Temporal runtime whose SDK metrics (Temporal's own telemetry: task latencies,
    activity failures, workflow task failures, slots) are served for Prometheus on
    127.0.0.1:`port`/metrics."""
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}")))


async def connect(settings: Settings, runtime=None) -> Client:
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.namespace,
            runtime=runtime,
            data_converter=data_converter(settings.encryption_keys.get_secret_value()
                                          if settings.encryption_keys else None),
            tls=_tls(settings),
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        )
    except RuntimeError as e:
        reason = _reason(str(e), settings)
        raise Unreachable(f"cannot reach Temporal at {settings.temporal_address}: {reason}") from None


def _reason(text: str, settings: Settings) -> str:
    """The one useful phrase of a connection error from the SDK's transport."""
    import re

    if m := re.search(r"response with status: (\d{3} [A-Za-z ]+)", text):
        hint = ""
        if m[1].startswith("400") and settings.tls_server_ca and not settings.tls_client_cert:
            hint = "; the server may require a client certificate (CCM_TLS_CLIENT_CERT, CCM_TLS_CLIENT_KEY)"
        elif m[1].startswith("401"):
            hint = "; check the API key (CCM_API_KEY)"
        return f"refused with HTTP {m[1].strip()}{hint}"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "connection refused (is the server running?)"
    if "certificate" in text.lower() or "InvalidCertificate" in text:
        return "TLS certificate not accepted: " + text.splitlines()[0][-160:]
    return text.splitlines()[0][:200]


def workflows() -> list[type]:
    from workflows.action_item import ActionItem
    from workflows.annual_cycle import AnnualContributionCycle
    from workflows.checkpoint import LogCheckpoint
    from workflows.concept_note import ConceptNote
    from workflows.contribution_chase import ContributionChase
    from workflows.meeting import Meeting
    from workflows.obligation import Obligation
    from workflows.ping import Ping

    return [ActionItem, AnnualContributionCycle, ConceptNote, ContributionChase, LogCheckpoint, Meeting, Obligation,
            Ping]


def mailbox(settings: Settings):
    """The outbox in the data directory, with the SMTP server of the settings (if any)."""
    from activities.letters import Mailbox, SmtpSettings

    smtp = None
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
        )
    return Mailbox(settings.home, settings.mail_from, smtp)


def build_activities(settings: Settings, pdf_pool=None) -> list:
    from activities.database import open_event_log
    from activities.records import CcmActivities
    from activities.trust import CommandVerifier, Trust
    from workflows import signing

    # Only the embedded default is created here (in the data directory); a log named in
    # CCM_DATABASE_URL must exist already (`ccm db upgrade`).
    embedded = settings.database_url_override is None
    if embedded:
        settings.home.mkdir(parents=True, exist_ok=True)
    log = open_event_log(settings.database_url, create=embedded)
    # The validators of this worker's workflows check signed commands against this log.
    signing.register(settings.namespace, settings.task_queue,
                     CommandVerifier(log, Trust(admins=settings.admin_keyring, required=settings.require_signatures)))
    return CcmActivities(log, mailbox(settings), settings.contacts_file, iban=settings.bank_iban,
                         letterhead=settings.letterhead, pdf_pool=pdf_pool,
                         checkpoint_key=settings.checkpoint_key).all()


def make_worker(client: Client, settings: Settings, activities: Sequence, executor) -> Worker:
    from datetime import timedelta

    from temporalio.worker import Worker  # here: every command imports this module, few run a worker

    from workflows.signing import SignedCommands

    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=workflows(),
        interceptors=[SignedCommands()],  # who signed a command is checked before it applies
        activities=list(activities),
        activity_executor=executor,
        max_cached_workflows=settings.worker_cache,
        # On SIGTERM, activities already running (a letter being written) get time to end.
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None, retry_seconds: float = 5,
                     say=print, metrics_port: int | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop`); while the server is unreachable, say so
    once per attempt and try again."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    pdf_pool = pdf_processes(settings)
    activities = build_activities(settings, pdf_pool)
    runtime = metrics_runtime(metrics_port) if metrics_port else None
    if runtime:
        say(f"metrics for Prometheus on http://127.0.0.1:{metrics_port}/metrics")
    while not stop.is_set():
        try:
            client = await connect(settings, runtime)
            break
        except Unreachable as e:
            say(f"{e}; retrying in {retry_seconds:g}s")
            try:
                await asyncio.wait_for(stop.wait(), retry_seconds)
            except TimeoutError:
                pass
    else:
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor, pdf_pool or contextlib.nullcontext():
        worker = make_worker(client, settings, activities, executor)
        async with worker:
            # Said once the server has seen this worker poll, not before: a query sent on
            # reading this line would otherwise meet "no poller seen" on a loaded machine.
            await _until_polling(client, settings.task_queue)
            say(f"worker polling task queue {settings.task_queue!r} on {settings.temporal_address} "
                f"(namespace {settings.namespace})")
            beat = asyncio.create_task(_heartbeat(settings.heartbeat, stop))
            await stop.wait()
            await beat
    say("worker stopped")


def pdf_processes(settings: Settings):
    """The processes that draw PDF letters (`activities.drawing`), or None to draw them in
    the worker's threads."""
    if settings.pdf_processes == 0:
        return None
    from activities.drawing import DrawingPool
    from activities.letters import exit_with_parent

    return DrawingPool(settings.pdf_processes, letters_per_pool=settings.pdf_letters_per_pool,
                       idle_seconds=settings.pdf_idle_seconds, initializer=exit_with_parent, initargs=(os.getpid(),))


async def _until_polling(client: Client, task_queue: str, seconds: float = 10) -> None:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    request = DescribeTaskQueueRequest(namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
                                       task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        described = await client.workflow_service.describe_task_queue(request)
        if any(p.identity == client.identity for p in described.pollers):
            return
        await asyncio.sleep(0.1)


HEARTBEAT_SECONDS = 15


async def _heartbeat(path, stop: asyncio.Event) -> None:
    """Touch `path` while the worker runs, for container health checks (`ccm health`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        path.touch()
        try:
            await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)
        except TimeoutError:
            pass
