"""dlbasics.metrics: hand-computed values, scikit-learn as an independent reference,
and no matplotlib."""

import subprocess
import sys

import numpy as np
import pytest

from dlbasics import metrics, plot


def test_to_labels_takes_integers_or_scores():
    np.testing.assert_array_equal(metrics.to_labels([2, 0, 1]), [2, 0, 1])
    scores = np.array([[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]])
    labels = metrics.to_labels(scores)
    np.testing.assert_array_equal(labels, [1, 0])
    assert labels.dtype == np.int64


@pytest.mark.parametrize("bad, count", [(np.zeros((2, 3, 4)), None), ([0, 1, 2], 2),
                                        (np.zeros((3, 2)), 4), (5, None)])
def test_to_labels_names_the_shape_it_got(bad, count):
    with pytest.raises(ValueError, match=r"labels must have shape .* got"):
        metrics.to_labels(bad, count)


def test_accuracy_by_hand():
    assert metrics.accuracy([0, 1, 2, 2], [0, 2, 2, 2]) == 0.75
    assert metrics.accuracy(np.eye(3)[[0, 1]], np.array([[0.9, 0.1, 0], [0.6, 0.4, 0]])) == 0.5
    with pytest.raises(ValueError, match="N = 0"):
        metrics.accuracy([], [])
    with pytest.raises(ValueError, match=r"t_pred must have shape \(3,\)"):
        metrics.accuracy([0, 1, 2], [0, 1])


def test_confusion_matrix_rows_are_truth():
    np.testing.assert_array_equal(metrics.confusion_matrix([0, 0, 1], [1, 0, 1], 2),
                                  [[1, 1], [0, 1]])
    assert plot.confusion_matrix is metrics.confusion_matrix  # the notebooks' old path


def test_precision_recall_f1_by_hand():
    # class 0: 2 true, predicted 0 twice (1 right); class 1: 1 true, predicted once (right);
    # class 2: 1 true, never predicted
    precision, recall, f1 = metrics.precision_recall_f1([0, 0, 1, 2], [0, 1, 1, 0], 3)
    np.testing.assert_allclose(precision, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(recall, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(f1, [0.5, 2 / 3, 0.0])


@pytest.mark.parametrize("seed", range(5))
def test_metrics_agree_with_scikit_learn(seed):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    classes = int(rng.integers(2, 16))
    t_true = rng.integers(0, classes, size=int(rng.integers(1, 300)))
    # mostly right, some classes never predicted
    t_pred = np.where(rng.random(t_true.size) < 0.7, t_true,
                      rng.integers(0, max(1, classes - 2), t_true.size))
    labels = list(range(classes))
    np.testing.assert_array_equal(metrics.confusion_matrix(t_true, t_pred, classes),
                                  sk.confusion_matrix(t_true, t_pred, labels=labels))
    assert metrics.accuracy(t_true, t_pred) == pytest.approx(sk.accuracy_score(t_true, t_pred))
    expected = sk.precision_recall_fscore_support(t_true, t_pred, labels=labels,
                                                  zero_division=0)[:3]
    for ours, theirs in zip(metrics.precision_recall_f1(t_true, t_pred, classes), expected,
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_metrics_do_not_import_matplotlib():
    code = "import sys, dlbasics.metrics; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "False"
