"""The shape of the code, checked from the source: import direction, no import cycles,
short functions, and a `dlcourse` start that does not load matplotlib.

Imports are read with :mod:`ast` (every ``import`` and ``from ... import``, also those
inside functions), so nothing here depends on what happens to be imported at run time.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib"
PACKAGES = ("dlbasics", "dlcourse")
#: What the trainee library must never import (instructor code and the grading stack).
FORBIDDEN_IN_DLBASICS = ("dlcourse", "nbgrader", "nbformat", "nbconvert", "traitlets")
MAX_FUNCTION_LINES = 60


def module_name(path, lib=LIB):
    parts = list(path.relative_to(lib).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_sources(lib=LIB):
    """{module name: (path, source)} of every module of the two packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((lib / package).rglob("*.py")):
            found[module_name(path, lib)] = (path, path.read_text(encoding="utf-8"))
    return found


def imports_of(name, source, is_package=False):
    """[(line, dotted name)] of everything ``source`` (module ``name``) imports; a
    ``from X import y`` gives ``X.y`` (which is ``X``'s attribute or submodule)."""
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def import_graph(sources):
    """{module: {project modules it imports}} for ``sources`` ({name: (path, text)})."""
    graph = {}
    for name, (path, text) in sources.items():
        targets = set()
        for _, dotted in imports_of(name, text, path.name == "__init__.py"):
            parts = dotted.split(".")
            # the longest prefix that is a project module
            for end in range(len(parts), 0, -1):
                candidate = ".".join(parts[:end])
                if candidate in sources:
                    if candidate != name:
                        targets.add(candidate)
                    break
        graph[name] = targets
    return graph


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(result)


def direction_violations(sources, package="dlbasics", forbidden=FORBIDDEN_IN_DLBASICS):
    """["path:line imports X"] for each import of a forbidden package from ``package``."""
    found = {}
    for name, (path, text) in sorted(sources.items()):
        if name != package and not name.startswith(package + "."):
            continue
        where = path.relative_to(ROOT) if ROOT in path.parents else path
        for line, dotted in imports_of(name, text, path.name == "__init__.py"):
            top = dotted.split(".")[0]
            if top in forbidden:
                found[f"{where}:{line}"] = top
    return [f"{where} imports {top}" for where, top in sorted(found.items())]


def long_functions(paths, limit=MAX_FUNCTION_LINES):
    """[(lines, "path:line name")] of the functions longer than ``limit`` lines."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append((lines, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


# ---- the checks can fail: fixtures with a violation


def _fake_tree(tmp_path, files):
    for relative, text in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return project_sources(tmp_path)


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    sources = _fake_tree(tmp_path, {
        "dlcourse/__init__.py": "",
        "dlcourse/a.py": "from dlcourse.b import thing\n",
        "dlcourse/b.py": "def f():\n    from dlcourse import c\n",
        "dlcourse/c.py": "from . import a\n",
        "dlcourse/d.py": "import dlcourse.a\n",
        "dlbasics/__init__.py": "",
    })
    assert cycles(import_graph(sources)) == [["dlcourse.a", "dlcourse.b", "dlcourse.c"]]


def test_the_direction_check_names_the_file_and_line(tmp_path):
    sources = _fake_tree(tmp_path, {
        "dlbasics/__init__.py": "",
        "dlbasics/ok.py": "import numpy\nfrom dlbasics import ok\n",
        "dlbasics/bad.py": "import os\n\ndef f():\n    from nbformat import v4\n",
        "dlcourse/__init__.py": "import nbformat\n",
    })
    found = direction_violations(sources)
    assert len(found) == 1 and found[0].endswith("dlbasics/bad.py:4 imports nbformat")


# ---- the real tree


def test_dlbasics_never_imports_instructor_code_or_the_grading_stack():
    found = direction_violations(project_sources())
    assert not found, "dlbasics must not import these:\n" + "\n".join(found)


def test_no_import_cycles_among_the_project_modules():
    graph = import_graph(project_sources())
    assert len(graph) > 40  # every module was read
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" ⇄ ".join(c) for c in found)


def test_no_function_is_longer_than_a_screen():
    paths = [p for folder in ("lib", "benchmarks", "grading", "data")
             for p in sorted((ROOT / folder).rglob("*.py"))]
    found = long_functions(paths)
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines: {found}"


@pytest.mark.parametrize("module", ["dlcourse.cli", "dlcourse.katakana.scoring"])
def test_instructor_start_does_not_load_matplotlib(module):
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] " \
           "in ('matplotlib', 'nbgrader', 'nbconvert')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]", f"{module} loads {result.stdout.strip()}"


#: ``from dlcourse.x import y`` / ``import dlbasics.x`` written as text (code strings run in
#: subprocesses, shell scripts, docs), which the import graph above does not see.
TEXT_IMPORT = re.compile(r"\b(?:from|import)\s+((?:dlbasics|dlcourse)(?:\.\w+)*)")
TEXT_SOURCES = ("tests", "benchmarks", "grading", "docs", "lib", ".ci")
#: lines that name a module which must NOT exist (the bundle's leak checks plant them)
PLANTED = ("from dlcourse.grader import x",)


def unresolved_text_imports(root=ROOT):
    """[(file, line, module)] of module names written as text that do not resolve."""
    from importlib.util import find_spec
    found = []
    for folder in TEXT_SOURCES:
        for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else ():
            if path.suffix not in (".py", ".sh", ".md", ".cfg", ".toml") and path.name != "run":
                continue
            if path == Path(__file__).resolve():
                continue  # this file's fake trees name modules that do not exist
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(planted in line for planted in PLANTED):
                    continue
                for module in TEXT_IMPORT.findall(line):
                    try:
                        resolved = find_spec(module) is not None
                    except ModuleNotFoundError:
                        resolved = False
                    if not resolved:
                        found.append((str(path.relative_to(root)), number, module))
    return found


def test_a_module_name_in_a_code_string_that_no_longer_exists_is_found(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        'code = "from dlcourse.course import Course; from dlcourse.workspace import Course"\n')
    assert unresolved_text_imports(tmp_path) == [("tests/test_x.py", 1, "dlcourse.workspace")]


def test_module_names_written_as_text_exist():
    assert unresolved_text_imports() == []
