"""Marker text in cells a student wrote never breaks grading or feedback.

nbgrader finds its regions by plain text: ``ClearHiddenTests`` (feedback) looks for any
line containing ``BEGIN HIDDEN TESTS`` / ``END HIDDEN TESTS``, ``ClearSolutions``
(release) for ``BEGIN SOLUTION`` / ``END SOLUTION``. A student's comment or string that
merely mentions one (``# BEGIN HIDDEN TESTS`` without an end) made ``generate_feedback``
raise "No end hidden tests statement found", and that student got no feedback; an
``END HIDDEN TESTS`` alone silently dropped the line.

:class:`NeutraliseMarkers` inserts a zero-width space after the first word of each
marker (``BEGIN\\u200b HIDDEN TESTS``) in the cells the student wrote: answer cells and
cells without nbgrader metadata (code and Markdown). The text reads the same; nbgrader
no longer matches it. The instructor's locked cells keep their markers. It runs after
execution in autograde (the student's code ran as written) and again before
``ClearHiddenTests`` in feedback.
"""

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_locked

__all__ = ["MARKERS", "ZERO_WIDTH_SPACE", "neutralise", "student_wrote", "NeutraliseMarkers"]

MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION")
ZERO_WIDTH_SPACE = "\u200b"


def neutralise(text):
    """``text`` with every marker broken by a zero-width space after its first word."""
    for marker in MARKERS:
        first, rest = marker.split(" ", 1)
        text = text.replace(marker, f"{first}{ZERO_WIDTH_SPACE} {rest}")
    return text


def student_wrote(cell):
    """An answer cell, or a cell the instructor did not lock (one the student added).
    Locked cells are restored from the source before grading, so their markers are real."""
    return not is_locked(cell)


class NeutraliseMarkers(NbGraderPreprocessor):
    """Break nbgrader's marker text in the cells the student wrote."""

    def preprocess_cell(self, cell, resources, index):
        if student_wrote(cell) and isinstance(cell.get("source"), str):
            cell.source = neutralise(cell.source)
        return cell, resources
