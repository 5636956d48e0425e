"""The sandbox's parts without a kernel: the bwrap command line, the refusal without a
sandbox, the kernelspec, marker text in student cells, and the demo's per-student table.
The sandbox itself is tested end to end in tests/integration/test_sandbox*.py."""

import io
import os

import nbformat
import pytest
from nbgrader.preprocessors import ClearHiddenTests

from dlcourse import autograde as autograde_mod
from dlcourse import bwrap, kernelspec
from dlcourse.autograde import GraderError, autograde
from dlcourse.course import Course
from dlcourse.grades_export import short_reason, student_table
from dlcourse.grading_records import NotebookResult
from dlcourse.preprocessors import NeutraliseMarkers
from dlcourse.preprocessors.neutralise_markers import ZERO_WIDTH_SPACE, neutralise
from dlcourse.provisioner import PROVISIONER_NAME

pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")


def _pairs(argv, flag):
    return [tuple(argv[i + 1:i + 3]) for i, arg in enumerate(argv) if arg == flag]


def test_the_view_is_an_allowlist_with_open_stand_ins_for_closed_folders(tmp_path):
    private = tmp_path / "home"
    (private / "venv").mkdir(parents=True)
    private.chmod(0o700)
    (tmp_path / "kernel").mkdir()
    view = bwrap.View(read_only=["/usr", str(private / "venv")],
                      writable=[str(tmp_path / "kernel")], workdir=str(tmp_path / "kernel"),
                      env={"HOME": "/h"})
    argv = bwrap.bwrap_argv("/usr/bin/bwrap", view, ["python"])
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                 "--unshare-user", "--clearenv"):
        assert flag in argv
    assert ("/usr", "/usr") in _pairs(argv, "--ro-bind")
    assert (str(private / "venv"),) * 2 in _pairs(argv, "--ro-bind")
    assert (str(tmp_path / "kernel"),) * 2 in _pairs(argv, "--bind")
    # the private folder exists inside as an open, empty stand-in, made before the binds
    made = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--dir"]
    assert str(private) in made
    assert argv[argv.index(str(private)) - 2:argv.index(str(private))] == ["0755", "--dir"]
    assert argv.index("--tmpfs") < argv.index("--bind")  # private /tmp, then its own folder
    assert argv[argv.index("--setenv") + 1:argv.index("--setenv") + 3] == ["HOME", "/h"]
    assert argv[-2:] == ["--", "python"]


def test_as_root_the_command_gets_its_own_uid_and_no_capabilities(tmp_path):
    view = bwrap.View(read_only=["/usr"], writable=[], workdir="/", env={})
    argv = bwrap.bwrap_argv("bwrap", view, ["python"], uid=200123, setpriv="/usr/bin/setpriv")
    assert "--unshare-user" not in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    tail = argv[argv.index("--") + 1:]
    assert tail[:3] == ["/usr/bin/setpriv", "--reuid=200123", "--regid=200123"]
    assert {"--clear-groups", "--inh-caps=-all", "--bounding-set=-all"} <= set(tail)
    assert tail[-1] == "python"


def test_hidden_folders_inside_an_allowed_folder_are_covered(tmp_path):
    (tmp_path / "lib" / "solutions").mkdir(parents=True)
    view = bwrap.View(read_only=[str(tmp_path / "lib")], writable=[], workdir="/", env={},
                      hidden=[str(tmp_path / "lib" / "solutions"), str(tmp_path / "elsewhere")])
    argv = bwrap.bwrap_argv("bwrap", view, ["true"])
    assert argv[argv.index("--tmpfs", argv.index("/dev/shm")) + 1] == str(tmp_path / "lib" /
                                                                          "solutions")
    assert str(tmp_path / "elsewhere") not in argv


def test_folders_holding_the_working_folder_are_never_shown(tmp_path, monkeypatch):
    work = tmp_path / "course" / "grading" / "autograded" / "s" / "a"
    work.mkdir(parents=True)
    monkeypatch.syspath_prepend(str(tmp_path / "course"))
    folders = bwrap.python_folders(str(work))
    assert str(tmp_path / "course") not in folders
    assert any(os.path.exists(os.path.join(f, "os.py")) for f in folders)  # the stdlib


def test_a_missing_bwrap_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(bwrap, "find_tool", lambda name: None)
    message = bwrap.problem()
    assert "bwrap (bubblewrap) is not installed" in message
    assert "apt-get install -y bubblewrap" in message


def test_autograde_refuses_without_a_sandbox(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(autograde_mod, "sandbox_problem",
                        lambda unsafe=False: None if unsafe else "bwrap is not installed")
    course = Course(tmp_path, tmp_path / "grading")
    with pytest.raises(GraderError, match="grading refused.*bwrap is not installed.*"
                       "--unsafe-no-sandbox"):
        autograde(course, out=io.StringIO())
    # the flag is the only way round it (here: nothing to grade, but no refusal)
    assert autograde(course, out=io.StringIO(), unsafe=True).results == []


def test_the_kernelspec_names_the_provisioner_and_interrupts_by_message(monkeypatch):
    spec = kernelspec.kernelspec(kernelspec.SandboxOptions(memory_mb=900))
    assert spec["metadata"]["kernel_provisioner"]["provisioner_name"] == PROVISIONER_NAME
    assert spec["interrupt_mode"] == "message"
    assert "--unsafe-no-sandbox" not in spec["argv"]
    unsafe = kernelspec.kernelspec(kernelspec.SandboxOptions(unsafe=True))
    assert "--unsafe-no-sandbox" in unsafe["argv"] and "NO SANDBOX" in unsafe["display_name"]
    assert kernelspec.unsafe_requested({"DLCOURSE_UNSAFE_NO_SANDBOX": "1"})
    assert not kernelspec.unsafe_requested({"DLCOURSE_UNSAFE_NO_SANDBOX": "0"})


def _cells():
    student = nbformat.v4.new_code_cell(
        "# BEGIN HIDDEN TESTS, said the student\nx = 'END HIDDEN TESTS'\n# BEGIN SOLUTION")
    student.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "answer",
                                    "locked": False}
    added = nbformat.v4.new_markdown_cell("I read about ### BEGIN HIDDEN TESTS")
    test = nbformat.v4.new_code_cell("assert True\n### BEGIN HIDDEN TESTS\nassert 1\n"
                                     "### END HIDDEN TESTS")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test",
                                 "locked": True, "points": 1}
    return nbformat.v4.new_notebook(cells=[student, added, test])


def test_marker_text_breaks_nbgrader_feedback_unless_neutralised():
    with pytest.raises(RuntimeError, match="No end hidden tests|Hidden test region"):
        ClearHiddenTests().preprocess(_cells(), {})
    nb, _ = NeutraliseMarkers().preprocess(_cells(), {})
    nb, _ = ClearHiddenTests().preprocess(nb, {})
    student, added, test = nb.cells
    assert ZERO_WIDTH_SPACE in student.source
    assert student.source.replace(ZERO_WIDTH_SPACE, "") == _cells().cells[0].source
    assert added.source.replace(ZERO_WIDTH_SPACE, "") == _cells().cells[1].source
    assert test.source == "assert True"  # the instructor's hidden tests are still removed


def test_neutralise_is_idempotent():
    once = neutralise("### BEGIN SOLUTION and END SOLUTION")
    assert neutralise(once) == once and "BEGIN SOLUTION" not in once


def _row(student, assignment, score, status="graded"):
    return NotebookResult(student, assignment, assignment, score, 10.0, status,
                          () if status == "graded" else (status,))


def test_the_demo_table_has_a_row_per_student_and_a_column_per_assignment():
    rows = [_row("alice", "01_a", 10.0), _row("alice", "02_b", 6.0),
            _row("endless", "01_a", 6.0, "needs attention: answer ran longer than 8 s"),
            _row("endless", "02_b", 0.0, "needs attention: no submission")]
    table = student_table(rows).splitlines()
    assert table[0].split() == ["student", "01_a", "02_b"]
    assert table[2].split() == ["alice", "10/10", "6/10"]
    assert table[3].split() == ["endless", "6/10", "timeout", "—"]
    assert table[5] == "needs attention (1):"
    assert "endless / 01_a" in table[6] and len(table) == 7  # no line for "no submission"


@pytest.mark.parametrize("status, label", [
    ("needs attention: the kernel could not start (x)", "NO KERNEL"),
    ("needs attention: graded WITHOUT the sandbox (--unsafe-no-sandbox)", "unsafe"),
    ("needs attention: the kernel died in a (SIGSEGV)", "kernel died"),
    ("needs attention: tampering: answer reassigns np.allclose", "tampering")])
def test_short_reasons(status, label):
    assert short_reason(status) == label


def test_a_missing_feedback_file_is_named(tmp_path):
    from dlcourse.feedback import missing_feedback

    for student in ("alice", "bob"):
        (tmp_path / "autograded" / student / "01_a").mkdir(parents=True)
        (tmp_path / "autograded" / student / "01_a" / "01_a.ipynb").write_text("{}")
    (tmp_path / "feedback" / "alice" / "01_a").mkdir(parents=True)
    (tmp_path / "feedback" / "alice" / "01_a" / "01_a.html").write_text("<html>")
    assert missing_feedback(tmp_path / "autograded", tmp_path / "feedback") == ["bob/01_a/01_a"]
    assert missing_feedback(tmp_path / "autograded", tmp_path / "feedback", ["02_b"]) == []
