"""Where the katakana scorer finds the hidden test set and keeps its ledger."""

import os
from pathlib import Path

from dlcourse.settings import GRADING_DIR

__all__ = ["KATAKANA_DIR", "STATE_DIR", "default_test_set"]

KATAKANA_DIR = GRADING_DIR / "katakana"
#: Where the ledger and the leaderboard live (git-ignored); overridable for trials.
STATE_DIR = Path(os.environ.get("DLCOURSE_KATAKANA_STATE", KATAKANA_DIR))


def default_test_set():
    """Path of the hidden test set (``$DLCOURSE_KATAKANA_TEST`` overrides)."""
    return Path(os.environ.get("DLCOURSE_KATAKANA_TEST", KATAKANA_DIR / "katakana_test.npz"))
