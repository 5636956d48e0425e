"""The committed reference submissions, scored on the hidden test set by the real scorer.

Targets from issue 13: FC ≥ 92 %, CNN ≥ 97 % on the 14,500 hidden images (50 writers
not among the 10 training writers), trained on the 3,000 training images only by
grading/katakana/train_reference.py.
"""

from pathlib import Path

import pytest

from dlcourse.katakana import Ledger, default_test_set, score_submission
from dlcourse.katakana.paths import katakana_dir

REFERENCE = katakana_dir(Path(__file__).resolve().parents[2]) / "reference"


@pytest.mark.parametrize("name,target", [("fc", 0.92), ("cnn", 0.97)])
def test_reference_submission_meets_its_target(tmp_path, name, target):
    assert default_test_set().is_file(), "the hidden test set is missing"
    result = score_submission(REFERENCE / name, f"reference-{name}",
                              ledger=Ledger(tmp_path / "ledger.sqlite"))
    assert result.accuracy >= target, result.summary()
    assert min(result.per_class_accuracy.values()) >= target - 0.1, result.per_class_accuracy
