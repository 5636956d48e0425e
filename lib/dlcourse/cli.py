"""``dlcourse``: the instructor's command line (only what stock nbgrader lacks).

Every command works on one course: the folder given with ``--course DIR``, else
``$DLCOURSE_ROOT``, else the nearest folder at or above the current one that holds
``grading/nbgrader_config.py`` (``grading/`` beside ``solutions/`` and ``notebooks/``).
Stock nbgrader commands keep working from ``grading/``.
"""

import argparse
import shutil
import sys

from dlcourse import bundle as bundle_mod
from dlcourse import hub as hub_mod
from dlcourse import release as release_mod
from dlcourse.collect import CollectError, collect
from dlcourse.course import Course
from dlcourse.katakana import cli as katakana_cli
from dlcourse.nbgrader_runner import NbgraderError

__all__ = ["main", "build_parser"]


def _cmd_release(args):
    course = Course.find(args.course)
    if args.check:
        problems = release_mod.release_differences(course, args.assignments or None)
        if problems:
            print("The committed release is stale; run `dlcourse release` (or `make release`):")
            for line in problems:
                print(f"  - {line}")
            return 1
        print(f"release is current ({len(args.assignments or course.assignments())} assignments)")
        return 0
    names = release_mod.release(course, args.assignments or None)
    print(f"released {len(names)} assignments into {course.release_dir}: {', '.join(names)}")
    return 0


def _cmd_collect(args):
    course = Course.find(args.course)
    imported = collect(course, args.path, assignment=args.assignment, replace=args.replace,
                       **({"regexp": args.regexp} if args.regexp else {}))
    for submission in imported:
        files = ", ".join(sorted(submission.files))
        print(f"{submission.student:<20} {submission.assignment:<20} {files}")
    students = len({s.student for s in imported})
    print(f"collected {len(imported)} submissions of {students} students into "
          f"{course.submitted_dir}")
    return 0


def _cmd_autograde(args):
    from dlcourse.autograde import GraderError, autograde

    course = Course.find(args.course)
    try:
        report = autograde(course, args.assignments or None, args.student or None,
                           workers=args.workers, progress=not args.no_progress,
                           unsafe=args.unsafe_no_sandbox)
    except GraderError as exc:
        print(f"dlcourse autograde: {exc}", file=sys.stderr)
        return 2
    print(f"grading records: {course.status_dir}; logs: {course.logs_dir}")
    return 1 if report.grader_errors else 0


def _cmd_feedback(args):
    from dlcourse.feedback import missing_feedback
    from dlcourse.nbgrader_runner import generate_feedback

    course = Course.find(args.course)
    files, leaks = generate_feedback(course, args.assignments or None)
    print(f"wrote {len(files)} feedback files under {course.feedback_dir}")
    missing = missing_feedback(course.autograded_dir, course.feedback_dir,
                               args.assignments or None)
    if missing:
        print(f"no feedback file for {len(missing)} autograded notebooks: "
              f"{', '.join(missing)}", file=sys.stderr)
        return 1
    if leaks:
        print("hidden-test lines found in feedback (do not release these files):",
              file=sys.stderr)
        for path, line in leaks:
            print(f"  {path}: {line}", file=sys.stderr)
        return 1
    print("checked: no hidden-test line in any feedback file")
    return 0


def _cmd_grades(args):
    from dlcourse.grades_export import format_table, write_grade_reports

    course = Course.find(args.course)
    rows = write_grade_reports(course, args.assignments or None)
    print(format_table(rows, width=shutil.get_terminal_size((160, 24)).columns))
    attention = sum(row.needs_attention for row in rows)
    print(f"\n{len(rows)} notebooks, {attention} need attention. CSV: "
          f"{course.reports_dir / 'grades.csv'} (nbgrader's columns + status), "
          f"{course.reports_dir / 'notebooks.csv'} (per notebook)")
    return 0


def _cmd_demo(args):
    from dlcourse.autograde import GraderError
    from dlcourse.demo import DemoFailed, run_demo

    try:
        run_demo(directory=args.dir, assignments=args.assignments or None,
                 workers=args.workers, source=Course.find(args.course))
    except GraderError as exc:
        print(f"dlcourse demo: {exc}", file=sys.stderr)
        return 2
    except DemoFailed as exc:
        print(f"dlcourse demo: FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", metavar="DIR",
                        help="the course root, holding grading/nbgrader_config.py (default: "
                             "$DLCOURSE_ROOT, else the current folder or a parent)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate notebooks/ from solutions/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--check", action="store_true",
                   help="only check that the committed release is current (exit 1 if not)")
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("collect", help="import submissions from a folder or an LMS zip")
    p.add_argument("path", help="folder of student folders, or a .zip")
    p.add_argument("--assignment", help="the assignment (default: from notebook names)")
    p.add_argument("--replace", action="store_true",
                   help="replace submissions already collected for the same students")
    p.add_argument("--regexp", help="file name pattern of flat LMS files (named groups "
                   "student_id, file_id, optional timestamp)")
    p.set_defaults(func=_cmd_collect)

    p = sub.add_parser("autograde", help="autograde in parallel, crash-proof")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all submitted)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it goes to stderr; result lines go to stdout)")
    p.add_argument("--unsafe-no-sandbox", action="store_true",
                   help="grade WITHOUT the bubblewrap sandbox (student code can read and change "
                   "what you can); only when bwrap cannot run and the submissions are trusted; "
                   "every grading record says so")
    p.set_defaults(func=_cmd_autograde)

    p = sub.add_parser("feedback", help="feedback HTML without hidden tests")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all graded)")
    p.set_defaults(func=_cmd_feedback)

    p = sub.add_parser("grades", help="grades CSV and a per-notebook table with status")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.set_defaults(func=_cmd_grades)

    p = sub.add_parser("demo", help="the whole week in a scratch course (make demo)")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--dir", help="where to build the scratch course (default: a temp folder)")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=_cmd_demo)
    katakana_cli.add_parser(sub)
    bundle_mod.add_parser(sub)
    hub_mod.add_parser(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        parser.error("--workers must be at least 1")
    try:
        return args.func(args)
    except CollectError as exc:
        print(f"dlcourse {args.command}: nothing collected: {exc}", file=sys.stderr)
        return 2
    except (NbgraderError, FileNotFoundError, ValueError) as exc:
        print(f"dlcourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
