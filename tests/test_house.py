"""House rules, read off the source: imports only go down the floors (render.py -> job -> scenes -> generators ->
engine), without circles, without hidden project imports inside functions or private names across modules; bpy only in
the backend; files and functions stay small."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"render": 4, "job": 3, "scenes": 2, "generators": 1, "engine": 0}
MAX_FILE_LINES, MAX_FUNCTION_LINES = 450, 80


def _modules() -> dict:
    """Dotted module name -> path, for every project module."""
    found = {"render": ROOT / "render.py"}
    for package in ("job", "scenes", "generators", "engine"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path):
    """(imported project module, imported names, line, inside a function) for each import statement of a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_function |= {id(n) for n in ast.walk(node) if n is not node}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from engine import augment` imports the module engine.augment; `from engine.x import y` the names y
            subs = [a.name for a in node.names if f"{node.module}.{a.name}" in MODULES]
            targets = [(f"{node.module}.{s}", []) for s in subs] + \
                      [(node.module, [a.name for a in node.names if a.name not in subs])]
        else:
            continue
        for module, names in targets:
            if module.split(".")[0] in FLOORS and (module in MODULES or names):
                yield module, names, node.lineno, id(node) in in_function


def _edges() -> dict:
    return {name: {m for m, _, _, _ in _imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_floors(name):
    floor = FLOORS[name.split(".")[0]]
    for module, names, line, hidden in _imports(MODULES[name]):
        where = f"{MODULES[name].relative_to(ROOT)}:{line}"
        assert FLOORS[module.split(".")[0]] <= floor, f"{where} imports {module}, a floor above"
        assert not hidden, f"{where} imports {module} inside a function: import it at the top, or move the code"
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{where} imports private names {private} from {module}"


def test_no_import_circles():
    edges, state, stack = _edges(), {}, []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for target in sorted(edges[name]):
            if state.get(target) == "open":
                pytest.fail("import circle: " + " -> ".join(stack[stack.index(target):] + [target]))
            if target not in state:
                visit(target)
        stack.pop()
        state[name] = "done"

    for name in sorted(edges):
        if name not in state:
            visit(name)


def test_only_the_backend_imports_bpy():
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            roots = [a.name.split(".")[0] for a in node.names] if isinstance(node, ast.Import) else \
                [(node.module or "").split(".")[0]] if isinstance(node, ast.ImportFrom) else []
            if {"bpy", "mathutils"} & set(roots):
                assert name == "engine.backend", f"{path.relative_to(ROOT)}:{node.lineno} imports bpy"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_files_and_functions_stay_small(name):
    path = MODULES[name]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_FILE_LINES, f"{path.relative_to(ROOT)} has {len(lines)} lines"
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            # a longer function says why in a comment on its first line: "# long: ..."
            assert length <= MAX_FUNCTION_LINES or "# long:" in lines[node.lineno - 1], \
                f"{path.relative_to(ROOT)}:{node.lineno} {node.name} has {length} lines"
