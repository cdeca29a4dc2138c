"""The package's shape: imports form a DAG, modules stay small."""

import ast
import io
import tokenize
from pathlib import Path

import sklearn_jepa

PACKAGE = Path(sklearn_jepa.__file__).parent
MAX_CODE_LINES = 450


def _modules():
    return {path.stem: path for path in sorted(PACKAGE.glob("*.py"))}


def _internal_imports(path):
    """Package modules ``path`` imports, at any depth of its code (a
    function-level import that dodges a cycle is still an import)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("sklearn_jepa."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sklearn_jepa."):
                    found.add(alias.name.split(".")[1])
    return found


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
    modules = _modules()
    graph = {
        name: {m for m in _internal_imports(path) if m in modules and m != name}
        for name, path in modules.items()
        if name != "__init__"
    }
    assert graph["_persistence"] >= {"_estimator"}
    assert _find_cycle(graph) is None, f"import cycle: {_find_cycle(graph)}"


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
    tests = Path(__file__).parent
    missing = [
        name
        for name in _modules()
        if name != "__init__" and not (tests / f"test_{name.lstrip('_')}.py").exists()
    ]
    assert not missing, f"modules without tests/test_<module>.py: {missing}"


def test_the_readme_is_a_page_with_the_ci_commands():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert len(readme.split()) <= 1000
    for job in ("demo", "test", "site"):
        assert f"<!-- ci:{job} -->\n```bash\n" in readme, job
