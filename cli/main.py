"""`ccm`: durable workflows and an auditable event log for the CCM secretariat."""

from __future__ import annotations

import sys

import click

from cli.client import as_option, run
from cli.common import (
    DATE,
    PARTY,
    PAST,
    STATE,
    TextType,
    emit,
    load_settings,
    log_registry,
    output_option,
    reading_log,
    settings,
    upgrade_log,
    validation_message,
)
from domain.clock import geneva_today
from services.invocation import begin_invocation


class OneLineErrors(click.Group):
    """Every error is one line on stderr, `Error: …`, usage errors included (click would
    print the usage first), with the exit status click gives: 1, or 2 for misuse."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        self.words = list(args) if args is not None else sys.argv[1:]  # what a request id names
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        from pydantic import ValidationError

        from services.errors import CommandError

        try:
            try:
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            except CommandError as e:  # a use case's one line, outside `run`
                raise click.ClickException(str(e)) from None
            except ValidationError as e:  # a command's input that its model refuses, said as the model says it
                raise click.ClickException(validation_message(e)) from None
            except OSError as e:  # the system said no (a read-only disk, a port in use): what, and where
                if self.words and "--debug" in self.words:
                    raise
                where = f"{e.filename}: " if e.filename else ""
                raise click.ClickException(f"{where}{e.strerror or e}") from None
        except click.exceptions.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except click.ClickException as e:
            message = e.format_message()
            if isinstance(e, click.UsageError) and e.ctx is not None:
                message += f" (see: {e.ctx.command_path} --help)"
            click.echo(f"Error: {message}", err=True)
            sys.exit(e.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def _show_version(ctx, _param, value) -> None:
    if not value or ctx.resilient_parsing:
        return
    from runtime.version import described

    click.echo(described())
    ctx.exit()


@click.group(cls=OneLineErrors)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="show the release (and the git commit it was built from, where known) and exit",
)
@click.option("--address", metavar="HOST:PORT", help="Temporal frontend (CCM_TEMPORAL_ADDRESS)")
@click.option("--namespace", help="Temporal namespace (CCM_NAMESPACE)")
@click.option("--tls-ca", type=click.Path(exists=True, dir_okay=False), help="server CA certificate (PEM)")
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="client certificate for mTLS (PEM)")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="client private key for mTLS (PEM)")
@click.option("--api-key", help="API key (Temporal Cloud); better from CCM_API_KEY")
@click.option("--debug", is_flag=True, help="show the traceback of an unexpected error")
@click.option(
    "--request-id",
    envvar="CCM_REQUEST_ID",
    metavar="ID",
    help="name this command's intent, for a script that retries it from a new process: the same id "
    "is applied once (by default each command is a new intent)",
)
@click.pass_context
def cli(ctx, address, namespace, tls_ca, tls_cert, tls_key, api_key, debug, request_id):
    """Durable workflows for the Convention on Cluster Munitions: contribution chases,
    concept notes and plans, meetings and action items, with an auditable event log.

    Configuration comes from the environment (CCM_*): see `ccm config show`. The options
    here override it for one command."""
    if request_id is not None and not (0 < len(request_id) <= 200 and request_id.isprintable()):
        raise click.BadParameter("a request id is 1 to 200 printable characters", ctx, param_hint="--request-id")
    begin_invocation(request_id)
    if request_id is not None and ctx.invoked_subcommand is not None:
        _claim_request(ctx, request_id)
    overrides = {
        "temporal_address": address,
        "namespace": namespace,
        "tls_server_ca": tls_ca,
        "tls_client_cert": tls_cert,
        "tls_client_key": tls_key,
        "api_key": api_key,
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides:
        ctx.obj = load_settings(**overrides)  # arguments win over the environment


# --- configuration -------------------------------------------------------------------
@cli.group()
def config():
    """Effective configuration."""


@config.command("show")
@output_option("table", "json")
def config_show(output):
    """Print the effective settings, secrets masked."""
    values = settings().shown()
    emit([{"setting": k, "value": v} for k, v in values.items()] if output == "table" else values, output)


# --- event-log database ----------------------------------------------------------------
@cli.group()
def db():
    """The event-log database."""


@db.command("upgrade")
def db_upgrade():
    """Create or migrate the event-log schema to the newest revision (the only command
    that creates a log)."""
    revision = upgrade_log(settings())
    click.echo(f"event log at {settings().shown()['database_url']} is at revision {revision}")


# --- embedded server and worker --------------------------------------------------------
def _server_options(f):
    f = click.option("--headless", is_flag=True, help="no web UI")(f)
    f = click.option(
        "--ui-port", type=click.IntRange(1, 65535), default=8233, show_default=True, help="port of the web UI"
    )(f)
    f = click.option(
        "--port",
        type=click.IntRange(1, 65535),
        default=7233,
        show_default=True,
        help="port of the Temporal frontend (gRPC)",
    )(f)
    return f


@cli.group()
def server():
    """The embedded Temporal server (for one machine; see docker-compose.yml for servers)."""


@server.command("start-dev")
@_server_options
@click.option("--codec-endpoint", metavar="URL", help="codec server the web UI uses to decode payloads")
def server_start_dev(port, ui_port, headless, codec_endpoint):
    """Run the bundled Temporal dev server in the foreground, its SQLite file in the data
    directory (data survives a restart), with the Ccm* search attributes registered.
    SIGTERM or Ctrl-C stops the server and waits for it."""
    from runtime import devserver

    s = settings()
    try:
        for p, what in [(port, "--port")] + ([] if headless else [(ui_port, "--ui-port")]):
            if devserver.port_in_use(p):
                raise devserver.ServerError(f"port {p} ({what}) is already in use: choose another with {what}")
        cmd = devserver.command(s.home, port, ui_port, headless, codec_endpoint)
    except devserver.ServerError as e:
        raise click.ClickException(str(e)) from None
    click.echo(
        f"Temporal dev server on 127.0.0.1:{port}"
        + ("" if headless else f", web UI http://127.0.0.1:{ui_port}")
        + f", data in {s.home}",
        err=True,
    )
    sys.exit(devserver.run_foreground(cmd))


@cli.command()
@click.option(
    "--metrics-port", type=click.IntRange(1, 65535), help="serve the SDK's metrics for Prometheus on 127.0.0.1:PORT"
)
@click.option(
    "--metrics-bind",
    callback=lambda ctx, param, value: _host_port(value),
    help="serve them on HOST:PORT instead (0.0.0.0:9464 in a container, for a scraper on its network)",
)
@click.option(
    "--serves",
    type=click.Choice(["all", "workflows", "letters"]),
    default="all",
    show_default=True,
    help="the processes (workflows), the letters drawn on the `-letters` queue, or both",
)
@click.option(
    "--promote",
    is_flag=True,
    help="once polling, make this worker's version (CCM_BUILD_ID) the deployment's current one",
)
def worker(metrics_port, metrics_bind, serves, promote):
    """Run a worker: every ccm workflow and activity on the task queue, and the letters
    drawn on its `-letters` queue. Stops cleanly on SIGINT/SIGTERM; while the server is
    unreachable it says so and retries."""
    import asyncio

    from activities.eventlog import MissingLog
    from runtime.metrics import MetricsUnavailable
    from runtime.worker import run_worker

    try:
        if metrics_port and metrics_bind:
            raise click.UsageError("give --metrics-port or --metrics-bind, not both")
        if promote and not settings().build_id:
            raise click.UsageError("--promote makes this worker's version current: set CCM_BUILD_ID")
        bind = metrics_bind or (f"127.0.0.1:{metrics_port}" if metrics_port else None)
        asyncio.run(
            run_worker(
                settings(),
                say=lambda m: click.echo(m, err=True),
                metrics_bind=bind,
                serves=serves,
                make_current=promote,
            )
        )
    except (MissingLog, MetricsUnavailable) as e:
        raise click.ClickException(str(e)) from None


def _host_port(value: str | None) -> str | None:
    """`HOST:PORT`, checked where it enters (a bind that cannot work is one line)."""
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535 or any(c.isspace() for c in host):
        raise click.BadParameter(f"{value[:80]!r} is not HOST:PORT (0.0.0.0:9464)", param_hint="--metrics-bind")
    return value


@cli.command("codec-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=8081, show_default=True, help="port")
def codec_server(host, port):
    """Serve /encode and /decode for the web UI, so it shows encrypted payloads in clear.
    Needs CCM_ENCRYPTION_KEYS and CCM_CODEC_TOKEN; CORS allows only CCM_UI_ORIGIN."""
    from runtime.codec import BadKeys, EncryptionCodec, make_server, parse_keys

    s = settings()
    if not s.encryption_keys or not s.codec_token:
        raise click.ClickException("set CCM_ENCRYPTION_KEYS and CCM_CODEC_TOKEN to run the codec server")
    try:
        codec = EncryptionCodec(parse_keys(s.encryption_keys.get_secret_value()))
        server = make_server(codec, host, port, s.codec_token.get_secret_value(), s.ui_origin)
    except (BadKeys, OSError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(
        f"codec server on http://{host}:{port} for {s.ui_origin}; "
        f"start the UI with: ccm server start-dev --codec-endpoint http://{host}:{port}",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.option(
    "--max-age", type=click.IntRange(1), default=60, show_default=True, help="seconds since the worker's last heartbeat"
)
def health(max_age):
    """Exit 0 while a worker runs here (its heartbeat is fresh), else 1: a container health check."""
    import time

    path = settings().heartbeat
    if not path.exists():
        raise click.ClickException(f"no worker heartbeat at {path}")
    age = time.time() - path.stat().st_mtime
    if age > max_age:
        raise click.ClickException(f"the worker's last heartbeat is {age:.0f} s old ({path})")
    click.echo(f"worker alive: heartbeat {age:.0f} s ago")


@cli.command()
@_server_options
def up(port, ui_port, headless):
    """Run the embedded server and a worker together in the foreground; Ctrl-C stops both."""
    import asyncio
    import signal

    from runtime import devserver
    from runtime.worker import run_worker

    def stop_on_sigterm(_signum, _frame):  # until the worker takes SIGTERM over: stop the server too
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    s = settings().model_copy(update={"temporal_address": f"127.0.0.1:{port}"})
    upgrade_log(s)  # the embedded install in one command: `ccm db upgrade`, then server and worker
    with open(s.home / "temporal-server.log", "ab") as log:
        try:
            proc = devserver.start(s.home, port, ui_port, headless, log_file=log)
        except devserver.ServerError as e:
            raise click.ClickException(str(e)) from None
        try:
            click.echo(
                f"Temporal on 127.0.0.1:{port}" + ("" if headless else f", web UI http://127.0.0.1:{ui_port}"), err=True
            )
            asyncio.run(run_worker(s, say=lambda m: click.echo(m, err=True)))
        except KeyboardInterrupt:
            pass
        finally:
            devserver.stop(proc)


@cli.command()
@click.option("--note", default="ping", help="text stored with the event")
def ping(note):
    """Check the whole path: a workflow runs on a worker and writes the event log."""
    import uuid

    from cli.client import connect_polled
    from workflows.ping import Ping

    s = settings()

    async def go():
        client = await connect_polled()
        return await client.execute_workflow(
            Ping.run, note, id=f"ping-{uuid.uuid4().hex[:12]}", task_queue=s.task_queue
        )

    event = run(go())
    click.echo(f"pong: event {event.seq} written by a worker at {event.recorded_at.isoformat()}")


@cli.command()
@output_option()
def offices(output):
    """Who may do what: every command of every process and the offices that may send it.
    Any other office is refused before anything changes."""
    from domain.offices import RULES, describe_offices, who_may

    rows = [
        {"process": process, "command": command.replace("_", "-"), "who may": who_may(process, command)}
        for process, command in RULES
    ]
    emit(rows, output, ["process", "command", "who may"], title="Who may do what")
    if output == "table":
        click.echo(f"Offices: {describe_offices()}.")


# --- the State registry ----------------------------------------------------------------
@cli.group()
def states():
    """States Parties and signatories of the Convention, on any date since 2008: the
    registry of November 2016, the changes since (shipped, with sources) and those
    recorded in the event log; every other State of the world (the States not party, from
    November 2016) and the universalization targets."""


def _state_row(s, on) -> dict:
    return {
        "alpha3": s.alpha3,
        "alpha2": s.alpha2,
        "name": s.name_on(on),
        "status": s.status_on(on),
        "entry_into_force": s.entry_into_force.isoformat() if s.entry_into_force else None,
        "withdrawn": s.withdrawn.isoformat() if s.withdrawn else None,
    }


@states.command("list")
@click.option(
    "--status",
    type=click.Choice(["party", "signatory", "withdrawn", "not-party", "neither"]),
    help="only States with this status; not-party: every State of the world not party that day "
    "(signatories, withdrawn and neither); neither: never signed nor joined",
)
@click.option(
    "--as-of",
    type=DATE,
    help="membership and names on that day (default today; from 2008-12-03, "
    "the Convention's opening for signature, to today)",
)
@click.option(
    "--voted",
    type=click.Choice(["yes", "no", "abstain", "non_voting"]),
    help="only the States that voted so on --resolution (ccm import votes)",
)
@click.option("--resolution", help="the General Assembly resolution --voted speaks of: A/RES/70/54")
@output_option()
def states_list(status, as_of, voted, resolution, output):
    """List the States of the Convention as they stood on a day: status, name of that day
    (Swaziland until 19 April 2018, Eswatini since), entry into force and withdrawal."""

    from domain.obligations import OPENED_FOR_SIGNATURE

    on = as_of or geneva_today()
    if not OPENED_FOR_SIGNATURE <= on <= geneva_today():
        raise click.BadParameter(
            f"{on} is outside the Convention's record: from {OPENED_FOR_SIGNATURE} to today", param_hint="--as-of"
        )
    registry = log_registry()
    if status in ("not-party", "neither"):
        from domain.states import NOT_PARTY

        try:
            world = registry.world_on(on)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--as-of") from None
        wanted = NOT_PARTY if status == "not-party" else ("neither",)
        rows = [_world_row(registry, a3, name, st, on) for a3, name, st in world if st in wanted]
        parties = sum(1 for *_, st in world if st == "party")
        title = f"{len(rows)} States not party on {on}: {parties} of the {len(world)} States are States Parties"
    else:
        rows = [_state_row(s, on) for s, st in registry.on(on) if status is None or st == status]
        parties = sum(1 for r in rows if r["status"] == "party")
        title = f"{len(rows)} States on {on} ({parties} States Parties)"
    if bool(voted) != bool(resolution):
        raise click.UsageError("--voted and --resolution go together")
    if voted:
        votes = _votes(resolution.strip())
        if not votes:
            raise click.BadParameter(
                f"no vote on {resolution} is imported (ccm import votes)", param_hint="--resolution"
            )
        rows = [r for r in rows if votes.get(r["alpha3"]) == voted]
        title += f"; voted {voted} on {resolution}: {len(rows)}"
    emit(rows, output, ["alpha3", "alpha2", "name", "status", "entry_into_force", "withdrawn"], title=title)


def _votes(resolution: str) -> dict[str, str]:
    """Each Member State's vote on `resolution`, as imported."""
    from domain.event_types import typed

    with reading_log() as log:
        return {
            ev.subject: typed(ev).vote
            for ev in log.query(event_type="unga.vote_recorded")
            if typed(ev).resolution == resolution
        }


def _world_row(registry, alpha3: str, name: str, standing: str, on) -> dict:
    """A row of `states list` for any State of the world (one the Convention's registry does
    not know has no dates)."""
    import pycountry

    from domain.states import UnknownState

    try:
        return _state_row(registry.get(alpha3), on) | {"status": standing}
    except UnknownState:
        country = pycountry.countries.get(alpha_3=alpha3)
        alpha2 = country.alpha_2 if country else ""
        return {"alpha3": alpha3, "alpha2": alpha2, "name": name, "status": standing} | dict.fromkeys(
            ("entry_into_force", "withdrawn")
        )


@states.command("targets")
@click.option("--as-of", type=DATE, help="where the targets stood on that day (default today)")
@output_option()
def states_targets(as_of, output):
    """The universalization targets (shipped with their sources: 130 States Parties by 2020,
    eight new by the 7MSP, …) and where each stands: met, missed on its day, or open with
    how many to go, counted from the registry and the changes recorded."""
    from domain.action_plans import serving
    from domain.universalization import progress, targets

    on = as_of or geneva_today()
    registry = log_registry()
    rows = []
    for target in targets():
        p = progress(registry, target, on)
        area = serving(f"target:{target.id}", on)
        rows.append(
            {
                "target": target.target,
                "by": target.by.isoformat(),
                "count": target.count,
                "reached": p.reached,
                "standing": p.standing,
                "said": p.said,
                "serves": area.said() if area else "",
                "source": target.source,
            }
        )
    emit(
        rows, output, ["target", "by", "count", "reached", "said", "serves"], title=f"Universalization targets on {on}"
    )


@cli.command("action-plan")
@click.option("--on", "on", type=DATE, help="the plan in force on this day (default: today, in Geneva)")
@output_option()
def action_plan(on, output):
    """The action plan in force on a day (Dubrovnik 2015, Lausanne 2021, …) and what each
    of its areas serves: the Committee's themes, the obligations followed, the targets."""
    from domain.action_plans import areas, in_force

    day = on or geneva_today()
    plan = in_force(day)
    if plan is None:
        raise click.ClickException(f"no action plan was in force on {day}: the first was adopted on 12 November 2010")
    rows = [
        {"area": a.area, "actions": " ".join(map(str, a.actions)), "serves": " ".join(a.serves), "source": a.source}
        for a in areas()
        if a.plan == plan.plan
    ]
    title = f"{plan.plan} ({plan.period}, adopted at the {plan.meeting} on {plan.adopted}), in force on {day}"
    emit(rows, output, ["area", "actions", "serves"], title=title)


@states.command("record")
@click.option("--state", required=True, help="any country (ISO 3166 code or name)")
@click.option(
    "--event", type=click.Choice(["accession", "ratification", "withdrawal"]), required=True, help="what happened"
)
@click.option(
    "--deposited",
    "day",
    type=DATE,
    required=True,
    help="the day the instrument was deposited with the Secretary-General, from 2008-12-03 (2010-08-01 "
    "for a withdrawal) up to today; it takes effect by Article 17 (joining) or Article 20 (withdrawal)",
)
@as_option("isu")
def states_record(state, event, day, acting):
    """Record a change of membership in the event log, on top of the shipped data:
    `states list --as-of`, the annual cycle and new obligations follow it from the day it
    takes effect, with no code change."""
    from datetime import datetime, time, timezone

    import pycountry

    from cli.client import record
    from domain.events import NewEvent
    from domain.obligations import IN_FORCE, OPENED_FOR_SIGNATURE
    from domain.states import entry_into_force, withdrawal_takes_effect

    try:
        country = pycountry.countries.lookup(state.strip())
    except (LookupError, AttributeError):
        raise click.BadParameter(f"{state!r} is not a country (ISO 3166)", param_hint="--state") from None
    earliest = IN_FORCE if event == "withdrawal" else OPENED_FOR_SIGNATURE
    if not earliest <= day <= geneva_today():
        raise click.BadParameter(
            f"{day} is not a day an instrument could be deposited: from {earliest} up to today",
            param_hint="--deposited",
        )
    takes_effect = withdrawal_takes_effect(day) if event == "withdrawal" else entry_into_force(day)
    known = log_registry()
    try:
        current = known.get(country.alpha_3)
    except ValueError:
        current = None
    bound = current is not None and current.status_on(day) == "party"
    if event == "withdrawal" and not bound:
        raise click.BadParameter(
            f"{country.name} is not a State Party on {day}: it cannot withdraw", param_hint="--state"
        )
    if event != "withdrawal" and bound:
        raise click.BadParameter(f"{country.name} is already a State Party on {day}", param_hint="--state")
    event_row = NewEvent(
        idempotency_key=f"registry/{country.alpha_3}/{event}/{day.isoformat()}",
        workflow_id="registry",
        subject=country.alpha_3,
        event_type="state.recorded",
        occurred_at=datetime.combine(day, time(0, tzinfo=timezone.utc)),
        actor=acting.actor,
        office=acting.office,
        payload={
            "event": event,
            "date": day.isoformat(),
            "takes_effect": takes_effect.isoformat(),
            "entry_into_force": None if event == "withdrawal" else takes_effect.isoformat(),
        },
    )
    done = record("record_state", [event_row], acting)
    verb = "takes effect on" if event == "withdrawal" else "in force from"
    said = f"{country.name} ({country.alpha_3}): {event} deposited {day}, {verb} {takes_effect}"
    if event != "withdrawal":  # a State newly bound: its initial report, from the day it is bound
        from cli.client import connect
        from services.obligations import start_initial_report

        async def follow():
            client = await connect()
            return await start_initial_report(client, settings().task_queue, country.alpha_3, takes_effect, acting)

        said += f"; {run(follow())}"
        from domain.campaigns import Joined
        from services.campaigns import tell_campaigns

        async def end_campaign():
            cmd = Joined(event=event, deposited=day, office="isu", actor=acting.actor)
            return await tell_campaigns(await connect(), "join", cmd, only=country.alpha_3)

        if run(end_campaign()):
            said += "; its universalization campaign has ended"
    click.echo(said + ("" if done.written else " (already recorded)"))


@states.command("legislation")
@click.option("--state", type=PARTY, required=True, help="the State Party")
@click.option(
    "--status",
    type=click.Choice(["adopted", "in_progress", "sufficient", "none", "no_information"]),
    required=True,
    help="what the source says: implementing legislation adopted, in progress, existing law deemed "
    "sufficient, none, or no information",
)
@click.option(
    "--source",
    type=click.Choice(["article7", "monitor", "isu", "other"]),
    required=True,
    help="who says it: the State's Article 7 report, the Cluster Munition Monitor, the ISU, another",
)
@click.option("--as-of", "as_of", type=PAST, required=True, help="the day the source says it of")
@click.option("--reference", type=TextType(300, lines=False), help="where it says so (report, page)")
@click.option("--note", type=TextType(2_000), help="anything more the source says")
@as_option("isu")
def states_legislation(state, status, source, as_of, reference, note, acting):
    """Record what a source says of a State Party's implementing legislation (Article 9), on
    its day. Each source is kept apart: where the Monitor and the ISU differ, `ccm report
    legislation` shows both."""
    from cli.client import record
    from domain.legislation import legislation_event

    row = legislation_event(state, status, as_of, source, reference or "", note or "", acting.actor, acting.office)
    done = record("record_legislation", [row], acting)
    again = "" if done.written else " (already recorded)"
    click.echo(f"{state}: {status.replace('_', ' ')} by {source} as of {as_of}{again}")


@states.command("show")
@click.argument("state", type=STATE)
@output_option("table", "json")
def states_show(state, output):
    """Show one State (alpha-3, alpha-2 or any name it has had, any case): its status
    today, its names, and each change with its source."""

    s = log_registry().get(state)
    row = _state_row(s, geneva_today()) | {
        "former_names": "; ".join(f"{f.name} (until {f.until})" for f in s.former_names) or None,
        "changes": "; ".join(
            f"{c.change} deposited {c.deposited}, effective {c.takes_effect} ({c.source[:120]})" for c in s.changes
        )
        or None,
    }
    emit([{"field": k, "value": v} for k, v in row.items()] if output == "table" else row, output)


from cli.audit import audit  # noqa: E402  (commands register themselves on import)
from cli.bank import bank  # noqa: E402
from cli.budget import budget  # noqa: E402
from cli.chase import chase  # noqa: E402
from cli.coordinators import coordinators  # noqa: E402
from cli.data import data  # noqa: E402
from cli.demo import demo  # noqa: E402
from cli.doctor import doctor  # noqa: E402
from cli.imports import import_  # noqa: E402
from cli.keys import keys  # noqa: E402
from cli.letters import letters  # noqa: E402
from cli.meeting import meeting, task  # noqa: E402
from cli.obligations import obligations  # noqa: E402
from cli.outbox import outbox  # noqa: E402
from cli.outreach import coalition, event  # noqa: E402
from cli.plan import plan  # noqa: E402
from cli.report import report  # noqa: E402
from cli.universalization import universalization  # noqa: E402

cli.add_command(audit)
cli.add_command(bank)
cli.add_command(budget)
cli.add_command(chase)
cli.add_command(data)
cli.add_command(demo)
cli.add_command(doctor)
cli.add_command(meeting)
cli.add_command(task)
cli.add_command(plan)
cli.add_command(report)
cli.add_command(outbox)
cli.add_command(event)
cli.add_command(coalition)
cli.add_command(coordinators)
cli.add_command(universalization)
cli.add_command(letters)
cli.add_command(keys)
cli.add_command(obligations)
cli.add_command(import_)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell):
    """Print the shell-completion script for bash, zsh or fish (click's own completion).
    Load it from your shell's start-up file, e.g. in ~/.bashrc:
    `eval "$(ccm completion bash)"`."""
    from click.shell_completion import get_completion_class

    click.echo(get_completion_class(shell)(cli, {}, "ccm", "_CCM_COMPLETE").source())


from cli.examples import add_examples  # noqa: E402

add_examples(cli)


class _Recorded:
    """Standard output as it goes, kept too: a command's answer, for its retries."""

    def __init__(self, out):
        self.out, self.parts = out, []

    def write(self, text):
        self.parts.append(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        return self.out.write(text)

    def __getattr__(self, name):
        return getattr(self.out, name)


def _claim_request(ctx, request_id: str) -> None:
    """A `--request-id` names one command (`services.intents`): a retry with the same words
    prints the first run's answer and runs nothing; other words are refused in one line.
    Otherwise the command runs, and its answer is kept once it succeeded."""
    from cli.client import connect_polled, run
    from domain.intents import without_request_id
    from services.intents import claim

    words = without_request_id(getattr(ctx.command, "words", []))

    async def go():  # a worker must poll: the intent's query would otherwise wait for one
        return await claim(await connect_polled(), settings().task_queue, request_id, words)

    answered = run(go())
    if answered is not None:
        click.echo(answered, nl=False)
        ctx.exit(0)
    recorded = _Recorded(sys.stdout)
    sys.stdout = recorded
    ctx.call_on_close(lambda: setattr(sys, "stdout", recorded.out))
    ctx.meta["ccm.recorded"] = recorded


@cli.result_callback()
@click.pass_context
def _answered(ctx, result, **params) -> None:
    """Keep a succeeded command's answer under its request id, for its retries."""
    recorded = ctx.meta.get("ccm.recorded")
    if recorded is None:
        return
    from cli.client import connect, run
    from services.commands import request_id
    from services.intents import answer

    async def go():
        await answer(await connect(), request_id(), "".join(recorded.parts))

    try:
        run(go())
    except click.ClickException as e:  # the command did its work: it still exits 0
        click.echo(
            f"warning: its answer was not kept for a retry under request id {request_id()!r}: {e.format_message()}",
            err=True,
        )


def main() -> None:
    """The `ccm` script. Once a command is done and its output flushed, the process leaves
    without interpreter teardown: the Temporal SDK's runtime threads can otherwise abort
    the exit of a command that did its work (sdk-python issue 300: exit 134 or 139)."""
    import os

    try:
        cli.main(prog_name="ccm")
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)
