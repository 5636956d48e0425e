"""``dlcourse collect``: folders and LMS zips in, path traversal and duplicates refused."""

import warnings
import zipfile

import nbformat
import pytest

from dlcourse import cli
from dlcourse.collect import CollectError, collect
from dlcourse.course import Course

TOY = "00_toy"


@pytest.fixture
def course(tmp_path):
    """A course with a released 00_toy (no nbgrader needed to collect)."""
    from dlcourse.simulated_submissions import write_toy_assignment

    root = tmp_path / "course"
    source = write_toy_assignment(root / "solutions", TOY)
    (root / "notebooks" / TOY).mkdir(parents=True)
    (root / "notebooks" / TOY / f"{TOY}.ipynb").write_bytes(source.read_bytes())
    (root / "grading").mkdir()
    (root / "grading" / "nbgrader_config.py").write_text("# a course root\n")
    return Course(root, root / "grading")


def notebook_bytes(text="hello"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    return nbformat.writes(nb).encode()


def make_zip(path, entries):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return path


def submitted(course):
    return sorted(str(p.relative_to(course.submitted_dir))
                  for p in course.submitted_dir.rglob("*") if p.is_file())


def test_folder_of_student_folders(course, tmp_path):
    for student in ("alice", "bob"):
        (tmp_path / "in" / student).mkdir(parents=True)
        (tmp_path / "in" / student / f"{TOY}.ipynb").write_bytes(notebook_bytes(student))
    (tmp_path / "in" / "carol" / TOY).mkdir(parents=True)
    (tmp_path / "in" / "carol" / TOY / f"{TOY}.ipynb").write_bytes(notebook_bytes())
    plan = collect(course, tmp_path / "in")
    assert [(s.student, s.assignment) for s in plan] == [
        ("alice", TOY), ("bob", TOY), ("carol", TOY)]
    assert submitted(course) == [f"{s}/{TOY}/{TOY}.ipynb" for s in ("alice", "bob", "carol")]


def test_lms_zip_with_nbgrader_file_names(course, tmp_path):
    archive = make_zip(tmp_path / "lms.zip", [
        (f"ps1_alice_attempt_2024-01-30-15-00-00_{TOY}.ipynb", notebook_bytes()),
        (f"ps1_bob_attempt_2024-01-31-09-30-00_{TOY}.ipynb", notebook_bytes()),
    ])
    collect(course, archive)
    assert f"alice/{TOY}/{TOY}.ipynb" in submitted(course)
    stamp = (course.submitted_dir / "bob" / TOY / "timestamp.txt").read_text()
    assert stamp == "2024-01-31 09:30:00"


@pytest.mark.parametrize("name", [f"../{TOY}.ipynb", f"alice/../../{TOY}.ipynb",
                                  f"/etc/{TOY}.ipynb", f"alice\\..\\..\\{TOY}.ipynb"])
def test_path_traversal_is_refused(course, tmp_path, name):
    archive = make_zip(tmp_path / "evil.zip", [(f"bob/{TOY}.ipynb", notebook_bytes()),
                                               (name, notebook_bytes())])
    with pytest.raises(CollectError, match="path traversal|absolute path"):
        collect(course, archive)
    assert not course.submitted_dir.exists()  # nothing imported


def test_symbolic_links_are_refused(course, tmp_path):
    (tmp_path / "in" / "alice").mkdir(parents=True)
    (tmp_path / "in" / "alice" / f"{TOY}.ipynb").symlink_to("/etc/hostname")
    with pytest.raises(CollectError, match="symbolic link"):
        collect(course, tmp_path / "in")


def test_duplicate_students_are_refused(course, tmp_path):
    twice = make_zip(tmp_path / "twice.zip", [(f"alice/{TOY}.ipynb", notebook_bytes("1")),
                                              (f"alice/{TOY}/{TOY}.ipynb", notebook_bytes("2"))])
    with pytest.raises(CollectError, match="duplicate submission: student 'alice'"):
        collect(course, twice)
    cased = make_zip(tmp_path / "cased.zip", [(f"alice/{TOY}.ipynb", notebook_bytes()),
                                              (f"Alice/{TOY}.ipynb", notebook_bytes())])
    with pytest.raises(CollectError, match="differ only in case"):
        collect(course, cased)
    assert not course.submitted_dir.exists()


def test_a_second_collect_needs_replace(course, tmp_path, capsys, monkeypatch):
    (tmp_path / "in" / "alice").mkdir(parents=True)
    (tmp_path / "in" / "alice" / f"{TOY}.ipynb").write_bytes(notebook_bytes("first"))
    monkeypatch.chdir(course.root / "notebooks")  # the course is found from a subfolder
    assert cli.main(["collect", str(tmp_path / "in")]) == 0
    (tmp_path / "in" / "alice" / f"{TOY}.ipynb").write_bytes(notebook_bytes("second"))
    assert cli.main(["--course", str(course.root), "collect", str(tmp_path / "in")]) == 2
    assert "already has a submission" in capsys.readouterr().err
    assert cli.main(["collect", str(tmp_path / "in"), "--replace"]) == 0
    text = (course.submitted_dir / "alice" / TOY / f"{TOY}.ipynb").read_text()
    assert "second" in text


@pytest.mark.parametrize("entries, words", [
    ([("alice/other.ipynb", b"{}")], "not a notebook of"),
    ([("a b/00_toy.ipynb", b"{}")], "not a valid student id"),
    ([("00_toy.ipynb", b"{}")], "not matching the file name pattern"),
    ([("x/y/z/00_toy.ipynb", b"{}")], "too deep"),
])
def test_unclear_submissions_are_refused(course, tmp_path, entries, words):
    with pytest.raises(CollectError, match=words):
        collect(course, make_zip(tmp_path / "in.zip", entries))
