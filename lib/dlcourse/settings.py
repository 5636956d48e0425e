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
    "KERNEL_MEMORY_MB",
    "KERNEL_CPU_SECONDS",
    "assignments",
    "cell_timeout",
    "sandbox_options",
    "gradebook_url",
    "apply_nbgrader_settings",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS_DIR = REPO_ROOT / "solutions"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
GRADING_DIR = REPO_ROOT / "grading"
COURSE_ID = "dlbasics"

#: Longest time one cell may run under the grader; the slowest solution cell takes
#: a few seconds, so this leaves a wide margin while ending endless loops quickly.
CELL_TIMEOUT_SECONDS = int(os.environ.get("DLCOURSE_CELL_TIMEOUT", "60"))
#: Address-space cap of a graded kernel (MiB): far above what any exercise needs, far
#: below the machine's memory, so a runaway allocation is a MemoryError in that kernel.
KERNEL_MEMORY_MB = 4096
#: CPU seconds a graded kernel may use over the whole notebook.
KERNEL_CPU_SECONDS = 1800


def cell_timeout():
    """Seconds one cell may run under the grader (``DLCOURSE_CELL_TIMEOUT``, default 60)."""
    return int(os.environ.get("DLCOURSE_CELL_TIMEOUT", CELL_TIMEOUT_SECONDS))


def sandbox_options(course_root, grading_dir):
    """The limits and isolation of graded kernels (see :mod:`dlcourse.sandbox`).

    Environment overrides: ``DLCOURSE_KERNEL_MEMORY_MB``, ``DLCOURSE_KERNEL_CPU_SECONDS``,
    ``DLCOURSE_SANDBOX`` (``auto``: own user and hidden folders when the grader is root;
    ``limits``: resource limits only).
    """
    from dlcourse.sandbox import SandboxOptions

    course_root = Path(course_root)
    hidden = []
    for root, grading in ((course_root, Path(grading_dir)), (REPO_ROOT, GRADING_DIR)):
        for folder in (root / "solutions", grading, root / ".git"):
            if str(folder) not in hidden:
                hidden.append(str(folder))
    return SandboxOptions(
        memory_mb=int(os.environ.get("DLCOURSE_KERNEL_MEMORY_MB", KERNEL_MEMORY_MB)),
        cpu_seconds=int(os.environ.get("DLCOURSE_KERNEL_CPU_SECONDS", KERNEL_CPU_SECONDS)),
        isolate=os.environ.get("DLCOURSE_SANDBOX", "auto"),
        hidden=hidden,
    )


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
    # nbgrader's exchange (release/fetch/submit/collect on JupyterHub): under grading/
    # unless DLCOURSE_EXCHANGE names a shared folder (e.g. /srv/nbgrader/exchange)
    exchange = os.environ.get("DLCOURSE_EXCHANGE") or str(grading_dir / "exchange")
    if not os.environ.get("DLCOURSE_EXCHANGE"):
        # nbgrader's server extensions log a critical error when it does not exist
        os.makedirs(exchange, exist_ok=True)
    c.Exchange.root = exchange

    # Release: stubs for solutions, no outputs, locked cells.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "ここに答えを書いてください。"

    # Autograde: bounded cells; a silent endless loop is graded 0 instead of failing the
    # whole notebook; deleted or edited test cells come back from the gradebook.
    timeout = cell_timeout()
    c.ExecutePreprocessor.timeout = timeout
    c.Execute.timeout = timeout
    c.ExecutePreprocessor.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = False
    c.OverwriteCells.add_missing_cells = True
    # Short tracebacks keep hidden-test lines out of the outputs; nbgrader's own
    # default argument (in-memory history) is kept.
    c.Execute.extra_arguments = [
        "--HistoryManager.hist_file=:memory:",
        "--InteractiveShell.xmode=Minimal",
    ]
    c.LimitOutput.max_lines = 1000

    # Student code runs in the limited kernel (memory and CPU caps, its own user, the
    # solutions and the gradebook out of sight); its kernelspec lives in grading/.jupyter.
    from dlcourse.sandbox import KERNEL_NAME, install_kernelspec

    data_dir = install_kernelspec(grading_dir / ".jupyter",
                                  sandbox_options(course_root, grading_dir))
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(data_dir) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(data_dir), *paths])
    c.Execute.kernel_name = KERNEL_NAME

    # Crash-proof autograding with a record of every incident (dlcourse.grader).
    c.GradingRecord.status_dir = str(grading_dir / "status")
    c.GradingRecord.source_dir = str(course_root / "solutions")
    c.Autograde.exporter_class = "dlcourse.grader.TolerantNotebookExporter"
    c.Autograde.sanitize_preprocessors = [
        "dlcourse.grader.InspectSubmission",
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "dlcourse.grader.RestoreCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        "dlcourse.grader.CrashProofExecute",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
        "dlcourse.grader.RecordFinished",
    ]

    # Feedback: hidden tests are stripped from the HTML.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
        "nbgrader.preprocessors.ClearHiddenTests",
    ]

    # Export: nbgrader's CSV with a status column (failures are never a silent 0).
    c.ExportApp.plugin_class = "dlcourse.export.StatusCsvExportPlugin"
    c.StatusCsvExportPlugin.status_dir = str(grading_dir / "status")
    c.StatusCsvExportPlugin.submitted_dir = str(grading_dir / "submitted")
    return c
