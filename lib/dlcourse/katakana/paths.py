"""Where the katakana scorer finds the hidden test set and keeps its ledger.

Both live in the course's ``grading/katakana/`` (the course root as found by
:func:`dlcourse.course.find_course_root`), unless ``$DLCOURSE_KATAKANA_TEST`` names the
test set and ``$DLCOURSE_KATAKANA_STATE`` the folder of the ledger and leaderboard.
"""

import os
from pathlib import Path

from dlcourse.course import find_course_root

__all__ = ["katakana_dir", "state_dir", "default_test_set"]


def katakana_dir(course_root=None):
    """``grading/katakana/`` of the course (``course_root``, or the one found)."""
    return find_course_root(course_root) / "grading" / "katakana"


def state_dir(course_root=None):
    """Where the ledger and the leaderboard live (git-ignored; ``$DLCOURSE_KATAKANA_STATE``
    overrides, e.g. for trials)."""
    override = os.environ.get("DLCOURSE_KATAKANA_STATE")
    return Path(override) if override else katakana_dir(course_root)


def default_test_set(course_root=None):
    """Path of the hidden test set (``$DLCOURSE_KATAKANA_TEST`` overrides)."""
    override = os.environ.get("DLCOURSE_KATAKANA_TEST")
    return Path(override) if override else katakana_dir(course_root) / "katakana_test.npz"
