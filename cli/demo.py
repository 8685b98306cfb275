"""`ccm demo`: the embedded server, a worker and this year's chases, end to end
(`runtime.demo`)."""

from __future__ import annotations

import shutil

import click

from cli.client import run
from cli.common import emit, settings, upgrade_log
from domain.clock import geneva_today


@click.command()
@click.option("--keep", is_flag=True, envvar="KEEP", help="keep the server and worker running (Ctrl-C stops)")
def demo(keep):
    """Start the embedded server and a worker in a fresh demo directory, start this year's
    chases for every State Party, record a few receipts and print the status table."""
    from runtime import demo as the_demo
    from runtime import devserver

    s = settings()
    home = s.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    port, ui_port = devserver.free_port(), devserver.free_port()
    # The demo's own administrator: it registers who holds the Presidency and the
    # Director's post, in 2016 and today, and the letters are signed by them.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from domain.signatures import b64, public_bytes

    admin_key = Ed25519PrivateKey.generate()
    s = s.model_copy(
        update={
            "home": home,
            "temporal_address": f"127.0.0.1:{port}",
            "database_url_override": f"sqlite:///{home / 'eventlog.db'}",
            "admin_keys": b64(public_bytes(admin_key)),
        }
    )
    the_demo.write_contacts(home / "contacts.csv")
    click.get_current_context().find_root().obj = s  # every helper below reads the demo's settings
    upgrade_log(s)  # the demo's own log, new each run, as `ccm db upgrade` makes it
    year = geneva_today().year
    (home / f"budget-{year}.csv").write_text(  # 40 % not voluntary, as the 1st Review Conference agreed
        "line,amount,kind\n7a,200000,mandatory\n7b,120000,voluntary\n7c,180000,voluntary\n"
    )
    the_demo.log_sdk_to(home / "worker.log")  # the SDK's own lines, not over the demo's output
    with open(home / "temporal-server.log", "ab") as log:
        try:
            proc = devserver.start(home, port, ui_port, headless=False, log_file=log)
        except devserver.ServerError as e:
            raise click.ClickException(str(e)) from None
        try:
            run(
                the_demo.run(
                    s,
                    keep,
                    ui_port,
                    say=click.echo,
                    table=lambda rows, columns, title: emit(rows, "table", columns, title=title),
                    note=lambda m: click.echo(m, err=True),
                    admin_key=admin_key,
                )
            )
        except KeyboardInterrupt:
            pass
        finally:
            devserver.stop(proc)
