"""Numerical differentiation, gradient descent and gradient checks.

The numerical gradient is the reference every backward pass in this course is
checked against: central differences, one element at a time.
"""

import inspect

import numpy as np

__all__ = [
    "numerical_diff",
    "numerical_gradient",
    "layer_gradients",
    "gradient_descent",
    "rel_error",
    "network_gradient_errors",
    "layer_gradient_errors",
    "multi_gradient_errors",
]


def numerical_diff(f, x, h=1e-4):
    """Derivative of a scalar function by the central difference (f(x+h) - f(x-h)) / 2h.

    ``h = 1e-4`` balances truncation error (O(h²)) against rounding error; a tiny
    ``h`` such as 1e-50 rounds ``x + h`` back to ``x`` and gives 0.

    Inputs:
    - f: function of one float returning a float.
    - x: float, the point.
    - h: float, the step.

    Returns:
    - float, the approximate derivative f'(x).
    """
    return (f(x + h) - f(x - h)) / (2 * h)


def numerical_gradient(f, x, h=1e-4):
    """Gradient of a scalar function of an array by central differences.

    Each element of ``x`` is moved by ±h in turn and put back exactly, so ``x`` is
    unchanged when the function returns (``f`` may read ``x`` through a closure, as a
    network's loss reads its parameters).

    Inputs:
    - f: function taking ``x`` and returning a float.
    - x: float array of any shape.
    - h: float, the step.

    Returns:
    - grad: array of the same shape as ``x`` with df/dx.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "numerical_gradient needs a float NumPy array for x (it perturbs x in place "
            f"and restores it); got {type(x).__name__} "
            f"{getattr(x, 'dtype', '')}. Use np.array(x, dtype=float)."
        )
    grad = np.zeros_like(x)
    flat_x = x.reshape(-1)  # a view when x is contiguous
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient needs a contiguous array x")
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = f(x)
        flat_x[i] = original - h
        f_minus = f(x)
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Minimise ``f`` by plain gradient descent with numerical gradients.

    Inputs:
    - f: function of a float array returning a float.
    - init_x: array, the starting point (not modified).
    - lr: float, the learning rate.
    - step_num: int, the number of steps.

    Returns:
    - x: array of the same shape as ``init_x``, the final point.
    - path: array of shape (step_num + 1, *init_x.shape), every point visited,
      starting with ``init_x``.
    """
    x = np.array(init_x, dtype=np.float64)
    path = [x.copy()]
    for _ in range(step_num):
        x -= lr * numerical_gradient(f, x)
        path.append(x.copy())
    return x, np.array(path)


#: Gradient norms below this are treated as exactly zero by the gradient checks: a
#: parameter whose true gradient is 0 (a bias right before batch normalisation) gets
#: about 1e-17 from backprop and 1e-11 of rounding noise from finite differences.
ZERO_GRADIENT_NORM = 1e-8


def rel_error(a, b, zero_tol=0.0):
    """Relative error of two arrays: ‖a − b‖ / (‖a‖ + ‖b‖), with Euclidean norms.

    This is the gradient-check measure of the Coursera Deep Learning course. Unlike an
    elementwise ratio, it is not blown up by entries whose true value is 0 (a bias
    before batch normalisation, a pixel that is always 0), where finite differences
    leave rounding noise of about 1e-11. In float64 a correct backward pass of a
    smooth function gives below 1e-7; a wrong one gives 1e-2 or more.

    Inputs:
    - a, b: arrays of the same shape (or scalars).
    - zero_tol: when both norms are at most this, the arrays count as equal (0.0).

    Returns:
    - float in [0, 1]; 0.0 when both are all zero.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ: {a.shape} and {b.shape}")
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    denominator = norm_a + norm_b
    if denominator == 0 or max(norm_a, norm_b) <= zero_tol:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)


def network_gradient_errors(network, x, t, h=1e-5, **loss_kwargs):
    """Compare a network's backprop ``gradient`` with numerical gradients, per parameter.

    Inputs:
    - network: object with ``params`` (dict of float arrays), ``loss(x, t, **kw)`` and
      ``gradient(x, t)`` (dict with the same keys).
    - x, t: a small batch of inputs and targets.
    - h: the finite-difference step.
    - loss_kwargs: passed to ``network.loss`` (e.g. ``train_flg=True``).

    Returns:
    - dict mapping each parameter name to its relative error (see :func:`rel_error`;
      gradients that are both below ZERO_GRADIENT_NORM count as equal).
      ``max(errors.values())`` is the figure to assert on.
    """
    analytic = network.gradient(x, t)
    errors = {}
    for key, param in network.params.items():
        numeric = numerical_gradient(lambda _p: network.loss(x, t, **loss_kwargs), param, h=h)
        errors[key] = rel_error(analytic[key], numeric, ZERO_GRADIENT_NORM)
    return errors


def layer_gradients(layer, x, dout=None, param_names=(), h=1e-5, rng=None, **forward_kwargs):
    """Analytic and numerical gradients of a layer, side by side.

    The scalar is ``L = sum(layer.forward(x) * dout)``, whose gradient with respect to
    the output is ``dout``; ``backward(dout)`` must then return dL/dx and set
    ``layer.d<name>`` for each parameter ``layer.<name>``.

    Inputs:
    - layer: object with ``forward(x, **forward_kwargs)`` and ``backward(dout)``.
    - x: float64 input array.
    - dout: upstream gradient of the output's shape (random normal when None).
    - param_names: attribute names of parameters to check, e.g. ``("W", "b")``.
    - h: the finite-difference step.
    - rng: ``np.random.Generator`` for ``dout`` (seeded 0 when None).
    - forward_kwargs: passed to ``forward`` (e.g. ``train_flg=True``).

    Returns:
    - dict mapping ``"x"`` and each parameter name to ``(analytic, numerical)`` arrays.
    """
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x.copy(), **forward_kwargs)
    if dout is None:
        rng = np.random.default_rng(0) if rng is None else rng
        dout = rng.standard_normal(np.shape(out))

    def scalar_loss(_):
        return float(np.sum(layer.forward(x.copy(), **forward_kwargs) * dout))

    dx = layer.backward(dout.copy())  # the forward pass above left the state it needs
    analytic = {"x": np.array(dx)}
    analytic.update({name: np.array(getattr(layer, "d" + name)) for name in param_names})
    pairs = {"x": (analytic["x"], numerical_gradient(scalar_loss, x, h=h))}
    for name in param_names:
        pairs[name] = (analytic[name], numerical_gradient(scalar_loss, getattr(layer, name), h=h))
    return pairs


def layer_gradient_errors(layer, x, dout=None, param_names=(), h=1e-5, rng=None,
                          **forward_kwargs):
    """Relative errors of a layer's ``backward`` against numerical gradients.

    Inputs: as in :func:`layer_gradients`.

    Returns:
    - dict mapping ``"x"`` and each parameter name to its relative error.
    """
    pairs = layer_gradients(layer, x, dout=dout, param_names=param_names, h=h, rng=rng,
                            **forward_kwargs)
    return {name: rel_error(analytic, numeric, ZERO_GRADIENT_NORM)
            for name, (analytic, numeric) in pairs.items()}


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


def input_names(layer, count):
    """Names of the first ``count`` parameters of ``layer.forward`` (x, h_prev, ...)."""
    try:
        names = [p.name for p in inspect.signature(layer.forward).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    names = names[:count]
    return names + [f"input{i + 1}" for i in range(len(names), count)]


def multi_gradient_errors(layer, inputs, douts=None, param_names=(), h=1e-5, rng=None):
    """Check ``backward`` of a layer with several inputs and outputs numerically.

    ``forward(*inputs)`` returns one array or a tuple of arrays; ``backward(*douts)``,
    with one upstream gradient per output, returns the gradient for each input (one
    array, a tuple, or None for an input without gradient such as word ids). The
    scalar checked is ``L = Σ_k sum(out_k * dout_k)``; parameters ``layer.<name>`` must
    get their gradient in ``layer.d<name>``. Integer inputs are not differentiated.
    The layer must give the same output for the same inputs (stateless between calls).

    Inputs:
    - layer: object with ``forward`` and ``backward``.
    - inputs: tuple of input arrays (float64 for the ones to check).
    - douts: tuple of upstream gradients, one per output (random normal when None).
    - param_names: attribute names of the parameters to check, e.g. ``("Wx", "Wh", "b")``.
    - h: the finite-difference step.
    - rng: ``np.random.Generator`` for ``douts`` (seeded 0 when None).

    Returns:
    - dict mapping each checked input's name (from ``forward``'s signature: ``"x"``,
      ``"h_prev"``, ...) and each parameter name to its relative error.
    """
    inputs = tuple(np.array(x, copy=True) for x in inputs)
    outs = _as_tuple(layer.forward(*(x.copy() for x in inputs)))
    if douts is None:
        rng = np.random.default_rng(0) if rng is None else rng
        douts = tuple(rng.standard_normal(np.shape(out)) for out in outs)
    douts = _as_tuple(douts)
    if len(douts) != len(outs):
        raise ValueError(f"forward returned {len(outs)} outputs but {len(douts)} douts were given")
    analytic_inputs = tuple(
        None if grad is None else np.array(grad, copy=True)
        for grad in _as_tuple(layer.backward(*(np.array(d, copy=True) for d in douts))))
    if len(analytic_inputs) != len(inputs):
        raise ValueError(f"backward returned {len(analytic_inputs)} gradients for "
                         f"{len(inputs)} inputs")
    analytic = {name: np.array(getattr(layer, "d" + name)) for name in param_names}

    def scalar_loss(_):
        results = _as_tuple(layer.forward(*(x.copy() for x in inputs)))
        return float(sum(np.sum(out * dout) for out, dout in zip(results, douts)))

    errors = {}
    for name, x, grad in zip(input_names(layer, len(inputs)), inputs, analytic_inputs):
        if not np.issubdtype(x.dtype, np.floating):
            continue
        if grad is None:
            raise ValueError(f"backward returned None as the gradient of the input {name}")
        errors[name] = rel_error(grad, numerical_gradient(scalar_loss, x, h=h),
                                 ZERO_GRADIENT_NORM)
    for name in param_names:
        numeric = numerical_gradient(scalar_loss, getattr(layer, name), h=h)
        errors[name] = rel_error(analytic[name], numeric, ZERO_GRADIENT_NORM)
    return errors
