"""``dlcourse autograde``: every submission graded in parallel, with progress and a report.

The worker pool (:mod:`dlcourse.worker_pool`) runs long-lived worker processes
(:mod:`dlcourse.worker`), each running nbgrader's own autograde converter in-process,
one (student, assignment) at a time; a file lock per student keeps two ``dlcourse
autograde`` runs apart. The crash-proofing lives in nbgrader's pipeline itself
(:mod:`dlcourse.preprocessors`). This module finds the tasks, turns each worker's answer
(or its failure: a worker that died or a grading that ran past ``task_timeout`` is
reported for that student) into rows, and prints one line per student and a summary.
"""

import shutil
import sys
import time
from dataclasses import dataclass, field

from nbgrader.api import Gradebook

from dlcourse.grading_records import (
    Incident,
    NotebookResult,
    notebook_results,
    set_submission_incidents,
)
from dlcourse.kernelspec import sandbox_problem
from dlcourse.worker_pool import GraderError, WorkerPool

__all__ = ["GraderError", "StudentResult", "AutogradeReport", "find_tasks", "autograde"]

#: Longest time one student's assignment may take before the worker is stopped.
TASK_TIMEOUT_SECONDS = 1800


@dataclass
class StudentResult:
    student: str
    seconds: float
    rows: list
    errors: list = field(default_factory=list)


@dataclass
class AutogradeReport:
    results: list
    seconds: float
    workers: int
    unsafe: bool = False

    @property
    def rows(self):
        return [row for result in self.results for row in result.rows]

    @property
    def grader_errors(self):
        return [(r.student, e) for r in self.results for e in r.errors]

    def summary(self):
        """A table per assignment: students, graded, needing attention, mean score."""
        by_assignment = {}
        for row in self.rows:
            by_assignment.setdefault(row.assignment, {}).setdefault(row.student, []).append(row)
        lines = [f"{'assignment':<24} {'students':>8} {'graded':>7} {'attention':>9} "
                 f"{'mean score':>12}"]
        for assignment, students in sorted(by_assignment.items()):
            attention = sum(any(r.needs_attention for r in rows) for rows in students.values())
            totals = [sum(r.score for r in rows) for rows in students.values()]
            maximum = max(sum(r.max_score for r in rows) for rows in students.values())
            mean = sum(totals) / len(totals)
            lines.append(f"{assignment:<24} {len(students):>8} {len(students) - attention:>7} "
                         f"{attention:>9} {mean:>7.1f}/{maximum:<4g}")
        per_student = self.seconds / max(1, len(self.results))
        lines.append(f"{len(self.results)} students in {self.seconds:.1f} s with "
                     f"{self.workers} workers ({per_student:.1f} s per student)")
        if self.unsafe:
            lines.append("UNSAFE: graded WITHOUT the sandbox (--unsafe-no-sandbox); every "
                         "grading record says so")
        if self.grader_errors:
            lines.append(f"grader errors: {len(self.grader_errors)} (the grader failed, not the "
                         "students; grade these again once fixed; logs in grading/logs):")
            lines += [f"  {student}: {error}" for student, error in self.grader_errors]
        return "\n".join(lines)


def find_tasks(course, assignments=None, students=None):
    """{student: [assignment, ...]} of the submissions in ``submitted/``, sorted."""
    submitted = course.submitted_dir
    tasks = {}
    if not submitted.is_dir():
        return tasks
    wanted_students = set(students) if students else None
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if wanted_students is not None and student_dir.name not in wanted_students:
            continue
        names = sorted(p.name for p in student_dir.iterdir() if p.is_dir()
                       and (not assignments or p.name in assignments))
        if names:
            tasks[student_dir.name] = names
    return tasks


def _result_from_dict(data):
    rows = [NotebookResult(data["student"], r["assignment"], r["notebook"], r["score"],
                           r["max_score"], r["status"], tuple(r["reasons"]))
            for r in data.get("rows", [])]
    errors = [f"{e['assignment']}: {e['error'].strip().splitlines()[-1]}"
              for e in data.get("errors", [])]
    return StudentResult(data["student"], data.get("seconds", 0.0), rows, errors)


def _failed_result(course, student, assignments, why, grader_error):
    """A student whose grading was stopped: the gradebook rows, with the reason."""
    for assignment in assignments:
        set_submission_incidents(course.status_dir, assignment, student,
                                 [Incident("grader-stopped", why)])
    rows = notebook_results(course.gradebook_url(), course.status_dir, course.submitted_dir,
                            assignments, [student])
    return StudentResult(student, 0.0, rows, [why] if grader_error else [])


def _line(done, total, result):
    parts = []
    for row in result.rows:
        text = f"{row.notebook} {row.score:g}/{row.max_score:g}"
        if row.needs_attention:
            text += f" [{row.status}]"
        parts.append(text)
    for error in result.errors:
        parts.append(f"GRADER ERROR {error}")
    width = len(str(total))
    return (f"[{done:>{width}}/{total}] {result.student:<16} {result.seconds:6.1f} s  "
            + "; ".join(parts or ["nothing graded"]))


def _check_assignments(course, tasks):
    wanted = sorted({a for names in tasks.values() for a in names})
    with Gradebook(course.gradebook_url()) as gb:
        known = {a.name for a in gb.assignments}
    missing = [a for a in wanted if a not in known]
    if missing:
        raise GraderError(
            f"not in the gradebook: {', '.join(missing)}. Release them first "
            "(`dlcourse release` or `nbgrader generate_assignment NAME`).")


def _check_sandbox(unsafe):
    problem = sandbox_problem(unsafe=unsafe)
    if problem:
        raise GraderError(
            f"grading refused: the sandbox for student code cannot be built: {problem}. "
            "(`--unsafe-no-sandbox` grades without it: student code could then read and "
            "change everything this user can; only for trusted submissions.)")


def _validate(course, assignments, tasks, out):
    """Raise GraderError for unknown or unreleased assignments; False: nothing to grade."""
    if assignments:
        unknown = sorted(set(assignments) - set(course.assignments()))
        if unknown:
            raise GraderError(f"unknown assignments: {', '.join(unknown)} "
                              f"(known: {', '.join(course.assignments())})")
    if not tasks:
        print("nothing to grade: no submissions in "
              f"{course.submitted_dir}" + (f" for {', '.join(assignments)}" if assignments
                                           else ""), file=out)
        return False
    _check_assignments(course, tasks)
    return True


def _student_result(course, outcome):
    if outcome.data is not None:
        return _result_from_dict(outcome.data)
    return _failed_result(course, outcome.student, [outcome.assignment], outcome.why,
                          grader_error=not outcome.stuck)


def autograde(course, assignments=None, students=None, workers=2, out=None, progress=None,
              task_timeout=TASK_TIMEOUT_SECONDS, unsafe=False):
    """Autograde submissions in parallel.

    Inputs:
    - course: the :class:`~dlcourse.course.Course`.
    - assignments, students: restrict to these (None: every submission).
    - workers: number of worker processes.
    - out: where result lines and the summary go (default stdout).
    - progress: show a progress bar on stderr (default: when stderr is a terminal).
    - task_timeout: seconds one student's assignment may take.
    - unsafe: grade without the sandbox (refused otherwise when it cannot be built).

    Returns:
    - :class:`AutogradeReport`. Raises :class:`GraderError` when grading cannot start.
    """
    from tqdm import tqdm

    out = out or sys.stdout
    _check_sandbox(unsafe)
    tasks = find_tasks(course, assignments, students)
    if not _validate(course, assignments, tasks, out):
        return AutogradeReport([], 0.0, 0)
    workers = max(1, min(int(workers), len(tasks)))
    pool = WorkerPool(course, tasks, workers, task_timeout, unsafe)
    started = time.monotonic()
    parts = {student: [] for student in tasks}
    results = []
    show = sys.stderr.isatty() if progress is None else progress
    total = sum(len(names) for names in tasks.values())
    with tqdm(total=total, unit="notebook set", desc="autograde", file=sys.stderr,
              disable=not show, dynamic_ncols=True) as bar:
        for outcome in pool.outcomes():
            bar.update(1)
            parts[outcome.student].append(_student_result(course, outcome))
            if len(parts[outcome.student]) == len(tasks[outcome.student]):
                results.append(_merge(parts[outcome.student]))
                bar.write(_line(len(results), len(tasks), results[-1]), file=out)
    results.sort(key=lambda r: r.student)
    report = AutogradeReport(results, time.monotonic() - started, workers, unsafe)
    print("", file=out)
    print(report.summary(), file=out)
    return report


def _merge(parts):
    rows = sorted((row for part in parts for row in part.rows),
                  key=lambda r: (r.assignment, r.notebook))
    return StudentResult(parts[0].student, sum(p.seconds for p in parts), rows,
                         [e for p in parts for e in p.errors])


def clear_grading_state(course):
    """Remove autograded copies, feedback, records and logs (not submissions, not the
    gradebook)."""
    for folder in (course.autograded_dir, course.feedback_dir, course.status_dir,
                   course.logs_dir):
        shutil.rmtree(folder, ignore_errors=True)
