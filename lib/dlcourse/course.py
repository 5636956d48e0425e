"""Where a course lives on disk: :class:`Course` (paths only) and how its root is found.

A course root is the folder holding ``grading/nbgrader_config.py``, ``solutions/``
(nbgrader's source) and ``notebooks/`` (the trainee release). It is found from, in
order: an explicit folder (``dlcourse --course DIR``), ``$DLCOURSE_ROOT``, or the
current folder and its parents — never from where this package is installed.
"""

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Course", "CourseNotFound", "find_course_root", "assignments", "CONFIG_NAME",
           "ROOT_ENV"]

#: The file that marks a course's grading folder (and, one level up, the course root).
CONFIG_NAME = "nbgrader_config.py"
#: Environment variable naming the course root.
ROOT_ENV = "DLCOURSE_ROOT"


class CourseNotFound(FileNotFoundError):
    """No course root: no folder with ``grading/nbgrader_config.py`` where one was looked for."""


def _is_root(folder):
    return (Path(folder) / "grading" / CONFIG_NAME).is_file()


def find_course_root(explicit=None, start=None):
    """The course root: ``explicit``, else ``$DLCOURSE_ROOT``, else the nearest folder at
    or above ``start`` (default: the current folder) holding ``grading/nbgrader_config.py``.

    Raises CourseNotFound saying where it looked.
    """
    for given, where in ((explicit, "--course"), (os.environ.get(ROOT_ENV), f"${ROOT_ENV}")):
        if given:
            root = Path(given).expanduser().resolve()
            if not _is_root(root):
                raise CourseNotFound(f"{where} {root} is not a course root: it has no "
                                     f"grading/{CONFIG_NAME}")
            return root
    start = Path(start or os.getcwd()).resolve()
    for folder in (start, *start.parents):
        if _is_root(folder):
            return folder
    raise CourseNotFound(f"no course found at or above {start} (no grading/{CONFIG_NAME}); "
                         f"run inside the course folder, or pass --course DIR or set "
                         f"{ROOT_ENV}")


def assignments(source_dir):
    """Names of the assignments (folders like ``01_perceptron``) in ``source_dir``, sorted."""
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        return []
    return sorted(
        p.name for p in source_dir.iterdir()
        if p.is_dir() and p.name[:2].isdigit() and any(p.glob("*.ipynb"))
    )


@dataclass(frozen=True)
class Course:
    """The paths of one course.

    - root: folder with ``solutions/`` and ``notebooks/``.
    - grading_dir: folder with ``nbgrader_config.py``; nbgrader runs here.
    - db_url: the gradebook URL written into that config (None: the default).
    """

    root: Path
    grading_dir: Path
    db_url: str | None = None

    @classmethod
    def find(cls, explicit=None):
        """The course found by :func:`find_course_root` (its grading folder is ``grading/``)."""
        root = find_course_root(explicit)
        return cls(root, root / "grading")

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
        """Grading records: what happened to each notebook (see dlcourse.grading_records)."""
        return self.grading_dir / "status"

    @property
    def reports_dir(self):
        return self.grading_dir / "reports"

    @property
    def logs_dir(self):
        return self.grading_dir / "logs"

    def assignments(self):
        """Assignment names found in ``solutions/``."""
        return assignments(self.source_dir)

    def gradebook_url(self):
        """The gradebook URL this course's nbgrader uses: ``db_url``, else
        ``$DLCOURSE_DB_URL`` (e.g. PostgreSQL), else SQLite in ``grading_dir``."""
        default = f"sqlite:///{Path(self.grading_dir) / 'gradebook.db'}"
        return self.db_url or os.environ.get("DLCOURSE_DB_URL") or default
