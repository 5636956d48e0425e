"""The course's nbgrader settings, in one place.

``grading/nbgrader_config.py`` applies them to the real course; the instructor tools
and the tests apply the same settings to temporary courses.
"""

import os
from pathlib import Path

__all__ = [
    "REPO_ROOT",
    "SOLUTIONS_DIR",
    "NOTEBOOKS_DIR",
    "GRADING_DIR",
    "COURSE_ID",
    "CELL_TIMEOUT_SECONDS",
    "assignments",
    "gradebook_url",
    "apply_nbgrader_settings",
]

REPO_ROOT = Path(__file__).resolve().parents[3]
SOLUTIONS_DIR = REPO_ROOT / "solutions"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
GRADING_DIR = REPO_ROOT / "grading"
COURSE_ID = "dlbasics"

#: Longest time one cell may run under the grader; the slowest solution cell takes
#: a few seconds, so this leaves a wide margin while ending endless loops quickly.
CELL_TIMEOUT_SECONDS = int(os.environ.get("DLCOURSE_CELL_TIMEOUT", "60"))


def assignments(source_dir=SOLUTIONS_DIR):
    """Names of the assignments (folders like ``01_perceptron``) in ``source_dir``, sorted."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        return []
    return sorted(
        p.name for p in source_dir.iterdir()
        if p.is_dir() and p.name[:2].isdigit() and any(p.glob("*.ipynb"))
    )


def gradebook_url(grading_dir, db_url=None):
    """The gradebook to use: ``db_url``, else ``$DLCOURSE_DB_URL`` (e.g. PostgreSQL),
    else SQLite in ``grading_dir``."""
    default = f"sqlite:///{Path(grading_dir) / 'gradebook.db'}"
    return db_url or os.environ.get("DLCOURSE_DB_URL") or default


def apply_nbgrader_settings(c, course_root, grading_dir, db_url=None):
    """Fill an nbgrader/traitlets config object ``c`` with the course settings.

    Inputs:
    - c: the traitlets Config being built.
    - course_root: folder holding ``solutions/`` and ``notebooks/``.
    - grading_dir: folder for submissions, autograded copies, feedback, gradebook.
    - db_url: gradebook URL; default ``DLCOURSE_DB_URL`` from the environment, else
      SQLite in ``grading_dir``.
    """
    course_root = Path(course_root)
    grading_dir = Path(grading_dir)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(course_root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    rel = os.path.relpath(grading_dir, course_root)
    c.CourseDirectory.submitted_directory = os.path.join(rel, "submitted")
    c.CourseDirectory.autograded_directory = os.path.join(rel, "autograded")
    c.CourseDirectory.feedback_directory = os.path.join(rel, "feedback")
    c.CourseDirectory.db_url = gradebook_url(grading_dir, db_url)
    c.Exchange.root = str(grading_dir / "exchange")

    # Release: stubs for solutions, no outputs, locked cells.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "ここに答えを書いてください。"

    # Autograde: bounded cells; a silent endless loop is graded 0 instead of failing the
    # whole notebook; deleted or edited test cells come back from the gradebook.
    c.ExecutePreprocessor.timeout = CELL_TIMEOUT_SECONDS
    c.Execute.timeout = CELL_TIMEOUT_SECONDS
    c.ExecutePreprocessor.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = False
    c.OverwriteCells.add_missing_cells = True
    # Short tracebacks keep hidden-test lines out of the outputs; nbgrader's own
    # default argument (in-memory history) is kept.
    c.Execute.extra_arguments = [
        "--HistoryManager.hist_file=:memory:",
        "--InteractiveShell.xmode=Minimal",
    ]

    # Feedback: hidden tests are stripped from the HTML.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
        "nbgrader.preprocessors.ClearHiddenTests",
    ]
    return c
