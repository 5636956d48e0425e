"""A notebook that is not valid JSON (or not a valid notebook) is graded as an empty one
(every test 0, the reason recorded) instead of failing the student."""

import json

import nbformat
from nbconvert.exporters import NotebookExporter

from dlcourse import grading_records
from dlcourse.grading_records import Incident
from dlcourse.preprocessors.grading_record import GradingRecord

__all__ = ["TolerantNotebookExporter"]


def _check_structure(nb):
    """Raise ValueError unless ``nb`` has the parts grading relies on."""
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise ValueError("the notebook has no list of cells")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise ValueError(f"cell {index + 1} is malformed")
        if not isinstance(cell.get("source", ""), str):
            raise ValueError(f"cell {index + 1} has no readable source")
        cell.setdefault("metadata", {})
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)


class TolerantNotebookExporter(NotebookExporter, GradingRecord):
    """Reads a corrupt notebook as an empty one marked unreadable (graded 0, explained)."""

    def from_file(self, file_stream, resources=None, **kw):
        try:
            text = file_stream.read()
            try:
                json.loads(text)
            except ValueError as exc:
                where = (f" at line {exc.lineno}, column {exc.colno}"
                         if isinstance(exc, json.JSONDecodeError) else "")
                raise ValueError(f"not valid JSON{where}") from None
            nb = nbformat.reads(text, as_version=4)
            _check_structure(nb)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong, the student gets 0
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
            nb.metadata["dlcourse"] = {"unreadable": reason}
            if resources and "nbgrader" in resources:
                self._record(grading_records.start_notebook, resources,
                             [Incident("corrupt", f"notebook could not be read ({reason})")])
        return self.from_notebook_node(nb, resources, **kw)
