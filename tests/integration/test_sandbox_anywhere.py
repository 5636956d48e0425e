"""The sandbox from any location: a checkout under a mode-700 folder with its virtual
environment inside, graded by ``dlcourse autograde`` and by stock ``nbgrader autograde``
from its ``grading/``, as root and as an unprivileged user; and a broken grader that
says so (a kernel that cannot start is a grader error; ``dlcourse demo`` fails).

The checkout is a copy of this repository's ``lib/`` (an editable-style install: a
``.pth`` file of the new virtual environment names it), the grading config and the toy
assignment. Its environment reaches the installed packages through a second ``.pth``.
"""

import glob
import io
import os
import shutil
import site
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

import dlcourse
import hostile_cells as hc
from dlcourse import cli
from dlcourse import simulated_submissions as simulate
from dlcourse.autograde import autograde
from dlcourse.bwrap import problem
from dlcourse.demo import submit_simulated
from dlcourse.grades_export import write_grade_reports
from dlcourse.grading_records import read_record
from dlcourse.scratch_course import create_course

TOY = "00_toy"
FULL = 6.0
UNPRIVILEGED = "dlcourse-grader"
REPO = Path(dlcourse.__file__).resolve().parents[2]
LIMITS = {"DLCOURSE_CELL_TIMEOUT": "40", "DLCOURSE_KERNEL_MEMORY_MB": "1024",
          "DLCOURSE_KERNEL_CPU_SECONDS": "120"}

pytestmark = pytest.mark.skipif(problem() is not None, reason=f"no sandbox: {problem()}")


def _environment(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DLCOURSE_", "JUPYTER", "PYTHON", "VIRTUAL_ENV"))}
    env.update(LIMITS, HOME=str(home), OPENBLAS_NUM_THREADS="1")
    return env


def _checkout(folder, python):
    """A course checkout in ``folder`` (mode 700) with ``.venv`` inside it."""
    course = folder / "course"
    for package in ("dlbasics", "dlcourse"):
        shutil.copytree(REPO / "lib" / package, course / "lib" / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    simulate.write_toy_assignment(course / "solutions", TOY)
    (course / "notebooks").mkdir()
    (course / "grading").mkdir()
    shutil.copyfile(REPO / "grading" / "nbgrader_config.py",
                    course / "grading" / "nbgrader_config.py")
    subprocess.run([python, "-m", "venv", "--without-pip", str(course / ".venv")], check=True,
                   capture_output=True, timeout=120)
    packages = glob.glob(str(course / ".venv" / "lib" / "python3*" / "site-packages"))[0]
    Path(packages, "course.pth").write_text(
        f"{course / 'lib'}\n{site.getsitepackages()[0]}\n", encoding="utf-8")
    # nbgrader runs the alembic script by name (the environment's bin/ is first on PATH)
    alembic = course / ".venv" / "bin" / "alembic"
    alembic.write_text(f"#!{course / '.venv' / 'bin' / 'python'}\n"
                       "import sys\nfrom alembic.config import main\nsys.exit(main())\n")
    alembic.chmod(0o755)
    (folder / "home").mkdir()
    return course


def _run(course, args, env, user=None, module="dlcourse.cli"):
    command = [str(course / ".venv" / "bin" / "python"), "-m", module, *args]
    if user:
        command = ["runuser", "-u", user, "--"] + command
    return subprocess.run(command, cwd=course / "grading", env=env, capture_output=True,
                          text=True, timeout=900)


def _submit(course, decoy, secret):
    solution = nbformat.read(str(course / "solutions" / TOY / f"{TOY}.ipynb"), as_version=4)
    known = [str(decoy), str(course / "solutions" / TOY / f"{TOY}.ipynb"),
             str(course / "grading" / "gradebook.db")]
    cells = {"scan-disk": hc.scan_disk(secret, known),
             "write-outside": hc.write_outside([str(course / "solutions"),
                                                str(course / "lib" / "dlbasics")], secret)}
    notebooks = {"solution": solution}
    for student, code in cells.items():
        nb = nbformat.from_dict(solution)
        nb.cells[simulate.answer_cells(nb)[-1]].source = code
        notebooks[student] = nb
    for student, nb in notebooks.items():
        folder = course / "grading" / "submitted" / student / TOY
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{TOY}.ipynb"))


def _scores(course):
    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(TOY)}


def _check_reports(course, secret):
    def seen(student):
        path = course / "grading" / "autograded" / student / TOY / f"{TOY}.ipynb"
        return hc.report(nbformat.read(str(path), as_version=4))

    scan = seen("scan-disk")
    assert scan["decoy_hits"] == [], scan
    assert all(v.startswith("denied") for v in scan["direct"].values()), scan["direct"]
    inside = [p for p in scan["found"] if p.startswith(str(course / "grading"))
              or p.startswith(str(course / "solutions"))]
    assert inside == []
    writes = hc.report(nbformat.read(str(course / "grading" / "autograded" / "write-outside"
                                         / TOY / f"{TOY}.ipynb"), as_version=4))["writes"]
    assert writes[str(course / "lib" / "dlbasics")].startswith("denied"), writes
    # (as a user, writing the solutions' path may "succeed": in the sandbox's private /tmp,
    # where that path is a new, empty folder; the real one is untouched)
    assert (course / "solutions" / TOY / f"{TOY}.ipynb").is_file()
    assert secret not in (course / "solutions" / TOY / f"{TOY}.ipynb").read_text()


@pytest.fixture
def decoy():
    secret = f"decoy-{uuid.uuid4().hex}"
    path = Path("/tmp") / f"{secret}.ipynb"
    path.write_text(secret, encoding="utf-8")
    os.chmod(path, 0o644)
    yield path, secret
    path.unlink()


def _grade_both_ways(course, env, user, decoy):
    path, secret = decoy
    released = _run(course, ["--course", str(course), "release"], env, user)
    assert released.returncode == 0, released.stdout + released.stderr
    _submit(course, path, secret)
    if user:
        subprocess.run(["chown", "-R", user, str(course)], check=True)
    ours = _run(course, ["--course", str(course), "autograde", "--no-progress"], env, user)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert _scores(course) == {"solution": FULL, "scan-disk": FULL, "write-outside": FULL}
    _check_reports(course, secret)
    shutil.rmtree(course / "grading" / "autograded")
    stock = _run(course, ["autograde", TOY, "--force"], env, user, module="nbgrader")
    assert stock.returncode == 0, stock.stdout + stock.stderr
    assert _scores(course) == {"solution": FULL, "scan-disk": FULL, "write-outside": FULL}
    _check_reports(course, secret)


@pytest.mark.skipif(os.geteuid() != 0, reason="the root case needs root")
def test_a_checkout_under_a_private_folder_grades_as_root(tmp_path, decoy):
    folder = tmp_path / "root-home"
    folder.mkdir(mode=0o700)
    course = _checkout(folder, sys._base_executable)
    _grade_both_ways(course, _environment(folder / "home"), None, decoy)


def _unprivileged_python():
    """A Python of this version that another user may run (the test's own may live under
    a private folder, as pyenv's does under /root)."""
    for candidate in (sys._base_executable, f"/usr/bin/python{sys.version_info.major}."
                      f"{sys.version_info.minor}"):
        parts = Path(candidate).resolve().parents
        if all(os.stat(p).st_mode & 0o001 for p in parts) and os.access(candidate, os.X_OK):
            return candidate
    return None


def test_a_checkout_under_a_private_folder_grades_as_an_unprivileged_user(tmp_path, decoy):
    if os.geteuid() == 0:
        if subprocess.run(["id", UNPRIVILEGED], capture_output=True).returncode != 0:
            made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                                   "/usr/sbin/nologin", UNPRIVILEGED], capture_output=True)
            if made.returncode != 0:
                pytest.skip(f"cannot create the user {UNPRIVILEGED}: {made.stderr.strip()}")
        user = UNPRIVILEGED
    else:
        user = None  # this test already runs unprivileged
    python = _unprivileged_python()
    if python is None:
        pytest.skip("no Python of this version that an unprivileged user can run")
    folder = Path("/tmp") / f"dlcourse-unprivileged-{uuid.uuid4().hex[:8]}"
    folder.mkdir(mode=0o700)
    try:
        course = _checkout(folder, python)
        if user:
            subprocess.run(["chown", "-R", user, str(folder)], check=True)
        _grade_both_ways(course, _environment(folder / "home"), user, decoy)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_a_kernel_that_cannot_start_fails_the_demo_and_the_run(tmp_path, monkeypatch, capsys):
    # 40 MiB of address space: Python cannot even start, so no kernel ever answers
    monkeypatch.setenv("DLCOURSE_KERNEL_MEMORY_MB", "40")
    code = cli.main(["--course", str(REPO), "demo", "01_perceptron", "--dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 1, captured.out + captured.err
    assert "FAILED" in captured.err and "the solution of 01_perceptron scored 0/" in captured.err
    assert "the kernel could not start" in captured.err
    assert "grader errors:" in captured.out


def test_an_unsafe_run_says_so_in_every_record(tmp_path, monkeypatch):
    for name, value in LIMITS.items():
        monkeypatch.setenv(name, value)
    source = tmp_path / "source"
    simulate.write_toy_assignment(source, TOY)
    course = create_course(tmp_path / "course", [TOY], source_dir=source)
    solution = nbformat.read(str(course.source_dir / TOY / f"{TOY}.ipynb"), as_version=4)
    submit_simulated(course, TOY, "solution", solution)
    out = io.StringIO()
    report = autograde(course, workers=1, out=out, unsafe=True)
    row = report.rows[0]
    assert row.score == FULL and "graded WITHOUT the sandbox" in row.status
    assert "UNSAFE: graded WITHOUT the sandbox" in out.getvalue()
    record = read_record(course.status_dir, TOY, "solution")
    assert any(i["kind"] == "unsafe" for nb in record["notebooks"].values()
               for i in nb["incidents"])
    write_grade_reports(course)
    assert "graded WITHOUT the sandbox" in (course.reports_dir / "grades.csv").read_text()
    # and the next run without the flag is sandboxed again
    report = autograde(course, workers=1, out=io.StringIO())
    assert (report.rows[0].score, report.rows[0].status) == (FULL, "graded")
