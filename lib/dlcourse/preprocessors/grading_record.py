"""What every course preprocessor shares: where the grading records go, and cell helpers."""

from pathlib import Path

import nbformat
from traitlets import Unicode
from traitlets.config import LoggingConfigurable

__all__ = ["GradingRecord", "error_output", "unreadable_reason", "cell_name"]


class GradingRecord(LoggingConfigurable):
    """Where the grading records go (``grading/status``) and where the sources are."""

    status_dir = Unicode("", help="folder of the per-submission grading records").tag(
        config=True)
    source_dir = Unicode("", help="nbgrader's source folder (the solutions)").tag(config=True)

    def _ids(self, resources):
        info = resources["nbgrader"]
        return info["assignment"], info["student"], info["notebook"]

    def _record(self, function, resources, *args):
        if self.status_dir:
            assignment, student, notebook = self._ids(resources)
            function(self.status_dir, assignment, student, notebook, *args)

    def _source_order(self, assignment, notebook):
        """grade ids of the source notebook in order ([] when it cannot be read)."""
        if not self.source_dir:
            return []
        path = Path(self.source_dir) / assignment / f"{notebook}.ipynb"
        try:
            nb = nbformat.read(str(path), as_version=4)
        except (OSError, ValueError):
            return []
        return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def error_output(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=[f"{ename}: {evalue}"])


def unreadable_reason(nb):
    return nb.get("metadata", {}).get("dlcourse", {}).get("unreadable")


def cell_name(cell, index):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"
