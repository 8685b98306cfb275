"""What anyone who can reach Temporal may send a workflow (its start, its updates and its
signals, as the plain `temporal` CLI sends them): every model in it, nested ones too,
refuses a field it does not know, so a misspelt or forged key is refused where it enters
instead of dropped in silence."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

import pytest
from pydantic import BaseModel, ValidationError

import workflows


def models_in(hint, seen: set) -> typing.Iterator[type[BaseModel]]:
    """The pydantic models a type hint holds, and the models their fields hold."""
    if typing.get_origin(hint) is not None:
        for arg in typing.get_args(hint):
            yield from models_in(arg, seen)
    elif isinstance(hint, type) and issubclass(hint, BaseModel) and hint not in seen:
        seen.add(hint)
        yield hint
        for field in hint.model_fields.values():
            yield from models_in(field.annotation, seen)


def inputs() -> list[tuple[str, type[BaseModel]]]:
    found, seen = [], set()
    for module in pkgutil.iter_modules(workflows.__path__):
        mod = importlib.import_module(f"workflows.{module.name}")
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            definition = getattr(cls, "__temporal_workflow_definition", None)
            if definition is None or cls.__module__ != mod.__name__:
                continue
            handlers = [definition.run_fn, *(u.fn for u in definition.updates.values())]
            handlers += [s.fn for s in definition.signals.values()]
            for fn in handlers:
                for name, hint in typing.get_type_hints(fn).items():
                    if name != "return":
                        found += [(f"{cls.__name__}.{fn.__name__}", m) for m in models_in(hint, seen)]
    return found


def test_there_are_inputs_to_check():
    names = {m.__name__ for _, m in inputs()}
    assert {"RecordReceipt", "ChaseInput", "AgendaItem", "Schedule", "PlanStep", "Entry", "NewEvent"} <= names


@pytest.mark.parametrize("where, model", inputs(), ids=lambda v: v if isinstance(v, str) else v.__name__)
def test_every_model_a_workflow_takes_refuses_a_field_it_does_not_know(where, model):
    assert model.model_config.get("extra") == "forbid", f"{model.__module__}.{model.__name__} (in {where})"


def test_a_nested_unknown_field_is_refused():
    from domain.meetings import AgendaItem

    with pytest.raises(ValidationError, match="bogus"):
        AgendaItem.model_validate({"title": "Universalization", "bogus": 1})
