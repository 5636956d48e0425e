"""nbgrader preprocessors that make autograding crash-proof and explain every zero.

``apply_nbgrader_settings`` puts them into nbgrader's own autograde pipeline, so stock
``nbgrader autograde``, the formgrader and ``dlcourse autograde`` all use them:

- :class:`TolerantNotebookExporter`: a notebook that is not valid JSON (or not a valid
  notebook) is graded as an empty one (every test 0) instead of failing the student.
- :class:`InspectSubmission` (first step): starts the grading record and notes deleted,
  duplicated and edited test cells, which nbgrader then repairs.
- :class:`RestoreCells`: nbgrader's ``OverwriteCells`` with ``add_missing_cells`` that
  also works when neighbouring cells were deleted too (nbgrader 0.9.6 raises KeyError).
- :class:`CrashProofExecute`: nbgrader's ``Execute`` that survives a kernel that dies
  (``os._exit``, segfault, memory or CPU limit) or ignores the interrupt after a
  timeout: the cells that ran keep their outputs (and points), the rest get an error
  output naming the reason (0 points). It also zeroes the tests affected by tampering
  (:mod:`dlcourse.integrity`) and records timeouts, memory errors and floods of
  output.
- :class:`RecordFinished` (last step): closes the record and flags the notebook in the
  gradebook when something needs attention.
"""

import ast
import json
import signal
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellControlSignal, DeadKernelError
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from nbgrader.utils import is_grade, is_locked, is_solution
from traitlets import Integer, Unicode
from traitlets.config import LoggingConfigurable

from dlcourse import integrity, sandbox, status
from dlcourse.status import Incident

__all__ = ["GradingRecord", "TolerantNotebookExporter", "InspectSubmission", "RestoreCells",
           "CrashProofExecute", "RecordFinished", "OUTPUT_MAX_LINES"]

#: nbgrader's LimitOutput keeps this many lines per output (settings sets it explicitly).
OUTPUT_MAX_LINES = 1000


class GradingRecord(LoggingConfigurable):
    """Where the grading records go (``grading/status``) and where the sources are."""

    status_dir = Unicode("", help="folder of the per-submission grading records").tag(
        config=True)
    source_dir = Unicode("", help="nbgrader's source folder (the solutions)").tag(config=True)

    def _ids(self, resources):
        info = resources["nbgrader"]
        return info["assignment"], info["student"], info["notebook"]

    def _record(self, function, resources, *args):
        if self.status_dir:
            assignment, student, notebook = self._ids(resources)
            function(self.status_dir, assignment, student, notebook, *args)

    def _source_order(self, assignment, notebook):
        """grade ids of the source notebook in order ([] when it cannot be read)."""
        if not self.source_dir:
            return []
        path = Path(self.source_dir) / assignment / f"{notebook}.ipynb"
        try:
            nb = nbformat.read(str(path), as_version=4)
        except (OSError, ValueError):
            return []
        return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def _error_output(ename, evalue):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                  traceback=[f"{ename}: {evalue}"])


def _unreadable_reason(nb):
    return nb.get("metadata", {}).get("dlcourse", {}).get("unreadable")


def _cell_name(cell, index):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


def _check_structure(nb):
    """Raise ValueError unless ``nb`` has the parts grading relies on."""
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise ValueError("the notebook has no list of cells")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise ValueError(f"cell {index + 1} is malformed")
        if not isinstance(cell.get("source", ""), str):
            raise ValueError(f"cell {index + 1} has no readable source")
        cell.setdefault("metadata", {})
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)


class TolerantNotebookExporter(NotebookExporter, GradingRecord):
    """Reads a corrupt notebook as an empty one marked unreadable (graded 0, explained)."""

    def from_file(self, file_stream, resources=None, **kw):
        try:
            text = file_stream.read()
            try:
                json.loads(text)
            except ValueError as exc:
                where = (f" at line {exc.lineno}, column {exc.colno}"
                         if isinstance(exc, json.JSONDecodeError) else "")
                raise ValueError(f"not valid JSON{where}") from None
            nb = nbformat.reads(text, as_version=4)
            _check_structure(nb)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong, the student gets 0
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
            nb.metadata["dlcourse"] = {"unreadable": reason}
            if resources and "nbgrader" in resources:
                self._record(status.start_notebook, resources,
                             [Incident("corrupt", f"notebook could not be read ({reason})")])
        return self.from_notebook_node(nb, resources, **kw)


def _comparable(source):
    """A locked cell's code as released: hidden tests removed, blank lines ignored."""
    lines, hidden = [], False
    for line in source.splitlines():
        text = line.rstrip()
        if text.strip().startswith("### BEGIN HIDDEN TESTS"):
            hidden = True
        elif text.strip().startswith("### END HIDDEN TESTS"):
            hidden = False
        elif not hidden and text.strip():
            lines.append(text)
    return "\n".join(lines)


class InspectSubmission(NbGraderPreprocessor, GradingRecord):
    """Start the grading record; note deleted, duplicated and edited locked cells."""

    def preprocess(self, nb, resources):
        if _unreadable_reason(nb):
            return nb, resources
        self._record(status.start_notebook, resources, [])
        assignment, _, notebook = self._ids(resources)
        with Gradebook(resources["nbgrader"]["db_url"]) as gb:
            try:
                source_nb = gb.find_notebook(notebook, assignment)
            except MissingEntry:
                return nb, resources
            grade_names = {cell.name for cell in source_nb.grade_cells}
            solution_names = {cell.name for cell in source_nb.solution_cells}
            locked_sources = {cell.name: cell.source for cell in source_nb.source_cells
                              if cell.locked}
        counts = {}
        incidents = []
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if not grade_id:
                continue
            counts[grade_id] = counts.get(grade_id, 0) + 1
            original = locked_sources.get(grade_id)
            if (original is not None and counts[grade_id] == 1
                    and _comparable(cell.source) != _comparable(original)):
                kind = "test cell" if grade_id in grade_names else "locked cell"
                incidents.append(Incident(
                    "edited-cell", f"{kind} {grade_id} was edited (restored from the source)",
                    grade_id))
        for name in sorted(grade_names - solution_names):
            if name not in counts:
                incidents.append(Incident(
                    "deleted-cell", f"test cell {name} was deleted (restored from the source)",
                    name))
        for name, count in sorted(counts.items()):
            if count > 1:
                incidents.append(Incident(
                    "duplicated-cell",
                    f"cell {name} appears {count} times (only the last copy is graded)", name))
        self._record(status.add_incidents, resources, incidents)
        return nb, resources


class RestoreCells(OverwriteCells, GradingRecord):
    """``OverwriteCells`` whose restoring of deleted test cells never fails.

    A missing grade cell goes right after the nearest cell that precedes it in the
    source notebook and is still present (the top when none is).
    """

    def preprocess(self, nb, resources):
        # DeduplicateIds leaves ``"nbgrader": {}`` on the earlier copies of a duplicated
        # cell, which nbgrader's own add_missing_task_cells trips over (KeyError)
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", None) == {}:
                del cell.metadata["nbgrader"]
        return super().preprocess(nb, resources)

    def add_missing_task_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        present = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                   for cell in nb.cells}
        for task_cell in source_nb.task_cells:
            if task_cell.name not in present and task_cell.name in source_cells:
                nb.cells.append(self.missing_cell_transform(
                    source_cells[task_cell.name], task_cell.max_score, is_task=True))
        return nb, resources

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        order = self._source_order(self.assignment_id, self.notebook_id) or list(source_cells)
        solution_names = {cell.name for cell in source_nb.solution_cells}
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        for name in [n for n in order if n in grade_cells] + \
                sorted(set(grade_cells) - set(order)):
            present = {c.metadata["nbgrader"]["grade_id"]: i for i, c in enumerate(nb.cells)
                       if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")}
            if name in present or name not in source_cells:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            position = 0
            if name in order:
                earlier = [n for n in order[:order.index(name)] if n in present]
                if earlier:
                    position = present[earlier[-1]] + 1
            new_cell = self.missing_cell_transform(
                source_cells[name], grade_cells[name].max_score,
                is_solution=name in solution_names)
            nb.cells.insert(position, new_cell)
        return nb, resources


class CrashProofExecute(Execute, GradingRecord):
    """nbgrader's ``Execute``, finishing the notebook whatever the kernel does."""

    responsive_after_timeout = Integer(
        5, help="seconds a timed-out kernel has to answer again before it is killed").tag(
        config=True)

    # ---- the whole notebook

    def preprocess(self, nb, resources=None, km=None):
        self._stop_reason = None
        self._timed_out = False
        self._kernel_pid = None
        self._incidents = []
        unreadable = _unreadable_reason(nb)
        if unreadable:
            # the exporter has recorded why; every test scores 0
            self._fail_graded_cells(nb, "CorruptNotebook",
                                    f"the submitted notebook could not be read ({unreadable})",
                                    record=False)
            return nb, resources
        findings = self._find_tampering(nb, resources)
        try:
            nb, resources = super().preprocess(nb, resources, km)
        except Exception as exc:  # noqa: BLE001 - the kernel could not start at all
            reason = f"the kernel could not start ({type(exc).__name__}: {exc})"
            self.log.error("%s", reason)
            self._incidents.append(Incident("kernel-start", reason))
            self._fail_graded_cells(nb, "KernelStartError", reason)
        finally:
            if self._kernel_pid:
                sandbox.kill_sandbox_processes(sandbox.sandbox_uid(self._kernel_pid))
        self._zero_tampered_tests(nb, findings)
        self._inspect_outputs(nb)
        self._record(status.add_incidents, resources, self._incidents)
        return nb, resources

    def _fail_graded_cells(self, nb, ename, evalue, record=True):
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = [_error_output(ename, evalue)] if is_grade(cell) else []
                cell.execution_count = None
        if record and not any(i.reason == evalue for i in self._incidents):
            self._incidents.append(Incident(ename, evalue))

    # ---- one cell

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        if self._stop_reason:
            cell.outputs = [_error_output("NotRun", f"not run: {self._stop_reason}")]
            cell.execution_count = None
            return cell, resources
        if self._kernel_pid is None:
            self._kernel_pid = self._find_kernel_pid()
        self._timed_out = False
        name = _cell_name(cell, index)
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
            cell.outputs.append(_error_output("KernelStopped", reason))
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
        if code == sandbox.SANDBOX_FAILED:
            return "the grading sandbox could not start it; see the grader log"
        if code < 0:
            number = -code
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
        names = integrity.graded_names(sources)
        cells = [(cell.source if cell.cell_type == "code" else "",
                  cell.cell_type == "code" and (is_solution(cell) or not is_locked(cell)),
                  _cell_name(cell, index))
                 for index, cell in enumerate(nb.cells)]
        findings = integrity.find_tampering(cells, names)
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
                cell.outputs = [_error_output(
                    "Tampering", f"0 points: {finding.cell_name} {finding.detail}")]

    def _inspect_outputs(self, nb):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            name = _cell_name(cell, index)
            lines = sum(str(out.get("text", "")).count("\n") for out in cell.outputs
                        if out.get("output_type") == "stream")
            if lines > OUTPUT_MAX_LINES:
                self._incidents.append(Incident(
                    "output", f"{name} printed {lines} lines (kept the first "
                    f"{OUTPUT_MAX_LINES})", name))
            for out in cell.outputs:
                if out.get("output_type") == "error" and out.get("ename") == "MemoryError":
                    self._incidents.append(Incident(
                        "memory", f"{name} ran out of memory (MemoryError at the kernel's "
                        "memory limit)", name))
                    break


def _names_used(source):
    try:
        tree = ast.parse(integrity.python_source(source))
    except (SyntaxError, ValueError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


class RecordFinished(NbGraderPreprocessor, GradingRecord):
    """Close the grading record; flag the notebook in the gradebook when it needs attention."""

    def preprocess(self, nb, resources):
        if not self.status_dir:
            return nb, resources
        assignment, student, notebook = self._ids(resources)
        status.finish_notebook(self.status_dir, assignment, student, notebook)
        record = status.read_record(self.status_dir, assignment, student)
        incidents = record.get("notebooks", {}).get(notebook, {}).get("incidents", [])
        try:
            with Gradebook(resources["nbgrader"]["db_url"]) as gb:
                submitted = gb.find_submission_notebook(notebook, assignment, student)
                submitted.flagged = bool(incidents)
                gb.db.commit()
        except MissingEntry:
            pass
        self.log.info("grading record: %s", json.dumps(incidents, ensure_ascii=False))
        return nb, resources
