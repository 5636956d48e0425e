"""nbgrader's ``Execute`` that survives a kernel that dies (``os._exit``, segfault,
memory or CPU limit) or ignores the interrupt after a timeout: the cells that ran keep
their outputs (and points), the rest get an error output naming the reason (0 points).
It also zeroes the tests affected by tampering (:mod:`dlcourse.tampering`) and records
timeouts, memory errors and floods of output.

A kernel that cannot start (no sandbox on this machine, a launcher failure) is the
grading machine's failure, never a student's zero: it is recorded and raised, so
nbgrader reports that submission as failed and the run exits non-zero. A run with
``unsafe_no_sandbox`` records so on every notebook."""

import ast
import signal
import time

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellControlSignal, DeadKernelError
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Bool, Integer

from dlcourse import grading_records, tampering
from dlcourse.grading_records import Incident
from dlcourse.kernel_launcher import SANDBOX_FAILED
from dlcourse.kernel_users import kill_sandbox_processes, sandbox_uid
from dlcourse.kernelspec import sandbox_problem
from dlcourse.limits import DEFAULT_LIMITS
from dlcourse.preprocessors.grading_record import (
    GradingRecord,
    cell_name,
    error_output,
    unreadable_reason,
)
from dlcourse.provisioner import SandboxProvisioner

__all__ = ["CrashProofExecute", "KernelStartError"]


class KernelStartError(RuntimeError):
    """The graded kernel could not start: a failure of the grading machine."""


class CrashProofExecute(Execute, GradingRecord):
    """nbgrader's ``Execute``, finishing the notebook whatever the kernel does."""

    responsive_after_timeout = Integer(
        5, help="seconds a timed-out kernel has to answer again before it is killed").tag(
        config=True)
    unsafe_no_sandbox = Bool(
        False, help="the kernel runs without bubblewrap (every record says so)").tag(
        config=True)

    # ---- the whole notebook

    def preprocess(self, nb, resources=None, km=None):
        self._stop_reason = None
        self._timed_out = False
        self._kernel_pid = None
        self._incidents = []
        unreadable = unreadable_reason(nb)
        if unreadable:
            # the exporter has recorded why; every test scores 0
            self._fail_graded_cells(nb, "CorruptNotebook",
                                    f"the submitted notebook could not be read ({unreadable})",
                                    record=False)
            return nb, resources
        self._check_sandbox(resources)
        findings = self._find_tampering(nb, resources)
        SandboxProvisioner.last_launch_error = ""
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except (RuntimeError, TimeoutError) as exc:
            if self._kernel_pid is not None or self._stop_reason:
                raise
            detail = SandboxProvisioner.last_launch_error or f"{type(exc).__name__}: {exc}"
            self._kernel_start_failed(resources, f"the kernel could not start ({detail})")
        finally:
            if self._kernel_pid:
                kill_sandbox_processes(sandbox_uid(self._kernel_pid))
        self._zero_tampered_tests(nb, findings)
        self._inspect_outputs(nb)
        self._record(grading_records.add_incidents, resources, self._incidents)
        return nb, resources

    def _check_sandbox(self, resources):
        problem = sandbox_problem(unsafe=self.unsafe_no_sandbox)
        if problem:
            self._kernel_start_failed(resources,
                                      f"the grading sandbox cannot be built: {problem}")
        if self.unsafe_no_sandbox:
            self._incidents.append(Incident(
                "unsafe", "graded WITHOUT the sandbox (--unsafe-no-sandbox): student code "
                "could read and change what the grader can"))

    def _kernel_start_failed(self, resources, reason):
        """Record and raise (nbgrader then reports this submission as failed)."""
        self.log.error("%s", reason)
        self._incidents.append(Incident("kernel-start", reason))
        self._record(grading_records.add_incidents, resources, self._incidents)
        raise KernelStartError(reason)

    def _fail_graded_cells(self, nb, ename, evalue, record=True):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [error_output(ename, evalue)] if is_grade(cell) else []
                cell.execution_count = None
        if record and not any(i.reason == evalue for i in self._incidents):
            self._incidents.append(Incident(ename, evalue))

    # ---- one cell

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stop_reason:
            cell.outputs = [error_output("NotRun", f"not run: {self._stop_reason}")]
            cell.execution_count = None
            return cell, resources
        if self._kernel_pid is None:
            self._kernel_pid = self._find_kernel_pid()
        self._timed_out = False
        name = cell_name(cell, index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            why = self._death_reason()
            self._stop(cell, f"the kernel died in {name} ({why})", "kernel-died", name)
            return cell, resources
        except CellControlSignal as exc:
            self._kill_kernel()
            self._stop(cell, f"{name} could not be completed ({exc})", "timeout", name)
            return cell, resources
        if self._timed_out:
            self._incidents.append(Incident(
                "timeout", f"{name} ran longer than {self.timeout} s (stopped)", name))
            if not self._kernel_answers():
                self._kill_kernel()
                self._stop(None, f"the kernel ignored the interrupt after {name} timed out "
                           "and was killed", "unresponsive", name)
        return cell, resources

    def _stop(self, cell, reason, kind, name):
        self._stop_reason = reason
        if cell is not None:
            cell.outputs.append(error_output("KernelStopped", reason))
        self._incidents.append(Incident(kind, f"{reason}; later cells not run", name))

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def _find_kernel_pid(self):
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def _death_reason(self):
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        code = None
        if process is not None:
            try:
                code = process.wait(timeout=2)
            except Exception:  # noqa: BLE001 - still running or already reaped
                code = process.poll()
        if code is None:
            return "exit status unknown"
        if code == SANDBOX_FAILED:
            return "the grading sandbox could not start it; see the grader log"
        if code < 0 or code > 128:
            # killed by a signal: Popen says -N; bwrap, the kernel's parent, exits 128 + N
            number = -code if code < 0 else code - 128
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            meaning = {
                "SIGSEGV": "segmentation fault",
                "SIGXCPU": "CPU time limit reached",
                "SIGKILL": "killed: memory or CPU limit",
                "SIGABRT": "aborted, often a failed memory allocation",
                "SIGBUS": "bus error",
            }.get(name, "killed by a signal")
            return f"{name}, {meaning}"
        return f"it exited with status {code}"

    def _kernel_answers(self):
        """Does the kernel answer a trivial request within ``responsive_after_timeout``?"""
        async def probe():
            msg_id = self.kc.execute("", silent=True, store_history=False)
            deadline = time.monotonic() + self.responsive_after_timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                try:
                    msg = await self.kc.shell_channel.get_msg(timeout=remaining)
                except Exception:  # noqa: BLE001 - queue.Empty: no answer in time
                    return False
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
        try:
            return run_sync(probe)()
        except Exception:  # noqa: BLE001
            return False

    def _kill_kernel(self):
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception as exc:  # noqa: BLE001 - it may be dead already
            self.log.warning("could not kill the kernel: %s", exc)

    # ---- after execution

    def _find_tampering(self, nb, resources):
        assignment, _, notebook = self._ids(resources)
        try:
            with Gradebook(resources["nbgrader"]["db_url"]) as gb:
                source_nb = gb.find_notebook(notebook, assignment)
                solution_names = {cell.name for cell in source_nb.solution_cells}
                sources = [cell.source for cell in source_nb.source_cells
                           if cell.name in solution_names and cell.cell_type == "code"]
        except MissingEntry:
            sources = []
        names = tampering.graded_names(sources)
        cells = [(cell.source if cell.cell_type == "code" else "",
                  cell.cell_type == "code" and (is_solution(cell) or not is_locked(cell)),
                  cell_name(cell, index))
                 for index, cell in enumerate(nb.cells)]
        findings = tampering.find_tampering(cells, names)
        for finding in findings:
            self._incidents.append(Incident(
                "tampering", f"tampering: {finding.cell_name} {finding.detail}",
                finding.cell_name))
        return findings

    def _zero_tampered_tests(self, nb, findings):
        for finding in findings:
            for index, cell in enumerate(nb.cells):
                if index <= finding.cell_index or not is_grade(cell) or cell.cell_type != "code":
                    continue
                if finding.names and not (finding.names & _names_used(cell.source)):
                    continue
                cell.outputs = [error_output(
                    "Tampering", f"0 points: {finding.cell_name} {finding.detail}")]

    def _output_max_lines(self):
        """The lines nbgrader's LimitOutput keeps, as configured (nbgrader_settings)."""
        section = self.config.get("LimitOutput", {})
        return int(section.get("max_lines", DEFAULT_LIMITS.output_max_lines))

    def _inspect_outputs(self, nb):
        max_lines = self._output_max_lines()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            name = cell_name(cell, index)
            lines = sum(str(out.get("text", "")).count("\n") for out in cell.outputs
                        if out.get("output_type") == "stream")
            if lines > max_lines:
                self._incidents.append(Incident(
                    "output", f"{name} printed {lines} lines (kept the first "
                    f"{max_lines})", name))
            for out in cell.outputs:
                if out.get("output_type") == "error" and out.get("ename") == "MemoryError":
                    self._incidents.append(Incident(
                        "memory", f"{name} ran out of memory (MemoryError at the kernel's "
                        "memory limit)", name))
                    break


def _names_used(source):
    try:
        tree = ast.parse(tampering.python_source(source))
    except (SyntaxError, ValueError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
