"""`ccm data`: the world's tables and what the operator adds to them, through a real
worker (the log's one writer): a scale, holidays, the membership checked; each recorded
once with its source, in force at once (`data list`, `meeting schedule`, `doctor`)."""

from __future__ import annotations

import json
from datetime import date

from domain.schedule import geneva_today
from tests.e2e.conftest import event_log


def test_the_operator_extends_the_world_through_the_worker_and_it_is_in_force_at_once(ccm, worker, ccm_env, tmp_path):
    log = event_log(ccm_env)
    before = {t["what"]: t for t in json.loads(ccm("data", "list", "-o", "json").stdout)}
    assert before["UN scale of assessments"]["until"] == "2027-12-31"

    # A 2028-2030 scale (a stand-in: the General Assembly adopts the real one in December 2027).
    scale = tmp_path / "scale-2028-2030.csv"
    scale.write_text("state,rate\nDEU,5.9\nFRA,3.8\nITA,2.9\n")
    added = ccm(
        "data",
        "add-scale",
        scale,
        "--period",
        "2028-2030",
        "--source",
        "A/RES/82/… (test stand-in)",
        "--as",
        "Sheila Mweemba@isu",
    )
    assert added.exit_code == 0 and added.stdout.startswith("recorded: the UN scale 2028-2030 (3 rates"), added.output
    again = ccm("data", "add-scale", scale, "--period", "2028-2030", "--source", "A/RES/82/… (test stand-in)")
    assert again.exit_code == 0 and again.stdout.startswith("already recorded"), again.output

    # A day the UN Office at Geneva keeps (a stand-in Wednesday within the two years a meeting may be set).
    day = date(geneva_today().year + 1, 11, 17)
    while day.weekday() != 2:
        day = day.replace(day=day.day + 1)
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(f"day,name\n{day},Test holiday\n")
    assert ccm("data", "add-holidays", holidays, "--source", "UNOG announcement (test)").exit_code == 0
    checked = ccm("data", "checked-registry", "--as-of", geneva_today(), "--source", "UNTC XXVI-6, read today")
    assert checked.exit_code == 0, checked.output

    after = {t["what"]: t for t in json.loads(ccm("data", "list", "-o", "json").stdout)}
    assert after["UN scale of assessments"]["until"] == "2030-12-31" and after["UN scale of assessments"]["added"] == 1
    assert after["States Parties (depositary's status)"]["added"] == 1
    refused = ccm("meeting", "schedule", "--date", day, "--venue", "Palais des Nations")
    assert (
        refused.exit_code == 2
        and f"{day} is Test holiday, a holiday of the United Nations Office at Geneva" in refused.stderr
    ), refused.output
    rows = list(log.query(workflow_id="data"))
    assert [(r.event_type, r.actor, r.office) for r in rows] == [
        ("data.scale_added", "Sheila Mweemba", "isu"),
        ("data.holidays_added", rows[1].actor, "isu"),
        ("data.registry_checked", rows[2].actor, "isu"),
    ]
    assert rows[0].payload["source"] == "A/RES/82/… (test stand-in)" and log.verify().ok

    # Not a scale's three years; a file that is no scale; a check before the Convention existed
    # or after today; not for the President to add.
    for as_of in ("1990-01-01", "2999-01-01"):
        early = ccm("data", "checked-registry", "--as-of", as_of, "--source", "x")
        assert early.exit_code == 2 and "could be read" in early.stderr, early.output
    assert ccm("data", "add-scale", scale, "--period", "2028-2029", "--source", "x").exit_code == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("state,rate\nXXX,1\n")
    assert ccm("data", "add-scale", bad, "--period", "2031-2033", "--source", "x").exit_code == 1
    president = ccm("data", "add-scale", scale, "--period", "2031-2033", "--source", "x", "--as", "P@president")
    assert president.exit_code == 1 and "president" in president.stderr, president.output
