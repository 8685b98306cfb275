"""The tutorial, run: every command of `docs/tutorial/year.md` in its order against a real
dev server and a `ccm` worker, each output it shows checked (`…` is a wildcard; an output
beginning `Error:` is a refusal, exit 1, on stderr). The README's tour is run the same way
(`tests/e2e/test_docs_readme.py`, a module of its own: it starts this year's chases too)."""

from __future__ import annotations

import shlex

from tests.docs import ROOT, matches, shown
from tests.e2e.test_schedule import record_a_scale_where_none_ships

TUTORIAL = ROOT / "docs" / "tutorial" / "year.md"
STANDS_IN = {"ccm up"}  # the module's server and worker are already running


def test_the_tutorial_runs_as_written(ccm, worker, ccm_env, tmp_path):
    # From 2028 no shipped UN scale covers the year: the operator records one first, as
    # docs/how-to/world-data.md tells (the stand-in of the schedule's test).
    record_a_scale_where_none_ships(ccm_env, tmp_path)
    run_as_written(ccm, [s for s in shown(TUTORIAL) if s.command not in STANDS_IN], at_least=10)


def run_as_written(ccm, steps, at_least: int) -> None:
    """Each step's command run in order; its exit and the output it shows checked."""
    assert len(steps) >= at_least
    for step in steps:
        result = ccm(*shlex.split(step.command)[1:])
        refused = bool(step.output) and step.output[0].startswith("Error:")
        if refused:
            assert result.exit_code == 1, (step.command, result.output)
            assert all(matches(line, result.stderr) for line in step.output), (step.command, result.stderr)
        else:
            assert result.exit_code == 0, (step.command, result.output)
            missing = [line for line in step.output if not matches(line, result.stdout)]
            assert missing == [], (step.command, result.stdout[-2000:])
