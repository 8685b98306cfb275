"""Every `ccm …` command the README shows exists: the docs cannot drift from the CLI."""

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import cli

README = (Path(__file__).parents[2] / "README.md").read_text()
BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)
COMMANDS = sorted({
    " ".join(re.match(r"((?:[a-z][a-z-]*\s?)+)", line[4:]).group(1).split()[:3])
    for block in BLOCKS for line in block.splitlines() if line.startswith("ccm ")
})


def test_the_readme_shows_commands():
    assert len(COMMANDS) > 30


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_in_the_readme_exists(command):
    node, path = cli, []
    for word in command.split():  # every word under a group must name one of its commands
        if not isinstance(node, click.Group):
            break  # a command's own arguments follow
        node = node.get_command(None, word)
        assert node is not None, f"`ccm {' '.join(path + [word])}` is not a command"
        path.append(word)
    assert not isinstance(node, click.Group), f"`ccm {command}` names a group, not a command"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
