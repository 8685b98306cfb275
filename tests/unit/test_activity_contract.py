"""Workflows call activities by the references in `workflows.common.Activities`; the
worker registers `activities.records.CcmActivities`. The two must agree on every name
and type, and no workflow module may import `activities`."""

import ast
import inspect
import typing
from pathlib import Path

from temporalio import activity

from activities.records import CcmActivities
from workflows.common import Activities

ROOT = Path(__file__).parents[2]


def definitions(cls) -> dict:
    found = {}
    for _, member in inspect.getmembers(cls, inspect.isfunction):
        defn = activity._Definition.from_callable(member)
        if defn:
            hints = typing.get_type_hints(member)
            found[defn.name] = (hints.get("return"), [v for k, v in hints.items() if k != "return"])
    return found


def test_every_activity_a_workflow_calls_is_implemented_with_the_same_types():
    called, implemented = definitions(Activities), definitions(CcmActivities)
    assert called and set(called) <= set(implemented)
    for name, types in called.items():
        assert implemented[name] == types, name


def test_no_workflow_imports_activities():
    for path in (ROOT / "workflows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("activities"), path.name
