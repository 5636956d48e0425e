"""Running nbgrader commands against a :class:`~dlcourse.course.Course` (in subprocesses).

Stock nbgrader, run in the course's ``grading/`` folder so that it loads the course's
``nbgrader_config.py``: release (``generate_assignment``), feedback
(``generate_feedback``) and any other command. Autograding goes through the worker pool
instead (:mod:`dlcourse.autograde`), which runs nbgrader's converter in-process.
"""

import os
import subprocess
import sys

__all__ = ["NbgraderError", "nbgrader_environment", "run_nbgrader", "generate_assignments",
           "generate_feedback"]


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries its output."""


def nbgrader_environment():
    """A copy of this process's environment fit for running nbgrader in a subprocess.

    nbgrader's own warnings are silenced (student kernels get them back, see
    :mod:`dlcourse.kernel_launcher`), and this environment's bin/ goes first on PATH
    because nbgrader runs the ``alembic`` script by name.
    """
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def run_nbgrader(course, *args, check=True, timeout=None, env=None):
    """Run ``nbgrader ARGS`` in ``course.grading_dir``. Returns the CompletedProcess.

    Raises NbgraderError with the command's output when it fails and ``check``.
    """
    cmd = [sys.executable, "-m", "nbgrader", *map(str, args)]
    run_env = nbgrader_environment()
    run_env.update(env or {})
    proc = subprocess.run(cmd, cwd=course.grading_dir, capture_output=True, text=True,
                          timeout=timeout, env=run_env)
    if check and proc.returncode != 0:
        raise NbgraderError(
            f"`nbgrader {' '.join(map(str, args))}` failed with exit code "
            f"{proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def generate_assignments(course, names=None):
    """``nbgrader generate_assignment`` for ``names`` (all, in one process, when None or
    when they are every assignment). Returns the names."""
    every = course.assignments()
    names = list(names) if names is not None else every
    if sorted(names) == every:
        run_nbgrader(course, "generate_assignment", "*", "--force")
    else:
        for name in names:
            run_nbgrader(course, "generate_assignment", name, "--force")
    return names


def generate_feedback(course, assignments=None):
    """``nbgrader generate_feedback`` for the autograded submissions.

    Returns:
    - (files, leaks): the feedback HTML files, and [(file, line)] for any hidden-test
      line found in them (should be empty).
    """
    from dlcourse.feedback import feedback_files, leaked_lines  # nbformat: only when used

    graded = sorted({p.name for p in course.autograded_dir.glob("*/*") if p.is_dir()})
    names = [a for a in (assignments or graded) if a in graded]
    for name in names:
        run_nbgrader(course, "generate_feedback", name, "--force")
    files = [f for name in names for f in feedback_files(course.feedback_dir, name)]
    return files, leaked_lines(course.feedback_dir, course.source_dir, names)
