"""Stock sequential ``nbgrader autograde`` against ``dlcourse autograde --workers 2``.

Makes N simulated full-course submissions (every assignment of ``solutions/``; students
alternate between the solution and a partly right notebook) in a scratch course, then
grades the same set twice in one run:

1. stock nbgrader, one process, sequential: ``nbgrader autograde "*" --create --force``
   (with the course's nbgrader_config.py, so the same kernels and the same checks);
2. ``dlcourse autograde --workers 2`` (:func:`dlcourse.autograde.autograde`).

Prints both times, their ratio and the time per full-course submission, and checks
that both runs gave every student the same scores.

    .venv/bin/python benchmarks/bench_autograde.py [--students N] [--workers 2]
"""

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from dlcourse import simulated_submissions as simulate
from dlcourse.autograde import autograde, clear_grading_state
from dlcourse.course import Course
from dlcourse.demo import submit_simulated
from dlcourse.nbgrader_runner import run_nbgrader
from dlcourse.scratch_course import create_course


def scores(course):
    """{(student, assignment): score} from the gradebook."""
    result = {}
    with Gradebook(course.gradebook_url()) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                result[(submission.student.id, assignment.name)] = submission.score
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=4,
                        help="simulated full-course submissions (default 4)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignments", nargs="*", help="default: every assignment")
    parser.add_argument("--dir", help="scratch folder (default: a temporary one, removed)")
    args = parser.parse_args(argv)

    names = args.assignments or Course.find().assignments()
    scratch = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    try:
        started = time.monotonic()
        course = create_course(scratch / "course", names)
        print(f"scratch course with {len(names)} assignments: {', '.join(names)} "
              f"({time.monotonic() - started:.1f} s to release)")
        for assignment in names:
            path = course.source_dir / assignment / f"{assignment}.ipynb"
            solution = nbformat.read(str(path), as_version=4)
            release = nbformat.read(str(course.release_dir / assignment / path.name),
                                    as_version=4)
            for index in range(args.students):
                notebook = (solution if index % 2 == 0
                            else simulate.partly_right(solution, release))
                submit_simulated(course, assignment, f"student{index:02d}", notebook)
        print(f"{args.students} simulated full-course submissions "
              f"({args.students * len(names)} notebooks)")

        started = time.monotonic()
        run_nbgrader(course, "autograde", "*", "--create", "--force")
        sequential = time.monotonic() - started
        stock_scores = scores(course)
        print(f"stock nbgrader autograde (sequential): {sequential:.1f} s")

        clear_grading_state(course)
        started = time.monotonic()
        report = autograde(course, workers=args.workers, out=io.StringIO())
        parallel = time.monotonic() - started
        print(f"dlcourse autograde --workers {args.workers}: {parallel:.1f} s")

        if report.grader_errors:
            print(f"grader errors: {report.grader_errors}", file=sys.stderr)
            return 1
        if scores(course) != stock_scores:
            print("the two runs gave different scores", file=sys.stderr)
            return 1
        per_submission = parallel / args.students
        print(f"speed-up: {sequential / parallel:.2f}x; per full-course submission: "
              f"{sequential / args.students:.1f} s sequential, {per_submission:.1f} s with "
              f"{args.workers} workers; same scores in both runs")
        return 0
    finally:
        if not args.dir:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
