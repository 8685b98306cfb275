"""`ccm demo`: the embedded server, a worker and this year's chases, end to end
(`runtime.demo`)."""

from __future__ import annotations

import shutil
from datetime import date

import click

from cli.client import run
from cli.common import emit, settings


@click.command()
@click.option("--keep", is_flag=True, envvar="KEEP", help="keep the server and worker running (Ctrl-C stops)")
def demo(keep):
    """Start the embedded server and a worker in a fresh demo directory, start this year's
    chases for every State Party, record a few receipts and print the status table."""
    from cli.main import upgrade_log
    from runtime import demo as the_demo
    from runtime import devserver

    s = settings()
    home = s.home / "demo"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    port, ui_port = devserver.free_port(), devserver.free_port()
    # Signed as in the minutes of 2016, unless settings name today's office holders.
    s = s.model_copy(update={"home": home, "temporal_address": f"127.0.0.1:{port}",
                             "database_url_override": f"sqlite:///{home / 'eventlog.db'}",
                             "president_name": s.president_name or "Michael Biontino",
                             "director_name": s.director_name or "Sheila Mweemba"})
    the_demo.write_contacts(home / "contacts.csv")
    click.get_current_context().find_root().obj = s  # every helper below reads the demo's settings
    upgrade_log(s)  # the demo's own log, new each run, as `ccm db upgrade` makes it
    year = date.today().year
    (home / f"budget-{year}.csv").write_text(
        "line,amount,kind\n7a,150000,mandatory\n7b,150000,voluntary\n7c,200000,voluntary\n")
    with open(home / "temporal-server.log", "ab") as log:
        try:
            proc = devserver.start(home, port, ui_port, headless=False, log_file=log)
        except devserver.ServerError as e:
            raise click.ClickException(str(e)) from None
        try:
            run(the_demo.run(s, keep, ui_port, say=click.echo,
                             table=lambda rows, columns, title: emit(rows, "table", columns, title=title),
                             note=lambda m: click.echo(m, err=True)))
        except KeyboardInterrupt:
            pass
        finally:
            devserver.stop(proc)
