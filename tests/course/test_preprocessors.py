"""Each course preprocessor on a small fixture notebook, without a kernel (milliseconds).

The fixture assignment ``toy`` has one answer cell (``answer_double``) and two test
cells (``test_double``, 2 points; ``test_double_more``, 1 point), registered in an SQLite
gradebook by nbgrader's own ComputeChecksums and SaveCells, as ``nbgrader
generate_assignment`` does. The end-to-end behaviour (real kernels, hostile submissions)
is tested in tests/integration/.
"""

import copy
import io
import os
import shutil
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ComputeChecksums, SaveCells
from traitlets.config import Config

from dlcourse import authoring as a
from dlcourse.grading_records import read_record, start_notebook
from dlcourse.preprocessors import (
    CrashProofExecute,
    InspectSubmission,
    RecordFinished,
    RestoreCells,
    TolerantNotebookExporter,
)

# nbgrader's gradebook code warns about its own SQLAlchemy use (the grader silences it too)
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

ASSIGNMENT, NOTEBOOK, STUDENT = "toy", "toy", "alice"


def source_notebook():
    return a.new_notebook([
        a.markdown("# toy", "intro"),
        a.answer("answer_double", "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                                  "    ### END SOLUTION"),
        a.tests("test_double", "assert double(2) == 4", 2),
        a.code("print('between')", "between"),
        a.tests("test_double_more", "assert double(-1) == -2\n### BEGIN HIDDEN TESTS\n"
                                    "assert double(0) == 0\n### END HIDDEN TESTS", 1),
    ])


def _resources(db_path):
    return {"nbgrader": {"db_url": f"sqlite:///{db_path}", "assignment": ASSIGNMENT,
                         "notebook": NOTEBOOK, "student": STUDENT}}


@pytest.fixture(scope="module")
def gradebook_template(tmp_path_factory):
    """A gradebook with ``toy`` and alice's submission, made once (nbgrader runs alembic)."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    old_path = os.environ["PATH"]
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old_path
    try:
        with Gradebook(_resources(path)["nbgrader"]["db_url"]) as gb:
            gb.add_assignment(ASSIGNMENT)
        nb, _ = ComputeChecksums().preprocess(source_notebook(), _resources(path))
        SaveCells().preprocess(nb, _resources(path))
        with Gradebook(_resources(path)["nbgrader"]["db_url"]) as gb:
            gb.add_student(STUDENT)
            gb.add_submission(ASSIGNMENT, STUDENT)
    finally:
        os.environ["PATH"] = old_path
    return path


@pytest.fixture
def course(tmp_path, gradebook_template):
    """(config, resources): a fresh copy of the gradebook, a status folder, the source."""
    db_path = tmp_path / "gradebook.db"
    shutil.copyfile(gradebook_template, db_path)
    resources = _resources(db_path)
    source_dir = tmp_path / "source"
    (source_dir / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source_notebook(), str(source_dir / ASSIGNMENT / f"{NOTEBOOK}.ipynb"))
    config = Config()
    config.GradingRecord.status_dir = str(tmp_path / "status")
    config.GradingRecord.source_dir = str(source_dir)
    return config, resources


def incidents(config):
    record = read_record(config.GradingRecord.status_dir, ASSIGNMENT, STUDENT)
    return record.get("notebooks", {}).get(NOTEBOOK, {}).get("incidents", [])


def grade_ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_tolerant_exporter_grades_corrupt_json_as_an_empty_notebook(course):
    config, resources = course
    exporter = TolerantNotebookExporter(config=config)
    text, _ = exporter.from_file(io.StringIO('{"cells": [\n  oops'), copy.deepcopy(resources))
    nb = nbformat.reads(text, as_version=4)
    assert nb.cells == []
    assert "not valid JSON at line 2" in nb.metadata["dlcourse"]["unreadable"]
    assert [i["kind"] for i in incidents(config)] == ["corrupt"]


def test_tolerant_exporter_passes_a_good_notebook_through(course):
    config, resources = course
    text, _ = TolerantNotebookExporter(config=config).from_file(
        io.StringIO(nbformat.writes(source_notebook())), copy.deepcopy(resources))
    nb = nbformat.reads(text, as_version=4)
    assert grade_ids(nb) == grade_ids(source_notebook()) and "dlcourse" not in nb.metadata
    assert incidents(config) == []


def test_inspect_submission_notes_edited_deleted_and_duplicated_cells(course):
    config, resources = course
    nb = source_notebook()
    nb.cells[2].source = "assert True  # edited"
    nb.cells.append(copy.deepcopy(nb.cells[1]))  # answer_double twice
    del nb.cells[4]  # test_double_more
    InspectSubmission(config=config).preprocess(nb, copy.deepcopy(resources))
    found = {(i["kind"], i["cell"]) for i in incidents(config)}
    assert found == {("edited-cell", "test_double"), ("deleted-cell", "test_double_more"),
                     ("duplicated-cell", "answer_double")}


def test_inspect_submission_ignores_whitespace_and_hidden_tests(course):
    config, resources = course
    nb = source_notebook()
    nb.cells[4].source = "assert double(-1) == -2\n\n"  # as released: hidden part removed
    InspectSubmission(config=config).preprocess(nb, copy.deepcopy(resources))
    assert incidents(config) == []


def test_restore_cells_puts_deleted_tests_back_in_source_order(course):
    config, resources = course
    config.OverwriteCells.add_missing_cells = True
    nb = source_notebook()
    del nb.cells[2:5]  # both test cells and the locked cell between them
    restored, _ = RestoreCells(config=config).preprocess(nb, copy.deepcopy(resources))
    assert grade_ids(restored) == ["intro", "answer_double", "test_double",
                                   "test_double_more"]


def test_crash_proof_execute_fails_graded_cells_of_an_unreadable_notebook(course):
    config, resources = course
    nb = source_notebook()
    nb.metadata["dlcourse"] = {"unreadable": "not valid JSON at line 1, column 2"}
    done, _ = CrashProofExecute(config=config).preprocess(nb, copy.deepcopy(resources))
    graded = [c for c in done.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.outputs[0]["ename"] for c in graded] == ["CorruptNotebook"] * 2
    assert "not valid JSON" in graded[0].outputs[0]["evalue"]


def test_crash_proof_execute_zeroes_the_tests_after_tampering(course):
    config, resources = course
    nb = source_notebook()
    nb.cells[1].source = "import numpy as np\nnp.allclose = lambda *a, **k: True\n" \
                         "def double(x):\n    return 2 * x"
    execute = CrashProofExecute(config=config)
    execute._incidents = []
    findings = execute._find_tampering(nb, resources)
    execute._zero_tampered_tests(nb, findings)
    assert [i.kind for i in execute._incidents] == ["tampering"]
    assert nb.cells[2].outputs[0]["ename"] == "Tampering"
    assert nb.cells[4].outputs[0]["ename"] == "Tampering"


def test_crash_proof_execute_reads_the_output_limit_from_limit_output(course):
    config, resources = course
    config.LimitOutput.max_lines = 5
    nb = source_notebook()
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n" * 6)]
    execute = CrashProofExecute(config=config)
    execute._incidents = []
    execute._inspect_outputs(nb)
    assert [i.reason for i in execute._incidents] == ["between printed 6 lines (kept the first 5)"]
    execute._incidents = []
    nb.cells[3].outputs[0]["text"] = "x\n" * 5
    execute._inspect_outputs(nb)
    assert execute._incidents == []


def test_record_finished_flags_a_notebook_that_needs_attention(course):
    config, resources = course
    from dlcourse.grading_records import Incident

    with Gradebook(resources["nbgrader"]["db_url"]) as gb:
        assert not gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, STUDENT).flagged
    start_notebook(config.GradingRecord.status_dir, ASSIGNMENT, STUDENT, NOTEBOOK,
                   [Incident("timeout", "answer_double ran longer than 60 s", "answer_double")])
    RecordFinished(config=config).preprocess(source_notebook(), copy.deepcopy(resources))
    record = read_record(config.GradingRecord.status_dir, ASSIGNMENT, STUDENT)
    assert record["notebooks"][NOTEBOOK]["state"] == "graded"
    with Gradebook(resources["nbgrader"]["db_url"]) as gb:
        assert gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, STUDENT).flagged
