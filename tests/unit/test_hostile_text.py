"""Generated hostile text in every text option of every command, through the CLI as a
person runs it (hypothesis, click's CliRunner): each run ends in a clean success or one
refusal (exit 1 or 2), never an exception or an "internal error". No server is reachable
(127.0.0.1:1), so a text that passes the checks at the door meets a refusal to connect:
what is tested is that nothing before it breaks."""

from __future__ import annotations

import shlex

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.examples import EXAMPLES
from cli.main import cli
from tests.unit.test_help_examples import commands

# Commands that serve until stopped, or print a script: no text of theirs reaches a record.
SERVING = {"server start-dev", "worker", "codec-server", "up", "demo", "completion"}
HOSTILE = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.text(alphabet="\u202e\u2066\u200f\x00\x07\x1b\n\r\t=+-@\"',;|%{}$\\/ aé日", max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            '=HYPERLINK("http://evil.example","x")',
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "x" * 100_000,
            "../../../etc/passwd",
            "%s%s%n",
            "{{7*7}}",
            "<script>alert(1)</script>",
            "ITA\u202e",
            "Sheila\nMweemba@isu",
            "9" * 400,
            "-1",
            "NaN",
            "1e999",
            "0x10",
            "2026-02-30",
        ]
    ),
)


def text_options(name: str, command: click.Command) -> list[tuple[list[str], int]]:
    """(the example's argv, the index of each value given to a text option)."""
    argv = shlex.split(EXAMPLES[name])[1:]
    texts = {
        opt for p in command.params if isinstance(p, click.Option) and p.type.name in ("text", "TEXT") for opt in p.opts
    }
    return [(argv, i + 1) for i, token in enumerate(argv[:-1]) if token in texts]


CASES = [
    (name, argv, at)
    for name, command in commands()
    if name not in SERVING and name in EXAMPLES
    for argv, at in text_options(name, command)
]


def test_the_table_covers_the_commands_that_take_text():
    assert len(CASES) >= 40 and len({name for name, _, _ in CASES}) >= 30


@pytest.mark.parametrize("name,argv,at", CASES, ids=[f"{n} {a[i - 1]}" for n, a, i in CASES])
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=HOSTILE)
def test_hostile_text_is_refused_in_one_line_or_taken_never_a_crash(name, argv, at, text, tmp_path):
    args = argv[:at] + [text] + argv[at + 1 :]
    env = {
        "CCM_HOME": str(tmp_path / "home"),
        "CCM_TEMPORAL_ADDRESS": "127.0.0.1:1",
        "CCM_KEYS_DIR": str(tmp_path / "keys"),
        "CCM_REQUEST_ID": "",
    }
    result = CliRunner().invoke(cli, args, env=env)
    said = result.output
    assert result.exit_code in (0, 1, 2), (args, said)
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert "Traceback" not in said and "internal error" not in said, (args, said)
