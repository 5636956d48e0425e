"""What happened while grading each notebook, and the status shown for it.

The grader's preprocessors (:mod:`dlcourse.preprocessors`) write one JSON record per
student and assignment, ``grading/status/ASSIGNMENT/STUDENT.json``::

    {"notebooks": {"01_perceptron": {
        "state": "graded",              # "started" while nbgrader works on it
        "started": "2025-...", "finished": "2025-...",
        "incidents": [{"kind": "timeout", "cell": "answer_gates",
                       "reason": "cell answer_gates ran longer than 10 s"}]}},
     "submission": {"state": "...", "incidents": [...]}}

:func:`notebook_results` joins these records with the gradebook and the submitted
files into one row per student and notebook whose status is ``graded`` or
``needs attention: REASON`` — a zero is never left unexplained.
"""

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

__all__ = ["Incident", "NotebookResult", "record_path", "read_record", "start_notebook",
           "add_incidents", "finish_notebook", "set_submission_incidents",
           "notebook_results", "STATUS_GRADED", "ATTENTION", "NO_SUBMISSION"]

STATUS_GRADED = "graded"
NO_SUBMISSION = "no submission"
ATTENTION = "needs attention"


@dataclass(frozen=True)
class Incident:
    """Something about one notebook that an instructor should know."""

    kind: str
    reason: str
    cell: str = ""

    def as_dict(self):
        return {"kind": self.kind, "reason": self.reason, "cell": self.cell}


@dataclass(frozen=True)
class NotebookResult:
    """One row of the grades table."""

    student: str
    assignment: str
    notebook: str
    score: float
    max_score: float
    status: str
    reasons: tuple = ()

    @property
    def needs_attention(self):
        return self.status != STATUS_GRADED


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def record_path(status_dir, assignment, student):
    return Path(status_dir) / assignment / f"{student}.json"


def read_record(status_dir, assignment, student):
    """The record of one student's assignment ({} when there is none or it is unreadable)."""
    try:
        data = json.loads(record_path(status_dir, assignment, student).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_record(status_dir, assignment, student, record):
    path = record_path(status_dir, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _update(status_dir, assignment, student, change):
    record = read_record(status_dir, assignment, student)
    change(record)
    _write_record(status_dir, assignment, student, record)


def start_notebook(status_dir, assignment, student, notebook, incidents=()):
    """Begin a fresh record for a notebook that nbgrader is about to grade.

    Incidents about the whole submission from an earlier run are dropped too: this run
    decides again.
    """
    def change(record):
        record.pop("submission", None)
        record.setdefault("notebooks", {})[notebook] = {
            "state": "started", "started": _now(),
            "incidents": [i.as_dict() for i in incidents]}
    _update(status_dir, assignment, student, change)


def add_incidents(status_dir, assignment, student, notebook, incidents):
    if not incidents:
        return

    def change(record):
        entry = record.setdefault("notebooks", {}).setdefault(
            notebook, {"state": "started", "started": _now(), "incidents": []})
        known = {(i["kind"], i["reason"]) for i in entry["incidents"]}
        for incident in incidents:
            if (incident.kind, incident.reason) not in known:
                entry["incidents"].append(incident.as_dict())
    _update(status_dir, assignment, student, change)


def finish_notebook(status_dir, assignment, student, notebook):
    def change(record):
        entry = record.setdefault("notebooks", {}).setdefault(
            notebook, {"started": _now(), "incidents": []})
        entry["state"] = STATUS_GRADED
        entry["finished"] = _now()
    _update(status_dir, assignment, student, change)


def set_submission_incidents(status_dir, assignment, student, incidents):
    """Incidents about a whole submission (no notebook, grader failure), replacing old ones."""
    def change(record):
        record["submission"] = {"updated": _now(),
                                "incidents": [i.as_dict() for i in incidents]}
    _update(status_dir, assignment, student, change)


def _status(reasons):
    return f"{ATTENTION}: {'; '.join(reasons)}" if reasons else STATUS_GRADED


def _grade_totals(submitted_notebook):
    score = 0.0
    max_score = 0.0
    manual = False
    ungraded = False
    for grade in submitted_notebook.grades:
        max_score += float(grade.max_score)
        if grade.score is not None:
            score += float(grade.score)
        if grade.needs_manual_grade:
            manual = True
        if grade.auto_score is None and grade.manual_score is None:
            ungraded = True
    return score, max_score, manual, ungraded


def notebook_results(db_url, status_dir, submitted_dir, assignments=None, students=None):
    """One :class:`NotebookResult` per student, assignment and notebook of the gradebook.

    Inputs:
    - db_url: the gradebook.
    - status_dir: the folder of grading records (``grading/status``).
    - submitted_dir: nbgrader's ``submitted`` folder (to tell missing notebooks apart).
    - assignments, students: restrict to these names (None: all).
    """
    status_dir = Path(status_dir)
    submitted_dir = Path(submitted_dir)
    rows = []
    with Gradebook(db_url) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if assignments and assignment.name not in assignments:
                continue
            notebook_names = sorted(nb.name for nb in assignment.notebooks)
            max_scores = {nb.name: float(nb.max_score) for nb in assignment.notebooks}
            for student in sorted(gb.students, key=lambda s: s.id):
                if students and student.id not in students:
                    continue
                rows += _student_rows(gb, assignment.name, student.id, notebook_names,
                                      max_scores, status_dir, submitted_dir)
    return rows


def _student_rows(gb, assignment, student, notebook_names, max_scores, status_dir,
                  submitted_dir):
    folder = submitted_dir / student / assignment
    record = read_record(status_dir, assignment, student)
    whole = [i["reason"] for i in record.get("submission", {}).get("incidents", [])]
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        reason = ("submitted but not autograded yet" if folder.is_dir()
                  else NO_SUBMISSION)
        return [NotebookResult(student, assignment, name, 0.0, max_scores[name],
                               _status(whole or [reason]), tuple(whole or [reason]))
                for name in notebook_names]
    by_name = {nb.name: nb for nb in submission.notebooks}
    rows = []
    for name in notebook_names:
        reasons = list(whole)
        entry = record.get("notebooks", {}).get(name)
        submitted = by_name.get(name)
        score, max_score, manual, ungraded = (
            _grade_totals(submitted) if submitted is not None
            else (0.0, max_scores[name], False, True))
        if not (folder / f"{name}.ipynb").is_file():
            others = sorted(p.name for p in folder.glob("*.ipynb")) if folder.is_dir() else []
            found = f" (found: {', '.join(others)})" if others else ""
            reasons.append(f"notebook {name}.ipynb not submitted{found}")
        elif entry is None:
            if not reasons:
                reasons.append("not autograded by this course's grader (no grading record)"
                               if not ungraded else "submitted but not autograded yet")
        else:
            reasons += [i["reason"] for i in entry.get("incidents", [])]
            if entry.get("state") != STATUS_GRADED:
                reasons.append("autograding did not finish (see grading/logs)")
        if manual and not reasons:
            reasons.append("needs manual grading")
        reasons = list(dict.fromkeys(reasons))
        rows.append(NotebookResult(student, assignment, name, score, max_score,
                                   _status(reasons), tuple(reasons)))
    return rows
