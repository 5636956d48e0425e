"""BatchNormalization on 4-D input: per channel (γ of shape (C,)) or the book's flattened form."""

import numpy as np
import pytest

from dlbasics.gradient import layer_gradient_errors
from dlbasics.layers import BatchNormalization

THRESHOLD = 1e-7


def per_channel_by_hand(x, gamma, beta, eps=1e-7):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    return gamma[None, :, None, None] * (x - mean) / np.sqrt(var + eps) + beta[None, :, None, None]


def test_gamma_of_shape_c_normalises_each_channel_over_n_h_w():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5, 2)) * np.array([1.0, 10.0, 0.1])[None, :, None, None]
    gamma, beta = rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    layer = BatchNormalization(gamma, beta)
    out = layer.forward(x, train_flg=True)
    np.testing.assert_allclose(out, per_channel_by_hand(x, gamma, beta), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, 0.1 * x.var(axis=(0, 2, 3)), rtol=1e-12)
    inference = layer.forward(x, train_flg=False)
    mean, var = layer.running_mean[None, :, None, None], layer.running_var[None, :, None, None]
    expected = (gamma[None, :, None, None] * (x - mean) / np.sqrt(var + 1e-7)
                + beta[None, :, None, None])
    np.testing.assert_allclose(inference, expected, rtol=1e-12)


def test_gamma_of_shape_chw_keeps_the_books_flattened_form():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 2, 3, 3))
    flat = x.reshape(6, -1)
    out = BatchNormalization(np.ones(18), np.zeros(18)).forward(x)
    expected = (flat - flat.mean(axis=0)) / np.sqrt(flat.var(axis=0) + 1e-7)
    np.testing.assert_allclose(out, expected.reshape(x.shape), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("features", [3, 3 * 4 * 2])
def test_both_forms_pass_the_gradient_check(features):
    rng = np.random.default_rng(2)
    layer = BatchNormalization(rng.uniform(0.5, 2, features), rng.standard_normal(features))
    errors = layer_gradient_errors(layer, rng.standard_normal((5, 3, 4, 2)),
                                   param_names=("gamma", "beta"), train_flg=True)
    assert max(errors.values()) < THRESHOLD, errors


def test_per_channel_matches_pytorch_batchnorm2d():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3, 5, 5))
    gamma, beta, dout = rng.uniform(0.5, 2, 3), rng.standard_normal(3), rng.standard_normal(x.shape)
    layer = BatchNormalization(gamma.copy(), beta.copy())
    out, dx = layer.forward(x), layer.backward(dout)
    bn = torch.nn.BatchNorm2d(3, eps=1e-7, momentum=0.1, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    tx = torch.from_numpy(x).requires_grad_(True)
    tout = bn(tx)
    tout.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(layer.dgamma, bn.weight.grad.numpy(), rtol=1e-8)
    np.testing.assert_allclose(layer.dbeta, bn.bias.grad.numpy(), rtol=1e-8)
