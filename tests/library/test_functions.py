"""dlbasics.functions: known values, stability, shapes, no mutation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbasics import functions as F

FLOATS = st.floats(-1e3, 1e3, allow_nan=False, width=64)
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)
ARRAYS = hnp.arrays(np.float64, SHAPES, elements=FLOATS)
ELEMENTWISE = [F.step_function, F.sigmoid, F.relu, F.leaky_relu, F.tanh, F.identity_function]


def test_step_function_values_and_dtype():
    out = F.step_function(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(out, [0, 0, 1])
    assert out.dtype == np.int64


def test_sigmoid_known_values_and_extremes():
    np.testing.assert_allclose(F.sigmoid(np.array([0.0, 1.0, -1.0])),
                               [0.5, 1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))], rtol=1e-15)
    np.testing.assert_array_equal(F.sigmoid(np.array([1000.0, -1000.0])), [1.0, 0.0])
    assert F.sigmoid(0) == 0.5


def test_relu_and_leaky_relu():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu(x), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu(x), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu(x, alpha=0.1), [-0.2, 0.0, 3.0])
    assert F.relu(np.array([-1, 2])).dtype == np.array([-1, 2]).dtype


def test_tanh_and_identity():
    np.testing.assert_allclose(F.tanh(np.array([0.0, 1000.0, -1000.0])), [0.0, 1.0, -1.0])
    x = np.array([[1.0, -2.0]])
    out = F.identity_function(x)
    np.testing.assert_array_equal(out, x)
    assert out is not x


def test_softmax_hand_computed():
    y = F.softmax(np.array([0.3, 2.9, 4.0]))
    np.testing.assert_allclose(y, [0.01821127, 0.24519181, 0.73659691], rtol=1e-6)
    batch = F.softmax(np.array([[0.0, np.log(3.0)], [1000.0, 0.0]]))
    np.testing.assert_allclose(batch, [[0.25, 0.75], [1.0, 0.0]], atol=1e-12)


def test_softmax_is_stable_and_along_last_axis():
    np.testing.assert_array_equal(F.softmax(np.array([1000.0, 0.0])), [1.0, 0.0])
    x = np.array([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0]])
    out = F.softmax(x)
    np.testing.assert_allclose(out[0], out[1])
    np.testing.assert_allclose(out.sum(axis=-1), 1.0)


def test_sum_squared_error_has_the_half():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.zeros(10)
    t[2] = 1
    assert F.sum_squared_error(y, t) == pytest.approx(0.0975)
    assert F.mean_squared_error(y, t) == pytest.approx(0.0195)


def test_cross_entropy_hand_computed_both_label_forms():
    y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])
    t = np.eye(10)[2]
    assert F.cross_entropy_error(y, t) == pytest.approx(-np.log(0.6 + 1e-7))
    assert F.cross_entropy_error(y, 2) == pytest.approx(-np.log(0.6 + 1e-7))
    batch = np.array([[0.2, 0.8], [0.5, 0.5]])
    expected = -(np.log(0.8 + 1e-7) + np.log(0.5 + 1e-7)) / 2
    assert F.cross_entropy_error(batch, np.array([1, 0])) == pytest.approx(expected)
    assert F.cross_entropy_error(batch, np.array([[0, 1], [1, 0]])) == pytest.approx(expected)


def test_cross_entropy_never_takes_log_of_zero():
    loss = F.cross_entropy_error(np.array([[1.0, 0.0]]), np.array([1]))
    assert np.isfinite(loss) and loss == pytest.approx(-np.log(1e-7))


def test_bad_shapes_get_clear_errors():
    with pytest.raises(ValueError, match="same shape"):
        F.sum_squared_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="one-hot"):
        F.cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 1, 2]))


@pytest.mark.parametrize("func", ELEMENTWISE, ids=lambda f: f.__name__)
@settings(max_examples=40, deadline=None)
@given(x=ARRAYS)
def test_elementwise_functions_keep_shape_and_input(func, x):
    before = x.copy()
    out = func(x)
    assert out.shape == x.shape
    np.testing.assert_array_equal(x, before)


@settings(max_examples=60, deadline=None)
@given(x=ARRAYS)
def test_softmax_properties(x):
    before = x.copy()
    y = F.softmax(x)
    np.testing.assert_array_equal(x, before)
    assert y.shape == x.shape
    assert np.all(y >= 0) and np.all(y <= 1)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(F.softmax(x + 123.0), y, rtol=1e-9, atol=1e-12)
    # the largest score gets the largest probability (ties may round to equal values)
    top = np.take_along_axis(y, np.argmax(x, axis=-1)[..., None], axis=-1)[..., 0]
    np.testing.assert_array_equal(top, y.max(axis=-1))


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.float64, (4, 3), elements=FLOATS), labels=hnp.arrays(
    np.int64, (4,), elements=st.integers(0, 2)))
def test_cross_entropy_label_and_one_hot_forms_agree(x, labels):
    y = F.softmax(x)
    one_hot = np.eye(3)[labels]
    y_before, t_before = y.copy(), labels.copy()
    assert F.cross_entropy_error(y, labels) == pytest.approx(F.cross_entropy_error(y, one_hot))
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(labels, t_before)
