"""A course on disk: solutions, release, grading folder, and nbgrader run inside it.

The real course is the repository itself (``Course.repository()``); the tests, the
demo and the benchmarks build scratch courses with :func:`create_course`, configured
by the same :func:`dlcourse.settings.apply_nbgrader_settings`.
"""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dlcourse import settings

__all__ = ["Course", "NbgraderError", "create_course", "nbgrader_environment", "CONFIG_TEMPLATE"]

CONFIG_TEMPLATE = '''\
# nbgrader configuration of a scratch course made by dlcourse.
from dlcourse.settings import apply_nbgrader_settings

c = get_config()  # noqa: F821
apply_nbgrader_settings(c, course_root={root!r}, grading_dir={grading!r}, db_url={db_url!r})
'''


def nbgrader_environment():
    """A copy of this process's environment fit for running nbgrader in a subprocess.

    nbgrader's own warnings are silenced (student kernels get them back, see
    :mod:`dlcourse.sandbox`), and this environment's bin/ goes first on PATH
    because nbgrader runs the ``alembic`` script by name.
    """
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


class NbgraderError(RuntimeError):
    """An nbgrader command failed; the message carries its output."""


@dataclass
class Course:
    """Paths of one course, and nbgrader commands run against it.

    - root: folder with ``solutions/`` and ``notebooks/``.
    - grading_dir: folder with ``nbgrader_config.py``; nbgrader runs here.
    - db_url: the gradebook URL written into that config (None: the default).
    """

    root: Path
    grading_dir: Path
    db_url: str | None = None

    @classmethod
    def repository(cls):
        """The course of this repository (grading/ beside solutions/ and notebooks/)."""
        return cls(settings.REPO_ROOT, settings.GRADING_DIR)

    @property
    def source_dir(self):
        return self.root / "solutions"

    @property
    def release_dir(self):
        return self.root / "notebooks"

    @property
    def submitted_dir(self):
        return self.grading_dir / "submitted"

    @property
    def autograded_dir(self):
        return self.grading_dir / "autograded"

    @property
    def feedback_dir(self):
        return self.grading_dir / "feedback"

    @property
    def status_dir(self):
        """Grading records: what happened to each notebook (see dlcourse.status)."""
        return self.grading_dir / "status"

    @property
    def reports_dir(self):
        return self.grading_dir / "reports"

    def assignments(self):
        """Assignment names found in ``solutions/``."""
        return settings.assignments(self.source_dir)

    def gradebook_url(self):
        """The gradebook URL this course's nbgrader uses."""
        return settings.gradebook_url(self.grading_dir, self.db_url)

    def nbgrader(self, *args, check=True, timeout=None, env=None):
        """Run ``nbgrader ARGS`` in ``grading_dir``. Returns the CompletedProcess.

        Raises NbgraderError with the command's output when it fails and ``check``.
        """
        cmd = [sys.executable, "-m", "nbgrader", *map(str, args)]
        run_env = nbgrader_environment()
        run_env.update(env or {})
        proc = subprocess.run(cmd, cwd=self.grading_dir, capture_output=True, text=True,
                              timeout=timeout, env=run_env)
        if check and proc.returncode != 0:
            raise NbgraderError(
                f"`nbgrader {' '.join(map(str, args))}` failed with exit code "
                f"{proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
            )
        return proc

    def generate(self, names=None):
        """``nbgrader generate_assignment`` for ``names`` (all, in one process, when None
        or when they are every assignment). Returns the names."""
        every = self.assignments()
        names = list(names) if names is not None else every
        if sorted(names) == every:
            self.nbgrader("generate_assignment", "*", "--force")
        else:
            for name in names:
                self.nbgrader("generate_assignment", name, "--force")
        return names

    def autograde(self, assignments=None, students=None, workers=2, out=None, progress=False):
        """Autograde submissions in ``workers`` parallel processes (see
        :func:`dlcourse.autograde.autograde`). Returns the report."""
        from dlcourse.autograde import autograde

        return autograde(self, assignments, students, workers=workers, out=out,
                         progress=progress)

    def feedback(self, assignments=None):
        """``nbgrader generate_feedback`` for the autograded submissions.

        Returns:
        - (files, leaks): the feedback HTML files, and [(file, line)] for any hidden-test
          line found in them (should be empty).
        """
        from dlcourse.feedback import feedback_files, leaked_lines

        graded = sorted({p.name for p in self.autograded_dir.glob("*/*") if p.is_dir()})
        names = [a for a in (assignments or graded) if a in graded]
        for name in names:
            self.nbgrader("generate_feedback", name, "--force")
        files = [f for name in names for f in feedback_files(self.feedback_dir, name)]
        return files, leaked_lines(self.feedback_dir, self.source_dir, names)

    def grades(self, assignments=None, students=None):
        """Write ``reports/grades.csv`` (nbgrader's columns + status) and
        ``reports/notebooks.csv`` (per student and notebook). Returns the rows."""
        from nbgrader.api import Gradebook

        from dlcourse.export import write_grades_csv, write_notebook_table

        with Gradebook(self.gradebook_url()) as gb:
            rows = write_grades_csv(gb, self.reports_dir / "grades.csv", self.status_dir,
                                    self.submitted_dir, list(assignments or []),
                                    list(students or []))
        write_notebook_table(rows, self.reports_dir / "notebooks.csv")
        return rows

    def collect(self, path, assignment=None, replace=False, **options):
        """Import submissions (see :func:`dlcourse.collect.collect`)."""
        from dlcourse.collect import collect

        return collect(self, path, assignment=assignment, replace=replace, **options)

    def submit(self, student, assignment, notebooks):
        """Place a student's files as nbgrader's submitted/ layout expects.

        Inputs:
        - student: the student id (a safe folder name).
        - assignment: the assignment name.
        - notebooks: dict mapping file names to a path, a notebook dict, or bytes.
        """
        folder = self.submitted_dir / student / assignment
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, content in notebooks.items():
            target = folder / name
            if isinstance(content, (str, Path)):
                shutil.copyfile(content, target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(json.dumps(content, ensure_ascii=False, indent=1),
                                  encoding="utf-8")
        return folder


def create_course(root, assignments=None, source_dir=None, db_url=None, release=True):
    """Make a scratch course in ``root``: copied solutions, a config, and the release.

    Inputs:
    - root: an empty (or missing) folder.
    - assignments: names to copy (all of ``source_dir`` when None).
    - source_dir: where the solution assignments come from (the repository's by default).
    - db_url: gradebook URL (SQLite inside the course when None).
    - release: also run ``nbgrader generate_assignment`` for each assignment, which
      registers it in the gradebook and writes ``notebooks/``.

    Returns:
    - the :class:`Course`.
    """
    root = Path(root)
    source_dir = Path(source_dir or settings.SOLUTIONS_DIR)
    names = list(assignments) if assignments is not None else settings.assignments(source_dir)
    (root / "solutions").mkdir(parents=True, exist_ok=True)
    for name in names:
        if not (source_dir / name).is_dir():
            raise FileNotFoundError(f"no assignment {name!r} in {source_dir}")
        shutil.copytree(source_dir / name, root / "solutions" / name,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
                        dirs_exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    grading = root / "grading"
    grading.mkdir(exist_ok=True)
    (grading / "nbgrader_config.py").write_text(
        CONFIG_TEMPLATE.format(root=str(root), grading=str(grading), db_url=db_url),
        encoding="utf-8",
    )
    course = Course(root, grading, db_url)
    if release and names:
        course.generate(names)
    return course
