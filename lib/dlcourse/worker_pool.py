"""The autograde worker pool: worker processes (:mod:`dlcourse.worker`) fed
(student, assignment) tasks by threads, one thread per worker.

The schedule never gives one student to two workers at once (nbgrader's per-student
state would clash). A worker that dies, or whose task runs past ``task_timeout``, is
killed with every process below it (kernels included) and replaced; the task is
reported as failed and the others go on.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from dlcourse.kernel_users import kill_sandbox_processes
from dlcourse.kernelspec import UNSAFE_ENV
from dlcourse.nbgrader_runner import nbgrader_environment

__all__ = ["GraderError", "WorkerPool", "TaskOutcome"]


class GraderError(RuntimeError):
    """The grader itself cannot work (not a problem of one submission)."""


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
    uids = set()
    for child in _descendants(pid) + [pid]:
        try:
            uids.add(os.stat(f"/proc/{child}").st_uid)
            os.kill(child, 9)
        except OSError:
            pass
    for uid in uids:
        kill_sandbox_processes(uid)


class _WorkerProcess:
    """A worker subprocess and the pipe protocol to it."""

    def __init__(self, course, index, log_dir, threads_per_kernel=False, unsafe=False):
        self.course = course
        self.index = index
        self.one_thread = threads_per_kernel
        self.unsafe = unsafe
        self.log_path = Path(log_dir) / f"worker-{index}.log"
        self.process = None

    def start(self):
        env = nbgrader_environment()
        # only --unsafe-no-sandbox grades without the sandbox, never a stray variable
        env.pop(UNSAFE_ENV, None)
        if self.unsafe:
            env[UNSAFE_ENV] = "1"
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


class TaskOutcome:
    """What became of one task: the worker's result dict, or why there is none."""

    def __init__(self, student, assignment, data=None, why=None):
        self.student, self.assignment, self.data, self.why = student, assignment, data, why

    @property
    def stuck(self):
        """The task ran past its time (not a grader error: the submission was too slow)."""
        return bool(self.why) and self.why.startswith("grading took longer")


class WorkerPool:
    """``workers`` worker processes grading ``tasks`` ({student: [assignment, ...]})."""

    def __init__(self, course, tasks, workers, task_timeout, unsafe=False):
        self.course = course
        self.unsafe = unsafe
        self.workers = workers
        self.task_timeout = task_timeout
        self.schedule = _Schedule(tasks)
        self.failures = []
        self._done = queue.Queue()

    def _serve(self, index):
        worker = _WorkerProcess(self.course, index, self.course.logs_dir,
                                threads_per_kernel=self.workers > 1, unsafe=self.unsafe)
        try:
            while (item := self.schedule.take()) is not None:
                student, assignment = item
                if worker.process is None:
                    try:
                        worker.start()
                    except GraderError as exc:
                        self.failures.append(str(exc))
                        self.schedule.give_back(item)
                        break
                data, why = worker.run({"student": student, "assignments": [assignment]},
                                       self.task_timeout)
                if data is None:
                    worker.stop()  # stopped (too slow) or died: a new one takes over
                self.schedule.done(student)
                self._done.put(TaskOutcome(student, assignment, data, why))
        finally:
            worker.stop()
            self._done.put(None)

    def outcomes(self):
        """Run the pool; yield each :class:`TaskOutcome` as it finishes.

        Raises GraderError when workers could not start or stopped with tasks left.
        """
        threads = [threading.Thread(target=self._serve, args=(i,), daemon=True)
                   for i in range(self.workers)]
        for thread in threads:
            thread.start()
        finished, produced = 0, 0
        while finished < self.workers:
            outcome = self._done.get()
            if outcome is None:
                finished += 1
                continue
            produced += 1
            yield outcome
        for thread in threads:
            thread.join()
        if self.failures and not produced:
            raise GraderError(self.failures[0])
        leftover = self.schedule.leftover()
        if leftover:
            raise GraderError(f"workers stopped before grading {', '.join(leftover)}: "
                              + "; ".join(self.failures))
