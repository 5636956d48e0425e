"""Parallel autograding: students split across worker processes, with progress.

Each worker (:mod:`dlcourse.worker`) is a long-lived process running nbgrader's
own autograde in-process, one (student, assignment) at a time. The schedule never
gives one student to two workers at once (nbgrader's per-student state would clash),
and a file lock per student also keeps two ``dlcourse autograde`` runs apart. The
crash-proofing lives in nbgrader's pipeline itself (:mod:`dlcourse.grader`);
this module adds what surrounds it: a worker that dies or a grading that runs past
``task_timeout`` is stopped, reported for that student, and replaced, and the others
go on.
"""

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from dlcourse.status import NotebookResult
from dlcourse.workspace import nbgrader_environment

__all__ = ["GraderError", "StudentResult", "AutogradeReport", "find_tasks", "autograde"]

#: Longest time one student's assignment may take before the worker is stopped.
TASK_TIMEOUT_SECONDS = 1800


class GraderError(RuntimeError):
    """The grader itself cannot work (not a problem of one submission)."""


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
        if self.grader_errors:
            lines.append(f"grader errors: {len(self.grader_errors)} (see above and grading/logs)")
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


def _descendants(pid):
    """pids of every process below ``pid``."""
    children = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat_file.read_text()
            ppid = int(text.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(stat_file.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill_tree(pid):
    from dlcourse import sandbox

    uids = set()
    for child in _descendants(pid) + [pid]:
        try:
            uids.add(os.stat(f"/proc/{child}").st_uid)
            os.kill(child, 9)
        except OSError:
            pass
    for uid in uids:
        sandbox.kill_sandbox_processes(uid)


class _WorkerProcess:
    """A worker subprocess and the pipe protocol to it."""

    def __init__(self, course, index, log_dir, threads_per_kernel=False):
        self.course = course
        self.index = index
        self.one_thread = threads_per_kernel
        self.log_path = Path(log_dir) / f"worker-{index}.log"
        self.process = None

    def start(self):
        env = nbgrader_environment()
        if self.one_thread:
            # kernels side by side: one BLAS thread each, no oversubscribed cores
            for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env.setdefault(name, "1")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dlcourse.worker", str(self.course.grading_dir)],
            cwd=self.course.grading_dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=log, text=True, encoding="utf-8", env=env, bufsize=1)
        log.close()
        hello = self._read()
        if not hello or "ready" not in hello:
            detail = hello.get("fatal") if hello else "it exited at once"
            self.stop()
            raise GraderError(f"an autograde worker could not start: {detail} "
                              f"(log: {self.log_path})")

    def _read(self):
        line = self.process.stdout.readline()
        return json.loads(line) if line else None

    def run(self, task, timeout):
        """Send ``task``; returns (result or None, why it failed)."""
        timer = threading.Timer(timeout, _kill_tree, args=(self.process.pid,))
        timer.start()
        started = time.monotonic()
        try:
            self.process.stdin.write(json.dumps(task) + "\n")
            self.process.stdin.flush()
            result = self._read()
        except (OSError, ValueError):
            result = None
        finally:
            timer.cancel()
        if result is not None:
            return result, None
        code = self.process.poll()
        if time.monotonic() - started >= timeout - 1:
            return None, f"grading took longer than {timeout} s and was stopped"
        return None, f"the grading worker died (exit status {code}; log: {self.log_path})"

    def stop(self):
        if self.process is None:
            return
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_tree(self.process.pid)
            self.process.wait()
        self.process.stdout.close()
        self.process = None


def _result_from_dict(data):
    rows = [NotebookResult(data["student"], r["assignment"], r["notebook"], r["score"],
                           r["max_score"], r["status"], tuple(r["reasons"]))
            for r in data.get("rows", [])]
    errors = [f"{e['assignment']}: {e['error'].strip().splitlines()[-1]}"
              for e in data.get("errors", [])]
    return StudentResult(data["student"], data.get("seconds", 0.0), rows, errors)


def _failed_result(course, student, assignments, why, grader_error):
    """A student whose grading was stopped: the gradebook rows, with the reason."""
    from dlcourse.status import Incident, notebook_results, set_submission_incidents

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


def autograde(course, assignments=None, students=None, workers=2, out=None, progress=None,
              task_timeout=TASK_TIMEOUT_SECONDS):
    """Autograde submissions in parallel.

    Inputs:
    - course: the :class:`~dlcourse.workspace.Course`.
    - assignments, students: restrict to these (None: every submission).
    - workers: number of worker processes.
    - out: where result lines and the summary go (default stdout).
    - progress: show a progress bar on stderr (default: when stderr is a terminal).
    - task_timeout: seconds one student's assignment may take.

    Returns:
    - :class:`AutogradeReport`. Raises :class:`GraderError` when grading cannot start.
    """
    from tqdm import tqdm

    out = out or sys.stdout
    tasks = find_tasks(course, assignments, students)
    if assignments:
        unknown = sorted(set(assignments) - set(course.assignments()))
        if unknown:
            raise GraderError(f"unknown assignments: {', '.join(unknown)} "
                              f"(known: {', '.join(course.assignments())})")
    if not tasks:
        print("nothing to grade: no submissions in "
              f"{course.submitted_dir}" + (f" for {', '.join(assignments)}" if assignments
                                           else ""), file=out)
        return AutogradeReport([], 0.0, 0)
    _check_assignments(course, tasks)
    workers = max(1, min(int(workers), len(tasks)))
    log_dir = course.grading_dir / "logs"
    schedule = _Schedule(tasks)
    done_queue = queue.Queue()
    started = time.monotonic()
    failures = []

    def serve(index):
        worker = _WorkerProcess(course, index, log_dir, threads_per_kernel=workers > 1)
        try:
            while True:
                item = schedule.take()
                if item is None:
                    break
                student, assignment = item
                if worker.process is None:
                    try:
                        worker.start()
                    except GraderError as exc:
                        failures.append(str(exc))
                        schedule.give_back(item)
                        break
                data, why = worker.run({"student": student, "assignments": [assignment]},
                                       task_timeout)
                if data is None:
                    # the worker was stopped (too slow) or died: report, start a new one
                    worker.stop()
                    stuck = why.startswith("grading took longer")
                    result = _failed_result(course, student, [assignment], why,
                                            grader_error=not stuck)
                else:
                    result = _result_from_dict(data)
                schedule.done(student)
                done_queue.put(result)
        finally:
            worker.stop()
            done_queue.put(None)

    threads = [threading.Thread(target=serve, args=(i,), daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    parts = {student: [] for student in tasks}
    results = []
    show = sys.stderr.isatty() if progress is None else progress
    total = sum(len(names) for names in tasks.values())
    with tqdm(total=total, unit="notebook set", desc="autograde", file=sys.stderr,
              disable=not show, dynamic_ncols=True) as bar:
        finished_threads = 0
        while finished_threads < workers:
            item = done_queue.get()
            if item is None:
                finished_threads += 1
                continue
            bar.update(1)
            parts[item.student].append(item)
            if len(parts[item.student]) == len(tasks[item.student]):
                merged = _merge(parts[item.student])
                results.append(merged)
                bar.write(_line(len(results), len(tasks), merged), file=out)
    for thread in threads:
        thread.join()
    if failures and not results:
        raise GraderError(failures[0])
    leftover = schedule.leftover()
    if leftover:
        raise GraderError(f"workers stopped before grading {', '.join(leftover)}: "
                          + "; ".join(failures))
    results.sort(key=lambda r: r.student)
    report = AutogradeReport(results, time.monotonic() - started, workers)
    print("", file=out)
    print(report.summary(), file=out)
    return report


class _Schedule:
    """(student, assignment) tasks handed to workers, never one student to two at once.

    Tasks go assignment by assignment, so the workers grade different students side by
    side and the last tasks are small (a good balance even with few students).
    """

    def __init__(self, tasks):
        order = sorted({a for names in tasks.values() for a in names})
        self.pending = [(s, a) for a in order for s in sorted(tasks) if a in tasks[s]]
        self.busy = set()
        self.condition = threading.Condition()

    def take(self):
        with self.condition:
            while self.pending:
                for index, (student, assignment) in enumerate(self.pending):
                    if student not in self.busy:
                        del self.pending[index]
                        self.busy.add(student)
                        return student, assignment
                self.condition.wait()
            return None

    def done(self, student):
        with self.condition:
            self.busy.discard(student)
            self.condition.notify_all()

    def give_back(self, item):
        with self.condition:
            self.pending.insert(0, item)
            self.busy.discard(item[0])
            self.condition.notify_all()

    def leftover(self):
        with self.condition:
            return sorted({student for student, _ in self.pending})


def _merge(parts):
    rows = sorted((row for part in parts for row in part.rows),
                  key=lambda r: (r.assignment, r.notebook))
    return StudentResult(parts[0].student, sum(p.seconds for p in parts), rows,
                         [e for p in parts for e in p.errors])


def clear_grading_state(course):
    """Remove autograded copies, feedback, records and logs (not submissions, not the
    gradebook)."""
    for folder in (course.autograded_dir, course.feedback_dir, course.status_dir,
                   course.grading_dir / "logs"):
        shutil.rmtree(folder, ignore_errors=True)
