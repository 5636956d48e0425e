"""Checking and unpacking an uploaded submission zip, before anything of it runs.

Refused, each with its own message (:class:`UploadRejected`, ``kind``): not a zip, an
entry leaving the folder (``../``), an absolute path, a symbolic link or other special
file, too many files or too many unpacked bytes (a zip bomb: the limit is counted on
the bytes actually written, not on the sizes the zip claims), no ``submission.py``, and
what the scorer's static check refuses (forbidden imports, pickles, syntax errors).
"""

import io
import posixpath
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from dlcourse.katakana.refusal import ScoringRefused
from dlcourse.katakana.static_checks import check_submission_folder

__all__ = ["UploadLimits", "UploadRejected", "unpack", "submission_root", "validate"]

#: Entries that archivers add and that are never part of a submission.
IGNORED_PREFIXES = ("__MACOSX/",)
IGNORED_NAMES = (".DS_Store", "Thumbs.db")
CHUNK = 1 << 16


@dataclass(frozen=True)
class UploadLimits:
    """Sizes an upload may have (bytes, files)."""

    max_upload_bytes: int = 20 * 2**20
    max_unpacked_bytes: int = 100 * 2**20
    max_files: int = 200


class UploadRejected(Exception):
    """An upload that is not scored and costs nothing; ``kind`` names the problem."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _check_name(info):
    name = info.filename
    if "\x00" in name or "\\" in name:
        raise UploadRejected("bad name", f"the entry {name!r} has a backslash or NUL in its "
                             "name; zip the folder with a standard tool")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UploadRejected("absolute path", f"the entry {name!r} is an absolute path; "
                             "zip the folder's contents with relative paths")
    if ".." in name.split("/"):
        raise UploadRejected("zip slip", f"the entry {name!r} points outside the folder "
                             "('..'); zip the folder's contents only")
    mode = info.external_attr >> 16  # Unix mode, if the archiver recorded one
    if stat.S_ISLNK(mode):
        raise UploadRejected("symlink", f"the entry {name!r} is a symbolic link; put the file "
                             "itself into the zip")
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise UploadRejected("special file", f"the entry {name!r} is not an ordinary file")


def _entries(archive, limits):
    entries = []
    for info in archive.infolist():
        name = info.filename
        if name.startswith(IGNORED_PREFIXES) or posixpath.basename(name) in IGNORED_NAMES:
            continue
        _check_name(info)
        if not info.is_dir():
            entries.append(info)
    if len(entries) > limits.max_files:
        raise UploadRejected("too many files", f"the zip holds {len(entries)} files; at most "
                             f"{limits.max_files} are accepted")
    claimed = sum(info.file_size for info in entries)
    if claimed > limits.max_unpacked_bytes:
        raise UploadRejected("too large unpacked", _unpacked_message(claimed, limits))
    return entries


def _unpacked_message(size, limits):
    return (f"the zip unpacks to more than {limits.max_unpacked_bytes // 2**20} MiB "
            f"({size / 2**20:.1f} MiB or more); submit only the code, weights and notebooks")


def unpack(data, target, limits):
    """Unpack zip bytes into the new folder ``target``; returns the sorted file names.

    Raises UploadRejected; ``target`` is removed again then.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected("not a zip", "the file is not a zip archive; make one with "
                             "「圧縮」/ `zip -r submission.zip submission/`") from None
    target = Path(target)
    target.mkdir(parents=True)
    written = 0
    try:
        with archive:
            for info in _entries(archive, limits):
                path = target.joinpath(*info.filename.split("/"))
                path.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, path.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        written += len(chunk)
                        if written > limits.max_unpacked_bytes:
                            raise UploadRejected("too large unpacked",
                                                 _unpacked_message(written, limits))
                        out.write(chunk)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise UploadRejected("broken zip", f"the zip cannot be read ({exc})") from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())


def submission_root(folder):
    """The folder holding submission.py: the top, or the only top-level folder."""
    folder = Path(folder)
    if (folder / "submission.py").is_file():
        return folder
    tops = [p for p in folder.iterdir()]
    if len(tops) == 1 and tops[0].is_dir() and (tops[0] / "submission.py").is_file():
        return tops[0]
    raise UploadRejected("missing submission.py", "the zip has no submission.py at its top "
                         "(or in its only folder); it must define preprocess() and predict()")


def validate(data, target, limits):
    """Unpack and statically check an upload; returns (submission folder, file names)."""
    if len(data) > limits.max_upload_bytes:
        raise UploadRejected("too large", f"the file has {len(data) / 2**20:.1f} MiB; at most "
                             f"{limits.max_upload_bytes // 2**20} MiB are accepted")
    files = unpack(data, target, limits)
    root = submission_root(target)
    try:
        check_submission_folder(root)
    except ScoringRefused as exc:
        raise UploadRejected(exc.kind, str(exc)) from None
    return root, files
