"""Grade reports: nbgrader's CSV with a status column, and the per-notebook table.

``StatusCsvExportPlugin`` is the course's ``nbgrader export`` plugin (set in
``apply_nbgrader_settings``), so even stock ``nbgrader export`` marks every failure.
"""

import csv
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin
from traitlets import Unicode

from dlcourse.grading_records import ATTENTION, NO_SUBMISSION, STATUS_GRADED, notebook_results

__all__ = ["StatusCsvExportPlugin", "NBGRADER_COLUMNS", "write_grades_csv",
           "write_notebook_table", "write_grade_reports", "format_table", "short_reason",
           "student_table"]

#: nbgrader's CsvExportPlugin columns, in its order.
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name",
                    "first_name", "email", "raw_score", "late_submission_penalty", "score",
                    "max_score"]
NOTEBOOK_COLUMNS = ["student_id", "assignment", "notebook", "score", "max_score", "status"]


def _text(value):
    return "" if value is None else str(value)


def _submission_status(rows):
    reasons = []
    for row in rows:
        reasons += [f"{row.notebook}: {reason}" for reason in row.reasons]
    return f"{ATTENTION}: {'; '.join(reasons)}" if reasons else STATUS_GRADED


def write_grades_csv(gradebook, path, status_dir, submitted_dir, assignments=(), students=()):
    """nbgrader's CSV (same columns, same numbers) plus a ``status`` column."""
    db_url = gradebook.engine.url.render_as_string(hide_password=False)
    results = notebook_results(db_url, status_dir, submitted_dir,
                               assignments or None, students or None)
    by_key = {}
    for row in results:
        by_key.setdefault((row.assignment, row.student), []).append(row)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(NBGRADER_COLUMNS + ["status"])
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for student in gradebook.students:
                if students and student.id not in students:
                    continue
                try:
                    submission = gradebook.find_submission(assignment.name, student.id)
                except Exception:  # noqa: BLE001 - MissingEntry: nothing submitted
                    timestamp, raw, penalty, score = "", 0.0, 0.0, 0.0
                else:
                    penalty = submission.late_submission_penalty
                    timestamp, raw = submission.timestamp, submission.score
                    score = max(0.0, submission.score - penalty)
                writer.writerow([_text(v) for v in (
                    assignment.name, assignment.duedate, timestamp, student.id,
                    student.last_name, student.first_name, student.email, raw, penalty,
                    score, assignment.max_score)]
                    + [_submission_status(by_key.get((assignment.name, student.id), []))])
    return results


def write_notebook_table(results, path):
    """One row per student and notebook: score, maximum and status."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(NOTEBOOK_COLUMNS)
        for row in results:
            writer.writerow([row.student, row.assignment, row.notebook, f"{row.score:g}",
                             f"{row.max_score:g}", row.status])


def write_grade_reports(course, assignments=None, students=None):
    """Write ``reports/grades.csv`` (nbgrader's columns + status) and
    ``reports/notebooks.csv`` (per student and notebook) of ``course``. Returns the rows."""
    with Gradebook(course.gradebook_url()) as gb:
        rows = write_grades_csv(gb, course.reports_dir / "grades.csv", course.status_dir,
                                course.submitted_dir, list(assignments or []),
                                list(students or []))
    write_notebook_table(rows, course.reports_dir / "notebooks.csv")
    return rows


def format_table(results, width=None):
    """The per-notebook table as text for the terminal."""
    header = ("student", "assignment", "notebook", "score", "status")
    lines = [header]
    for row in results:
        lines.append((row.student, row.assignment, row.notebook,
                      f"{row.score:g}/{row.max_score:g}", row.status))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for index, line in enumerate(lines):
        text = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line[:4]))
        status = line[4]
        if width and len(text) + 2 + len(status) > width:
            status = status[:max(20, width - len(text) - 3)] + "…"
        out.append(f"{text}  {status}".rstrip())
        if index == 0:
            out.append("-" * min(width or 120, len(out[0]) + 20))
    return "\n".join(out)


#: (words in a reason, short label) for the per-student table, first match wins.
SHORT_REASONS = (
    ("could not start", "NO KERNEL"), ("cannot be built", "NO SANDBOX"),
    ("WITHOUT the sandbox", "unsafe"), ("nbgrader failed", "GRADER ERROR"),
    ("tampering", "tampering"), ("ignored the interrupt", "unresponsive"),
    ("longer than", "timeout"), ("kernel died", "kernel died"),
    ("out of memory", "memory"), ("printed", "output flood"),
    ("could not be read", "corrupt"), ("not submitted", "missing notebook"),
    ("deleted", "cell restored"), ("edited", "cell restored"), ("appears", "duplicated"),
    (NO_SUBMISSION, "—"),
)


def short_reason(status):
    """A one- or two-word label for a ``needs attention: ...`` status."""
    for words, label in SHORT_REASONS:
        if words in status:
            return label
    return "attention"


def student_table(results):
    """One line per student, a column per assignment (score, or a short reason), then
    the list of what needs attention (assignments a student did not hand in are shown
    as — and left out of the list)."""
    assignments = sorted({row.assignment for row in results})
    cells, attention = {}, []
    for row in results:
        text = f"{row.score:g}/{row.max_score:g}"
        if row.needs_attention:
            label = short_reason(row.status)
            text = "—" if label == "—" else f"{text} {label}"
            if label != "—":
                attention.append(f"{row.student} / {row.notebook}: {row.status}")
        cells.setdefault(row.student, {})[row.assignment] = text
    header = ["student"] + assignments
    lines = [header] + [[student] + [cells[student].get(a, "—") for a in assignments]
                        for student in sorted(cells)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "-" * len(out[0]))
    out.append("")
    out.append(f"needs attention ({len(attention)}):" if attention
               else "needs attention: nothing")
    out += [f"  {line}" for line in attention]
    return "\n".join(out)


class StatusCsvExportPlugin(CsvExportPlugin):
    """nbgrader's CSV export with a ``status`` column: ``graded`` or ``needs attention: ...``."""

    status_dir = Unicode("", help="folder of the grading records (grading/status)").tag(
        config=True)
    submitted_dir = Unicode("", help="nbgrader's submitted folder").tag(config=True)

    def export(self, gradebook):
        dest = self.to or "grades.csv"
        self.log.info("Exporting grades with status to %s", dest)
        write_grades_csv(gradebook, dest, self.status_dir, self.submitted_dir,
                         [str(a) for a in self.assignment], [str(s) for s in self.student])
