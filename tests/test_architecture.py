"""The house rules of `interpreter/` and `cli/`, checked from the source (no module is imported).

- layers import downward only (the table LAYERS below; docs/architecture.md draws it);
- no import circle between modules, counting imports inside functions too;
- the CLI imports only the public façades;
- no module of `interpreter/` or `cli/` is over 600 lines, and each opens with a docstring.
"""
from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_LINES = 600

# package -> the packages it may import (besides itself). Lowest layer first.
LAYERS = {
    "interpreter.language": set(),
    "interpreter.evaluation": {"interpreter.language"},
    "interpreter.engines": {"interpreter.language", "interpreter.evaluation"},
    "interpreter.batch": {"interpreter.language", "interpreter.evaluation", "interpreter.engines"},
    "interpreter.bill": {"interpreter.language", "interpreter.evaluation"},
    "interpreter.amendments": {"interpreter.language", "interpreter.evaluation", "interpreter.engines",
                               "interpreter.bill"},
    "interpreter.api": {"interpreter.language", "interpreter.evaluation", "interpreter.engines", "interpreter.batch",
                        "interpreter.bill", "interpreter.amendments"},
}
ABOVE_API = {"interpreter.api", "interpreter.language", "interpreter.evaluation", "interpreter.engines",
             "interpreter.batch", "interpreter.bill", "interpreter.amendments"}
# The CLI sees the public API and the feature façades (package __init__ modules), nothing inside them.
CLI_MAY_IMPORT = {"interpreter", "interpreter.api", "interpreter.batch", "interpreter.amendments",
                  "interpreter.service", "interpreter.editor"}


def _modules() -> dict[str, str]:
    """module name -> path, for every .py file under interpreter/ and cli/."""
    found = {}
    for top in ("interpreter", "cli"):
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(folder, name)
                    parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
                    if parts[-1] == "__init__":
                        parts = parts[:-1]
                    found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(module: str) -> set[str]:
    """The project modules `module` imports anywhere in its body (lazy imports included)."""
    tree = ast.parse(open(MODULES[module], encoding="utf-8").read())
    package = module if MODULES[module].endswith("__init__.py") else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        out.update(name for name in names if name in MODULES and name != module)
    return out


def _layer(module: str) -> str | None:
    for package in sorted(LAYERS, key=len, reverse=True):
        if module == package or module.startswith(package + "."):
            return package
    return None


def test_the_model_knows_the_packages():
    packages = {m for m, p in MODULES.items() if p.endswith("__init__.py") and m.count(".") == 1}
    assert {"interpreter.language", "interpreter.evaluation", "interpreter.engines", "interpreter.batch",
            "interpreter.bill", "interpreter.amendments"} <= packages
    # a new package must be placed in a layer (or above the API) before it can hold code
    for package in packages:
        assert package in LAYERS or package in ("interpreter.service", "interpreter.editor"), \
            f"{package} is not placed in tests/test_architecture.py LAYERS"
    flat = [m for m in MODULES if m.count(".") == 1 and m.startswith("interpreter.") and m not in packages]
    assert flat == ["interpreter.api"], f"modules loose in interpreter/: {flat}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("interpreter.")))
def test_layers_import_downward_only(module):
    layer = _layer(module)
    for imported in _imports(module):
        if imported.startswith("cli"):
            pytest.fail(f"{module} imports the CLI ({imported})")
        target = _layer(imported)
        if layer is None:  # above the API (service, editor): anything below the API, and the API itself
            assert target in ABOVE_API or imported.startswith(module.split(".")[0] + "." + module.split(".")[1]), \
                f"{module} imports {imported}"
            continue
        assert target == layer or target in LAYERS[layer], \
            f"{module} ({layer}) imports {imported} ({target}), which is not below it"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("cli")))
def test_the_cli_calls_only_the_facades(module):
    for imported in _imports(module):
        assert imported.startswith("cli") or imported in CLI_MAY_IMPORT, \
            f"{module} imports {imported}; the CLI calls interpreter.api or a package façade only"


def test_no_import_circle():
    graph = {m: _imports(m) for m in MODULES}
    # a package's __init__ re-exporting its own modules is not a circle with them
    for module in graph:
        if MODULES[module].endswith("__init__.py"):
            graph[module] = {m for m in graph[module] if not m.startswith(module + ".")}
    index, low, stack, on_stack, circles = {}, {}, [], set(), []

    def connect(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    assert circles == [], f"import circles: {circles}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_short_and_say_what_they_do(module):
    text = open(MODULES[module], encoding="utf-8").read()
    lines = text.count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines (at most {MAX_LINES}): split it along a seam"
    if text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{MODULES[module]} opens with no docstring"


def test_the_checker_sees_a_violation(tmp_path):
    """The layer check is not vacuous: an upward import in `language` is caught."""
    global MODULES
    fake = tmp_path / "interpreter" / "language"
    fake.mkdir(parents=True)
    (fake / "upward.py").write_text('"""x"""\nfrom interpreter.evaluation import facts\n')
    saved = dict(MODULES)
    try:
        MODULES["interpreter.language.upward"] = str(fake / "upward.py")
        with pytest.raises(AssertionError):
            test_layers_import_downward_only("interpreter.language.upward")
    finally:
        MODULES = saved
