"""Static checks of a submission before it runs: tampering with the grader's tools.

Two kinds of answer code are flagged, because either makes a passing test meaningless:

- changing an imported module (``np.allclose = lambda *a, **k: True``,
  ``numpy.testing.assert_allclose = ...``, ``setattr(checks, ...)``,
  ``builtins.print = ...``, ``sys.modules[...] = ...``);
- taking the graded name from the course library (``from dlbasics.layers import Affine``
  where ``Affine`` is what the exercise asks to write).

Only cells the student can edit are checked (answer cells and cells they added); the
instructor's locked cells are restored from the source before this runs.
"""

import ast
from dataclasses import dataclass, field

__all__ = ["Finding", "graded_names", "find_tampering", "python_source"]

#: Names whose attributes no answer may change, besides imported modules.
ALWAYS_PROTECTED = {"__builtins__", "builtins"}
#: Attribute names through which a module's namespace is changed by subscription.
NAMESPACE_ATTRIBUTES = {"__dict__", "modules"}


@dataclass
class Finding:
    """One act of tampering found in a cell.

    - cell_index: index of the offending cell in the notebook.
    - cell_name: its grade id, or ``cell N``.
    - detail: what it does, for the instructor (``reassigns np.allclose``).
    - names: the graded names it replaces (empty: it changes a module, which affects
      every test after it).
    """

    cell_index: int
    cell_name: str
    detail: str
    names: set = field(default_factory=set)


def python_source(cell_source):
    """The cell's code with IPython syntax (``%magic``, ``!cmd``) turned into Python."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return cell_source
    try:
        return TransformerManager().transform_cell(cell_source)
    except Exception:  # noqa: BLE001 - a cell IPython cannot parse is left to the kernel
        return cell_source


def _parse(source):
    try:
        return ast.parse(python_source(source))
    except (SyntaxError, ValueError):
        return None


def graded_names(solution_sources):
    """Functions and classes that the given solution cells define (top level)."""
    names = set()
    for source in solution_sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
    return names


def _imported_names(trees):
    """Names bound by import statements anywhere in the notebook."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.add(alias.asname or alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name != "*":
                        names.add(alias.asname or alias.name)
    return names


def _chain(node):
    """(root, attributes) of ``a.b[c].d``: root node and the attribute names on the way."""
    attributes = []
    while True:
        if _is_import_call(node):
            return node, attributes[::-1]
        if isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and not attributes:
            node = node.func
        else:
            return node, attributes[::-1]


def _is_import_call(node):
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "__import__")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"))


def _text(node):
    try:
        return ast.unparse(node)
    except Exception:  # noqa: BLE001
        return "?"


def _protected_root(node, protected):
    """True when ``node`` (an expression) starts at an imported or built-in namespace."""
    root, _ = _chain(node)
    if _is_import_call(root):
        return True
    return isinstance(root, ast.Name) and root.id in protected


def _changed_namespace(target, protected):
    """What an assignment target changes in a protected namespace, or None."""
    if isinstance(target, ast.Attribute) and _protected_root(target.value, protected):
        return _text(target)
    if isinstance(target, ast.Subscript):
        root, attributes = _chain(target.value)
        root_name = root.id if isinstance(root, ast.Name) else None
        if ((root_name in ALWAYS_PROTECTED or _is_import_call(root)
             or (root_name in protected and NAMESPACE_ATTRIBUTES & set(attributes)))):
            return _text(target)
    if isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            found = _changed_namespace(element, protected)
            if found:
                return found
    return None


def _targets(node):
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return node.targets
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return [node.target]
    if isinstance(node, ast.NamedExpr):
        return [node.target]
    return []


def _library_module(name):
    return name == "dlbasics" or name.startswith("dlbasics.")


def _cell_findings(tree, protected, library_aliases, names):
    """Yield (detail, replaced graded names) for one student cell."""
    for node in ast.walk(tree):
        for target in _targets(node):
            changed = _changed_namespace(target, protected)
            if changed:
                verb = "deletes" if isinstance(node, ast.Delete) else "reassigns"
                yield f"{verb} {changed}", set()
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr") and node.args
                and _protected_root(node.args[0], protected)):
            yield f"calls {node.func.id}({_text(node.args[0])}, ...)", set()
        if isinstance(node, ast.ImportFrom) and node.module and _library_module(node.module):
            taken = {alias.name for alias in node.names if alias.name in names}
            taken |= {alias.asname for alias in node.names if alias.asname in names}
            if taken:
                yield (f"imports {', '.join(sorted(taken))} from {node.module} instead of "
                       "writing it", taken)
        if isinstance(node, ast.Assign):
            bound = {t.id for t in node.targets if isinstance(t, ast.Name)} & names
            root, _ = _chain(node.value)
            if bound and isinstance(root, ast.Name) and root.id in library_aliases:
                yield (f"binds {', '.join(sorted(bound))} to {_text(node.value)} from the "
                       "course library", bound)


def find_tampering(cells, names):
    """Tampering in the editable cells of a notebook.

    Inputs:
    - cells: list of ``(source, editable, cell_name)`` for the notebook's code cells, in
      order, with ``editable`` False for the instructor's locked cells.
    - names: the graded names (see :func:`graded_names`).

    Returns:
    - list of :class:`Finding`.
    """
    trees = [(_parse(source), editable, name) for source, editable, name in cells]
    protected = _imported_names(tree for tree, _, _ in trees if tree is not None)
    protected |= ALWAYS_PROTECTED
    library_aliases = set()
    for tree, _, _ in trees:
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.Import):
                library_aliases |= {a.asname or a.name.split(".")[0] for a in node.names
                                    if _library_module(a.name)}
            elif isinstance(node, ast.ImportFrom) and node.module and \
                    _library_module(node.module):
                library_aliases |= {a.asname or a.name for a in node.names}
    findings = []
    for index, (tree, editable, cell_name) in enumerate(trees):
        if tree is None or not editable:
            continue
        for detail, replaced in _cell_findings(tree, protected, library_aliases, set(names)):
            findings.append(Finding(index, cell_name, detail, replaced))
    return findings
