"""One autograde worker process: grades the tasks its parent sends, one at a time.

Started by the worker pool (:mod:`dlcourse.worker_pool`) as ``python -m dlcourse.worker
GRADING_DIR``. It loads the course's ``nbgrader_config.py`` once and then runs
nbgrader's own autograde converter in-process for each task (no start-up cost per
student). Protocol: one JSON task per line on stdin, one JSON result per line on a
private copy of stdout; everything else (nbgrader's log, kernels' stray output) goes to
stderr, which the parent sends to ``grading/logs/``.
"""

import fcntl
import json
import os
import sys
import time
import traceback
from pathlib import Path

__all__ = ["Worker", "main"]


class Worker:
    """nbgrader's API for one course, plus the course's checks around it."""

    def __init__(self, grading_dir):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        self.grading_dir = Path(grading_dir).resolve()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.grading_dir)).load_config()
        self.coursedir = CourseDirectory(config=config)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=config)
        self.db_url = self.coursedir.db_url
        root = Path(self.coursedir.root)
        self.submitted_dir = root / self.coursedir.submitted_directory
        self.status_dir = self.grading_dir / "status"
        self.logs_dir = self.grading_dir / "logs" / "autograde"
        self.locks_dir = self.grading_dir / "locks"

    def grade(self, task):
        """Grade ``task["assignments"]`` of ``task["student"]``; returns a result dict."""
        student = task["student"]
        started = time.monotonic()
        errors = []
        self.locks_dir.mkdir(parents=True, exist_ok=True)
        with open(self.locks_dir / f"{student}.lock", "w") as lock:
            # another dlcourse autograde may be grading this student: wait for it
            fcntl.flock(lock, fcntl.LOCK_EX)
            for assignment in task["assignments"]:
                try:
                    error = self._grade_assignment(assignment, student)
                except Exception:  # noqa: BLE001 - report, go on with the next assignment
                    error = traceback.format_exc()
                if error:
                    errors.append({"assignment": assignment, "error": error})
        from dlcourse.grading_records import notebook_results

        rows = notebook_results(self.db_url, self.status_dir, self.submitted_dir,
                                task["assignments"], [student])
        return {
            "student": student,
            "seconds": round(time.monotonic() - started, 2),
            "errors": errors,
            "rows": [{"assignment": r.assignment, "notebook": r.notebook, "score": r.score,
                      "max_score": r.max_score, "status": r.status, "reasons": list(r.reasons)}
                     for r in rows],
        }

    def _grade_assignment(self, assignment, student):
        from nbgrader.api import Gradebook, MissingEntry

        from dlcourse.grading_records import Incident, set_submission_incidents

        folder = self.submitted_dir / student / assignment
        with Gradebook(self.db_url) as gb:
            try:
                expected = [nb.name for nb in gb.find_assignment(assignment).notebooks]
            except MissingEntry:
                return (f"assignment {assignment!r} is not in the gradebook; release it first "
                        "(`dlcourse release` or `nbgrader generate_assignment`)")
        set_submission_incidents(self.status_dir, assignment, student, [])
        if not any((folder / f"{name}.ipynb").is_file() for name in expected):
            # nbgrader would stop with "No notebooks found": grade the absence instead
            # (the grades table says which notebook is missing and what was found)
            self._zero_submission(assignment, student)
            return None
        result = self.api.autograde(assignment, student, force=True, create=True)
        log_file = self.logs_dir / assignment / f"{student}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text(result.get("log", "") + "\n" + (result.get("error") or ""),
                            encoding="utf-8")
        if result.get("success"):
            return None
        error = (result.get("error") or "").strip().splitlines()
        last = _kernel_start_reason(self.status_dir, assignment, student) or \
            (error[-1] if error else "no error message")
        set_submission_incidents(self.status_dir, assignment, student, [Incident(
            "grader-error", f"nbgrader failed on this submission ({last}); see {log_file}")])
        return f"nbgrader autograde failed: {last} (log: {log_file})"

    def _zero_submission(self, assignment, student):
        """Record a submission without notebooks in the gradebook, every grade 0."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            gb.update_or_create_student(student)
            submission = gb.update_or_create_submission(assignment, student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
                notebook.flagged = True
            gb.db.commit()


def _kernel_start_reason(status_dir, assignment, student):
    """Why the kernel could not start for this submission ('' if it did)."""
    from dlcourse.grading_records import read_record

    notebooks = read_record(status_dir, assignment, student).get("notebooks", {})
    for record in notebooks.values():
        for incident in record.get("incidents", []):
            if incident.get("kind") == "kernel-start":
                return incident.get("reason", "the kernel could not start")
    return ""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m dlcourse.worker GRADING_DIR", file=sys.stderr)
        return 2
    # the protocol gets a private copy of stdout; fd 1 (inherited by kernels) goes to stderr
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        worker = Worker(argv[0])
    except Exception:  # noqa: BLE001
        protocol.write(json.dumps({"fatal": traceback.format_exc()}) + "\n")
        return 1
    protocol.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        task = json.loads(line)
        try:
            result = worker.grade(task)
        except Exception:  # noqa: BLE001
            result = {"student": task.get("student"), "seconds": 0, "rows": [],
                      "errors": [{"assignment": "*", "error": traceback.format_exc()}]}
        protocol.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
