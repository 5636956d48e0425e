"""Shared machinery of the notebook tests: scratch courses, mutations, scores."""

import os
from pathlib import Path

import nbformat

from dlcourse.authoring import find_cell
from dlcourse.course import assignments, find_course_root
from dlcourse.gradebook import submission_scores
from module_support import load_module

MUTATIONS_DIR = Path(__file__).resolve().parents[1] / "mutations"

__all__ = ["ASSIGNMENTS", "load_accepted", "load_mutations", "mutate", "notebook_path",
           "total"]

SOLUTIONS_DIR = find_course_root(start=Path(__file__).parent) / "solutions"


def _selected_assignments():
    """Every assignment, or those named in $DLCOURSE_NOTEBOOKS (comma-separated
    prefixes such as ``01,09``: for grading a few notebooks while editing them)."""
    names = assignments(SOLUTIONS_DIR)
    wanted = [w.strip() for w in os.environ.get("DLCOURSE_NOTEBOOKS", "").split(",") if w.strip()]
    if not wanted:
        return names
    return [name for name in names if any(name.startswith(w) for w in wanted)]


ASSIGNMENTS = _selected_assignments()


def notebook_path(assignment, root=SOLUTIONS_DIR):
    """The one notebook of an assignment folder."""
    return Path(root) / assignment / f"{assignment}.ipynb"


def _load_list(assignment, list_name):
    path = MUTATIONS_DIR / f"{assignment}.py"
    if not path.exists():
        return []
    return list(getattr(load_module(path, f"mutations_{assignment}"), list_name, []))


def load_mutations(assignment):
    """The MUTATIONS list (wrong answers) of ``tests/mutations/<assignment>.py``."""
    return _load_list(assignment, "MUTATIONS")


def load_accepted(assignment):
    """The ACCEPTED list (correct alternatives, same dict shape as MUTATIONS)."""
    return _load_list(assignment, "ACCEPTED")


def mutate(solution_nb, mutation):
    """A copy of the solution notebook with one answer cell altered.

    ``mutation``: dict with ``cell`` (grade id), ``old`` (text that must occur exactly
    once in that cell) and ``new`` (its replacement).
    """
    nb = nbformat.from_dict(solution_nb)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    cell = find_cell(nb, mutation["cell"])
    count = cell.source.count(mutation["old"])
    if count != 1:
        raise AssertionError(
            f"mutation {mutation['why']!r}: its 'old' text occurs {count} times in cell "
            f"{mutation['cell']!r} (must be exactly once)"
        )
    cell.source = cell.source.replace(mutation["old"], mutation["new"])
    return nb


def total(course, assignment, student):
    """(score, max_score) of a student's submission, summed over graded cells."""
    cells = submission_scores(course.gradebook_url(), assignment, student)
    return sum(c.score for c in cells), sum(c.max_score for c in cells)
