"""``dlcourse bundle DIR``: the course as trainees receive it, without the answers.

The bundle (a folder ``DIR`` and ``DIR.zip`` of it) holds the released notebooks, the
trainee library ``dlbasics`` with its data (the katakana training set, the pre-trained
weights; not the katakana generator, which can rebuild the hidden test set), a trainee
``pyproject.toml`` and ``environment.yml`` generated from the project's own, and
a Japanese README with two commands (install, open). ``dlbasics-lab`` opens JupyterLab
with nbgrader's trainee tools only (see :mod:`dlbasics.lab`).

Before anything is written where the instructor asked, :func:`find_leaks` reads every
file of the new bundle back: no solution or hidden-test text, no hidden test image, no
gradebook, no instructor code. A bundle with a problem is never left behind.
"""

import hashlib
import json
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomllib

from dlcourse.course import assignments, find_course_root

__all__ = ["BUNDLE_MARKER", "BundleError", "Bundle", "build_bundle",
           "find_leaks", "trainee_pyproject", "trainee_environment_yml"]

#: A file that marks a folder made by ``dlcourse bundle`` (so ``--replace`` may delete it).
BUNDLE_MARKER = ".dlcourse-bundle"
#: The hidden test images (never in a bundle).
HIDDEN_TEST_IMAGES = "grading/katakana/katakana_test.npz"
README_TEMPLATE = "grading/bundle/trainee_README.md"
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_REGIONS = {"solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
            "hidden test": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")}
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
_INSTRUCTOR_IMPORT = re.compile(r"^\s*(from|import)\s+(dlcourse|dlbasics\.course)\b", re.M)


class BundleError(RuntimeError):
    """The bundle cannot be made (bad destination, or a leak found); says what and where."""


@dataclass
class Bundle:
    path: Path
    zip_path: Path | None
    files: list


def _project_root(root=None):
    """The repository (course root holding the project's ``pyproject.toml`` and library)."""
    root = Path(root) if root is not None else find_course_root()
    for needed in ("pyproject.toml", "lib/dlbasics/__init__.py", "notebooks", "solutions"):
        if not (root / needed).exists():
            raise BundleError(f"{root} has no {needed}: run dlcourse bundle in the "
                              "project's repository (or pass --course)")
    return root


def _project(root):
    return tomllib.loads((_project_root(root) / "pyproject.toml").read_text(encoding="utf-8"))


def trainee_pyproject(root=None):
    """The bundle's ``pyproject.toml``: the project's runtime dependencies (not its dev
    tools), the ``dlbasics`` package only, and the ``dlbasics-lab`` command."""
    data = _project(root)
    project = data["project"]
    deps = "".join(f'    "{d}",\n' for d in project["dependencies"])
    package_data = json.dumps(data["tool"]["setuptools"]["package-data"]["dlbasics"])
    return (
        "# The course for trainees (made by `dlcourse bundle`).\n"
        "# Install: python -m pip install -e .   Open: dlbasics-lab\n"
        '[build-system]\nrequires = ["setuptools>=77"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "dlbasics"\nversion = "{project["version"]}"\n'
        'description = "Deep learning from scratch with NumPy: notebooks and library"\n'
        f'requires-python = "{project["requires-python"]}"\n'
        f"dependencies = [\n{deps}]\n\n"
        '[project.scripts]\ndlbasics-lab = "dlbasics.lab:main"\n\n'
        '[tool.setuptools.packages.find]\nwhere = ["lib"]\ninclude = ["dlbasics*"]\n\n'
        f"[tool.setuptools.package-data]\ndlbasics = {package_data}\n"
    )


def trainee_environment_yml(root=None):
    """The bundle's ``environment.yml``: the project's, without its dev tools."""
    data = _project(root)
    runtime = {_name(d) for d in data["project"]["dependencies"]}
    dev = {_name(d) for d in data["project"]["optional-dependencies"]["dev"]} - runtime
    lines = ["# Conda environment of the course (made by `dlcourse bundle`):",
             "#   conda env create -f environment.yml && conda activate dlbasics",
             "#   dlbasics-lab"]
    body = (_project_root(root) / "environment.yml").read_text(encoding="utf-8").splitlines()
    started = False
    for line in body:
        started = started or line.startswith("name:")
        item = line.strip()
        if not started or (item.startswith("- ") and _name(item[2:]) in dev):
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def _name(requirement):
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _check_destination(dest, root, replace):
    root = Path(root).resolve()
    if dest == root or root.is_relative_to(dest) or dest.is_relative_to(root / "solutions") \
            or dest.is_relative_to(root / "notebooks") or dest.is_relative_to(root / "lib"):
        raise BundleError(f"{dest}: choose a folder outside the course's own folders")
    for path in (dest, Path(f"{dest}.zip")):
        if path.exists() and not replace:
            raise BundleError(f"{path} exists; pass --replace to overwrite a bundle "
                              "made by dlcourse bundle")
    if dest.exists() and any(dest.iterdir()) and not (dest / BUNDLE_MARKER).is_file():
        raise BundleError(f"{dest} exists and was not made by dlcourse bundle; "
                          "not replacing it")


def _write_tree(tmp, root):
    root = Path(root)
    for name in assignments(root / "notebooks"):
        shutil.copytree(root / "notebooks" / name, tmp / "notebooks" / name, ignore=_IGNORE)
    shutil.copytree(root / "lib" / "dlbasics", tmp / "lib" / "dlbasics",
                    ignore=shutil.ignore_patterns("course", "__pycache__", "*.pyc", "mnist",
                                                  "fashion-mnist"))
    (tmp / "pyproject.toml").write_text(trainee_pyproject(root), encoding="utf-8")
    (tmp / "environment.yml").write_text(trainee_environment_yml(root), encoding="utf-8")
    readme = (root / README_TEMPLATE).read_text(encoding="utf-8")
    listing = "\n".join(f"- `notebooks/{n}/{n}.ipynb`"
                        for n in assignments(root / "notebooks"))
    (tmp / "README.md").write_text(readme.replace("{{notebooks}}", listing), encoding="utf-8")
    (tmp / BUNDLE_MARKER).write_text("made by `dlcourse bundle`\n", encoding="utf-8")


def build_bundle(dest, root=None, make_zip=True, replace=False):
    """Write the trainee bundle to ``dest`` (and ``dest.zip`` when ``make_zip``).

    Raises BundleError when ``dest`` is not a fit place (inside the course, or an existing
    folder not made by this command, or existing without ``replace``) or when
    :func:`find_leaks` finds anything; then nothing is changed at ``dest``.
    """
    root = _project_root(root)
    dest = Path(dest).resolve()
    _check_destination(dest, root, replace)
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _write_tree(tmp, root)
        problems = find_leaks(tmp, root)
        if problems:
            raise BundleError("the bundle would leak (nothing written):\n  - "
                              + "\n  - ".join(problems))
        zip_tmp = None
        if make_zip:
            zip_tmp = Path(f"{tmp}.zip")
            _zip(tmp, zip_tmp, dest.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        Path(f"{tmp}.zip").unlink(missing_ok=True)
        raise
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    zip_path = None
    if zip_tmp is not None:
        zip_path = Path(f"{dest}.zip")
        zip_tmp.replace(zip_path)
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    return Bundle(dest, zip_path, files)


def _zip(folder, target, top):
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}")


# ---------------------------------------------------------------- leak detection

def _regions(root):
    """{kind: set of lines only inside that kind of region} of the solution notebooks.

    A line also found outside every region (visible tests, prose, the released library)
    is legitimate trainee material and not counted.
    """
    inside = {kind: set() for kind in _REGIONS}
    outside = set()
    for path in sorted((Path(root) / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            _split_cell("".join(cell["source"]), inside, outside)
    for path in (Path(root) / "lib" / "dlbasics").glob("*.py"):
        outside.update(_lines(path.read_text(encoding="utf-8")))
    return {kind: {s for s in lines - outside if len(s) >= 10} for kind, lines in inside.items()}


def _split_cell(source, inside, outside):
    kind = None
    for line in source.splitlines():
        text = line.strip()
        for name, (begin, end) in _REGIONS.items():
            if text.startswith(begin):
                kind, text = name, ""
            elif text.startswith(end):
                kind, text = None, ""
        if text:
            (inside[kind] if kind else outside).add(text)


def _lines(text):
    return {line.strip() for line in text.splitlines() if line.strip()}


def _text_of(path):
    """The text a trainee can read in ``path`` (a notebook's cells and outputs), or None
    for a binary file."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (json.JSONDecodeError, AttributeError):
            return text
        parts = []
        for cell in cells:
            parts.append("".join(cell.get("source", "")))
            for output in cell.get("outputs", []):
                parts.append(json.dumps(output, ensure_ascii=False))
        return "\n".join(parts)
    return text


def _image_hashes(array):
    """SHA-256 of each image in an (N, ...) array, as uint8 pixels."""
    if array.dtype.kind == "f" and array.size and float(np.nanmax(array)) <= 1.0:
        array = np.rint(array * 255)
    if array.dtype.kind not in "uif":
        return set()
    pixels = np.asarray(array, dtype=np.uint8).reshape(len(array), -1) if array.ndim >= 2 \
        else None
    if pixels is None:
        return set()
    return {hashlib.sha256(row.tobytes()).hexdigest() for row in pixels}


def _arrays(path):
    try:
        if path.suffix == ".npy":
            return [np.load(path, allow_pickle=False)]
        with np.load(path, allow_pickle=False) as data:
            return [data[key] for key in data.files]
    except Exception:  # noqa: BLE001  (a file that is not an array file: nothing to compare)
        return []


def _hidden_images(root):
    path = Path(root) / HIDDEN_TEST_IMAGES
    if not path.is_file():
        return None, set(), 0
    arrays = [a for a in _arrays(path) if a.ndim >= 3]
    size = arrays[0][0].size if arrays else 0
    hashes = set().union(*(_image_hashes(a) for a in arrays)) if arrays else set()
    return hashlib.sha256(path.read_bytes()).hexdigest(), hashes, size


def find_leaks(bundle_dir, root=None):
    """Everything in ``bundle_dir`` that trainees must not get; [] when it is clean.

    Checks every file: solution or hidden-test lines of ``root/solutions`` (those found
    nowhere else in the course), nbgrader's region markers, the hidden test images (the
    file, or any of its images inside an array file), a gradebook (SQLite file or a
    ``gradebook*`` name), instructor code (``dlbasics/course``, ``dlcourse``, or an import
    of them), a ``solutions`` or ``grading`` folder, and a library that differs from
    the repository's ``lib/dlbasics``.
    """
    bundle_dir, root = Path(bundle_dir), _project_root(root)
    regions = _regions(root)
    test_sha, test_images, image_size = _hidden_images(root)
    problems = []
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle_dir).as_posix()
        problems += _path_problems(rel)
        raw = path.read_bytes()
        if raw.startswith(b"SQLite format 3\x00"):
            problems.append(f"{rel}: an SQLite database (a gradebook?)")
        if test_sha and hashlib.sha256(raw).hexdigest() == test_sha:
            problems.append(f"{rel}: the hidden test images ({HIDDEN_TEST_IMAGES})")
        if path.suffix in (".npz", ".npy") and test_images:
            for array in _arrays(path):
                if array.ndim >= 2 and array[0].size == image_size:
                    shared = len(_image_hashes(array) & test_images)
                    if shared:
                        problems.append(f"{rel}: {shared} hidden test images")
        text = _text_of(path)
        if text is not None:
            problems += _text_problems(rel, text, regions)
    problems += _library_differences(bundle_dir, root)
    return problems


def _path_problems(rel):
    parts = rel.split("/")
    problems = []
    if {"solutions", "grading"} & set(parts[:-1]):
        problems.append(f"{rel}: inside a solutions/ or grading/ folder")
    if "dlcourse" in parts[:-1] or rel.startswith("lib/dlbasics/course/"):
        problems.append(f"{rel}: instructor package")
    if parts[-1].lower().startswith("gradebook"):
        problems.append(f"{rel}: a gradebook")
    return problems


def _text_problems(rel, text, regions):
    problems = [f"{rel}: nbgrader marker {m!r}" for m in MARKERS if m in text]
    if _INSTRUCTOR_IMPORT.search(text):
        problems.append(f"{rel}: imports the instructor package")
    lines = _lines(text)
    for kind, region_lines in regions.items():
        found = sorted(lines & region_lines)
        if found:
            problems.append(f"{rel}: {len(found)} {kind} lines, e.g. {found[0]!r}")
    return problems


def _library_differences(bundle_dir, root):
    ours = bundle_dir / "lib" / "dlbasics"
    theirs = Path(root) / "lib" / "dlbasics"
    problems = []
    for path in sorted(p for p in ours.rglob("*") if p.is_file()):
        rel = path.relative_to(ours)
        source = theirs / rel
        if not source.is_file() or source.read_bytes() != path.read_bytes():
            problems.append(f"lib/dlbasics/{rel.as_posix()}: not the repository's library file")
    return problems



# ---------------------------------------------------------------- command line

def _cmd_bundle(args):
    try:
        root = find_course_root(args.course)
        bundle = build_bundle(args.dir, root, make_zip=not args.no_zip, replace=args.replace)
    except BundleError as exc:
        print(f"dlcourse bundle: {exc}", file=sys.stderr)
        return 1
    notebooks = sum(f.endswith(".ipynb") for f in bundle.files)
    print(f"wrote the trainee bundle {bundle.path} ({len(bundle.files)} files, {notebooks} "
          f"notebooks){f' and {bundle.zip_path}' if bundle.zip_path else ''}")
    print("checked: no solution or hidden-test text, no hidden test image, no gradebook, "
          "no instructor code")
    return 0


def add_parser(sub):
    """``dlcourse bundle DIR [--replace] [--no-zip]``."""
    p = sub.add_parser("bundle", help="the course for trainees, without the answers "
                       "(DIR and DIR.zip)")
    p.add_argument("dir", help="folder to write (outside the course's own folders)")
    p.add_argument("--replace", action="store_true",
                   help="overwrite a bundle that dlcourse bundle made before")
    p.add_argument("--no-zip", action="store_true", help="only the folder, no DIR.zip")
    p.set_defaults(func=_cmd_bundle)
