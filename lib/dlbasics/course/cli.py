"""``dlcourse``: the instructor's command line (only what stock nbgrader lacks)."""

import argparse
import sys

from dlbasics.course import release as release_mod
from dlbasics.course.workspace import Course, NbgraderError

__all__ = ["main"]


def _cmd_release(args):
    course = Course.repository()
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


def build_parser():
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate notebooks/ from solutions/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--check", action="store_true",
                   help="only check that the committed release is current (exit 1 if not)")
    p.set_defaults(func=_cmd_release)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (NbgraderError, FileNotFoundError, ValueError) as exc:
        print(f"dlcourse {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
