"""Activation, output and loss functions.

All functions accept NumPy arrays (or anything ``np.asarray`` accepts), return new
arrays and never modify their inputs. Where the naive formula overflows or takes
``log(0)``, the stable form is used and the docstring says so.
"""

import numpy as np

__all__ = [
    "step_function",
    "sigmoid",
    "relu",
    "leaky_relu",
    "tanh",
    "identity_function",
    "softmax",
    "sum_squared_error",
    "mean_squared_error",
    "cross_entropy_error",
]

#: Added inside ``log`` by :func:`cross_entropy_error` so that a zero probability gives a
#: large finite loss instead of ``inf`` (the book's ``delta``).
CROSS_ENTROPY_DELTA = 1e-7


def _as_float_array(x):
    """Return ``x`` as a float array (float64 unless it is already floating)."""
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x


def step_function(x):
    """Step function: 1 where ``x > 0``, else 0.

    Inputs:
    - x: array of any shape (or a scalar).

    Returns:
    - int64 array of the same shape as ``x`` with values 0 or 1.
    """
    return (np.asarray(x) > 0).astype(np.int64)


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), elementwise.

    Stable: exp is only ever taken of a non-positive number, so no overflow warning
    occurs even at x = ±1000 (the results are exactly 1.0 and 0.0 there).

    Inputs:
    - x: array of any shape (or a scalar).

    Returns:
    - float array of the same shape with values in [0, 1].
    """
    x = _as_float_array(x)
    # exp(-|x|) is in (0, 1]; both branches of the formula are built from it.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    """Rectified linear unit max(0, x), elementwise.

    Inputs:
    - x: array of any shape (or a scalar).

    Returns:
    - array of the same shape and dtype as ``np.asarray(x)``.
    """
    x = np.asarray(x)
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU: x where x > 0, else ``alpha * x``, elementwise.

    Inputs:
    - x: array of any shape (or a scalar).
    - alpha: slope for negative inputs.

    Returns:
    - float array of the same shape.
    """
    x = _as_float_array(x)
    return np.where(x > 0, x, alpha * x)


def tanh(x):
    """Hyperbolic tangent, elementwise (values in [-1, 1]).

    Inputs:
    - x: array of any shape (or a scalar).

    Returns:
    - float array of the same shape.
    """
    return np.tanh(_as_float_array(x))


def identity_function(x):
    """Identity: returns ``x`` unchanged (a copy, so the caller's array stays private).

    Inputs:
    - x: array of any shape.

    Returns:
    - array equal to ``x``, same shape and dtype.
    """
    return np.array(x, copy=True)


def softmax(x):
    """Softmax over the last axis.

    Stable: the maximum of each row is subtracted before ``exp``, which does not
    change the result (softmax is invariant to adding a constant) but prevents
    overflow, so softmax([1000, 0]) is [1, 0] without a warning.

    Inputs:
    - x: scores, shape (C,) for one sample or (N, C) for a batch (any leading axes work).

    Returns:
    - probabilities of the same shape, each row non-negative and summing to 1.
    """
    x = _as_float_array(x)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=-1, keepdims=True)


def sum_squared_error(y, t):
    """Sum of squares error E = ½ Σ (y - t)² (the book's definition, summed over everything).

    Inputs:
    - y: predictions, any shape.
    - t: targets, same shape as ``y``.

    Returns:
    - float, the loss.
    """
    y, t = _as_float_array(y), _as_float_array(t)
    _check_same_shape(y, t)
    return float(0.5 * np.sum((y - t) ** 2))


def mean_squared_error(y, t):
    """Mean squared error E = (1/n) Σ (y - t)² over all n elements.

    Inputs:
    - y: predictions, any shape.
    - t: targets, same shape as ``y``.

    Returns:
    - float, the loss.
    """
    y, t = _as_float_array(y), _as_float_array(t)
    _check_same_shape(y, t)
    return float(np.mean((y - t) ** 2))


def cross_entropy_error(y, t):
    """Cross-entropy error averaged over the batch: E = -(1/N) Σ_n Σ_k t_nk log(y_nk + δ).

    ``δ = 1e-7`` (CROSS_ENTROPY_DELTA) keeps ``log`` away from 0, so a zero probability
    gives a large finite loss (about 16.1) and never a warning.

    Inputs:
    - y: predicted probabilities, shape (C,) for one sample or (N, C) for a batch.
    - t: targets, either one-hot of the same shape as ``y`` or integer labels of shape
      () / (N,) with values in [0, C).

    Returns:
    - float, the mean loss per sample.
    """
    y = _as_float_array(y)
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, -1)
        t = t.reshape(1, -1) if t.size == y.size else t.reshape(1)
    if t.shape == y.shape:
        # one-hot (or soft) targets
        return float(-np.sum(t * np.log(y + CROSS_ENTROPY_DELTA)) / y.shape[0])
    if t.ndim != 1 or t.shape[0] != y.shape[0]:
        raise ValueError(
            f"cross_entropy_error: t must be one-hot with shape {y.shape} or integer labels "
            f"with shape ({y.shape[0]},); got shape {t.shape}"
        )
    labels = t.astype(np.int64)
    picked = y[np.arange(y.shape[0]), labels]
    return float(-np.sum(np.log(picked + CROSS_ENTROPY_DELTA)) / y.shape[0])


def _check_same_shape(y, t):
    if y.shape != t.shape:
        raise ValueError(f"y and t must have the same shape; got {y.shape} and {t.shape}")
