"""Simulated submissions: right, wrong, partial and hostile, for the demo, tests and benchmark.

Every function takes the solution notebook (``nbformat`` node) and returns what a
student would hand in: a notebook, ``bytes`` (a corrupt file) or a dict of file names
(a folder without the expected notebook).
"""

import copy
import importlib
import pkgutil
from pathlib import Path

import nbformat

from dlcourse import tampering

__all__ = ["HOSTILE_CODE", "answer_cells", "test_cells", "partly_right", "untouched_release",
           "hostile", "hostile_kinds", "library_replacement", "write_toy_assignment"]

#: Code that replaces the last answer cell of a hostile submission.
HOSTILE_CODE = {
    "endless-loop": "while True:\n    pass",
    "ignores-interrupt": ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                          "while True:\n    pass"),
    "kernel-exit": "import os\nos._exit(1)",
    "segfault": "import ctypes\nctypes.string_at(0)",
    "memory-hog": "_blocks = []\nwhile True:\n    _blocks.append(bytearray(64 * 2**20))",
    "output-flood": "for _line in range(1_000_000):\n    print(_line)",
}


def _copy(nb):
    return nbformat.from_dict(copy.deepcopy(nb))


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(nb):
    """Indices of the autograded answer cells (code, ``solution``, not graded)."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and _meta(c).get("solution") and not _meta(c).get("grade")]


def test_cells(nb):
    """Indices of the graded test cells."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and _meta(c).get("grade") and not _meta(c).get("solution")]


def untouched_release(release_nb):
    return _copy(release_nb)


def partly_right(solution_nb, release_nb):
    """The first half of the answers solved (at least one), the rest left as released."""
    nb = _copy(solution_nb)
    answers = answer_cells(nb)
    released = {_meta(c).get("grade_id"): c.source for c in release_nb.cells if _meta(c)}
    keep = max(1, len(answers) // 2)
    for index in answers[keep:]:
        grade_id = _meta(nb.cells[index]).get("grade_id")
        nb.cells[index].source = released.get(grade_id, nb.cells[index].source)
    return nb


def _library_names():
    """{name: module} of the public names of the course library's modules."""
    import dlbasics

    names = {}
    for info in pkgutil.iter_modules(dlbasics.__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"dlbasics.{info.name}")
        for name in getattr(module, "__all__", []):
            names.setdefault(name, module.__name__)
    return names


def library_replacement(solution_nb):
    """(answer cell index, code) importing a graded name from dlbasics, or None."""
    library = _library_names()
    for index in answer_cells(solution_nb):
        for name in sorted(tampering.graded_names([solution_nb.cells[index].source])):
            if name in library:
                return index, f"from {library[name]} import {name}  # noqa: F401"
    return None


def hostile_kinds(solution_nb):
    """The hostile submissions that can be made from this notebook."""
    kinds = list(HOSTILE_CODE) + ["corrupt-json", "missing-notebook", "deleted-test",
                                  "edited-test", "duplicated-cell", "allclose-tampering"]
    if library_replacement(solution_nb) is not None:
        kinds.append("library-import")
    return kinds


def hostile(kind, solution_nb, notebook_name):
    """A hostile submission of ``kind`` (see :func:`hostile_kinds`).

    Returns a notebook, ``bytes`` (corrupt file) or ``{file name: content}`` (a folder
    without the expected notebook).
    """
    nb = _copy(solution_nb)
    answers = answer_cells(nb)
    tests = test_cells(nb)
    if kind in HOSTILE_CODE:
        nb.cells[answers[-1]].source = HOSTILE_CODE[kind]
    elif kind == "corrupt-json":
        return nbformat.writes(nb).encode("utf-8")[: 200] + b"\n<<< truncated upload"
    elif kind == "missing-notebook":
        return {f"{notebook_name}-copy.ipynb": nb, "notes.txt": b"see attached\n"}
    elif kind == "deleted-test":
        del nb.cells[tests[0]]
    elif kind == "edited-test":
        nb.cells[tests[0]].source = "# the check was removed\npass"
    elif kind == "duplicated-cell":
        nb.cells.insert(tests[0] + 1, copy.deepcopy(nb.cells[tests[0]]))
        nb.cells[tests[0] + 1]["id"] = nb.cells[tests[0]].get("id", "cell") + "-copy"
    elif kind == "allclose-tampering":
        nb.cells[answers[0]].source += "\n\nnp.allclose = lambda *a, **k: True\n"
    elif kind == "library-import":
        index, code = library_replacement(nb)
        nb.cells[index].source = code
    else:
        raise ValueError(f"unknown hostile submission {kind!r}; known: "
                         f"{', '.join(hostile_kinds(solution_nb))}")
    return nb


def write_toy_assignment(source_dir, name="00_toy"):
    """A small assignment (two exercises, visible and hidden tests) for tests and benchmarks.

    ``sigmoid`` (4 points) then ``double`` (2 points); ``sigmoid`` is also in
    ``dlbasics.functions``, so importing it instead of writing it can be tried.
    Returns the notebook path.
    """
    from dlcourse import authoring as a

    cells = [
        a.markdown("# Toy assignment\n\nTwo small exercises.", grade_id="intro"),
        a.code("import numpy as np", grade_id="imports"),
        a.answer("answer_sigmoid", "def sigmoid(x):\n    ### BEGIN SOLUTION\n"
                 "    return 1.0 / (1.0 + np.exp(-x))\n    ### END SOLUTION"),
        a.tests("check_sigmoid", "assert np.allclose(sigmoid(np.array([0.0])), [0.5]), "
                "'sigmoid(0) must be 0.5'", 2),
        a.tests("hidden_sigmoid", "# hidden tests run when grading\n### BEGIN HIDDEN TESTS\n"
                "assert sigmoid.__module__ == '__main__', 'write sigmoid in this notebook'\n"
                "_hidden_points = np.linspace(-5.0, 5.0, 11)\n"
                "assert np.allclose(sigmoid(_hidden_points), "
                "1.0 / (1.0 + np.exp(-_hidden_points))), 'sigmoid is wrong'\n"
                "### END HIDDEN TESTS", 2),
        a.answer("answer_double", "def double(x):\n    ### BEGIN SOLUTION\n"
                 "    return 2 * x\n    ### END SOLUTION"),
        a.tests("check_double", "assert double(3) == 6, 'double(3) must be 6'", 1),
        a.tests("hidden_double", "### BEGIN HIDDEN TESTS\n"
                "assert double(-2.5) == -5.0, 'double(-2.5) must be -5.0'\n"
                "### END HIDDEN TESTS", 1),
    ]
    folder = Path(source_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    a.write_notebook(a.new_notebook(cells), path)
    return path
