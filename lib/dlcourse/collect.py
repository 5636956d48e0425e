"""Import submissions into ``grading/submitted/`` from a folder or an LMS-style zip.

Accepted layouts (``STUDENT`` must be a plain id: letters, digits, ``.``, ``_``, ``-``):

- a folder (or zip) of student folders: ``STUDENT/ASSIGNMENT/NOTEBOOK.ipynb`` (nbgrader's
  submitted layout) or ``STUDENT/NOTEBOOK.ipynb`` (the assignment is found from the
  notebook's name, or given with ``--assignment``);
- nbgrader's zip_collect layout: flat files named like
  ``ps1_STUDENT_attempt_2024-01-30-15-00-00_NOTEBOOK.ipynb`` (``--regexp`` sets the
  pattern; it must have ``student_id`` and ``file_id`` groups, ``timestamp`` optional).

Nothing is copied unless everything is valid: a path that leaves the folder (``..``,
an absolute path, a symbolic link), two submissions of the same student (also when
ids differ only in case), an unknown notebook, or a student already collected for
the assignment (unless ``replace``) stops the import with a message naming it.
"""

import json
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["CollectError", "Submission", "collect", "place_submission", "DEFAULT_REGEXP",
           "STUDENT_ID"]

#: nbgrader's documented zip_collect example pattern.
DEFAULT_REGEXP = (r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_"
                  r"(?P<file_id>\w+)\.ipynb$")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Largest notebook accepted (an LMS zip may hold anything).
MAX_FILE_BYTES = 50 * 1024 * 1024


class CollectError(ValueError):
    """The submissions cannot be imported as they are; the message says why."""


@dataclass
class Submission:
    student: str
    assignment: str
    files: dict  # notebook file name -> (origin text, reader returning bytes)
    timestamp: str | None = None


def _safe_parts(name, where):
    """Path parts of an archive or folder entry, refusing anything that escapes."""
    if "\\" in name:
        name = name.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or re.match(r"^[A-Za-z]:", name):
        raise CollectError(f"{where}: refusing the absolute path {name!r}")
    parts = [p for p in path.parts if p not in ("", ".")]
    if ".." in parts:
        raise CollectError(f"{where}: refusing {name!r}: it leads outside the submission "
                           "folder (path traversal)")
    return parts


def _entries_from_zip(path):
    """[(parts, origin, reader)] of the files in a zip."""
    entries = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                _safe_parts(info.filename, path.name)
                continue
            parts = _safe_parts(info.filename, path.name)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise CollectError(f"{path.name}: refusing the symbolic link {info.filename!r}")
            if info.file_size > MAX_FILE_BYTES:
                raise CollectError(f"{path.name}: {info.filename!r} is larger than "
                                   f"{MAX_FILE_BYTES // 2**20} MB")
            if parts[0] == "__MACOSX" or parts[-1].startswith("."):
                continue

            def reader(name=info.filename):
                with zipfile.ZipFile(path) as again:
                    return again.read(name)
            entries.append((parts, f"{path.name}:{info.filename}", reader))
    return entries


def _entries_from_folder(folder):
    entries = []
    for item in sorted(folder.rglob("*")):
        rel = item.relative_to(folder)
        if item.is_symlink():
            raise CollectError(f"{folder}: refusing the symbolic link {rel}")
        if item.is_dir() or any(p.startswith(".") for p in rel.parts):
            continue
        if item.stat().st_size > MAX_FILE_BYTES:
            raise CollectError(f"{folder}: {rel} is larger than {MAX_FILE_BYTES // 2**20} MB")
        entries.append((list(rel.parts), str(rel), item.read_bytes))
    return entries


def _notebook_owner(notebooks, name, assignment):
    """The assignment a notebook file belongs to (or None)."""
    if assignment:
        return assignment if name in notebooks.get(assignment, ()) else None
    owners = [a for a, names in notebooks.items() if name in names]
    return owners[0] if len(owners) == 1 else None


def _plan(entries, notebooks, assignment, regexp):
    """Group entries into submissions; raise CollectError on anything doubtful."""
    pattern = re.compile(regexp)
    plan = {}
    seen_ids = {}
    for parts, origin, reader in entries:
        if not parts[-1].endswith(".ipynb"):
            continue
        timestamp = None
        if len(parts) == 1:
            match = pattern.match(parts[0])
            if not match:
                raise CollectError(f"{origin}: not in a student folder and not matching the "
                                   f"file name pattern {regexp!r}")
            groups = match.groupdict()
            student = groups.get("student_id") or ""
            file_name = f"{groups.get('file_id', '')}.ipynb"
            timestamp = groups.get("timestamp")
            owner = _notebook_owner(notebooks, file_name, assignment)
        elif len(parts) in (2, 3):
            student, file_name = parts[0], parts[-1]
            if len(parts) == 3:
                owner = parts[1] if file_name in notebooks.get(parts[1], ()) else None
                if assignment and parts[1] != assignment:
                    continue
            else:
                owner = _notebook_owner(notebooks, file_name, assignment)
        else:
            raise CollectError(f"{origin}: too deep; expected STUDENT/NOTEBOOK.ipynb or "
                               "STUDENT/ASSIGNMENT/NOTEBOOK.ipynb")
        if not STUDENT_ID.match(student):
            raise CollectError(f"{origin}: {student!r} is not a valid student id (letters, "
                               "digits, '.', '_', '-'; at most 64)")
        if owner is None:
            known = ", ".join(sorted(n for names in notebooks.values() for n in names))
            raise CollectError(f"{origin}: {file_name!r} is not a notebook of "
                               f"{assignment or 'any released assignment'} (known: {known})")
        folded = student.casefold()
        if seen_ids.setdefault(folded, student) != student:
            raise CollectError(f"{origin}: students {seen_ids[folded]!r} and {student!r} "
                               "differ only in case; rename one")
        submission = plan.setdefault((student, owner), Submission(student, owner, {}))
        if file_name in submission.files:
            first = submission.files[file_name][0]
            raise CollectError(
                f"duplicate submission: student {student!r} has {file_name} twice "
                f"({first} and {origin}); keep only one and collect again")
        submission.files[file_name] = (origin, reader)
        if timestamp:
            submission.timestamp = timestamp
    return sorted(plan.values(), key=lambda s: (s.assignment, s.student))


def collect(course, path, assignment=None, replace=False, regexp=DEFAULT_REGEXP):
    """Import submissions from ``path`` (a folder or a .zip) into ``course``.

    Returns the list of :class:`Submission` imported. Raises :class:`CollectError`
    (nothing imported) when anything is wrong.
    """
    path = Path(path)
    if not path.exists():
        raise CollectError(f"{path} does not exist")
    released = {}
    for name in course.assignments():
        folder = course.release_dir / name
        released[name] = {p.name for p in folder.glob("*.ipynb")} if folder.is_dir() else set()
    if assignment and assignment not in released:
        raise CollectError(f"unknown assignment {assignment!r} (known: "
                           f"{', '.join(sorted(released))})")
    if path.is_dir():
        entries = _entries_from_folder(path)
    elif zipfile.is_zipfile(path):
        entries = _entries_from_zip(path)
    else:
        raise CollectError(f"{path} is neither a folder nor a zip file")
    plan = _plan(entries, released, assignment, regexp)
    if not plan:
        raise CollectError(f"{path}: no notebooks found")
    existing = course.submitted_dir
    if existing.is_dir():
        by_case = {p.name.casefold(): p.name for p in existing.iterdir() if p.is_dir()}
        for submission in plan:
            other = by_case.get(submission.student.casefold())
            if other and other != submission.student:
                raise CollectError(f"student {submission.student!r} would duplicate the "
                                   f"already collected {other!r} (ids differ only in case)")
            if other and (existing / other / submission.assignment).exists() and not replace:
                raise CollectError(
                    f"student {submission.student!r} already has a submission of "
                    f"{submission.assignment} in {existing}; use --replace to take the new one")
    for submission in plan:
        target = existing / submission.student / submission.assignment
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for file_name, (_, reader) in submission.files.items():
            (target / file_name).write_bytes(reader())
        if submission.timestamp:
            (target / "timestamp.txt").write_text(_timestamp(submission.timestamp),
                                                 encoding="utf-8")
    return plan


def _timestamp(text):
    """nbgrader's timestamp.txt text from an LMS stamp like 2024-01-30-15-00-00."""
    digits = re.findall(r"\d+", text)
    if len(digits) >= 6:
        y, mo, d, h, mi, s = digits[:6]
        return f"{y}-{mo}-{d} {h}:{mi}:{s}"
    return text


def place_submission(course, student, assignment, notebooks):
    """Place one student's files as nbgrader's submitted/ layout expects (replacing any).

    Inputs:
    - course: the :class:`~dlcourse.course.Course`.
    - student: the student id (a safe folder name).
    - assignment: the assignment name.
    - notebooks: dict mapping file names to a path, a notebook dict, or bytes.

    Returns the submission folder.
    """
    folder = course.submitted_dir / student / assignment
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
