"""Classification metrics in NumPy: labels, accuracy, confusion matrix, precision/recall/F1.

No plotting here (matplotlib is not imported), so the instructor's scorer and any script
can use them cheaply; :func:`dlbasics.plot.plot_confusion_matrix` draws the matrix.

Labels may be given as integers (N,) or as one-hot vectors / scores / probabilities
(N, C), from which the label is the arg-max.
"""

import numpy as np

__all__ = ["to_labels", "accuracy", "confusion_matrix", "precision_recall_f1"]


def to_labels(y, count=None, name="labels"):
    """Integer labels (N,) from integer labels (N,) or one-hot / scores (N, C).

    Inputs:
    - y: array-like (N,) of integer labels, or (N, C) whose row arg-max is the label.
    - count: the N expected (None: any).
    - name: what ``y`` is called in error messages.

    Returns:
    - int64 array (N,).

    Raises ValueError when the shape is neither (count,) nor (count, C).
    """
    labels = np.asarray(y)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    expected = "N" if count is None else str(count)
    if labels.ndim != 1 or (count is not None and labels.shape[0] != count):
        raise ValueError(f"{name} must have shape ({expected},) or ({expected}, C), "
                         f"got {np.shape(y)}")
    return labels.astype(np.int64)


def accuracy(t_true, t_pred):
    """Fraction of examples whose predicted label is the true one (a float in [0, 1]).

    Inputs: t_true, t_pred as for :func:`confusion_matrix`; N must be at least 1.
    """
    t_true = to_labels(t_true, name="t_true")
    t_pred = to_labels(t_pred, t_true.shape[0], "t_pred")
    if t_true.size == 0:
        raise ValueError("accuracy of no examples is undefined (N = 0)")
    return float(np.mean(t_true == t_pred))


def confusion_matrix(t_true, t_pred, num_classes):
    """Count how often each true class is predicted as each class.

    Inputs:
    - t_true: true labels, int (N,) or one-hot (N, C).
    - t_pred: predicted labels, int (N,) or scores / one-hot (N, C).
    - num_classes: number of classes C.

    Returns:
    - int64 array (C, C): entry [i, j] is the number of examples of true class i predicted
      as class j (rows: truth, columns: prediction); it sums to N.
    """
    t_true = np.asarray(t_true)
    if t_true.ndim == 0:
        raise ValueError("t_true must have shape (N,) or (N, C), got a scalar")
    t_true = to_labels(t_true, t_true.shape[0], "t_true")
    t_pred = to_labels(t_pred, t_true.shape[0], "t_pred")
    for name, labels in (("t_true", t_true), ("t_pred", t_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f"{name} must lie in [0, {num_classes}), "
                             f"got [{labels.min()}, {labels.max()}]")
    counts = np.bincount(t_true * num_classes + t_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def precision_recall_f1(t_true, t_pred, num_classes):
    """Per-class precision, recall and F1 score.

    - precision[k]: of the examples predicted as k, the fraction that are k;
    - recall[k]: of the examples of class k, the fraction predicted as k;
    - f1[k]: their harmonic mean 2PR / (P + R).

    A ratio whose denominator is 0 (class never predicted, never present, or P = R = 0)
    is 0.0, as scikit-learn's ``zero_division=0``.

    Inputs: as for :func:`confusion_matrix`.

    Returns:
    - (precision, recall, f1): three float64 arrays (C,).
    """
    confusion = confusion_matrix(t_true, t_pred, num_classes).astype(np.float64)
    hits = confusion.diagonal()
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros(num_classes), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros(num_classes), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros(num_classes), where=both > 0)
    return precision, recall, f1
