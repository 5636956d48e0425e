"""Scratch courses: a copy of some assignments with its own grading folder and config.

The tests, the demo, the benchmark and ``dlcourse release --check`` build them with
:func:`create_course`; their ``nbgrader_config.py`` applies the same
:func:`dlcourse.nbgrader_settings.apply_nbgrader_settings` as the real course's.
"""

import shutil
from pathlib import Path

from dlcourse.course import Course, CourseNotFound, assignments, find_course_root
from dlcourse.nbgrader_runner import generate_assignments

__all__ = ["create_course", "CONFIG_TEMPLATE"]

CONFIG_TEMPLATE = '''\
# nbgrader configuration of a scratch course made by dlcourse.
from dlcourse.nbgrader_settings import apply_nbgrader_settings

c = get_config()  # noqa: F821
apply_nbgrader_settings(c, course_root={root!r}, grading_dir={grading!r}, db_url={db_url!r},
                        also_hidden={also_hidden!r})
'''


def _source_course_folders(source_dir):
    """What a kernel of the scratch course must not see of the courses around it: the
    solutions it was copied from, and the solutions, grading folder and ``.git`` of the
    course it was copied from and of the course this process runs in (when found)."""
    source_dir = Path(source_dir).resolve()
    folders = [source_dir]
    roots = [source_dir.parent] if source_dir.name == "solutions" else []
    try:
        roots.append(find_course_root())
    except CourseNotFound:
        pass
    for root in roots:
        folders += [root / "solutions", root / "grading", root / ".git"]
    return list(dict.fromkeys(str(folder) for folder in folders))


def create_course(root, names=None, source_dir=None, db_url=None, release=True):
    """Make a scratch course in ``root``: copied solutions, a config, and the release.

    Inputs:
    - root: an empty (or missing) folder.
    - names: assignments to copy (all of ``source_dir`` when None).
    - source_dir: where the solution assignments come from (default: the ``solutions/``
      of the course found by :func:`~dlcourse.course.find_course_root`).
    - db_url: gradebook URL (SQLite inside the course when None).
    - release: also run ``nbgrader generate_assignment`` for each assignment, which
      registers it in the gradebook and writes ``notebooks/``.

    Returns:
    - the :class:`~dlcourse.course.Course`.
    """
    root = Path(root)
    source_dir = Path(source_dir or find_course_root() / "solutions")
    names = list(names) if names is not None else assignments(source_dir)
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
        CONFIG_TEMPLATE.format(root=str(root), grading=str(grading), db_url=db_url,
                               also_hidden=_source_course_folders(source_dir)),
        encoding="utf-8",
    )
    course = Course(root, grading, db_url)
    if release and names:
        generate_assignments(course, names)
    return course
