"""``dlcourse katakana score|leaderboard|serve|users``: the katakana project's scoring."""

import sys

from dlcourse import katakana
from dlcourse.katakana.paths import default_test_set, state_dir
from dlcourse.katakana.web.cli import add_commands

__all__ = ["add_parser"]


def _score(args):
    try:
        ledger = katakana.Ledger(state_dir(args.course) / "ledger.sqlite")
        result = katakana.score_submission(args.folder, args.student,
                                           test_set=default_test_set(args.course), ledger=ledger)
    except katakana.ScoringRefused as exc:
        print(f"not scored ({exc.kind}): {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    print("per-class accuracy: " + "  ".join(
        f"{char} {acc:.1%}" for char, acc in result.per_class_accuracy.items()))
    if args.leaderboard:
        csv_path, html_path, _ = katakana.write_leaderboard(ledger)
        print(f"leaderboard updated: {csv_path}, {html_path}")
    return 0


def _leaderboard(args):
    ledger = katakana.Ledger(state_dir(args.course) / "ledger.sqlite")
    csv_path, html_path, rows = katakana.write_leaderboard(ledger, out_dir=args.out)
    for row in rows:
        print(f"{row['rank']:3d}. {row['student']:<20} {row['accuracy']:.2%}  "
              f"{row['date']}  ({row['submissions']} scored)")
    print(f"wrote {csv_path} and {html_path}")
    return 0


def add_parser(sub):
    """Add the ``katakana`` command with its ``score`` and ``leaderboard`` subcommands."""
    parser = sub.add_parser("katakana", help="score katakana project submissions")
    commands = parser.add_subparsers(dest="katakana_command", required=True)
    p = commands.add_parser("score", help="score a submission folder on the hidden test set")
    p.add_argument("folder", help="folder with submission.py and its .npz weights")
    p.add_argument("--student", required=True, help="the student's id")
    p.add_argument("--leaderboard", action="store_true", help="also rewrite the leaderboard")
    p.set_defaults(func=_score)
    p = commands.add_parser("leaderboard", help="write leaderboard.csv and leaderboard.html")
    p.add_argument("--out", default=None, help="output folder (default: grading/katakana/)")
    p.set_defaults(func=_leaderboard)
    add_commands(commands)
    return parser
