"""Every update, query and signal of every ccm workflow says what it does: the web UI and
`temporal workflow metadata` show these descriptions to whoever operates the processes."""

import pytest
from temporalio.workflow import _Definition

from runtime.worker import workflows


@pytest.mark.parametrize("workflow_class", workflows(), ids=lambda c: c.__name__)
def test_every_handler_has_a_description(workflow_class):
    definition = _Definition.from_class(workflow_class)
    handlers = {**definition.updates, **definition.queries, **definition.signals}
    missing = sorted(name for name, handler in handlers.items() if name and not handler.description)
    assert not missing, missing
