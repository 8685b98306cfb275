"""Every command's `--help` ends with an example that names the command and only options
it has; `ccm completion` prints click's completion script."""

import shlex

import click
import pytest
from click.testing import CliRunner

from cli.examples import EXAMPLES
from cli.main import cli
from tests.docs import parse


def commands(group=cli, path=()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from commands(command, path + (name,))
        else:
            yield " ".join(path + (name,)), command


@pytest.mark.parametrize("path,command", list(commands()), ids=lambda x: x if isinstance(x, str) else "")
def test_every_command_shows_an_example_of_itself_that_the_cli_accepts(path, command, tmp_path, monkeypatch):
    """The example is a command line of this very command that click parses, its values
    converted (a date, a State, an amount, a choice), and `--help` prints it whole."""
    example = EXAMPLES[path]
    words = [w for w in shlex.split(example) if "=" not in w.split("-")[0]]  # drop VAR=value prefixes
    assert words[1 : 1 + len(path.split())] == path.split(), example
    if "…" not in example:  # an elided secret or value is shown, not parsed
        parse(example, tmp_path, monkeypatch)
    shown = CliRunner().invoke(cli, [*path.split(), "--help"], terminal_width=500)
    assert shown.exit_code == 0 and f"Example:\n    {example}\n" in shown.output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_clicks_script(shell):
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and "_CCM_COMPLETE" in result.output


def test_a_csv_cell_that_a_spreadsheet_would_run_is_written_as_text_and_amounts_stay_numbers():
    from decimal import Decimal

    from cli.common import safe_for_spreadsheets

    row = safe_for_spreadsheets(
        {
            "text": '=HYPERLINK("http://x","y")',
            "plus": "+41 22",
            "at": "@SUM(A1)",
            "tab": "\tx",
            "cr": "\rx",
            "minus": "-cmd",
            "amount": "-2481.00",
            "nan": "-NaN",
            "number": Decimal("-5"),
            "plain": "Italy",
        }
    )
    assert row == {
        "text": '\'=HYPERLINK("http://x","y")',
        "plus": "'+41 22",
        "at": "'@SUM(A1)",
        "tab": "'\tx",
        "cr": "'\rx",
        "minus": "'-cmd",
        "amount": "-2481.00",
        "nan": "'-NaN",
        "number": Decimal("-5"),
        "plain": "Italy",
    }
