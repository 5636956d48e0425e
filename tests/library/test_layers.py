"""dlbasics.layers: every backward pass against numerical gradients, and no mutation.

Thresholds: rel_error (‖a − b‖ / (‖a‖ + ‖b‖)) of the analytic against the central
difference gradient, in float64. For smooth layers the difference is O(h²) ≈ 1e-10 plus
rounding, so 1e-7 leaves a wide margin while any real mistake gives > 1e-3. ReLU and
max pooling have kinks: inputs are kept away from them (|x| ≥ 0.1, distinct pooled
values) so the same 1e-7 holds.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbasics.functions import cross_entropy_error, softmax
from dlbasics.gradient import layer_gradient_errors, numerical_gradient, rel_error
from dlbasics.layers import (
    AddLayer,
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    MulLayer,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)

THRESHOLD = 1e-7


def away_from_zero(rng, shape, margin=0.1):
    x = rng.uniform(margin, 2.0, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape)


def assert_gradients(layer, x, params=(), **kwargs):
    errors = layer_gradient_errors(layer, x, param_names=params, **kwargs)
    assert max(errors.values()) < THRESHOLD, errors


def test_mul_and_add_layers_apple_example():
    apple, num, tax = 100, 2, 1.1
    mul_apple, mul_tax = MulLayer(), MulLayer()
    price = mul_tax.forward(mul_apple.forward(apple, num), tax)
    assert price == pytest.approx(220)
    dprice_apple, dtax = mul_tax.backward(1)
    dapple, dnum = mul_apple.backward(dprice_apple)
    assert (dapple, dnum, dtax) == pytest.approx((2.2, 110, 200))
    add = AddLayer()
    assert add.forward(3, 4) == 7
    assert add.backward(2.5) == (2.5, 2.5)


def test_relu_and_sigmoid_gradients():
    rng = np.random.default_rng(0)
    assert_gradients(Relu(), away_from_zero(rng, (4, 5)))
    assert_gradients(Sigmoid(), rng.standard_normal((4, 5)))


def test_relu_backward_does_not_modify_dout():
    layer = Relu()
    layer.forward(np.array([-1.0, 2.0]))
    dout = np.array([5.0, 6.0])
    np.testing.assert_array_equal(layer.backward(dout), [0.0, 6.0])
    np.testing.assert_array_equal(dout, [5.0, 6.0])


@pytest.mark.parametrize("shape", [(3, 4), (3, 2, 2), (2, 1, 3, 2)])
def test_affine_gradients_for_nd_input(shape):
    rng = np.random.default_rng(1)
    size = int(np.prod(shape[1:]))
    layer = Affine(rng.standard_normal((size, 5)), rng.standard_normal(5))
    x = rng.standard_normal(shape)
    assert layer.forward(x).shape == (shape[0], 5)
    assert_gradients(layer, x, ("W", "b"))
    assert layer.backward(np.ones((shape[0], 5))).shape == shape


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss(one_hot):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    t = np.eye(4)[labels] if one_hot else labels
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    assert loss == pytest.approx(cross_entropy_error(softmax(x), labels), rel=1e-6)
    dx = layer.backward()
    np.testing.assert_allclose(dx, (softmax(x) - np.eye(4)[labels]) / 6, atol=1e-15)
    numeric = numerical_gradient(lambda v: SoftmaxWithLoss().forward(v, t), x, h=1e-5)
    assert rel_error(dx, numeric) < THRESHOLD
    np.testing.assert_allclose(layer.backward(2.0), 2 * dx)


def test_softmax_with_loss_is_stable():
    layer = SoftmaxWithLoss()
    loss = layer.forward(np.array([[1000.0, 0.0]]), np.array([1]))
    assert loss == pytest.approx(1000.0)
    assert np.all(np.isfinite(layer.backward()))


def test_dropout_is_inverted_and_seeded():
    x = np.ones((200, 50))
    layer = Dropout(0.3, seed=0)
    out = layer.forward(x)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.7)
    assert abs(out.mean() - 1.0) < 0.03
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), out)
    np.testing.assert_array_equal(Dropout(0.3, seed=0).forward(x), out)
    inference = layer.forward(x, train_flg=False)
    np.testing.assert_array_equal(inference, x)
    assert inference is not x
    with pytest.raises(ValueError, match="dropout_ratio"):
        Dropout(1.0)


def test_dropout_gradient_with_fixed_mask():
    rng = np.random.default_rng(3)
    layer = Dropout(0.5, seed=4)
    x = rng.standard_normal((5, 6))
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(layer.backward(dout), dout * (out / x))


@pytest.mark.parametrize("shape", [(8, 5), (6, 2, 3, 3)])
def test_batchnorm_gradients(shape):
    rng = np.random.default_rng(5)
    features = int(np.prod(shape[1:]))
    layer = BatchNormalization(rng.uniform(0.5, 1.5, features), rng.standard_normal(features))
    x = 3 * rng.standard_normal(shape) + 1
    assert_gradients(layer, x, ("gamma", "beta"), train_flg=True)


def test_batchnorm_train_and_inference_modes():
    rng = np.random.default_rng(6)
    layer = BatchNormalization(np.ones(3), np.zeros(3), momentum=0.9)
    x = rng.standard_normal((50, 3)) * [1.0, 2.0, 3.0] + [5.0, -1.0, 0.0]
    out = layer.forward(x, train_flg=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, 0.1 * x.var(axis=0))
    running = layer.running_mean.copy(), layer.running_var.copy()
    inference = layer.forward(x, train_flg=False)
    np.testing.assert_array_equal(layer.running_mean, running[0])
    np.testing.assert_allclose(inference, (x - running[0]) / np.sqrt(running[1] + layer.eps))


@pytest.mark.parametrize("stride,pad,filter_shape", [(1, 0, (3, 3)), (2, 1, (3, 3)),
                                                      (1, 1, (2, 3)), (2, 0, (2, 2))])
def test_convolution_gradients(stride, pad, filter_shape):
    rng = np.random.default_rng(7)
    fh, fw = filter_shape
    x = rng.standard_normal((2, 3, 6, 7))  # stride 2 leaves some rows uncovered: floor
    layer = Convolution(rng.standard_normal((4, 3, fh, fw)), rng.standard_normal(4), stride, pad)
    assert_gradients(layer, x, ("W", "b"))


def naive_convolution(x, W, b, stride, pad):
    n, c, h, w = x.shape
    fn, _, fh, fw = W.shape
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    oh, ow = (h + 2 * pad - fh) // stride + 1, (w + 2 * pad - fw) // stride + 1
    out = np.zeros((n, fn, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + fh, j * stride:j * stride + fw]
            out[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def test_convolution_matches_naive_loops():
    rng = np.random.default_rng(8)
    x, W, b = rng.standard_normal((2, 2, 7, 7)), rng.standard_normal((3, 2, 3, 3)), np.arange(3.0)
    for stride, pad in [(1, 0), (2, 1), (1, 2)]:
        np.testing.assert_allclose(Convolution(W, b, stride, pad).forward(x),
                                   naive_convolution(x, W, b, stride, pad), atol=1e-12)


def distinct_values(rng, shape):
    return rng.permutation(np.arange(np.prod(shape), dtype=np.float64)).reshape(shape) * 0.01


@pytest.mark.parametrize("pool,stride,pad", [(2, 2, 0), (3, 1, 0), (2, 2, 1), (3, 2, 1)])
def test_pooling_gradients_and_values(pool, stride, pad):
    rng = np.random.default_rng(9)
    x = distinct_values(rng, (2, 3, 5, 6))
    x -= x.mean()  # negative values: zero padding would wrongly win the max
    layer = Pooling(pool, pool, stride, pad)
    out = layer.forward(x)
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], constant_values=-np.inf)
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            window = xp[:, :, i * stride:i * stride + pool, j * stride:j * stride + pool]
            np.testing.assert_array_equal(out[:, :, i, j], window.max(axis=(2, 3)))
    assert_gradients(layer, x)


def test_shape_errors_are_clear():
    with pytest.raises(ValueError, match="does not fit"):
        Convolution(np.zeros((1, 1, 7, 7)), np.zeros(1)).forward(np.zeros((1, 1, 6, 6)))
    with pytest.raises(ValueError, match=r"\(N, 2, H, W\)"):
        Convolution(np.zeros((1, 2, 3, 3)), np.zeros(1)).forward(np.zeros((1, 1, 6, 6)))


LAYER_FACTORIES = {
    "relu": lambda rng: (Relu(), {}),
    "sigmoid": lambda rng: (Sigmoid(), {}),
    "affine": lambda rng: (Affine(rng.standard_normal((12, 3)), rng.standard_normal(3)), {}),
    "dropout": lambda rng: (Dropout(0.5, seed=0), {}),
    "batchnorm": lambda rng: (BatchNormalization(np.ones(12), np.zeros(12)), {}),
    "conv": lambda rng: (Convolution(rng.standard_normal((2, 3, 2, 2)), np.zeros(2)), {}),
    "pool": lambda rng: (Pooling(2, 2), {}),
}


@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(0.1, 100.0))
def test_layers_never_modify_inputs(name, seed, scale):
    rng = np.random.default_rng(seed)
    layer, _ = LAYER_FACTORIES[name](rng)
    x = scale * rng.standard_normal((2, 3, 2, 2))
    x_before = x.copy()
    out = layer.forward(x)
    np.testing.assert_array_equal(x, x_before)
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_before)
    assert dx.shape == x.shape
