"""Optimizers with ``update(params, grads)``, in the book's formulas.

``params`` and ``grads`` are dicts of arrays with the same keys. ``update`` changes
the arrays of ``params`` in place (so layers holding them see the new values) and
never modifies ``grads``. State (velocities, squared-gradient sums) is created on the
first call, one array per parameter.
"""

import numpy as np

__all__ = ["SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "OPTIMIZERS"]

#: Keeps the adaptive methods from dividing by zero on the first step.
EPSILON = 1e-7


def _zeros_like_each(params):
    """One zero array per parameter: the optimizers' state before the first step."""
    return {key: np.zeros_like(value) for key, value in params.items()}


class SGD:
    """Stochastic gradient descent: W ← W − lr · ∂L/∂W."""

    def __init__(self, lr=0.01):
        self.lr = lr
        self._scratch = {}

    def update(self, params, grads):
        """Update every array in ``params`` in place."""
        for key in params:
            # lr * grad goes into a reused buffer: no new array per step
            buffer = self._scratch.get(key)
            if buffer is None or buffer.shape != params[key].shape:
                buffer = self._scratch[key] = np.empty_like(params[key])
            np.multiply(grads[key], self.lr, out=buffer, casting="unsafe")
            params[key] -= buffer


class Momentum:
    """Momentum SGD: v ← momentum · v − lr · ∂L/∂W;  W ← W + v."""

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """Update every array in ``params`` in place."""
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.v[key]


class Nesterov:
    """Nesterov's accelerated gradient, in the book's reformulated update.

    v ← momentum · v − lr · g;  W ← W + momentum² · v − (1 + momentum) · lr · g
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        """Update every array in ``params`` in place."""
        if self.v is None:
            self.v = _zeros_like_each(params)
        for key in params:
            self.v[key] *= self.momentum
            self.v[key] -= self.lr * grads[key]
            params[key] += self.momentum * self.momentum * self.v[key]
            params[key] -= (1 + self.momentum) * self.lr * grads[key]


def _root(h, eps_in_sqrt):
    """√h + ε (the book's form) or √(h + ε) (the form of several other texts)."""
    return np.sqrt(h + EPSILON) if eps_in_sqrt else np.sqrt(h) + EPSILON


class AdaGrad:
    """AdaGrad: h ← h + g²;  W ← W − lr · g / (√h + ε).

    ``eps_in_sqrt=True`` divides by √(h + ε) instead, as several texts write it; the
    course's checks accept both forms.
    """

    def __init__(self, lr=0.01, eps_in_sqrt=False):
        self.lr = lr
        self.eps_in_sqrt = eps_in_sqrt
        self.h = None

    def update(self, params, grads):
        """Update every array in ``params`` in place."""
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / _root(self.h[key], self.eps_in_sqrt)


class RMSprop:
    """RMSprop: h ← ρ · h + (1 − ρ) · g²;  W ← W − lr · g / (√h + ε), ρ = decay_rate.

    ``eps_in_sqrt=True`` divides by √(h + ε) instead (as in AdaGrad).
    """

    def __init__(self, lr=0.01, decay_rate=0.99, eps_in_sqrt=False):
        self.lr = lr
        self.decay_rate = decay_rate
        self.eps_in_sqrt = eps_in_sqrt
        self.h = None

    def update(self, params, grads):
        """Update every array in ``params`` in place."""
        if self.h is None:
            self.h = _zeros_like_each(params)
        for key in params:
            self.h[key] *= self.decay_rate
            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / _root(self.h[key], self.eps_in_sqrt)


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction, in the book's form.

    At step t (from 1):
    m ← m + (1 − β1)(g − m);  v ← v + (1 − β2)(g² − v);
    lr_t = lr · √(1 − β2ᵗ) / (1 − β1ᵗ);  W ← W − lr_t · m / (√v + ε).
    The factor in lr_t is the bias correction of m and v, which start at zero.

    ``eps_on_corrected=True`` follows Kingma & Ba's Algorithm 1 (as PyTorch and Keras
    do): W ← W − lr · m̂ / (√v̂ + ε) with m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ), which is
    the book's form with ε replaced by ε · √(1 − β2ᵗ).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps_on_corrected=False):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps_on_corrected = eps_on_corrected
        self.iter = 0
        self.m = None
        self.v = None
        self._scratch = {}

    def update(self, params, grads):
        """Update every array in ``params`` in place."""
        if self.m is None:
            self.m = _zeros_like_each(params)
            self.v = _zeros_like_each(params)
        self.iter += 1
        correction2 = np.sqrt(1.0 - self.beta2**self.iter)
        lr_t = self.lr * correction2 / (1.0 - self.beta1**self.iter)
        eps = EPSILON * correction2 if self.eps_on_corrected else EPSILON
        for key in params:
            g, m, v = grads[key], self.m[key], self.v[key]
            # the same formulas, computed in place in one reused buffer per parameter
            step = self._buffer(key, m)
            np.subtract(g, m, out=step, casting="unsafe")
            step *= 1 - self.beta1
            m += step
            np.multiply(g, g, out=step, casting="unsafe")
            step -= v
            step *= 1 - self.beta2
            v += step
            np.sqrt(v, out=step)
            step += eps
            np.divide(m, step, out=step)
            step *= lr_t
            params[key] -= step

    def _buffer(self, key, like):
        buffer = self._scratch.get(key)
        if buffer is None or buffer.shape != like.shape or buffer.dtype != like.dtype:
            buffer = self._scratch[key] = np.empty_like(like)
        return buffer


#: Name (lower case) → class, for ``Trainer(optimizer='adam')``.
OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}
