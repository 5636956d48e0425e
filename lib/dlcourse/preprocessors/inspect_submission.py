"""First step of autograding: start the grading record; note deleted, duplicated and
edited test cells (which nbgrader then restores from the gradebook)."""

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from dlcourse import grading_records
from dlcourse.grading_records import Incident
from dlcourse.preprocessors.grading_record import GradingRecord, unreadable_reason

__all__ = ["InspectSubmission"]


def _comparable(source):
    """A locked cell's code as released: hidden tests removed, blank lines ignored."""
    lines, hidden = [], False
    for line in source.splitlines():
        text = line.rstrip()
        if text.strip().startswith("### BEGIN HIDDEN TESTS"):
            hidden = True
        elif text.strip().startswith("### END HIDDEN TESTS"):
            hidden = False
        elif not hidden and text.strip():
            lines.append(text)
    return "\n".join(lines)


class InspectSubmission(NbGraderPreprocessor, GradingRecord):
    """Start the grading record; note deleted, duplicated and edited locked cells."""

    def preprocess(self, nb, resources):
        if unreadable_reason(nb):
            return nb, resources
        self._record(grading_records.start_notebook, resources, [])
        assignment, _, notebook = self._ids(resources)
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(notebook, assignment)
            except MissingEntry:
                return nb, resources
            grade_names = {cell.name for cell in source_nb.grade_cells}
            solution_names = {cell.name for cell in source_nb.solution_cells}
            locked_sources = {cell.name: cell.source for cell in source_nb.source_cells
                              if cell.locked}
        counts = {}
        incidents = []
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if not grade_id:
                continue
            counts[grade_id] = counts.get(grade_id, 0) + 1
            original = locked_sources.get(grade_id)
            if (original is not None and counts[grade_id] == 1
                    and _comparable(cell.source) != _comparable(original)):
                kind = "test cell" if grade_id in grade_names else "locked cell"
                incidents.append(Incident(
                    "edited-cell", f"{kind} {grade_id} was edited (restored from the source)",
                    grade_id))
        for name in sorted(grade_names - solution_names):
            if name not in counts:
                incidents.append(Incident(
                    "deleted-cell", f"test cell {name} was deleted (restored from the source)",
                    name))
        for name, count in sorted(counts.items()):
            if count > 1:
                incidents.append(Incident(
                    "duplicated-cell",
                    f"cell {name} appears {count} times (only the last copy is graded)", name))
        self._record(grading_records.add_incidents, resources, incidents)
        return nb, resources
