"""dlbasics.networks and dlbasics.trainer: gradient checks and learning on real data.

Gradient checks compare backprop with central differences (h = 1e-5) in float64;
rel_error below 1e-7 (see dlbasics.gradient.rel_error; gradients that are zero by
construction, like a bias before batch norm, count as equal below 1e-8).
"""

import numpy as np
import pytest

from dlbasics.datasets import load_digits
from dlbasics.gradient import network_gradient_errors
from dlbasics.layers import Affine, BatchNormalization, Convolution, Pooling, Relu
from dlbasics.networks import (
    MultiLayerNet,
    SequentialNet,
    SimpleConvNet,
    TwoLayerNet,
    weight_scale,
)
from dlbasics.optimizers import SGD
from dlbasics.trainer import Trainer

THRESHOLD = 1e-7


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_two_layer_net_params_and_shapes():
    net = TwoLayerNet(64, 20, 10, seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (64, 20), "b1": (20,), "W2": (20, 10), "b2": (10,)}
    assert net.params["W1"].std() == pytest.approx(0.01, rel=0.1)
    x = np.random.default_rng(0).random((7, 64))
    assert net.predict(x).shape == (7, 10)
    assert TwoLayerNet(4, 3, 2, dtype=np.float32).params["W1"].dtype == np.float32


def test_two_layer_net_gradient_check(digits):
    (x, t), _ = digits
    net = TwoLayerNet(64, 12, 10, weight_init_std=0.3, seed=1)
    errors = network_gradient_errors(net, x[:6], t[:6])
    assert max(errors.values()) < THRESHOLD, errors


def test_numerical_and_backprop_gradients_agree_through_the_network_api(digits):
    (x, t), _ = digits
    net = TwoLayerNet(64, 5, 10, weight_init_std=0.3, seed=2)
    numeric = net.numerical_gradient(x[:3], t[:3])
    analytic = net.gradient(x[:3], t[:3])
    for key in net.params:
        np.testing.assert_allclose(analytic[key], numeric[key], atol=1e-7)


@pytest.mark.parametrize("kwargs", [
    {"activation": "relu", "weight_init_std": "he"},
    {"activation": "sigmoid", "weight_init_std": "xavier", "weight_decay_lambda": 0.1},
    {"activation": "relu", "use_batchnorm": True, "weight_decay_lambda": 0.05},
])
def test_multi_layer_net_gradient_check(kwargs):
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((6, 8)), rng.integers(0, 4, 6)
    net = MultiLayerNet(8, [7, 6], 4, seed=4, **kwargs)
    errors = network_gradient_errors(net, x, t, train_flg=True)
    assert max(errors.values()) < THRESHOLD, errors


def test_multi_layer_net_weight_decay_enters_the_loss():
    rng = np.random.default_rng(5)
    x, t = rng.standard_normal((4, 8)), rng.integers(0, 4, 4)
    plain = MultiLayerNet(8, [6], 4, seed=6)
    decayed = MultiLayerNet(8, [6], 4, seed=6, weight_decay_lambda=0.5)
    penalty = 0.25 * sum(np.sum(decayed.params[k] ** 2) for k in ("W1", "W2"))
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t) + penalty)


def test_multi_layer_net_dropout_only_in_training():
    x = np.random.default_rng(7).standard_normal((5, 8))
    net = MultiLayerNet(8, [50], 3, use_dropout=True, dropout_ratio=0.5, seed=8)
    np.testing.assert_array_equal(net.predict(x), net.predict(x))
    assert not np.allclose(net.predict(x, train_flg=True), net.predict(x))


def test_weight_scales():
    assert weight_scale("he", 50) == pytest.approx(np.sqrt(2 / 50))
    assert weight_scale("Xavier", 50) == pytest.approx(np.sqrt(1 / 50))
    assert weight_scale(0.01, 50) == 0.01
    with pytest.raises(ValueError, match="unknown weight_init_std"):
        weight_scale("glorot-ish", 5)
    with pytest.raises(ValueError, match="activation"):
        MultiLayerNet(4, [3], 2, activation="swish")


def test_simple_conv_net_gradient_check(digits):
    (x, t), _ = load_digits(flatten=False)
    net = SimpleConvNet((1, 8, 8), {"filter_num": 3, "filter_size": 3, "pad": 1, "stride": 1},
                        hidden_size=6, output_size=10, weight_init_std="he", seed=9)
    # The digits' blank borders make many pre-activations exactly b1 = 0, on ReLU's kink,
    # where finite differences are meaningless; shift the biases off it.
    net.params["b1"][:] = 0.1
    errors = network_gradient_errors(net, x[:3], t[:3])
    assert max(errors.values()) < THRESHOLD, errors


def test_simple_conv_net_rejects_odd_feature_maps():
    with pytest.raises(ValueError, match="even"):
        SimpleConvNet((1, 8, 8), {"filter_num": 2, "filter_size": 2, "pad": 0, "stride": 1})


def test_two_layer_net_learns_digits(digits):
    (x_train, t_train), (x_test, t_test) = digits
    net = TwoLayerNet(64, 100, 10, weight_init_std=0.1, seed=0)
    trainer = Trainer(net, x_train, t_train, x_test, t_test, epochs=30, mini_batch_size=50,
                      optimizer="Adam", optimizer_param={"lr": 0.005}, seed=0, verbose=False)
    history = trainer.train()
    assert history["test_acc"][-1] >= 0.95, history["test_acc"]
    assert len(history["train_acc"]) == 30 and len(history["loss"]) == 30 * (len(x_train) // 50)
    assert history["loss"][-1] < history["loss"][0]
    assert trainer.test_acc_list is history["test_acc"]


def test_trainer_is_reproducible_and_accepts_objects(digits):
    (x_train, t_train), (x_test, t_test) = digits

    def run():
        net = TwoLayerNet(64, 10, 10, seed=1)
        Trainer(net, x_train[:200], t_train[:200], x_test, t_test, epochs=2,
                mini_batch_size=20, optimizer=SGD(lr=0.1), seed=3, verbose=False).train()
        return net.params["W1"]

    np.testing.assert_array_equal(run(), run())
    with pytest.raises(ValueError, match="unknown optimizer"):
        Trainer(TwoLayerNet(64, 10, 10), x_train, t_train, x_test, t_test, optimizer="LBFGS")


def test_trainer_is_silent_under_nbgrader(digits, monkeypatch, capsys):
    (x_train, t_train), (x_test, t_test) = digits
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    Trainer(TwoLayerNet(64, 10, 10, seed=1), x_train[:100], t_train[:100], x_test, t_test,
            epochs=1, mini_batch_size=50).train()
    assert capsys.readouterr().err == ""


def test_sequential_net_gradient_check():
    rng = np.random.default_rng(10)
    layers = [
        Convolution(0.5 * rng.standard_normal((3, 1, 3, 3)), 0.1 + np.zeros(3), 1, 1),
        BatchNormalization(np.ones(3 * 6 * 6), np.zeros(3 * 6 * 6)),
        Relu(),
        Pooling(2, 2, 2),
        Affine(0.3 * rng.standard_normal((27, 5)), np.zeros(5)),
    ]
    net = SequentialNet(layers)
    assert sorted(net.params) == ["W1", "W5", "b1", "b5", "beta2", "gamma2"]
    x, t = rng.standard_normal((4, 1, 6, 6)), rng.integers(0, 5, 4)
    errors = network_gradient_errors(net, x, t, train_flg=True)
    assert max(errors.values()) < THRESHOLD, errors


@pytest.mark.parametrize("make", [
    lambda: TwoLayerNet(20, 8, 5, seed=0, dtype=np.float32),
    lambda: MultiLayerNet(20, [8, 6], 5, seed=0, weight_decay_lambda=0.1,
                          dtype=np.float32),
])
def test_float32_networks_stay_float32_and_skip_only_the_data_gradient(make):
    rng = np.random.default_rng(5)
    x, t = rng.random((9, 20)).astype(np.float32), rng.integers(0, 5, 9)
    net = make()
    grads = net.gradient(x, t)
    assert {key: value.dtype for key, value in grads.items()} == {
        key: np.dtype(np.float32) for key in net.params}
    # the same layer gradients as a backward pass that also computes the data gradient
    twin = make()
    twin.loss(x, t, train_flg=True)
    dout = twin.last_layer.backward(1)
    for layer in reversed(twin.layers):
        dout = layer.backward(dout)
    assert dout.shape == x.shape
    pairs = [(ours, theirs) for ours, theirs in zip(net.layers, twin.layers)
             if isinstance(ours, Affine)]
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours.dW, theirs.dW)
        np.testing.assert_array_equal(ours.db, theirs.db)
