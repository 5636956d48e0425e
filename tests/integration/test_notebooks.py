"""The course notebooks, graded by nbgrader in a scratch course.

One scratch course holds every assignment. For each one, three kinds of student
submit: the solution (must score full marks), the untouched release (must score 0
without stopping the grader), and one student per plausible wrong answer listed in
tests/mutations/<assignment>.py (each must lose points), and one student per correct
alternative listed in ACCEPTED there (each must keep full marks). Everything is graded in one
parallel ``dlcourse autograde`` run (nbgrader's autograde in two worker processes).
"""

import io
import os
from pathlib import Path

import nbformat
import pytest

from dlcourse.autograde import autograde
from dlcourse.collect import place_submission
from dlcourse.course import Course, find_course_root
from dlcourse.nbgrader_runner import run_nbgrader
from dlcourse.release import release_differences
from dlcourse.scratch_course import create_course
from notebook_support import (
    ASSIGNMENTS,
    load_accepted,
    load_mutations,
    mutate,
    notebook_path,
    total,
)

#: Wrong answers graded per graded name (the first ones listed); DLCOURSE_ALL_MUTATIONS=1
#: grades every one (about twice the time). The brief asks for at least two per name.
MUTATIONS_PER_NAME = None if os.environ.get("DLCOURSE_ALL_MUTATIONS") else 3


def select_mutations(mutations):
    if MUTATIONS_PER_NAME is None:
        return mutations
    kept, seen = [], {}
    for mutation in mutations:
        seen[mutation["name"]] = seen.get(mutation["name"], 0) + 1
        if seen[mutation["name"]] <= MUTATIONS_PER_NAME:
            kept.append(mutation)
    return kept


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return create_course(tmp_path_factory.mktemp("course") / "course", ASSIGNMENTS)


@pytest.fixture(scope="module")
def graded(course):
    """Submit every assignment, autograde all at once.

    Returns {assignment: (mutations, accepted)}: the wrong answers and the correct
    alternatives submitted as ``mutantNN`` and ``acceptedNN``.
    """
    result = {}
    for assignment in ASSIGNMENTS:
        filename = f"{assignment}.ipynb"
        solution = nbformat.read(notebook_path(assignment, course.source_dir), as_version=4)
        place_submission(course, "solution", assignment, {filename: solution})
        place_submission(course, "release", assignment,
                      {filename: notebook_path(assignment, course.release_dir)})
        mutations = select_mutations(load_mutations(assignment))
        for index, mutation in enumerate(mutations):
            place_submission(course, f"mutant{index:02d}", assignment,
                          {filename: mutate(solution, mutation)})
        accepted = load_accepted(assignment)
        for index, alternative in enumerate(accepted):
            place_submission(course, f"accepted{index:02d}", assignment,
                             {filename: mutate(solution, alternative)})
        result[assignment] = mutations, accepted
    report = autograde(course, workers=2, out=io.StringIO())
    assert not report.grader_errors, report.grader_errors
    return result


def test_there_are_assignments():
    assert ASSIGNMENTS, "no assignments found under solutions/"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks(course, graded, assignment):
    score, max_score = total(course, assignment, "solution")
    assert max_score > 0, f"{assignment} has no graded cells"
    assert score == max_score, f"{assignment}: the solution scored {score}/{max_score}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(course, graded, assignment):
    score, max_score = total(course, assignment, "release")
    assert max_score > 0, f"{assignment}: the release was not graded"
    assert score == 0, f"{assignment}: the untouched release scored {score}/{max_score}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_name_has_two_caught_mutations(course, graded, assignment):
    mutations, _ = graded[assignment]
    survivors = []
    for index, mutation in enumerate(mutations):
        score, max_score = total(course, assignment, f"mutant{index:02d}")
        if not score < max_score:
            survivors.append(f"{mutation['name']}: {mutation['why']} ({score}/{max_score})")
    assert not survivors, f"{assignment}: wrong answers that kept full marks: {survivors}"
    counts = {}
    for mutation in mutations:
        counts[mutation["name"]] = counts.get(mutation["name"], 0) + 1
    assert counts and min(counts.values()) >= 2, (
        f"{assignment}: every graded name needs at least two wrong answers; have {counts}"
    )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_accepted_alternatives_score_full_marks(course, graded, assignment):
    _, accepted = graded[assignment]
    rejected = []
    for index, alternative in enumerate(accepted):
        score, max_score = total(course, assignment, f"accepted{index:02d}")
        if score != max_score:
            rejected.append(f"{alternative['name']}: {alternative['why']} ({score}/{max_score})")
    assert not rejected, f"{assignment}: correct alternatives that lost points: {rejected}"


def test_committed_release_is_what_generation_gives():
    root = find_course_root(start=Path(__file__).parent)
    problems = release_differences(Course(root, root / "grading"))
    assert not problems, "stale release:\n" + "\n".join(problems)


def test_feedback_of_every_notebook_shows_no_hidden_test(course, graded):
    from dlcourse.feedback import feedback_files, leaked_lines

    for student in ("solution", "release"):
        run_nbgrader(course, "generate_feedback", "*", "--student", student, "--force")
    files = [f for name in ASSIGNMENTS for f in feedback_files(course.feedback_dir, name)]
    assert len(files) >= 2 * len(ASSIGNMENTS), files
    leaks = leaked_lines(course.feedback_dir, course.source_dir, ASSIGNMENTS)
    assert not leaks, leaks[:10]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_wrong_and_accepted_answers_apply_to_the_solution(assignment):
    """Fast: every listed answer names its cell, says why, and edits the solution once."""
    solution = nbformat.read(notebook_path(assignment), as_version=4)
    for entry in load_mutations(assignment) + load_accepted(assignment):
        assert {"name", "cell", "why", "old", "new"} <= entry.keys(), entry
        mutate(solution, entry)
