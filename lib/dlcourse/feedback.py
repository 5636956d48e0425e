"""Feedback HTML for students, checked to contain nothing of the hidden tests.

nbgrader's ``generate_feedback`` does the work with the course settings (the
``ClearHiddenTests`` preprocessor removes hidden blocks; kernels ran with minimal
tracebacks, so no traceback shows a hidden line). :func:`leaked_lines` then reads
every HTML file as text and looks for each hidden-test line of the source notebooks.
"""

import html
import re
from pathlib import Path

import nbformat

__all__ = ["hidden_test_lines", "html_text", "leaked_lines", "feedback_files",
           "missing_feedback"]

_TAG = re.compile(r"<[^>]+>")
_BEGIN = "### BEGIN HIDDEN TESTS"
_END = "### END HIDDEN TESTS"


def hidden_test_lines(notebook_path, min_length=8):
    """The distinctive lines inside hidden-test blocks of a source notebook.

    Short lines, comments and lines whose text also appears outside hidden blocks (an
    ``import``, or a fragment such as ``verbose=False)`` that visible code contains too)
    are left out: finding them would not show that a hidden test leaked.
    """
    nb = nbformat.read(str(notebook_path), as_version=4)
    hidden, visible, visible_in_order = set(), set(), []
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if text.startswith(_BEGIN):
                inside = True
                continue
            if text.startswith(_END) or text == "### END":
                inside = False
                continue
            if inside:
                hidden.add(text)
            else:
                visible.add(text)
                visible_in_order.append(text)
    visible_text = " ".join(" ".join(visible_in_order).split())
    return sorted(line for line in hidden - visible
                  if len(line) >= min_length and not line.startswith("#")
                  and " ".join(line.split()) not in visible_text)


def html_text(document):
    """The visible text of an HTML page (tags removed, entities decoded)."""
    document = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", document)
    return html.unescape(_TAG.sub("", document))


def feedback_files(feedback_dir, assignment=None):
    """Every feedback HTML file (of ``assignment`` when given)."""
    pattern = f"*/{assignment}/*.html" if assignment else "*/*/*.html"
    return sorted(Path(feedback_dir).glob(pattern))


def missing_feedback(autograded_dir, feedback_dir, assignments=None):
    """Autograded notebooks without a feedback file (``STUDENT/ASSIGNMENT/NOTEBOOK``)."""
    missing = []
    for notebook in sorted(Path(autograded_dir).glob("*/*/*.ipynb")):
        student, assignment = notebook.parts[-3], notebook.parts[-2]
        if assignments and assignment not in assignments:
            continue
        html = Path(feedback_dir) / student / assignment / f"{notebook.stem}.html"
        if not html.is_file():
            missing.append(f"{student}/{assignment}/{notebook.stem}")
    return missing


def leaked_lines(feedback_dir, source_dir, assignments):
    """[(file, line)] for every hidden-test line found in a feedback file."""
    leaks = []
    for assignment in assignments:
        lines = []
        for notebook in sorted((Path(source_dir) / assignment).glob("*.ipynb")):
            lines += hidden_test_lines(notebook)
        if not lines:
            continue
        for path in feedback_files(feedback_dir, assignment):
            text = html_text(path.read_text(encoding="utf-8"))
            squeezed = " ".join(text.split())
            for line in lines:
                if " ".join(line.split()) in squeezed:
                    leaks.append((path, line))
    return leaks
