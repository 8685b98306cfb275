"""The layout is the architecture: each package imports only the layers below it, and no
module imports itself back through others (a circle makes a module half-initialised
depending on who imported first). Walked with grimp, every import counted, including
the ones inside functions."""

import grimp
import pytest

# Top to bottom; a tuple holds siblings that may not import each other.
LAYERS = ["cli", "runtime", "services", ("workflows", "activities"), "domain"]
PACKAGES = ["cli", "runtime", "services", "workflows", "activities", "domain"]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


def _rank() -> dict[str, int]:
    return {p: i for i, layer in enumerate(LAYERS) for p in (layer if isinstance(layer, tuple) else (layer,))}


def test_each_package_imports_only_the_layers_below_it(graph):
    rank = _rank()
    wrong = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            a, b = module.split(".")[0], imported.split(".")[0]
            if a != b and rank[b] <= rank[a]:
                wrong.append(f"{module} -> {imported}")
    assert wrong == []


def strongly_connected(graph) -> list[list[str]]:
    """The groups of modules that import one another in a circle (Tarjan's algorithm)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for m in modules:
        if m not in index:
            visit(m)
    return groups


def test_no_module_imports_itself_back(graph):
    assert strongly_connected(graph) == []


def test_the_walk_sees_a_circle():
    """The check itself: a graph with a circle is found."""
    g = grimp.ImportGraph()
    for a, b in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        g.add_import(importer=a, imported=b)
    assert strongly_connected(g) == [["p.a", "p.b", "p.c"]]


def test_every_module_whose_code_runs_inside_a_workflow_says_so(graph):
    """A module a workflow imports (directly or not) runs inside the workflow and is
    replayed: it says so in its docstring's first lines, where the next person to change it
    reads first."""
    import ast
    import importlib

    inside = set()
    for module in graph.modules:
        if module.startswith("workflows."):
            inside |= graph.find_upstream_modules(module) | {module}
    silent = []
    for name in sorted(m for m in inside if "." in m):
        doc = ast.get_docstring(ast.parse(open(importlib.util.find_spec(name).origin).read())) or ""
        if "Runs inside workflows" not in "\n".join(doc.splitlines()[:12]):
            silent.append(name)
    assert inside and silent == []
