"""The katakana project's scoring server: hidden test set, daily limit, leaderboard.

- :mod:`~dlcourse.katakana.scoring`: :func:`score_submission` and the metrics;
- :mod:`~dlcourse.katakana.static_checks`: files, imports and pickles, before running;
- :mod:`~dlcourse.katakana.launcher` (scorer side) and :mod:`~dlcourse.katakana.runner`
  (child side): the runner protocol, the submission in a limited child process;
- :mod:`~dlcourse.katakana.ledger`: the SQLite record enforcing ``DAILY_LIMIT``;
- :mod:`~dlcourse.katakana.leaderboard`: leaderboard.csv and leaderboard.html;
- :mod:`~dlcourse.katakana.paths`: where the test set and the ledger are (from the
  course root, or ``$DLCOURSE_KATAKANA_TEST`` / ``$DLCOURSE_KATAKANA_STATE``);
- :mod:`~dlcourse.katakana.users`: accounts of the scoring website (Argon2 hashes);
- :mod:`~dlcourse.katakana.web`: the scoring website (``dlcourse katakana serve``);
- :mod:`~dlcourse.katakana.cli`: ``dlcourse katakana score|leaderboard|serve|users``.
"""

from dlcourse.katakana.launcher import BATCH_SIZE, run_submission
from dlcourse.katakana.leaderboard import write_leaderboard
from dlcourse.katakana.ledger import DAILY_LIMIT, Ledger
from dlcourse.katakana.paths import default_test_set
from dlcourse.katakana.refusal import ScoringRefused
from dlcourse.katakana.scoring import ScoreResult, evaluate, score_submission
from dlcourse.katakana.static_checks import check_submission_folder

__all__ = [
    "DAILY_LIMIT", "BATCH_SIZE", "ScoreResult", "ScoringRefused", "Ledger", "score_submission",
    "evaluate", "write_leaderboard", "default_test_set", "check_submission_folder",
    "run_submission",
]
