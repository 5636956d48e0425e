"""Generate the trainee release (notebooks/) from the solutions, and detect drift."""

import json
import tempfile
from pathlib import Path

from dlcourse.nbgrader_runner import generate_assignments
from dlcourse.scratch_course import create_course

__all__ = ["release", "release_differences", "normalized_notebook"]

#: Notebook metadata that editors add and that says nothing about content.
VOLATILE_METADATA = ("widgets", "toc", "varInspector", "vscode", "jupytext")


def normalized_notebook(path):
    """A notebook as a dict with volatile metadata removed, for comparison."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in VOLATILE_METADATA:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("collapsed", None)
        cell.get("metadata", {}).pop("scrolled", None)
    return nb


def release(course, names=None):
    """Regenerate ``notebooks/NAME/`` from ``solutions/NAME/`` for each assignment.

    Uses ``nbgrader generate_assignment``, which also registers the assignment in the
    course's gradebook (needed before autograding). Returns the names released.
    """
    return generate_assignments(course, names or None)


def release_differences(course, names=None):
    """Regenerate into a scratch folder and compare with the committed release.

    Returns:
    - list of human-readable differences (empty when the release is current).
    """
    names = list(names or course.assignments())
    problems = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        scratch = create_course(Path(tmp) / "course", names, source_dir=course.source_dir)
        for name in names:
            fresh_dir = scratch.release_dir / name
            committed_dir = course.release_dir / name
            fresh = {p.relative_to(fresh_dir) for p in fresh_dir.rglob("*") if p.is_file()}
            committed = (
                {p.relative_to(committed_dir) for p in committed_dir.rglob("*")
                 if p.is_file() and ".ipynb_checkpoints" not in p.parts}
                if committed_dir.is_dir() else set()
            )
            for rel in sorted(fresh - committed):
                problems.append(f"{name}/{rel}: missing from {course.release_dir.name}/")
            for rel in sorted(committed - fresh):
                problems.append(f"{name}/{rel}: not generated from the solutions (stale file)")
            for rel in sorted(fresh & committed):
                a, b = fresh_dir / rel, committed_dir / rel
                same = (normalized_notebook(a) == normalized_notebook(b)
                        if rel.suffix == ".ipynb" else a.read_bytes() == b.read_bytes())
                if not same:
                    problems.append(f"{name}/{rel}: differs from what the solutions generate")
        extra = sorted(
            p.name for p in course.release_dir.iterdir()
            if p.is_dir() and p.name not in names and not p.name.startswith(".")
        ) if course.release_dir.is_dir() else []
        problems += [f"{name}/: has no solution in {course.source_dir.name}/" for name in extra]
    return problems
