"""The instructor's grading pipeline, end to end, on a temporary course.

One scratch course holds a small assignment (``00_toy``: ``sigmoid`` 4 points, then
``double`` 2 points). Every hostile submission of the issue is handed in beside the
solution and the untouched release, and all are graded in ONE parallel
``dlcourse autograde`` run; each must end with a score and a reason while the others
are unaffected and the gradebook stays consistent. Then feedback (no hidden-test line),
the grades CSV (every failure marked), stock ``nbgrader export``, ``release --check``,
and the same parallel path against a real PostgreSQL gradebook.
"""

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from dlcourse import cli
from dlcourse import simulated_submissions as simulate
from dlcourse.autograde import autograde
from dlcourse.collect import collect
from dlcourse.demo import submit_simulated
from dlcourse.feedback import html_text
from dlcourse.grades_export import write_grade_reports
from dlcourse.nbgrader_runner import generate_feedback, run_nbgrader
from dlcourse.scratch_course import create_course

TOY = "00_toy"
FULL = 6.0
SIGMOID_POINTS = 4.0
LIMITS = {
    # short enough that hostile cells end quickly, long enough for a loaded machine
    "DLCOURSE_CELL_TIMEOUT": "8",
    "DLCOURSE_KERNEL_MEMORY_MB": "1024",
    "DLCOURSE_KERNEL_CPU_SECONDS": "120",
}
IS_ROOT = os.geteuid() == 0

#: student -> (expected score, words the reason must contain; None: status "graded")
EXPECTED = {
    "solution": (FULL, None),
    "release": (0.0, None),
    "partial": (SIGMOID_POINTS, None),
    "endless-loop": (SIGMOID_POINTS, "longer than 8 s"),
    "ignores-interrupt": (SIGMOID_POINTS, "ignored the interrupt"),
    "kernel-exit": (SIGMOID_POINTS, "kernel died"),
    "segfault": (SIGMOID_POINTS, "SIGSEGV"),
    "memory-hog": (SIGMOID_POINTS, "out of memory"),
    "output-flood": (SIGMOID_POINTS, "printed"),
    "corrupt-json": (0.0, "could not be read"),
    "missing-notebook": (0.0, "not submitted"),
    "deleted-test": (FULL, "deleted"),
    "edited-test": (FULL, "edited"),
    "duplicated-cell": (FULL, "appears 2 times"),
    "allclose-tampering": (0.0, "tampering"),
    "library-import": (2.0, "tampering"),
    "resubmitted": (FULL, None),
    "snoop": (FULL, None),
}


def snoop_code(course):
    """An answer that tries to read what the sandbox hides, then answers correctly."""
    targets = {
        "solutions": str(course.source_dir / TOY / f"{TOY}.ipynb"),
        "gradebook": str(course.grading_dir / "gradebook.db"),
        "other_student": "../../solution",
        "relative_solutions": f"../../../../solutions/{TOY}",
    }
    return f"""import json, os
_targets = {json.dumps(targets)}
_seen = {{}}
for _name, _path in _targets.items():
    try:
        if os.path.isdir(_path):
            _seen[_name] = sorted(os.listdir(_path))
        else:
            _seen[_name] = open(_path, "rb").read(16).hex()
    except OSError as _exc:
        _seen[_name] = "denied: " + type(_exc).__name__
try:
    open(_targets["gradebook"], "ab").write(b"x")
    _seen["gradebook_write"] = "written"
except OSError as _exc:
    _seen["gradebook_write"] = "denied: " + type(_exc).__name__
_seen["uid"] = os.getuid()
_seen["db_url"] = os.environ.get("DLCOURSE_DB_URL")
print("SNOOP " + json.dumps(_seen))


def double(x):
    return 2 * x
"""


@pytest.fixture(scope="module")
def limits():
    patch = pytest.MonkeyPatch()
    for name, value in LIMITS.items():
        patch.setenv(name, value)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def toy_source(tmp_path_factory):
    source = tmp_path_factory.mktemp("toy_source")
    simulate.write_toy_assignment(source, TOY)
    return source


def _notebooks(course):
    solution = nbformat.read(str(course.source_dir / TOY / f"{TOY}.ipynb"), as_version=4)
    release = nbformat.read(str(course.release_dir / TOY / f"{TOY}.ipynb"), as_version=4)
    return solution, release


@pytest.fixture(scope="module")
def course(limits, toy_source, tmp_path_factory):
    return create_course(tmp_path_factory.mktemp("pipeline") / "course", [TOY],
                         source_dir=toy_source)


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """Hand in every submission and grade them all in one parallel run."""
    solution, release = _notebooks(course)
    submit_simulated(course, TOY, "solution", solution)
    submit_simulated(course, TOY, "release", release)
    submit_simulated(course, TOY, "partial", simulate.partly_right(solution, release))
    for kind in simulate.hostile_kinds(solution):
        submit_simulated(course, TOY, kind, simulate.hostile(kind, solution, TOY))
    snoop = nbformat.from_dict(solution)
    snoop.cells[simulate.answer_cells(snoop)[-1]].source = snoop_code(course)
    submit_simulated(course, TOY, "snoop", snoop)
    # the same student twice: the second collect is refused, then taken with --replace
    first = tmp_path_factory.mktemp("first") / "resubmitted"
    first.mkdir()
    nbformat.write(release, str(first / f"{TOY}.ipynb"))
    collect(course, first.parent)
    with pytest.raises(ValueError, match="already has a submission"):
        collect(course, first.parent)
    nbformat.write(solution, str(first / f"{TOY}.ipynb"))
    collect(course, first.parent, replace=True)

    out = io.StringIO()
    started = time.monotonic()
    report = autograde(course, workers=2, out=out)
    return report, out.getvalue(), time.monotonic() - started


def _rows(report):
    return {row.student: row for row in report.rows}


def test_every_submission_is_graded_in_one_parallel_run(graded):
    report, output, _ = graded
    assert report.workers == 2
    assert not report.grader_errors, report.grader_errors
    assert sorted(_rows(report)) == sorted(EXPECTED), output


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_score_and_reason(graded, student):
    report, output, _ = graded
    expected_score, reason = EXPECTED[student]
    row = _rows(report)[student]
    assert row.score == expected_score, f"{student}: {row.score} ({row.status})\n{output}"
    assert row.max_score == FULL
    if reason is None:
        assert row.status == "graded", f"{student}: {row.status}"
    else:
        assert row.status.startswith("needs attention: "), f"{student}: {row.status}"
        assert reason in row.status, f"{student}: {row.status}"


def test_output_has_a_line_per_student_and_a_summary(graded):
    report, output, _ = graded
    lines = [line for line in output.splitlines() if line.startswith("[")]
    assert len(lines) == len(EXPECTED)
    assert any("kernel-exit" in line and "kernel died" in line for line in lines)
    assert "students in" in output and "with 2 workers" in output
    assert TOY in output.split("mean score", 1)[1]


def test_gradebook_is_consistent(graded, course):
    with Gradebook(course.gradebook_url()) as gb:
        assignment = gb.find_assignment(TOY)
        cells = {cell.name for nb in assignment.notebooks for cell in nb.grade_cells}
        for student in EXPECTED:
            submission = gb.find_submission(TOY, student)
            grades = [g for nb in submission.notebooks for g in nb.grades]
            assert {g.cell.name for g in grades} == cells, student
            assert all(g.score is not None for g in grades), student
            flagged = any(nb.flagged for nb in submission.notebooks)
            assert flagged == (EXPECTED[student][1] is not None), student


def test_cells_before_a_crash_keep_their_outputs(graded, course):
    nb = nbformat.read(str(course.autograded_dir / "kernel-exit" / TOY / f"{TOY}.ipynb"),
                       as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    assert not any(o.output_type == "error" for o in by_id["check_sigmoid"].outputs)
    assert any("not run" in o.get("evalue", "") for o in by_id["check_double"].outputs)


@pytest.mark.skipif(not IS_ROOT, reason="the kernel gets its own user and hidden folders "
                    "only when the grader runs as root")
def test_kernel_cannot_reach_solutions_gradebook_or_other_students(graded, course):
    nb = nbformat.read(str(course.autograded_dir / "snoop" / TOY / f"{TOY}.ipynb"),
                       as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    seen = json.loads(text.split("SNOOP ", 1)[1].splitlines()[0])
    assert seen["solutions"].startswith("denied"), seen
    assert seen["gradebook"].startswith("denied"), seen
    assert seen["gradebook_write"].startswith("denied"), seen
    assert seen["other_student"].startswith("denied"), seen
    assert seen["relative_solutions"].startswith("denied"), seen
    assert seen["uid"] != 0
    assert (course.grading_dir / "gradebook.db").stat().st_size > 0


def test_feedback_has_no_hidden_test_line(graded, course):
    files, leaks = generate_feedback(course)
    assert leaks == []
    assert len(files) >= len(EXPECTED) - 2  # no feedback for missing/corrupt notebooks
    solution_feedback = (course.feedback_dir / "solution" / TOY / f"{TOY}.html").read_text(
        encoding="utf-8")
    assert "sigmoid(0) must be 0.5" in solution_feedback  # visible tests are shown
    release_feedback = (course.feedback_dir / "release" / TOY / f"{TOY}.html").read_text(
        encoding="utf-8")
    assert "_hidden_points" not in release_feedback
    assert "Traceback" not in html_text(release_feedback)  # short tracebacks only


def test_grades_csv_marks_every_failure(graded, course):
    rows = write_grade_reports(course)
    assert {row.student for row in rows} == set(EXPECTED)
    with open(course.reports_dir / "grades.csv", encoding="utf-8") as fh:
        table = {row["student_id"]: row for row in csv.DictReader(fh)}
    for student, (score, reason) in EXPECTED.items():
        assert float(table[student]["score"]) == score, student
        if reason is None:
            assert table[student]["status"] == "graded", student
        else:
            assert table[student]["status"].startswith("needs attention"), student
            assert reason in table[student]["status"], student
    with open(course.reports_dir / "notebooks.csv", encoding="utf-8") as fh:
        per_notebook = list(csv.DictReader(fh))
    assert len(per_notebook) == len(EXPECTED)
    assert all(r["status"] for r in per_notebook)


def test_stock_nbgrader_export_has_the_status_column(graded, course, tmp_path):
    target = tmp_path / "export.csv"
    run_nbgrader(course, "export", "--to", str(target))
    with open(target, encoding="utf-8") as fh:
        table = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert table["kernel-exit"]["status"].startswith("needs attention")
    assert table["solution"]["status"] == "graded"


def test_release_check_catches_a_stale_release(course, monkeypatch, capsys):
    path = course.release_dir / TOY / f"{TOY}.ipynb"
    original = path.read_bytes()
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[0].source += "\n\nedited by hand"
    nbformat.write(nb, str(path))
    try:
        assert cli.main(["--course", str(course.root), "release", "--check"]) == 1
        assert "differs from what the solutions generate" in capsys.readouterr().out
    finally:
        path.write_bytes(original)


def test_a_grading_that_runs_too_long_is_stopped_and_reported(graded, course):
    report = autograde(course, students=["endless-loop"], task_timeout=3, out=io.StringIO())
    row = _rows(report)["endless-loop"]
    assert "grading took longer than 3 s and was stopped" in row.status
    assert not report.grader_errors  # the submission's fault, not the grader's


# ------------------------------------------------------------------ PostgreSQL


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_server():
    """Start a throwaway PostgreSQL on loopback (as the `postgres` user).

    Returns ((url, stop command, folder), None) or (None, why not).
    """
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        return None, "PostgreSQL is not installed (CI installs it with grading/ci_postgres.sh)"
    if not IS_ROOT or not shutil.which("runuser"):
        return None, "starting a private PostgreSQL needs root (to run it as `postgres`)"
    # pytest's temporary folders are private to root; postgres needs its own
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    (folder / "pw").write_text("dlcourse-test\n")
    shutil.chown(folder / "pw", "postgres", "postgres")
    steps = [
        [str(bins[-1] / "initdb"), "-D", str(folder / "data"), "-U", "dlcourse",
         "--pwfile", str(folder / "pw"), "-A", "scram-sha-256"],
        [str(bins[-1] / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"),
         "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "-w", "start"],
    ]
    for step in steps:
        proc = subprocess.run(as_postgres + step, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            return None, f"could not start PostgreSQL: {proc.stderr.strip()[-300:]}"
    stop = as_postgres + [str(bins[-1] / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast",
                          "stop"]
    return (f"postgresql://dlcourse:dlcourse-test@127.0.0.1:{port}/postgres", stop, folder), None


@pytest.fixture(scope="module")
def postgres_url():
    """A fresh database on a PostgreSQL server: $DLCOURSE_TEST_PG_URL or a private one."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg2", reason="psycopg2 (the PostgreSQL driver) is not installed")
    url = os.environ.get("DLCOURSE_TEST_PG_URL")
    stop = folder = None
    if not url:
        started, why = _private_server()
        if not started:
            pytest.skip(f"no PostgreSQL server: {why}")
        url, stop, folder = started
    name = f"dlcourse_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
            if stop:
                subprocess.run(stop, capture_output=True, timeout=120)
                shutil.rmtree(folder, ignore_errors=True)


def test_parallel_autograde_with_a_postgresql_gradebook(limits, toy_source, postgres_url,
                                                        tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_DB_URL", postgres_url)
    course = create_course(tmp_path / "course", [TOY], source_dir=toy_source,
                           db_url=postgres_url)
    assert course.gradebook_url().startswith("postgresql://")
    solution, release = _notebooks(course)
    submit_simulated(course, TOY, "solution", solution)
    submit_simulated(course, TOY, "release", release)
    submit_simulated(course, TOY, "kernel-exit", simulate.hostile("kernel-exit", solution, TOY))
    snoop = nbformat.from_dict(solution)
    snoop.cells[simulate.answer_cells(snoop)[-1]].source = snoop_code(course)
    submit_simulated(course, TOY, "snoop", snoop)
    report = autograde(course, workers=2, out=io.StringIO())
    rows = _rows(report)
    assert not report.grader_errors
    assert (rows["solution"].score, rows["solution"].status) == (FULL, "graded")
    assert (rows["release"].score, rows["release"].status) == (0.0, "graded")
    assert rows["kernel-exit"].score == SIGMOID_POINTS
    assert "kernel died" in rows["kernel-exit"].status
    assert not (course.grading_dir / "gradebook.db").exists()
    with Gradebook(postgres_url) as gb:
        assert sorted(s.id for s in gb.students) == sorted(rows)
        assert gb.find_submission(TOY, "solution").score == FULL
    autograded = course.autograded_dir / "snoop" / TOY / f"{TOY}.ipynb"
    text = "".join(o.get("text", "") for c in nbformat.read(str(autograded), as_version=4).cells
                   if c.cell_type == "code" for o in c.outputs)
    seen = json.loads(text.split("SNOOP ", 1)[1].splitlines()[0])
    assert seen["db_url"] is None  # the gradebook URL is not in the kernel's environment
