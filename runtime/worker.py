"""The worker: the workflows, their activities, and the loop that runs them until
SIGINT/SIGTERM. Imported only by commands that run a worker."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import signal
from typing import TYPE_CHECKING

from runtime.temporal import Unreachable, connect
from services.settings import Settings

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.worker import Worker


def workflows() -> list[type]:
    from workflows.action_item import ActionItem
    from workflows.annual_cycle import AnnualContributionCycle
    from workflows.bank_statement import BankStatementImport
    from workflows.campaign import Campaign
    from workflows.checkpoint import LogCheckpoint
    from workflows.concept_note import ConceptNote
    from workflows.contribution_chase import ContributionChase
    from workflows.meeting import Meeting
    from workflows.obligation import Obligation
    from workflows.ping import Ping
    from workflows.record import OutboxRetry, RecordCommand
    from workflows.request import RequestIntent
    from workflows.target_watch import UniversalizationTarget

    return [
        ActionItem,
        AnnualContributionCycle,
        BankStatementImport,
        Campaign,
        ConceptNote,
        ContributionChase,
        LogCheckpoint,
        Meeting,
        Obligation,
        OutboxRetry,
        Ping,
        RecordCommand,
        RequestIntent,
        UniversalizationTarget,
    ]


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


def build_activities(settings: Settings):
    """The worker's activities (`activities.records.CcmActivities`) on its event log."""
    from activities.database import open_event_log
    from activities.records import CcmActivities
    from activities.trust import CommandVerifier, Trust

    # The log must exist: only `ccm db upgrade` creates it.
    log = open_event_log(settings.database_url, create=False)
    log.append_delay = settings.test_append_delay
    log.group_window = settings.log_group_ms / 1000
    if settings.checkpoint_key is not None:  # the ISU's key signs each row this worker writes
        import os

        from activities.trust import load_private_key
        from domain.signatures import fingerprint, public_bytes

        key = load_private_key(settings.checkpoint_key, os.environ.get("CCM_KEY_PASSPHRASE"))
        log.writer = (fingerprint(public_bytes(key)), key)
    # Signed commands are checked against the key registry this verifier holds in memory.
    verifier = CommandVerifier(log, Trust(admins=settings.admin_keyring, required=settings.require_signatures))
    return CcmActivities(
        log,
        mailbox(settings),
        settings.contacts_file,
        iban=settings.bank_iban,
        letterhead=settings.letterhead,
        checkpoint_key=settings.checkpoint_key,
        verifier=verifier,
    )


SERVES = ("all", "workflows", "letters")


def deployment_config(settings: Settings):
    """Worker Versioning, where the worker has a build id (`CCM_BUILD_ID`, the release's
    version in the compose): a run starts pinned to the deployment's current version and
    stays on it; it moves to a newer version only when it continues as new (on its
    anniversary at the latest: `workflows.process.RUN_LIFETIME`). None: unversioned."""
    from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
    from temporalio.worker import WorkerDeploymentConfig

    if not settings.build_id:
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(deployment_name=settings.deployment_name, build_id=settings.build_id),
        use_worker_versioning=True,
        default_versioning_behavior=VersioningBehavior.PINNED,
    )


async def promote(client: Client, settings: Settings) -> None:
    """Make this worker's version the deployment's current one: new runs start on it, and
    runs continuing as new move to it (`ccm worker --promote`; or `temporal worker
    deployment set-current-version`)."""
    from temporalio.api.workflowservice.v1 import SetWorkerDeploymentCurrentVersionRequest

    await client.workflow_service.set_worker_deployment_current_version(
        SetWorkerDeploymentCurrentVersionRequest(
            namespace=settings.namespace,
            deployment_name=settings.deployment_name,
            build_id=settings.build_id or "",
            identity=f"ccm worker {settings.build_id}",
        )
    )


def make_workers(client: Client, settings: Settings, activities, executor, serves: str = "all") -> list[Worker]:
    """The workers one `ccm worker` runs: the processes on the task queue (`workflows`),
    the letters drawn on `<queue>-letters` (`letters`), or both (`all`, the default).
    Drawing workers on other machines take letters as load grows."""
    from temporalio.worker import Worker

    from workflows.common import letters_queue

    workers = [make_worker(client, settings, activities, executor)] if serves in ("all", "workflows") else []
    if serves in ("all", "letters"):
        workers.append(
            Worker(
                client,
                task_queue=letters_queue(settings.task_queue),
                activities=[activities.write_letter],
                activity_executor=executor,
                deployment_config=deployment_config(settings),
            )
        )
    return workers


def make_worker(client: Client, settings: Settings, activities, executor) -> Worker:
    from datetime import timedelta

    from temporalio.worker import Worker  # here: every command imports this module, few run a worker

    from services.chases import ChaseCommands
    from workflows.signing import SignedCommands

    activities.chases = ChaseCommands(client, sign=False)  # a statement's steps send unsigned: entries carry proofs
    return Worker(
        client,
        deployment_config=deployment_config(settings),
        task_queue=settings.task_queue,
        workflows=workflows(),
        # Who signed a command is checked before it applies.
        interceptors=[SignedCommands(activities.verifier)],
        activities=activities.all(),
        activity_executor=executor,
        max_cached_workflows=settings.worker_cache,
        max_concurrent_workflow_tasks=settings.workflow_task_slots,
        # On SIGTERM, activities already running (a letter being written) get time to end.
        graceful_shutdown_timeout=timedelta(seconds=20),
    )


async def run_worker(
    settings: Settings,
    stop: asyncio.Event | None = None,
    retry_seconds: float = 5,
    say=print,
    metrics_bind: str | None = None,
    serves: str = "all",
    make_current: bool = False,
) -> None:
    """Run until SIGINT/SIGTERM (or `stop`); while the server is unreachable, say so
    once per attempt and try again."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    activities = build_activities(settings)
    runtime = None
    if metrics_bind:
        from runtime.metrics import count_appends, declare_counters, metrics_runtime

        runtime = metrics_runtime(metrics_bind)
        activities.meter = runtime.metric_meter
        count_appends(activities.log, runtime.metric_meter)
        declare_counters(runtime.metric_meter)
        say(f"metrics for Prometheus on http://{metrics_bind}/metrics")
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
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        async with contextlib.AsyncExitStack() as running:
            for worker in make_workers(client, settings, activities, executor, serves):
                await running.enter_async_context(worker)
            # Said once the server has seen this worker poll, not before: a query sent on
            # reading this line would otherwise meet "no poller seen" on a loaded machine.
            if serves != "letters":
                await _until_polling(client, settings.task_queue)
            if make_current:
                await promote(client, settings)
                say(f"version {settings.build_id} of deployment {settings.deployment_name} is now current")
            queues = {
                "all": f"{settings.task_queue!r} and its letters",
                "workflows": repr(settings.task_queue),
                "letters": f"{settings.task_queue}-letters",
            }[serves]
            say(f"worker polling task queue {queues} on {settings.temporal_address} (namespace {settings.namespace})")
            for line in data_warnings(activities.log):
                say(f"warning: {line}")
            tasks = [
                asyncio.create_task(_heartbeat(settings.heartbeat, stop)),
                asyncio.create_task(_refresh_keys(activities.verifier, stop)),
            ]
            if runtime and serves != "letters":
                from runtime.metrics import Observer

                observer = Observer(client, activities.mailbox.outbox, runtime.metric_meter, settings.metrics_interval)
                tasks.append(asyncio.create_task(observer.run(stop, say)))
            await stop.wait()
            await asyncio.gather(*tasks)
    say("worker stopped")


def data_warnings(log) -> list[str]:
    """The world's tables that run out within six months (`domain.coverage`), with what
    the operator recorded: said at start, so that an operator reading the log sees them."""
    from domain.coverage import coverage, fold_added, warnings
    from domain.schedule import geneva_today

    return warnings(coverage(fold_added(log.query(event_type="data.*"))), geneva_today())


async def _until_polling(client: Client, task_queue: str, seconds: float = 10) -> None:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        described = await client.workflow_service.describe_task_queue(request)
        if any(p.identity == client.identity for p in described.pollers):
            return
        await asyncio.sleep(0.1)


async def _refresh_keys(verifier, stop: asyncio.Event) -> None:
    """Keep the in-memory key registry current with the keys other workers registered."""
    from activities.trust import REFRESH_SECONDS

    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), REFRESH_SECONDS)
        except TimeoutError:
            await asyncio.to_thread(verifier.refresh)


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
