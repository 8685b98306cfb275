"""The README's five-minute tour, run as written against a real dev server and a `ccm`
worker (in a module of its own: it starts this year's chases, as the tutorial does)."""

from __future__ import annotations

from tests.docs import ROOT, shown
from tests.e2e.test_docs import run_as_written
from tests.e2e.test_schedule import record_a_scale_where_none_ships


def test_the_readme_tour_runs_as_written(ccm, worker, ccm_env, tmp_path):
    record_a_scale_where_none_ships(ccm_env, tmp_path)  # from 2028, as docs/how-to/world-data.md tells
    run_as_written(ccm, shown(ROOT / "README.md"), at_least=7)
