"""dlbasics.gradient: numerical differentiation, gradient descent, rel_error."""

import numpy as np
import pytest

from dlbasics.gradient import (
    gradient_descent,
    numerical_diff,
    numerical_gradient,
    rel_error,
)


def test_numerical_diff_is_central():
    # the book's example: f(x) = 0.01x² + 0.1x, f'(5) = 0.2, f'(10) = 0.3
    f = lambda x: 0.01 * x**2 + 0.1 * x  # noqa: E731
    assert numerical_diff(f, 5.0) == pytest.approx(0.2, abs=1e-9)
    assert numerical_diff(f, 10.0) == pytest.approx(0.3, abs=1e-9)
    # a central difference is exact for x² up to rounding; a forward one is off by h
    assert numerical_diff(lambda x: x**2, 3.0) == pytest.approx(6.0, abs=1e-8)


def test_numerical_gradient_any_shape_and_restores_x():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_book_example():
    f = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731
    np.testing.assert_allclose(numerical_gradient(f, np.array([3.0, 4.0])), [6.0, 8.0])
    np.testing.assert_allclose(numerical_gradient(f, np.array([0.0, 2.0])), [0.0, 4.0])


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(TypeError, match="float"):
        numerical_gradient(lambda v: float(np.sum(v)), np.array([1, 2]))


def test_gradient_descent_path_and_result():
    f = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731
    init = np.array([-3.0, 4.0])
    x, path = gradient_descent(f, init, lr=0.1, step_num=100)
    np.testing.assert_array_equal(init, [-3.0, 4.0])
    assert path.shape == (101, 2)
    np.testing.assert_array_equal(path[0], init)
    np.testing.assert_array_equal(path[-1], x)
    np.testing.assert_allclose(x, init * 0.8**100, atol=1e-12)


def test_gradient_descent_learning_rate_extremes():
    f = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731
    big, _ = gradient_descent(f, np.array([-3.0, 4.0]), lr=10.0, step_num=10)
    small, _ = gradient_descent(f, np.array([-3.0, 4.0]), lr=1e-10, step_num=100)
    assert np.abs(big).max() > 1e10
    np.testing.assert_allclose(small, [-3.0, 4.0], rtol=1e-6)


def test_rel_error():
    a = np.array([1.0, 2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, a * (1 + 1e-9)) < 1e-9
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.full(2, 1e-12), np.zeros(2), zero_tol=1e-8) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        rel_error(np.zeros(2), np.zeros(3))
