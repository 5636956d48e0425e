"""nbgrader configuration for the course (run nbgrader commands from grading/).

Layout: the solutions (nbgrader's "source") and the trainee release live at the
repository root; everything made while grading lives under grading/ and is
git-ignored (submitted/, autograded/, feedback/, gradebook.db, exchange/, status/,
logs/, reports/, .jupyter/). Paths are absolute, derived from this file's location.

This file's folder is how the course is found: the course root is the folder holding
``grading/nbgrader_config.py`` (``dlcourse`` looks for it from the current folder up,
or takes ``--course DIR`` / ``DLCOURSE_ROOT``).

All settings are in ``dlcourse.nbgrader_settings.apply_nbgrader_settings``: per-cell
timeout, ``raise_on_iopub_timeout = False``, restored test cells, short tracebacks,
the limited kernel ``dlcourse-limited`` (bubblewrap: an allowlisted read-only view, no
network, its own user; memory and CPU caps), crash-proof autograding with a record of
every incident, feedback without hidden tests, and an export with a status column. The
limits are defined in ``dlcourse.limits``. Environment overrides:
``DLCOURSE_DB_URL`` (e.g. a PostgreSQL gradebook), ``DLCOURSE_EXCHANGE``,
``DLCOURSE_CELL_TIMEOUT``, ``DLCOURSE_KERNEL_MEMORY_MB``, ``DLCOURSE_KERNEL_CPU_SECONDS``,
``DLCOURSE_UNSAFE_NO_SANDBOX=1`` (no bubblewrap; every record says so). See
grading/README.md.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

GRADING_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(GRADING_DIR)
LIB_DIR = os.path.join(REPO_ROOT, "lib")
if LIB_DIR not in sys.path:
    sys.path.insert(0, LIB_DIR)

from dlcourse.nbgrader_settings import apply_nbgrader_settings  # noqa: E402

apply_nbgrader_settings(c, course_root=REPO_ROOT, grading_dir=GRADING_DIR)
