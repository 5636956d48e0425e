"""``dlcourse demo`` (``make demo``): the instructor's week in a scratch course.

Release every assignment, hand in simulated submissions (the solution, the untouched
release, a partly right one, and hostile ones), autograde them in parallel, write the
feedback and the grades, and print the table.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from dlcourse import simulated_submissions as simulate
from dlcourse.autograde import autograde
from dlcourse.collect import place_submission
from dlcourse.course import Course
from dlcourse.feedback import missing_feedback
from dlcourse.grades_export import student_table, write_grade_reports
from dlcourse.nbgrader_runner import generate_feedback
from dlcourse.scratch_course import create_course

__all__ = ["DEMO_HOSTILE", "DemoFailed", "demo_problems", "run_demo", "submit_simulated"]

#: Hostile submissions of the demo (for the first assignment): quick to show.
DEMO_HOSTILE = ("endless-loop", "kernel-exit", "allclose-tampering", "corrupt-json")


def submit_simulated(course, assignment, student, content):
    """Hand in one simulated submission (a notebook, bytes, or a dict of files)."""
    filename = f"{assignment}.ipynb"
    if isinstance(content, nbformat.NotebookNode):
        files = {filename: nbformat.writes(content).encode("utf-8")}
    elif isinstance(content, dict):
        files = {name: (nbformat.writes(value).encode("utf-8")
                        if isinstance(value, nbformat.NotebookNode) else value)
                 for name, value in content.items()}
    else:
        files = {filename: content}
    place_submission(course, student, assignment, files)


def _notebook(folder, assignment):
    return nbformat.read(str(folder / assignment / f"{assignment}.ipynb"), as_version=4)


class DemoFailed(RuntimeError):
    """The demo ran, but what it shows is wrong (a solution below full marks, a grader
    error, hidden tests in feedback): the grader does not work on this machine."""


def demo_problems(report, rows, leaks, missing=()):
    """What went wrong in a demo run (empty when the grader worked)."""
    problems = [f"grader error for {student}: {error}" for student, error in report.grader_errors]
    for row in rows:
        if row.student == "solution" and (row.score != row.max_score or row.needs_attention):
            problems.append(f"the solution of {row.notebook} scored {row.score:g}/"
                            f"{row.max_score:g} ({row.status}); it must get full marks")
    problems += [f"hidden-test line in feedback {path}: {line}" for path, line in leaks]
    problems += [f"no feedback file for {name}" for name in missing]
    return problems


def run_demo(directory=None, assignments=None, workers=2, hostile=DEMO_HOSTILE, out=None,
             keep=False, source=None):
    """Run the demo on a scratch copy of ``source`` (default: the course found from the
    current folder, see :meth:`Course.find`); returns (course, report, rows). Prints as
    it goes."""
    out = out or sys.stdout
    source = source or Course.find()
    names = list(assignments or source.assignments())
    if not names:
        raise FileNotFoundError(f"no assignments in {source.source_dir}")
    scratch = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="dlcourse-demo-"))
    root = scratch / "course"
    if root.exists():
        shutil.rmtree(root)
    started = time.monotonic()

    def step(text):
        print(f"\n== {text}  [{time.monotonic() - started:.0f} s]", file=out, flush=True)

    step(f"release: {len(names)} assignments into a scratch course at {root}")
    course = create_course(root, names, source_dir=source.source_dir)
    step("submissions: solution, untouched release, partly right, and hostile ones")
    for assignment in names:
        solution = _notebook(course.source_dir, assignment)
        release = _notebook(course.release_dir, assignment)
        submit_simulated(course, assignment, "solution", solution)
        submit_simulated(course, assignment, "release", release)
        submit_simulated(course, assignment, "partial", simulate.partly_right(solution, release))
    first = names[0]
    solution = _notebook(course.source_dir, first)
    for kind in hostile:
        submit_simulated(course, first, kind, simulate.hostile(kind, solution, first))
    print(f"students: solution, release, partial (every assignment); "
          f"{', '.join(hostile)} ({first} only)", file=out)
    step(f"autograde with {workers} workers")
    report = autograde(course, workers=workers, out=out, progress=None)
    step("feedback")
    files, leaks = generate_feedback(course)
    print(f"{len(files)} feedback files in {course.feedback_dir}; hidden-test lines found in "
          f"them: {len(leaks)}", file=out)
    step("grades")
    rows = write_grade_reports(course)
    print(student_table(rows), file=out)
    print(f"\nCSV: {course.reports_dir / 'grades.csv'} (nbgrader's columns + status), "
          f"{course.reports_dir / 'notebooks.csv'} (per notebook)", file=out)
    if not keep and directory is None:
        print(f"(scratch course kept for inspection at {root}; delete it when done)", file=out)
    problems = demo_problems(report, rows, leaks,
                             missing_feedback(course.autograded_dir, course.feedback_dir))
    step("FAILED" if problems else "done")
    if problems:
        raise DemoFailed("the grader does not work as it should here:\n  - "
                         + "\n  - ".join(problems))
    return course, report, rows
