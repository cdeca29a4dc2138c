"""The package's shape: imports form a DAG, modules stay small."""

import ast
import io
import tokenize
from pathlib import Path

import sklearn_jepa

PACKAGE = Path(sklearn_jepa.__file__).parent
MAX_CODE_LINES = 450
# the layers, bottom up: a module imports from its own layer or below only
LAYERS = {
    "utils": 0,
    "_version": 0,
    "inputs": 1,
    "nn": 2,
    "configuration": 3,
    "engine": 4,
    "_estimator": 5,
    "_windows": 5,
    "_persistence": 5,
    "_classifier": 5,
    "integrations": 6,
    "aeon": 7,
    "sktime": 7,
    "datasets": 7,
    "__init__": 7,
}


def _modules():
    """Dotted name (``"nn._masks"``, ``"_estimator"``) -> path of every module;
    a subpackage's ``__init__`` is ``"nn.__init__"``."""
    return {
        ".".join(path.relative_to(PACKAGE).with_suffix("").parts): path
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def _layer(name):
    return LAYERS[name.split(".")[0]]


def _internal_imports(name, path):
    """Package modules ``path`` imports (dotted, as :func:`_modules` names
    them), at any depth of its code (a function-level import that dodges a
    cycle is still an import)."""
    package = name.split(".")[:-1]  # the subpackage the module sits in
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                if node.module:
                    found.add(".".join([*base, *node.module.split(".")]))
                else:
                    found.update(".".join([*base, a.name]) for a in node.names)
            elif node.module and node.module.startswith("sklearn_jepa."):
                found.add(node.module.removeprefix("sklearn_jepa."))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sklearn_jepa."):
                    found.add(alias.name.removeprefix("sklearn_jepa."))
    return found


def _graph():
    modules = _modules()
    return {
        name: {m for m in _internal_imports(name, path) if m in modules and m != name}
        for name, path in modules.items()
        if not name.endswith("__init__")
    }


def _find_cycle(graph):
    """A cycle of ``graph`` as a list of nodes, or ``None``."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for child in sorted(graph.get(node, ())):
            if state.get(child) == "open":
                return stack[stack.index(child) :] + [child]
            if child not in state:
                cycle = visit(child)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_package_imports_form_a_dag():
    graph = _graph()
    assert graph["_persistence"] >= {"_estimator"}
    assert graph["engine._state"] >= {"configuration._build", "nn._readout"}
    assert _find_cycle(graph) is None, f"import cycle: {_find_cycle(graph)}"


def test_imports_go_down_the_layers():
    upward = {
        name: sorted(m for m in imports if _layer(m) > _layer(name))
        for name, imports in _graph().items()
    }
    upward = {name: found for name, found in upward.items() if found}
    assert not upward, f"imports from a higher layer: {upward}"


def test_the_layout_shows_its_layers():
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= 10, top
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert len(subpackages) >= 3
    assert set(LAYERS) >= {*subpackages, *(Path(name).stem for name in top)}
    for sub in subpackages:
        modules = [p for p in (PACKAGE / sub).glob("*.py") if p.stem != "__init__"]
        assert len(modules) <= 12, (sub, len(modules))
        # a docstring that says what the layer holds and may import
        doc = ast.get_docstring(ast.parse((PACKAGE / sub / "__init__.py").read_text()))
        assert doc and "Imports" in doc, sub


def test_old_words_live_in_the_compatibility_module_only():
    users = sorted(
        name for name, path in _modules().items() if "mask_ratio" in path.read_text()
    )
    assert users == ["utils._compat"], users


def _code_lines(path):
    """Lines holding code: not blank, not comments, not docstrings."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(value.lineno, value.end_lineno + 1))
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines - docstrings)


def test_no_module_above_the_size_limit():
    sizes = {name: _code_lines(path) for name, path in _modules().items()}
    assert sizes["_estimator"] > 100  # the counter counts
    too_large = {name: n for name, n in sizes.items() if n > MAX_CODE_LINES}
    assert not too_large, f"modules above {MAX_CODE_LINES} lines of code: {too_large}"


def test_every_module_has_a_test_module():
    """``tests/test_<module>.py`` for ``<package>/_<module>.py`` (the
    front door ``__init__.py``: ``test_init.py``, which also tests the
    version it exports; a subpackage's ``__init__`` is a docstring)."""
    tests = Path(__file__).parent
    names = [
        name.split(".")[-1]
        for name in _modules()
        if not (name.endswith("__init__") and "." in name) and name != "_version"
    ]
    missing = [
        name for name in names if not (tests / f"test_{name.strip('_')}.py").exists()
    ]
    assert not missing, f"modules without tests/test_<module>.py: {missing}"


def test_the_readme_is_a_page_with_the_ci_commands():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert len(readme.split()) <= 1000
    for job in ("demo", "test", "site"):
        assert f"<!-- ci:{job} -->\n```bash\n" in readme, job
