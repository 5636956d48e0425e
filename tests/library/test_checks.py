"""dlbasics.checks: the helpers behind every notebook check cell."""

import numpy as np
import pytest

from dlbasics import checks
from dlbasics.layers import Affine
from dlbasics.optimizers import SGD, Momentum


def test_check_function_passes_and_reports_value_shape_and_none():
    checks.check_function(np.square, [((np.array([2.0]),), np.array([4.0]))], verbose=False)
    with pytest.raises(AssertionError, match="値が違います"):
        checks.check_function(np.square, [((np.array([2.0]),), np.array([5.0]))])
    with pytest.raises(AssertionError, match=r"形 \(shape\)"):
        checks.check_function(np.ravel, [((np.ones((2, 2)),), np.ones((2, 2)))])
    with pytest.raises(AssertionError, match="return"):
        checks.check_function(lambda x: None, [((1.0,), 1.0)])


def test_inputs_modified_are_caught_including_dicts_of_arrays():
    def mutates(x):
        x[0] = 99.0
        return x

    with pytest.raises(AssertionError, match="書き換えました"):
        checks.check_function(mutates, [((np.array([1.0, 2.0]),), np.array([99.0, 2.0]))])

    def reads_dict(network, x):
        return x @ network["W"]

    network = {"W": np.eye(2), "b": np.zeros(2)}
    checks.check_function(reads_dict, [((network, np.ones(2)), np.ones(2))], verbose=False)

    def edits_dict(network, x):
        network["W"] *= 2
        return x @ network["W"]

    with pytest.raises(AssertionError, match="引数 1"):
        checks.check_function(edits_dict, [((network, np.ones(2)), np.full(2, 2.0))])


def test_check_against_reference_and_dtype():
    checks.check_against_reference(np.tanh, np.tanh, [(np.linspace(-3, 3, 7),)], verbose=False)
    with pytest.raises(AssertionError, match="dtype"):
        checks.check_function(lambda x: x.astype(float), [((np.array([1, 0]),), np.array([1, 0]))],
                              check_dtype=True)


def test_check_defined_in_notebook():
    def local():
        return None

    local.__module__ = "__main__"
    checks.check_defined_in_notebook(local)
    with pytest.raises(AssertionError, match="dlbasics.optimizers"):
        checks.check_defined_in_notebook(SGD)


def test_check_layer_gradients_catches_a_wrong_backward():
    rng = np.random.default_rng(0)
    checks.check_layer_gradients(Affine(rng.standard_normal((3, 2)), np.zeros(2)),
                                 rng.standard_normal((4, 3)), ("W", "b"), verbose=False)

    class WrongAffine(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = self.db / len(dout)  # a mean instead of a sum
            return dx

    with pytest.raises(AssertionError, match="db"):
        checks.check_layer_gradients(WrongAffine(rng.standard_normal((3, 2)), np.zeros(2)),
                                     rng.standard_normal((4, 3)), ("W", "b"))


def test_check_optimizer():
    checks.check_optimizer(Momentum(lr=0.1), Momentum(lr=0.1), verbose=False)

    class Replacing(SGD):
        def update(self, params, grads):
            for key in params:
                params[key] = params[key] - self.lr * grads[key]

    with pytest.raises(AssertionError, match="in place"):
        checks.check_optimizer(Replacing(lr=0.1), SGD(lr=0.1))
    with pytest.raises(AssertionError, match="params"):
        checks.check_optimizer(SGD(lr=0.2), SGD(lr=0.1))


def test_call_without_warnings_names_the_case_and_passes_quiet_calls():
    from dlbasics.checks import call_without_warnings

    def naive_sigmoid(a):
        return 1 / (1 + np.exp(-a))

    def stable_softmax(a):
        e = np.exp(a - a.max())
        return e / e.sum()

    np.testing.assert_allclose(call_without_warnings(naive_sigmoid, (np.array([0.0]),), "s"), [0.5])
    # underflow to 0 is what a stable softmax does on purpose: not a failure
    result = call_without_warnings(stable_softmax, (np.array([0.0, -2000.0]),), "softmax")
    np.testing.assert_array_equal(result, [1.0, 0.0])
    expected = r"sigmoid\(-2000\) で警告が出ました.*overflow.*sigmoid を使って"
    with pytest.raises(AssertionError, match=expected):
        call_without_warnings(naive_sigmoid, (np.array([-2000.0]),), "sigmoid(-2000)",
                              hint="sigmoid を使ってください。")
    with pytest.raises(AssertionError, match="最大値を引く"):
        call_without_warnings(lambda a: np.exp(a) / np.sum(np.exp(a)), (np.array([1000.0]),), "x")
