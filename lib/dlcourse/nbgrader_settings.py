"""The course's nbgrader settings, in one place.

``grading/nbgrader_config.py`` applies them to the real course; scratch courses
(:mod:`dlcourse.scratch_course`) apply the same settings to their own folders. They put
the course's preprocessors (:mod:`dlcourse.preprocessors`) into nbgrader's own
pipelines, so stock ``nbgrader autograde`` grades exactly as ``dlcourse autograde``.
"""

import os
from pathlib import Path

from dlcourse.course import Course
from dlcourse.kernelspec import KERNEL_NAME, SandboxOptions, install_kernelspec, unsafe_requested
from dlcourse.limits import current_limits

__all__ = ["COURSE_ID", "apply_nbgrader_settings", "sandbox_options"]

COURSE_ID = "dlbasics"
_PREPROCESSORS = "dlcourse.preprocessors"


def sandbox_options(course_root, grading_dir, limits, also_hidden=()):
    """The limits and isolation of graded kernels (see :mod:`dlcourse.kernel_launcher`).

    ``DLCOURSE_UNSAFE_NO_SANDBOX=1``: no bubblewrap, limits only (every record says so).
    What a kernel sees is an allowlist (:mod:`dlcourse.bwrap`); hidden on top of it, should
    an allowlisted folder hold them: the course's solutions, grading folder and ``.git``,
    and ``also_hidden``.
    """
    course_root = Path(course_root)
    hidden = [str(course_root / "solutions"), str(Path(grading_dir)), str(course_root / ".git")]
    hidden += [str(folder) for folder in also_hidden]
    return SandboxOptions(memory_mb=limits.memory_mb, cpu_seconds=limits.cpu_seconds,
                          unsafe=unsafe_requested(), hidden=list(dict.fromkeys(hidden)))


def _course_directory(c, course_root, grading_dir, db_url):
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(course_root)
    c.CourseDirectory.source_directory = "solutions"
    c.CourseDirectory.release_directory = "notebooks"
    rel = os.path.relpath(grading_dir, course_root)
    c.CourseDirectory.submitted_directory = os.path.join(rel, "submitted")
    c.CourseDirectory.autograded_directory = os.path.join(rel, "autograded")
    c.CourseDirectory.feedback_directory = os.path.join(rel, "feedback")
    c.CourseDirectory.db_url = Course(course_root, grading_dir, db_url).gradebook_url()
    # nbgrader's exchange (release/fetch/submit/collect on JupyterHub): under grading/
    # unless DLCOURSE_EXCHANGE names a shared folder (e.g. /srv/nbgrader/exchange)
    exchange = os.environ.get("DLCOURSE_EXCHANGE") or str(grading_dir / "exchange")
    if not os.environ.get("DLCOURSE_EXCHANGE"):
        # nbgrader's server extensions log a critical error when it does not exist
        os.makedirs(exchange, exist_ok=True)
    c.Exchange.root = exchange


def _release(c):
    """Release: stubs for solutions, no outputs, locked cells."""
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "ここに答えを書いてください。"


def _execution(c, limits):
    """Bounded cells; a silent endless loop is graded 0 instead of failing the whole
    notebook; deleted or edited test cells come back from the gradebook."""
    c.ExecutePreprocessor.timeout = limits.cell_timeout
    c.Execute.timeout = limits.cell_timeout
    c.ExecutePreprocessor.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = False
    c.OverwriteCells.add_missing_cells = True
    # Short tracebacks keep hidden-test lines out of the outputs; nbgrader's own
    # default argument (in-memory history) is kept.
    c.Execute.extra_arguments = [
        "--HistoryManager.hist_file=:memory:",
        "--InteractiveShell.xmode=Minimal",
    ]
    c.LimitOutput.max_lines = limits.output_max_lines
    # A sandboxed kernel starts in well under a second; on a loaded machine much later.
    c.Execute.startup_timeout = 180


def _limited_kernel(c, options, grading_dir):
    """Student code runs in the limited kernel (bubblewrap: an allowlisted read-only view,
    no network, its own user; memory and CPU caps); its kernelspec lives in
    grading/.jupyter."""
    data_dir = install_kernelspec(grading_dir / ".jupyter", options)
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if str(data_dir) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(data_dir), *paths])
    c.Execute.kernel_name = KERNEL_NAME
    c.CrashProofExecute.unsafe_no_sandbox = options.unsafe


def _autograde_pipeline(c, course_root, grading_dir):
    """Crash-proof autograding with a record of every incident (dlcourse.preprocessors)."""
    c.GradingRecord.status_dir = str(grading_dir / "status")
    c.GradingRecord.source_dir = str(course_root / "solutions")
    c.Autograde.exporter_class = f"{_PREPROCESSORS}.TolerantNotebookExporter"
    c.Autograde.sanitize_preprocessors = [
        f"{_PREPROCESSORS}.InspectSubmission",
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        f"{_PREPROCESSORS}.RestoreCells",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    c.Autograde.autograde_preprocessors = [
        f"{_PREPROCESSORS}.CrashProofExecute",
        f"{_PREPROCESSORS}.NeutraliseMarkers",
        "nbgrader.preprocessors.IgnorePattern",
        "nbconvert.preprocessors.ClearMetadataPreprocessor",
        "nbgrader.preprocessors.LimitOutput",
        "nbgrader.preprocessors.SaveAutoGrades",
        "nbgrader.preprocessors.AssignLatePenalties",
        "nbgrader.preprocessors.CheckCellMetadata",
        f"{_PREPROCESSORS}.RecordFinished",
    ]


def _feedback_and_export(c, grading_dir):
    # Feedback: hidden tests are stripped from the HTML.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
        f"{_PREPROCESSORS}.NeutraliseMarkers",
        "nbgrader.preprocessors.ClearHiddenTests",
    ]
    # Export: nbgrader's CSV with a status column (failures are never a silent 0).
    c.ExportApp.plugin_class = "dlcourse.grades_export.StatusCsvExportPlugin"
    c.StatusCsvExportPlugin.status_dir = str(grading_dir / "status")
    c.StatusCsvExportPlugin.submitted_dir = str(grading_dir / "submitted")


def apply_nbgrader_settings(c, course_root, grading_dir, db_url=None, also_hidden=()):
    """Fill an nbgrader/traitlets config object ``c`` with the course settings.

    Inputs:
    - c: the traitlets Config being built.
    - course_root: folder holding ``solutions/`` and ``notebooks/``.
    - grading_dir: folder for submissions, autograded copies, feedback, gradebook.
    - db_url: gradebook URL; default ``DLCOURSE_DB_URL`` from the environment, else
      SQLite in ``grading_dir``.
    - also_hidden: more folders graded kernels must not see (a scratch course hides the
      course it was copied from).

    The limits (:mod:`dlcourse.limits`) are read here, once per configuration.
    """
    course_root = Path(course_root)
    grading_dir = Path(grading_dir)
    limits = current_limits()
    _course_directory(c, course_root, grading_dir, db_url)
    _release(c)
    _execution(c, limits)
    _limited_kernel(c, sandbox_options(course_root, grading_dir, limits, also_hidden),
                    grading_dir)
    _autograde_pipeline(c, course_root, grading_dir)
    _feedback_and_export(c, grading_dir)
    return c
