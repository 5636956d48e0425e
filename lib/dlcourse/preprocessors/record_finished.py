"""Last step of autograding: close the grading record; flag the notebook in the
gradebook when something needs attention."""

import json

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor

from dlcourse import grading_records
from dlcourse.preprocessors.grading_record import GradingRecord

__all__ = ["RecordFinished"]


class RecordFinished(NbGraderPreprocessor, GradingRecord):
    """Close the grading record; flag the notebook in the gradebook when it needs attention."""

    def preprocess(self, nb, resources):
        if not self.status_dir:
            return nb, resources
        assignment, student, notebook = self._ids(resources)
        grading_records.finish_notebook(self.status_dir, assignment, student, notebook)
        record = grading_records.read_record(self.status_dir, assignment, student)
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
