"""Finding the course, its paths, the limits, and the nbgrader settings built from them
(no nbgrader process is run here)."""

import json
from pathlib import Path

import pytest
from traitlets.config import Config

from dlcourse.course import Course, CourseNotFound, find_course_root
from dlcourse.kernelspec import KERNEL_NAME
from dlcourse.limits import DEFAULT_LIMITS, ENVIRONMENT, Limits, current_limits
from dlcourse.nbgrader_settings import apply_nbgrader_settings


def make_root(folder):
    (folder / "grading").mkdir(parents=True)
    (folder / "grading" / "nbgrader_config.py").write_text("# course\n")
    return folder.resolve()


def test_course_root_is_found_at_or_above_the_current_folder(tmp_path, monkeypatch):
    root = make_root(tmp_path / "course")
    (root / "notebooks" / "01_x").mkdir(parents=True)
    monkeypatch.delenv("DLCOURSE_ROOT", raising=False)
    monkeypatch.chdir(root / "notebooks" / "01_x")
    assert find_course_root() == root
    monkeypatch.chdir(root / "grading")  # where stock nbgrader runs
    assert find_course_root() == root
    assert Course.find() == Course(root, root / "grading")


def test_explicit_folder_then_environment_then_current_folder(tmp_path, monkeypatch):
    here, there, elsewhere = (make_root(tmp_path / n) for n in ("here", "there", "else"))
    monkeypatch.chdir(here)
    monkeypatch.setenv("DLCOURSE_ROOT", str(there))
    assert find_course_root() == there
    assert find_course_root(elsewhere) == elsewhere
    monkeypatch.setenv("DLCOURSE_ROOT", "")
    assert find_course_root() == here


def test_no_course_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DLCOURSE_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseNotFound, match=r"no course found at or above .*--course DIR"):
        find_course_root()
    with pytest.raises(CourseNotFound, match=r"--course .* is not a course root"):
        find_course_root(tmp_path)
    monkeypatch.setenv("DLCOURSE_ROOT", str(tmp_path))
    with pytest.raises(CourseNotFound, match=r"\$DLCOURSE_ROOT .* is not a course root"):
        find_course_root()


def test_the_course_is_not_found_from_the_package_location(tmp_path, monkeypatch):
    import dlcourse

    monkeypatch.delenv("DLCOURSE_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)  # the checkout holding the package is a course, tmp is not
    assert (Path(dlcourse.__file__).parents[2] / "grading" / "nbgrader_config.py").is_file()
    with pytest.raises(CourseNotFound):
        Course.find()


def test_gradebook_url_default_and_override(tmp_path, monkeypatch):
    course = Course(tmp_path, tmp_path / "grading")
    monkeypatch.delenv("DLCOURSE_DB_URL", raising=False)
    assert course.gradebook_url() == f"sqlite:///{tmp_path / 'grading' / 'gradebook.db'}"
    monkeypatch.setenv("DLCOURSE_DB_URL", "postgresql://u@h/db")
    assert course.gradebook_url() == "postgresql://u@h/db"
    assert Course(tmp_path, tmp_path, "sqlite:///x.db").gradebook_url() == "sqlite:///x.db"


def test_limits_defaults_and_overrides():
    assert current_limits({}) == DEFAULT_LIMITS == Limits(60, 4096, 1800, 1000)
    assert current_limits({"DLCOURSE_CELL_TIMEOUT": "8", "DLCOURSE_KERNEL_MEMORY_MB": "1024",
                           "DLCOURSE_KERNEL_CPU_SECONDS": " 120 "}) == Limits(8, 1024, 120, 1000)
    assert set(ENVIRONMENT) == {"cell_timeout", "memory_mb", "cpu_seconds"}


@pytest.mark.parametrize("value", ["0", "-5", "ten", "1.5"])
def test_a_bad_limit_names_its_variable(value):
    with pytest.raises(ValueError, match=f"DLCOURSE_CELL_TIMEOUT='{value}'.*positive"):
        current_limits({"DLCOURSE_CELL_TIMEOUT": value})


def test_settings_hand_each_limit_to_the_one_place_that_enforces_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCOURSE_CELL_TIMEOUT", "7")
    monkeypatch.setenv("DLCOURSE_KERNEL_MEMORY_MB", "900")
    monkeypatch.setenv("DLCOURSE_KERNEL_CPU_SECONDS", "33")
    monkeypatch.setenv("JUPYTER_PATH", "")
    root = make_root(tmp_path / "course")
    c = apply_nbgrader_settings(Config(), root, root / "grading",
                                also_hidden=[str(tmp_path / "elsewhere")])
    assert c.Execute.timeout == c.ExecutePreprocessor.timeout == 7
    assert c.LimitOutput.max_lines == DEFAULT_LIMITS.output_max_lines
    assert c.Execute.kernel_name == KERNEL_NAME
    spec = json.loads((root / "grading" / ".jupyter" / "kernels" / KERNEL_NAME /
                       "kernel.json").read_text())
    argv = spec["argv"]
    assert argv[1:3] == ["-m", "dlcourse.kernel_launcher"]
    assert argv[argv.index("--memory-mb") + 1] == "900"
    assert argv[argv.index("--cpu-seconds") + 1] == "33"
    hidden = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--hide"]
    assert hidden == [str(root / "solutions"), str(root / "grading"), str(root / ".git"),
                      str(tmp_path / "elsewhere")]
    assert c.Autograde.autograde_preprocessors[0] == "dlcourse.preprocessors.CrashProofExecute"
