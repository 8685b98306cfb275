"""Who may do what on a concept note, and how a plan file is checked."""

from datetime import date

import pytest

from domain.concept_notes import THEMES, PlanError, Refusal, authorize, parse_plan, role_of, theme
from domain.states import UnknownState, registry

VA = theme("victim-assistance")


def state(name):
    return registry().get(name).alpha3


def owner(name):
    if name.lower() in ("president", "isu") or name.startswith("coordinator:"):
        return name.lower()
    try:
        return state(name)
    except UnknownState as e:
        raise ValueError(str(e)) from None


def test_the_themes_of_the_minutes_and_their_coordinators():
    assert {t.slug: t.coordinators for t in THEMES if t.coordinators} == {
        "victim-assistance": ["ITA", "CHL"],
        "universalization": ["FRA", "ZMB"],
        "stockpile-destruction": ["HRV", "MEX"],
        "clearance-and-rre": ["NOR", "NLD"],
        "cooperation-and-assistance": ["IRQ", "AUS"],
        "transparency-measures": ["CRI"],
        "national-implementation": ["NZL"],
        "general-status": ["BIH", "CHE"],
    }


@pytest.mark.parametrize(
    "office,role",
    [
        ("ITA", "coordinator:victim-assistance"),
        ("CHL", "coordinator:victim-assistance"),
        ("coordinator:victim-assistance", "coordinator:victim-assistance"),
        ("NZL", "member"),
        ("president", "president"),
        ("isu", "isu"),
    ],
)
def test_an_office_acts_in_its_role_for_a_theme(office, role):
    assert role_of(office, VA) == role


@pytest.mark.parametrize(
    "action,office",
    [
        ("submit_version", "ITA"),
        ("submit_plan", "CHL"),
        ("comment", "NZL"),
        ("comment", "isu"),
        ("approve_final", "president"),
        ("approve_plan", "presidency"),
        ("request_changes", "president"),
        ("set_plan_due", "isu"),
        ("withdraw", "president"),
        ("withdraw", "ITA"),
    ],
)
def test_allowed(action, office):
    authorize(action, office, VA)


@pytest.mark.parametrize(
    "action,office,message",
    [
        ("approve_final", "ITA", "only the Presidency may approve final, not ITA"),
        ("approve_plan", "isu", "only the Presidency may approve plan, not isu"),
        ("submit_version", "NZL", "only the theme's coordinators (ITA or CHL) may submit version, not NZL"),
        ("submit_plan", "president", "only the theme's coordinators (ITA or CHL) may submit plan"),
        ("set_plan_due", "NOR", "only the Presidency or the ISU may set plan due"),
    ],
)
def test_refused_with_who_may(action, office, message):
    with pytest.raises(Refusal) as err:
        authorize(action, office, VA)
    assert str(err.value).startswith(message)


def test_the_presidency_coordinates_its_own_paper():
    authorize("submit_plan", "president", theme("country-coalitions"))


def test_an_unknown_theme_lists_the_themes():
    with pytest.raises(Refusal, match="unknown theme 'victims'.*victim-assistance"):
        theme("victims")


def test_a_plan_file_is_read_with_states_and_offices_in_any_form():
    plan = parse_plan(
        "steps:\n  - action: Reach out to States with victim assistance obligations\n"
        "    responsible: italy\n    due: 2017-01-31\n    budget: 5000\n    targets: [Chad, lb]\n"
        "  - action: Side event at the APMBC intersessionals\n    responsible: president\n"
        "    due: 2017-06-01\n",
        state,
        owner,
    )
    assert [(s.responsible, s.due, s.targets) for s in plan.steps] == [
        ("ITA", date(2017, 1, 31), ["TCD", "LBN"]),
        ("president", date(2017, 6, 1), []),
    ]
    assert str(plan.steps[0].budget) == "5000.00"


def test_every_problem_of_a_plan_file_is_listed_with_its_line():
    text = """steps:
  - action: Workshop
    responsible: Narnia
    due: soon
    targets: [Itlay]
  - action: ""
    responsible: president
    due: 2017-02-01
    colour: blue
    budget: -5
"""
    with pytest.raises(PlanError) as err:
        parse_plan(text, state, owner)
    problems = err.value.problems
    assert problems[0].startswith("line 3: unknown State 'Narnia'")
    assert problems[1].startswith("line 4: due:")
    assert problems[2].startswith("line 5: unknown State 'Itlay': did you mean Italy (ITA)?")
    assert problems[3].startswith("line 6: action:")
    assert "line 9: unknown field 'colour'" in problems
    assert "line 10: budget: must not be negative" in problems
    assert len(problems) == 6


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "line 1: the plan must be a mapping"),
        ("steps: []\n", "line 1: `steps:` must be a non-empty list"),
        ("steps: [\n", "not valid YAML"),
    ],
)
def test_a_plan_file_that_is_not_a_plan(text, message):
    with pytest.raises(PlanError) as err:
        parse_plan(text, state, owner)
    assert message in err.value.problems[0]
