"""``dlcourse bundle``: what trainees receive holds the course and none of the answers."""

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dlcourse import bundle as bundle_mod
from dlcourse.cli import main as dlcourse

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return bundle_mod.build_bundle(tmp_path_factory.mktemp("bundle") / "dlbasics-course", ROOT)


def region_lines(marker_begin, marker_end):
    """Lines inside nbgrader regions of the solution notebooks, with the lines that also
    occur outside them (visible tests, prose) removed."""
    inside, outside = set(), set()
    for path in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            within = False
            for line in "".join(cell["source"]).splitlines():
                text = line.strip()
                if text.startswith(marker_begin):
                    within = True
                elif text.startswith(marker_end):
                    within = False
                elif text:
                    (inside if within else outside).add(text)
    return {s for s in inside - outside if len(s) >= 25}


def bundle_text(folder, skip_library=False):
    texts = {}
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not (skip_library and rel.startswith("lib/")):
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            if path.suffix == ".ipynb":  # what a trainee reads: sources and outputs
                cells = json.loads(text)["cells"]
                text = "\n".join("".join(c["source"]) + "\n" + json.dumps(c.get("outputs", []))
                                  for c in cells)
            texts[rel] = text
    return texts


def test_bundle_holds_the_release_library_data_and_set_up_files(built):
    top = {p.name for p in built.path.iterdir()}
    assert top == {"README.md", "pyproject.toml", "environment.yml", "notebooks", "lib",
                   bundle_mod.BUNDLE_MARKER}
    for name in ASSIGNMENTS:
        ours = built.path / "notebooks" / name / f"{name}.ipynb"
        assert ours.read_bytes() == (ROOT / "notebooks" / name / f"{name}.ipynb").read_bytes()
    library = sorted(p.relative_to(ROOT / "lib").as_posix()
                     for p in (ROOT / "lib" / "dlbasics").rglob("*")
                     if p.is_file() and "course" not in p.parts and "__pycache__" not in p.parts)
    assert sorted(f[4:] for f in built.files if f.startswith("lib/")) == library
    assert "lib/dlbasics/lab.py" in built.files
    for rel in ("lib/dlbasics/data/katakana/katakana_train.npz",
                "lib/dlbasics/data/pretrained/digits_mlp.npz"):
        assert (built.path / rel).read_bytes() == (ROOT / rel).read_bytes()
    # the zip holds the same files under one top folder
    with zipfile.ZipFile(built.zip_path) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(f"{built.path.name}/{f}" for f in built.files)


def test_readme_is_japanese_with_the_two_commands(built):
    readme = (built.path / "README.md").read_text(encoding="utf-8")
    assert "はじめかた" in readme and "提出" in readme
    assert "python -m pip install -e ." in readme and ".venv/bin/dlbasics-lab" in readme
    for name in ASSIGNMENTS:
        assert f"notebooks/{name}/{name}.ipynb" in readme
    assert "{{" not in readme and "make " not in readme and "solutions" not in readme


def test_trainee_set_up_files_name_the_runtime_dependencies_only():
    import tomllib

    main = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    trainee = tomllib.loads(bundle_mod.trainee_pyproject())
    assert trainee["project"]["dependencies"] == main["dependencies"]
    assert trainee["project"]["scripts"] == {"dlbasics-lab": "dlbasics.lab:main"}
    assert "dlcourse." not in bundle_mod.trainee_pyproject()  # no instructor entry point
    env = bundle_mod.trainee_environment_yml()
    for dev_only in ("pytest", "hypothesis", "ruff", "psycopg2"):
        assert dev_only not in env
    for dep in main["dependencies"]:
        assert f"- {dep}" in env
    assert "- -e ." in env


def test_no_answer_hidden_test_image_gradebook_or_instructor_code(built):
    assert bundle_mod.find_leaks(built.path) == []
    # the same facts, checked here without the bundle module's scanner
    texts = bundle_text(built.path)
    for rel, text in texts.items():
        for marker in bundle_mod.MARKERS:
            assert marker not in text, (rel, marker)
        assert "import dlcourse" not in text and "dlbasics.course" not in text, rel
    hidden = region_lines("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    solution = region_lines("### BEGIN SOLUTION", "### END SOLUTION")
    assert len(hidden) > 100 and len(solution) > 30
    for rel, text in texts.items():
        lines = {line.strip() for line in text.splitlines()}
        assert not lines & hidden, (rel, sorted(lines & hidden)[:3])
    for rel, text in bundle_text(built.path, skip_library=True).items():
        lines = {line.strip() for line in text.splitlines()}
        assert not lines & solution, (rel, sorted(lines & solution)[:3])
    test_npz = ROOT / "grading" / "katakana" / "katakana_test.npz"
    test_sha = hashlib.sha256(test_npz.read_bytes()).hexdigest()
    with np.load(test_npz) as data:
        test_images = {img.tobytes() for key in data.files if data[key].ndim >= 3
                       for img in data[key]}
    assert len(test_images) > 10000
    for path in built.path.rglob("*"):
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() != test_sha
            assert not path.read_bytes().startswith(b"SQLite format 3")
            assert path.suffix not in (".db", ".sqlite")
        assert path.name not in ("solutions", "grading", "course", "dlcourse")
    with np.load(built.path / "lib/dlbasics/data/katakana/katakana_train.npz") as data:
        train = [img.tobytes() for key in data.files if data[key].ndim >= 3
                 for img in data[key]]
    assert train and not test_images & set(train)


def plant(folder, rel, content):
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def test_every_kind_of_leak_is_found(built, tmp_path):
    leaky = tmp_path / "leaky"
    shutil.copytree(built.path, leaky)
    hidden = sorted(region_lines("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))[0]
    released = "".join(path.read_text(encoding="utf-8")
                       for path in (built.path / "notebooks").rglob("*.ipynb"))
    library = "".join(path.read_text(encoding="utf-8")
                      for path in (ROOT / "lib" / "dlbasics").glob("*.py"))
    answer = next(line for line in sorted(region_lines("### BEGIN SOLUTION", "### END SOLUTION"))
                  if len(line) > 20 and json.dumps(line)[1:-1] not in released
                  and line not in library)
    notebook = leaky / "notebooks" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.ipynb"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"][-1]["source"] = f"def f():\n    {answer}\n"
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    plant(leaky, "notes.txt", f"    {hidden}\n")
    plant(leaky, "extra/markers.py", "# ### BEGIN SOLUTION\n")
    test_npz = ROOT / "grading" / "katakana" / "katakana_test.npz"
    (leaky / "data").mkdir()
    plant(leaky, "data/more.npz", test_npz.read_bytes())
    with np.load(test_npz) as data:
        key = next(k for k in data.files if data[k].ndim >= 3)
        some = data[key][5:9].astype(np.float32) / 255
    np.savez(leaky / "data" / "augmented.npz", x=some.reshape(len(some), -1))
    sqlite3.connect(leaky / "progress.bin").execute("create table t (x)").connection.commit()
    plant(leaky, "lib/dlbasics/course/__init__.py", "")
    plant(leaky, "lib/helper.py", "from dlcourse.grader import x\n")
    plant(leaky, "gradebook.json", "{}")
    problems = "\n".join(bundle_mod.find_leaks(leaky))
    expected = [f"notebooks/{ASSIGNMENTS[0]}/{ASSIGNMENTS[0]}.ipynb: 1 solution lines",
                "notes.txt: 1 hidden test lines", "extra/markers.py: nbgrader marker",
                "data/more.npz: the hidden test images", "data/augmented.npz: 4 hidden test",
                "progress.bin: an SQLite database", "lib/dlbasics/course/__init__.py: "
                "instructor package", "lib/helper.py: imports the instructor package",
                "gradebook.json: a gradebook"]
    for item in expected:
        assert item in problems, f"not found: {item}\n{problems}"


def test_command_writes_the_bundle_and_refuses_bad_destinations(tmp_path, capsys):
    dest = tmp_path / "out"
    assert dlcourse(["--course", str(ROOT), "bundle", str(dest), "--no-zip"]) == 0
    out = capsys.readouterr().out
    assert f"{len(ASSIGNMENTS)} notebooks" in out and not Path(f"{dest}.zip").exists()
    assert dlcourse(["--course", str(ROOT), "bundle", str(dest)]) == 1
    assert "pass --replace" in capsys.readouterr().err
    assert dlcourse(["--course", str(ROOT), "bundle", str(dest), "--replace"]) == 0
    other = tmp_path / "somebody"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    assert dlcourse(["--course", str(ROOT), "bundle", str(other), "--replace"]) == 1
    assert "not made by dlcourse bundle" in capsys.readouterr().err
    assert (other / "thesis.tex").read_text() == "keep me"
    assert dlcourse(["--course", str(ROOT), "bundle", str(ROOT / "notebooks" / "bundle")]) == 1
    assert "outside the course" in capsys.readouterr().err
    assert not (ROOT / "notebooks" / "bundle").exists()


def test_a_leak_leaves_nothing_behind(tmp_path, monkeypatch):
    write_tree = bundle_mod._write_tree

    def careless(tmp, root):  # as if someone shipped the hidden test set with the data
        write_tree(tmp, root)
        shutil.copy2(ROOT / "grading/katakana/katakana_test.npz",
                     tmp / "lib/dlbasics/data/katakana/extra.npz")

    monkeypatch.setattr(bundle_mod, "_write_tree", careless)
    with pytest.raises(bundle_mod.BundleError, match="hidden test images"):
        bundle_mod.build_bundle(tmp_path / "b", ROOT)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_bundle_installs_in_a_fresh_venv_and_notebook_01_runs_to_its_checks(built, tmp_path):
    with zipfile.ZipFile(built.zip_path) as archive:
        archive.extractall(tmp_path)
    course = tmp_path / built.path.name
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(course)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    probe = subprocess.run(
        [str(python), "-c", "import dlbasics, dlbasics.datasets as d, importlib.util as u;"
         "print(dlbasics.__file__); print(d.get_data_dir());"
         "print(u.find_spec('dlbasics.course'), u.find_spec('dlcourse'))"],
        capture_output=True, text=True, timeout=60, check=True, cwd=tmp_path)
    assert probe.stdout.split() == [str(course / "lib/dlbasics/__init__.py"),
                                    str(course / "lib/dlbasics/data"), "None", "None"]
    assert (venv / "bin" / "dlbasics-lab").exists()
    name = ASSIGNMENTS[0]
    run = subprocess.run(
        [str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
         "--allow-errors", "--ExecutePreprocessor.timeout=120", "--output",
         str(tmp_path / "ran.ipynb"), str(course / "notebooks" / name / f"{name}.ipynb")],
        capture_output=True, text=True, timeout=300, cwd=course / "notebooks" / name)
    assert run.returncode == 0, run.stderr[-3000:]
    cells = json.loads((tmp_path / "ran.ipynb").read_text(encoding="utf-8"))["cells"]
    failed = {}
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        # a check reports the blank's NotImplementedError with the case that raised it
        errors = ["NotImplementedError" if "NotImplementedError" in o["ename"] + o["evalue"]
                  else o["ename"] for o in cell["outputs"] if o["output_type"] == "error"]
        if errors:
            failed[grade_id] = errors
    graded = [c["metadata"].get("nbgrader", {}) for c in cells]
    answers = [m["grade_id"] for m in graded if m.get("solution")]
    checks = [m["grade_id"] for m in graded if m.get("grade") and m["grade_id"].startswith("check")]
    # the blanks define their functions; each visible check calling one stops at the stub
    assert answers and checks and not set(answers) & set(failed), failed
    assert set(failed) == set(checks), failed
    assert all(errors == ["NotImplementedError"] for errors in failed.values()), failed
