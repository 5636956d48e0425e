"""Reading scores out of nbgrader's gradebook."""

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

__all__ = ["CellScore", "submission_scores"]


@dataclass(frozen=True)
class CellScore:
    """The score of one graded cell of one submitted notebook."""

    notebook: str
    grade_id: str
    score: float
    max_score: float


def submission_scores(db_url, assignment, student):
    """Scores of every graded cell of a student's submission.

    Returns:
    - list of :class:`CellScore` (empty when the submission is not in the gradebook).
    """
    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return []
        return [
            CellScore(nb.name, grade.name, float(grade.score), float(grade.max_score))
            for nb in submission.notebooks
            for grade in nb.grades
        ]
