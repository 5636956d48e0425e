"""nbgrader preprocessors that make autograding crash-proof and explain every zero.

One class per module. :func:`dlcourse.nbgrader_settings.apply_nbgrader_settings` puts
them into nbgrader's own autograde pipeline, so stock ``nbgrader autograde``, the
formgrader and ``dlcourse autograde`` all use them:

- :class:`TolerantNotebookExporter` (``tolerant_exporter``): a notebook that is not
  valid JSON (or not a valid notebook) is graded as an empty one (every test 0) instead
  of failing the student.
- :class:`InspectSubmission` (``inspect_submission``, first step): starts the grading
  record and notes deleted, duplicated and edited test cells, which nbgrader then
  repairs.
- :class:`RestoreCells` (``restore_cells``): nbgrader's ``OverwriteCells`` with
  ``add_missing_cells`` that also works when neighbouring cells were deleted too
  (nbgrader 0.9.6 raises KeyError).
- :class:`CrashProofExecute` (``crash_proof_execute``): nbgrader's ``Execute`` that
  survives a kernel that dies (``os._exit``, segfault, memory or CPU limit) or ignores
  the interrupt after a timeout: the cells that ran keep their outputs (and points), the
  rest get an error output naming the reason (0 points). It also zeroes the tests
  affected by tampering (:mod:`dlcourse.tampering`) and records timeouts, memory errors
  and floods of output.
- :class:`NeutraliseMarkers` (``neutralise_markers``, after execution and before
  ``ClearHiddenTests`` in feedback): nbgrader's marker text (``BEGIN HIDDEN TESTS`` ...)
  in cells the student wrote no longer breaks feedback.
- :class:`RecordFinished` (``record_finished``, last step): closes the record and flags
  the notebook in the gradebook when something needs attention.

Every one is also a :class:`~dlcourse.preprocessors.grading_record.GradingRecord`, which
says where the grading records (:mod:`dlcourse.grading_records`) go.
"""

from dlcourse.preprocessors.crash_proof_execute import CrashProofExecute
from dlcourse.preprocessors.grading_record import GradingRecord
from dlcourse.preprocessors.inspect_submission import InspectSubmission
from dlcourse.preprocessors.neutralise_markers import NeutraliseMarkers
from dlcourse.preprocessors.record_finished import RecordFinished
from dlcourse.preprocessors.restore_cells import RestoreCells
from dlcourse.preprocessors.tolerant_exporter import TolerantNotebookExporter

__all__ = ["GradingRecord", "TolerantNotebookExporter", "InspectSubmission", "RestoreCells",
           "CrashProofExecute", "NeutraliseMarkers", "RecordFinished"]
