"""dlbasics.optimizers: three steps of each, computed by hand from the book's formulas."""

import numpy as np
import pytest

from dlbasics.optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

EPS = 1e-7
GRADS = [np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([-1.0, 4.0])]
START = np.array([1.0, 1.0])


def run(optimizer):
    params = {"W": START.copy()}
    original = params["W"]
    history = []
    for g in GRADS:
        g_copy = g.copy()
        optimizer.update(params, {"W": g})
        np.testing.assert_array_equal(g, g_copy)  # grads are never modified
        assert params["W"] is original  # updated in place
        history.append(params["W"].copy())
    return history


def by_hand_sgd(lr):
    w, out = START.copy(), []
    for g in GRADS:
        w = w - lr * g
        out.append(w)
    return out


def by_hand_momentum(lr, mom):
    w, v, out = START.copy(), np.zeros(2), []
    for g in GRADS:
        v = mom * v - lr * g
        w = w + v
        out.append(w)
    return out


def by_hand_nesterov(lr, mom):
    w, v, out = START.copy(), np.zeros(2), []
    for g in GRADS:
        v = mom * v - lr * g
        w = w + mom * mom * v - (1 + mom) * lr * g
        out.append(w)
    return out


def by_hand_adagrad(lr):
    w, h, out = START.copy(), np.zeros(2), []
    for g in GRADS:
        h = h + g * g
        w = w - lr * g / (np.sqrt(h) + EPS)
        out.append(w)
    return out


def by_hand_rmsprop(lr, rho):
    w, h, out = START.copy(), np.zeros(2), []
    for g in GRADS:
        h = rho * h + (1 - rho) * g * g
        w = w - lr * g / (np.sqrt(h) + EPS)
        out.append(w)
    return out


def by_hand_adam(lr, b1, b2):
    w, m, v, out = START.copy(), np.zeros(2), np.zeros(2), []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - lr_t * m / (np.sqrt(v) + EPS)
        out.append(w)
    return out


@pytest.mark.parametrize("optimizer,expected", [
    (SGD(lr=0.1), by_hand_sgd(0.1)),
    (Momentum(lr=0.1, momentum=0.9), by_hand_momentum(0.1, 0.9)),
    (Nesterov(lr=0.1, momentum=0.8), by_hand_nesterov(0.1, 0.8)),
    (AdaGrad(lr=0.5), by_hand_adagrad(0.5)),
    (RMSprop(lr=0.1, decay_rate=0.9), by_hand_rmsprop(0.1, 0.9)),
    (Adam(lr=0.01, beta1=0.9, beta2=0.999), by_hand_adam(0.01, 0.9, 0.999)),
], ids=lambda v: type(v).__name__ if not isinstance(v, list) else "")
def test_three_steps_by_hand(optimizer, expected):
    for got, want in zip(run(optimizer), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_first_sgd_and_adam_steps_literal():
    # literal numbers, so the by-hand functions are themselves checked
    np.testing.assert_allclose(run(SGD(lr=0.1))[0], [0.9, 1.2])
    # Adam's bias-corrected first step moves each weight by about lr against the gradient
    np.testing.assert_allclose(run(Adam(lr=0.01))[0], [0.99, 1.01], rtol=1e-6)


def test_defaults_match_the_contract():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert AdaGrad().lr == 0.01
    assert (RMSprop().lr, RMSprop().decay_rate) == (0.01, 0.99)
    assert (Adam().lr, Adam().beta1, Adam().beta2) == (0.001, 0.9, 0.999)


@pytest.mark.parametrize("cls", [SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam])
def test_every_optimizer_minimises_a_quadratic(cls):
    lr = {"SGD": 0.1, "Momentum": 0.05, "Nesterov": 0.05, "AdaGrad": 1.5}.get(cls.__name__, 0.1)
    opt = cls(lr=lr)
    params = {"xy": np.array([-7.0, 2.0])}
    for _ in range(300):
        x, y = params["xy"]
        opt.update(params, {"xy": np.array([x / 10.0, 2.0 * y])})
    assert np.linalg.norm(params["xy"]) < 1.0
