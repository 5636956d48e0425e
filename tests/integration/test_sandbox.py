"""The grading sandbox (bubblewrap) against submissions that attack the machine.

One scratch course under a mode-700 folder holds ``00_toy``. Submissions that read every
notebook and database from / down (and a world-readable decoy of the source notebook
planted in /tmp), connect to a loopback TCP port this test listens on, resolve host
names, write and delete outside their folder, leave processes behind, kill their parent
and delete their own folder are graded in ONE parallel ``dlcourse autograde`` run while
two CPU-bound processes run beside it. Each must be graded with feedback at full marks
(they answer correctly after the attack), the decoy never read, the port never reached,
nothing outside the submission changed, and no process left. (Today's crash cases run
in ``test_pipeline.py``, inside the same sandbox.)
"""

import io
import os
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

import hostile_cells as hc
from dlcourse import simulated_submissions as simulate
from dlcourse.autograde import autograde
from dlcourse.bwrap import library_folders, problem, python_folders
from dlcourse.demo import submit_simulated
from dlcourse.feedback import missing_feedback
from dlcourse.nbgrader_runner import generate_feedback
from dlcourse.scratch_course import create_course

TOY = "00_toy"
FULL = 6.0
LIMITS = {"DLCOURSE_CELL_TIMEOUT": "40", "DLCOURSE_KERNEL_MEMORY_MB": "1024",
          "DLCOURSE_KERNEL_CPU_SECONDS": "120"}
#: seconds the CPU-bound neighbours run at most (they are also stopped after grading)
LOAD_SECONDS = 150

pytestmark = pytest.mark.skipif(problem() is not None, reason=f"no sandbox: {problem()}")


@pytest.fixture(scope="module")
def marker():
    return f"dlcourse-hostile-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def secret():
    """Text found only in the decoy's content."""
    return f"decoy-content-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def private_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("private") / "home"
    root.mkdir(mode=0o700)
    os.chmod(root, 0o700)
    return root


@pytest.fixture(scope="module")
def decoy(marker, secret, tmp_path_factory):
    """A world-readable copy of the source notebook (and a .db) in /tmp."""
    folder = Path("/tmp") / f"{marker}-decoy"
    folder.mkdir(mode=0o755)
    source = tmp_path_factory.mktemp("decoy_source")
    path = simulate.write_toy_assignment(source, TOY)
    text = path.read_text(encoding="utf-8").replace("hidden tests run when grading", secret)
    (folder / f"{TOY}.ipynb").write_text(text, encoding="utf-8")
    (folder / "gradebook.db").write_text(secret, encoding="utf-8")
    for item in [folder, *folder.iterdir()]:
        os.chmod(item, 0o755 if item.is_dir() else 0o644)
    yield folder
    for item in folder.iterdir():
        item.unlink()
    folder.rmdir()


@pytest.fixture(scope="module")
def listener():
    """A TCP port on loopback that records every connection made to it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except OSError:
                continue
            accepted.append(address)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=5)
    server.close()


def _snapshot(*roots, skip=()):
    """{path: (size, mtime) or "folder"} under ``roots`` (``skip``: paths left out)."""
    found = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip]
            found.update({os.path.join(folder, d): "folder" for d in dirs})
            for name in files:
                path = os.path.join(folder, name)
                if path not in skip:
                    info = os.lstat(path)
                    found[path] = (info.st_size, info.st_mtime_ns)
    return found


def _processes_with(text):
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def _burners():
    code = f"import time\nend = time.time() + {LOAD_SECONDS}\nwhile time.time() < end:\n    pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]


@pytest.fixture(scope="module")
def graded(private_root, decoy, listener, marker, secret, tmp_path_factory):
    patch = pytest.MonkeyPatch()
    for name, value in LIMITS.items():
        patch.setenv(name, value)
    toy_source = tmp_path_factory.mktemp("toy")
    simulate.write_toy_assignment(toy_source, TOY)
    course = create_course(private_root / "course", [TOY], source_dir=toy_source)
    solution = nbformat.read(str(course.source_dir / TOY / f"{TOY}.ipynb"), as_version=4)
    release = nbformat.read(str(course.release_dir / TOY / f"{TOY}.ipynb"), as_version=4)
    grading = course.grading_dir
    known = [str(decoy / f"{TOY}.ipynb"), str(decoy / "gradebook.db"),
             str(course.source_dir / TOY / f"{TOY}.ipynb"), str(grading / "gradebook.db"),
             str(grading / "submitted" / "solution" / TOY / f"{TOY}.ipynb"),
             str(grading / "autograded" / "solution" / TOY / f"{TOY}.ipynb"),
             f"{TOY}.ipynb", "/etc/shadow", "/root/.bash_history"]
    vandal = [str(grading / "gradebook.db"), str(grading / "submitted" / "solution"),
              str(course.source_dir), str(Path(simulate.__file__)),
              str(grading / "nbgrader_config.py"), str(decoy / f"{TOY}.ipynb")]
    port, _ = listener
    cells = {
        "scan-disk": hc.scan_disk(secret, known),
        "loopback-connect": hc.loopback_connect(port),
        "resolve-name": hc.resolve_name(),
        "write-outside": hc.write_outside(vandal, marker),
        "fork-children": hc.fork_children(marker),
        "kill-parent": hc.kill_parent(),
        "delete-own-folder": hc.delete_own_folder(grading / "autograded" / "delete-own-folder"),
        "markers": hc.markers(),
    }
    submit_simulated(course, TOY, "solution", solution)
    submit_simulated(course, TOY, "release", release)
    submit_simulated(course, TOY, "kernel-exit", simulate.hostile("kernel-exit", solution, TOY))
    for student, code in cells.items():
        nb = nbformat.from_dict(solution)
        nb.cells[simulate.answer_cells(nb)[-1]].source = code
        submit_simulated(course, TOY, student, nb)
    library = str(Path(simulate.__file__).resolve().parents[1])
    outside = [course.root, library, decoy]
    # what the grader itself writes
    skip = {str(grading / name) for name in ("autograded", "feedback", "status", "logs",
                                              "locks", "reports", ".jupyter", "gradebook.db",
                                              "gradebook.db-journal")}
    before = _snapshot(*outside, skip=skip)
    tmp_before = set(os.listdir("/tmp"))
    burners = _burners()
    try:
        out = io.StringIO()
        report = autograde(course, workers=2, out=out)
        loaded = [b.poll() is None for b in burners]
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    after = _snapshot(*outside, skip=skip)
    files, leaks = generate_feedback(course)
    missing = missing_feedback(course.autograded_dir, course.feedback_dir)
    yield {"course": course, "report": report, "output": out.getvalue(), "cells": cells,
           "changed": {p for p in set(before) | set(after) if before.get(p) != after.get(p)},
           "new_tmp": set(os.listdir("/tmp")) - tmp_before, "feedback": files,
           "leaks": leaks, "missing": missing, "loaded": loaded}
    patch.undo()


def _autograded(graded, student):
    path = graded["course"].autograded_dir / student / TOY / f"{TOY}.ipynb"
    return nbformat.read(str(path), as_version=4)


def _row(graded, student):
    return {r.student: r for r in graded["report"].rows}[student]


def test_the_run_was_under_load_and_lost_nothing(graded):
    assert all(graded["loaded"]), "the CPU-bound neighbours ended before grading did"
    assert not graded["report"].grader_errors, graded["output"]
    assert len(graded["report"].rows) == 11  # every submission has its grade
    assert graded["missing"] == [] and len(graded["feedback"]) == 11


@pytest.mark.parametrize("student", ["solution", "scan-disk", "loopback-connect",
                                     "resolve-name", "write-outside", "fork-children",
                                     "kill-parent", "delete-own-folder", "markers"])
def test_full_marks_with_feedback(graded, student):
    row = _row(graded, student)
    assert (row.score, row.status) == (FULL, "graded"), graded["output"]
    feedback = graded["course"].feedback_dir / student / TOY / f"{TOY}.html"
    assert feedback in graded["feedback"]
    assert graded["leaks"] == []


def test_controls(graded):
    assert (_row(graded, "release").score, _row(graded, "release").status) == (0.0, "graded")
    crashed = _row(graded, "kernel-exit")
    assert crashed.score == 4.0 and "kernel died" in crashed.status


def _expected_top_level():
    """Folders of / the kernel may see: the system's, and the first folder of every path
    the view binds (the Python installation and the library live wherever the checkout
    is, e.g. /work or /check)."""
    bound = python_folders() + library_folders()
    return {"usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "tmp", "dev",
            "proc"} | {Path(p).parts[1] for p in bound if len(Path(p).parts) > 1}


def test_the_disk_outside_the_allowlist_does_not_exist(graded, decoy, secret):
    seen = hc.report(_autograded(graded, "scan-disk"))
    assert seen, "the scan printed nothing"
    assert seen["decoy_hits"] == []
    assert all(value.startswith("denied") for value in seen["direct"].values()), seen["direct"]
    course_root = str(graded["course"].root)
    bound = [folder.rstrip("/") + "/" for folder in python_folders() + library_folders()]
    assert not any((course_root + "/").startswith(folder) for folder in bound), bound
    # what the kernel may read: the Python installation and the library (read-only, at their
    # own paths, which are under /tmp when the checkout is)
    leaked = [p for p in seen["found"] if p.startswith((course_root, str(decoy), "/tmp"))
              and not p.startswith(tuple(bound))]
    assert leaked == []
    assert set(seen["root"]) <= _expected_top_level(), seen["root"]
    outputs = [str(o) for c in _autograded(graded, "scan-disk").cells
               for o in c.get("outputs", [])]
    assert outputs and not any(secret in text for text in outputs)


def test_no_port_of_the_machine_is_reachable(graded, listener):
    seen = hc.report(_autograded(graded, "loopback-connect"))
    assert all(value.startswith("failed") for value in seen["connect"].values()), seen
    assert seen["interfaces"] == ["lo"]
    assert listener[1] == []


def test_no_name_resolves(graded):
    seen = hc.report(_autograded(graded, "resolve-name"))
    assert str(seen["resolve"]["pypi.org"]).startswith("failed"), seen
    assert str(seen["resolve"]["deb.debian.org"]).startswith("failed"), seen
    assert seen["etc"] == {"/etc/resolv.conf": False, "/etc/hosts": False,
                           "/etc/passwd": False, "/etc/shadow": False}


def test_nothing_outside_the_submission_changed(graded, marker):
    seen = hc.report(_autograded(graded, "write-outside"))
    denied = {path: value for path, value in seen["writes"].items()
              if not value.startswith("denied")}
    # only its own home and the private /tmp of the sandbox can be written
    assert set(denied) <= {f"/tmp/{marker}", os.path.join(seen.get("home", "~"), "x")} | {
        p for p in denied if p.endswith("/x")}, denied
    assert graded["changed"] == set()
    assert marker.encode() not in (graded["course"].grading_dir / "gradebook.db").read_bytes()
    assert not any(marker in name for name in graded["new_tmp"])
    assert not Path(f"/tmp/{marker}").exists()


def test_no_process_is_left(graded, marker):
    seen = hc.report(_autograded(graded, "fork-children"))
    assert len(seen["pids"]) == 3
    assert _processes_with(marker) == []


def test_killing_the_parent_and_deleting_its_folder_harm_nobody(graded):
    seen = hc.report(_autograded(graded, "kill-parent"))
    assert set(seen["kill"]) == {"parent", "init", "everyone"}  # it tried; nobody died
    gone = hc.report(_autograded(graded, "delete-own-folder"))
    assert gone["cwd_left"] is False and gone["autograded"].startswith("denied")


def test_marker_text_in_student_cells_is_kept_readable(graded):
    html = (graded["course"].feedback_dir / "markers" / TOY / f"{TOY}.html").read_text()
    assert "HIDDEN TESTS (only a comment)" in html
