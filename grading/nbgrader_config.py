"""nbgrader configuration for the course (run nbgrader commands from grading/).

Layout: the solutions (nbgrader's "source") and the trainee release live at the
repository root; everything made while grading lives under grading/ and is
git-ignored. Paths are absolute, derived from this file's location.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

GRADING_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(GRADING_DIR)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, os.path.join(REPO_ROOT, "lib"))

from dlbasics.course.settings import apply_nbgrader_settings  # noqa: E402

apply_nbgrader_settings(c, course_root=REPO_ROOT, grading_dir=GRADING_DIR)
