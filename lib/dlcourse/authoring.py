"""Build nbgrader source notebooks from Python: cells with the right metadata.

The solution notebooks in ``solutions/`` are the source of truth; this module is a
convenience for writing them (and for the tests that make altered copies). In
JupyterLab the same cells are made with nbgrader's "Create Assignment" toolbar.

Cell kinds:
- :func:`markdown`, :func:`code`: ordinary cells (explanations, demos, plots).
- :func:`answer`: an autograded answer cell (``### BEGIN SOLUTION`` ... ``### END SOLUTION``).
- :func:`tests`: a locked, graded test cell (visible checks, optionally followed by
  ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``).
"""

import copy

import nbformat

__all__ = ["markdown", "code", "answer", "tests", "new_notebook", "write_notebook",
           "replace_cell_source", "find_cell"]

SCHEMA_VERSION = 3


def _nbgrader_meta(grade_id, *, grade, solution, locked, points=None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return meta


def markdown(source, grade_id=None):
    """An explanation cell (locked when given a ``grade_id``, so trainees keep it)."""
    cell = nbformat.v4.new_markdown_cell(source.strip("\n"))
    if grade_id:
        cell.metadata["nbgrader"] = _nbgrader_meta(grade_id, grade=False, solution=False,
                                                   locked=True)
    return cell


def code(source, grade_id=None):
    """An ordinary code cell (locked when given a ``grade_id``)."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if grade_id:
        cell.metadata["nbgrader"] = _nbgrader_meta(grade_id, grade=False, solution=False,
                                                   locked=True)
    return cell


def answer(grade_id, source):
    """An autograded answer cell; ``source`` must contain the solution markers."""
    text = source.strip("\n")
    if "### BEGIN SOLUTION" not in text or "### END SOLUTION" not in text:
        raise ValueError(f"answer cell {grade_id!r} needs ### BEGIN/END SOLUTION markers")
    cell = nbformat.v4.new_code_cell(text)
    cell.metadata["nbgrader"] = _nbgrader_meta(grade_id, grade=False, solution=True,
                                               locked=False)
    return cell


def tests(grade_id, source, points):
    """A locked, graded test cell worth ``points``."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.metadata["nbgrader"] = _nbgrader_meta(grade_id, grade=True, solution=False,
                                               locked=True, points=points)
    return cell


def new_notebook(cells):
    """A notebook with the course's kernel and language metadata."""
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_notebook(nb, path):
    """Validate and write ``nb`` to ``path``, with stable cell ids from the grade ids."""
    for index, cell in enumerate(nb.cells):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        cell["id"] = (grade_id or f"cell-{index:03d}").replace("_", "-")[:64]
    nbformat.validate(nb)
    nbformat.write(nb, str(path))


def find_cell(nb, grade_id):
    """The cell with nbgrader ``grade_id`` (KeyError naming the ids present otherwise)."""
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    present = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
               if "nbgrader" in c.get("metadata", {})]
    raise KeyError(f"no cell with grade_id {grade_id!r}; present: {present}")


def replace_cell_source(nb, grade_id, source):
    """Return a copy of ``nb`` whose cell ``grade_id`` has a new ``source``."""
    altered = copy.deepcopy(nb)
    find_cell(altered, grade_id)["source"] = source.strip("\n")
    return altered
