"""Scoring one katakana submission on the hidden test set.

A submission is a folder with ``submission.py`` defining ``preprocess(x_raw) -> x`` and
``predict(x) -> (N, 15) probabilities``, plus the weights it loads (``.npz``; no
pickles). :func:`score_submission` checks it statically
(:mod:`~dlcourse.katakana.static_checks`), takes one of the student's daily slots in the
ledger (:mod:`~dlcourse.katakana.ledger`), runs it in a limited child process
(:mod:`~dlcourse.katakana.launcher`) and computes the metrics itself from the
probabilities it returns.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbasics.datasets import KATAKANA_CLASSES
from dlbasics.metrics import accuracy, confusion_matrix
from dlcourse.katakana.launcher import run_submission
from dlcourse.katakana.ledger import DAILY_LIMIT, Ledger
from dlcourse.katakana.paths import default_test_set
from dlcourse.katakana.refusal import ScoringRefused
from dlcourse.katakana.static_checks import check_submission_folder

__all__ = ["ScoreResult", "score_submission", "evaluate"]

NUM_CLASSES = len(KATAKANA_CLASSES)
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass
class ScoreResult:
    """Metrics of one scored submission."""

    student: str
    accuracy: float
    cross_entropy: float
    per_class_accuracy: dict
    confusion: list = field(repr=False)
    scored_at: str = ""
    submissions_today: int = 0

    def summary(self):
        worst = sorted(self.per_class_accuracy.items(), key=lambda kv: kv[1])[:3]
        worst_text = ", ".join(f"{c} {a:.1%}" for c, a in worst)
        return (f"{self.student}: accuracy {self.accuracy:.2%}, cross-entropy "
                f"{self.cross_entropy:.4f} (weakest: {worst_text}); "
                f"{self.submissions_today}/{DAILY_LIMIT} scored today")


def evaluate(probs, labels):
    """Accuracy, mean cross-entropy, per-class accuracy and confusion matrix.

    Inputs:
    - probs: (N, 15) probabilities; labels: (N,) integer labels.

    Returns:
    - dict with ``accuracy`` (float), ``cross_entropy`` (float, mean of −log(p_true + 1e-7)),
      ``per_class_accuracy`` ({character: float}) and ``confusion`` ((15, 15) int list,
      rows = true class, columns = predicted class).
    """
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.argmax(probs, axis=1)
    confusion = confusion_matrix(labels, predicted, NUM_CLASSES)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    picked = probs[np.arange(len(labels)), labels]
    return {
        "accuracy": accuracy(labels, predicted),
        "cross_entropy": float(-np.mean(np.log(picked + 1e-7))),
        "per_class_accuracy": {KATAKANA_CLASSES[i]: float(per_class[i])
                               for i in range(NUM_CLASSES)},
        "confusion": confusion.tolist(),
    }


def score_submission(folder, student, test_set=None, ledger=None, now=None, time_limit=None,
                     memory_limit=None):
    """Score a submission folder on the hidden test set for ``student``.

    Returns a :class:`ScoreResult`; raises ScoringRefused (with ``kind``) when the
    submission is refused (the attempt then does not count toward the daily limit).
    """
    if not STUDENT_ID.match(student or ""):
        raise ScoringRefused("bad student id", f"invalid student id {student!r}: use letters, "
                             "digits, '.', '_' or '-'")
    test_path = Path(test_set or default_test_set())
    if not test_path.is_file():
        raise FileNotFoundError(f"hidden test set not found at {test_path}; generate it with "
                                "data/katakana/make_katakana.py")
    check_submission_folder(folder)
    now = now or dt.datetime.now(dt.timezone.utc)
    ledger = ledger or Ledger()
    attempt, count = ledger.reserve(student, now)
    try:
        with np.load(test_path, allow_pickle=False) as data:
            images, labels = data["x"], data["t"]
        probs = run_submission(folder, images, time_limit, memory_limit)
        if probs.shape != (len(labels), NUM_CLASSES):
            raise ScoringRefused("wrong shape", f"got {probs.shape} predictions for "
                                 f"{len(labels)} images")
    except ScoringRefused as exc:
        ledger.finish(attempt, "refused", detail=f"{exc.kind}: {exc}")
        raise
    except BaseException as exc:
        ledger.finish(attempt, "error", detail=repr(exc))
        raise
    metrics = evaluate(probs, labels)
    ledger.finish(attempt, "scored", metrics["accuracy"], metrics["cross_entropy"],
                  json.dumps(metrics, ensure_ascii=False))
    return ScoreResult(student, metrics["accuracy"], metrics["cross_entropy"],
                       metrics["per_class_accuracy"], metrics["confusion"], now.isoformat(),
                       count)
