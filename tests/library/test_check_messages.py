"""What the check messages say: where arrays differ, gradients at the worst entry,
optimizer snippets, exceptions with their case, and the accepted alternative forms."""

import re

import numpy as np
import pytest

from dlbasics import checks
from dlbasics.layers import Affine, Dropout
from dlbasics.optimizers import AdaGrad, Adam, RMSprop


def message_of(call, *args, **kwargs):
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_a_long_array_wrong_at_one_index_names_it_and_never_prints_two_identical_lines():
    expected = np.linspace(0.0, 3.9, 40)
    actual = expected.copy()
    actual[17] = 1.75
    text = message_of(checks.check_close, actual, expected, "relu(x)")
    assert "違う要素: 1 個 / 全 40 個" in text
    assert "違う位置 [17]: 期待値 1.7, 戻り値 1.75" in text
    assert "最大の絶対誤差 5.000e-02" in text
    assert "1e-08 + 1e-06·|期待値|" in text  # the tolerance
    lines = [line.strip() for line in text.splitlines()]
    shown = [line.split(":", 1)[1] for line in lines if line.startswith(("期待値:", "戻り値:"))]
    assert len(set(shown)) == len(shown)  # the elided arrays look alike, so neither is printed


def test_first_and_largest_mismatch_are_both_given_with_full_precision():
    expected = np.zeros((2, 3))
    actual = expected.copy()
    actual[0, 2] = 1e-5
    actual[1, 1] = 0.25
    text = message_of(checks.check_close, actual, expected, "f(x)")
    assert "最初に違う位置 [0, 2]: 期待値 0.0, 戻り値 1e-05" in text
    assert "いちばん違う位置 [1, 1]: 期待値 0.0, 戻り値 0.25" in text
    assert "違う要素: 2 個 / 全 6 個" in text
    near = message_of(checks.check_close, np.array([0.7404231]), np.array([0.7404221]), "g")
    assert "0.7404221" in near and "0.7404231" in near  # not rounded to 6 digits


def test_nan_counts_as_a_mismatch():
    text = message_of(checks.check_close, np.array([1.0, np.nan]), np.array([1.0, 2.0]), "h")
    assert "違う位置 [1]: 期待値 2.0, 戻り値 nan" in text


def test_any_of_accepts_each_listed_form_and_names_them_on_failure():
    value = checks.AnyOf(np.array([1.0]), {"np.clip の形": np.array([2.0])})
    checks.check_close(np.array([1.0]), value, "a")
    checks.check_close(np.array([2.0]), value, "a")
    assert "np.clip の形" in message_of(checks.check_close, np.array([3.0]), value, "a")


def test_an_exception_is_reported_with_the_call_that_raised_it():
    def broken(x):
        return x @ np.ones(3)

    text = message_of(checks.check_function, broken, [((np.ones((2, 2)),), np.ones(2))])
    assert text.startswith("broken([[1., 1.],")
    assert "ValueError" in text


def test_gradient_check_names_the_worst_entry_per_parameter():
    rng = np.random.default_rng(0)

    class HalfBias(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = self.db / 2
            return dx

    layer = HalfBias(rng.standard_normal((3, 2)), np.zeros(2))
    text = message_of(checks.check_layer_gradients, layer, rng.standard_normal((4, 3)), ("W", "b"))
    assert "db: 相対誤差 3.33e-01" in text
    match = re.search(r"位置 \[(\d)\] で backward (\S+)、数値微分 (\S+)", text)
    assert match and float(match.group(3)) == pytest.approx(2 * float(match.group(2)))
    assert "dW" not in text  # only the failing gradients


def test_optimizer_failure_prints_a_snippet_that_reproduces_the_reference():
    class Off(Adam):
        def update(self, params, grads):
            super().update(params, grads)
            params["W1"] += 1e-6

    text = message_of(checks.check_optimizer, Off(lr=0.1), Adam(lr=0.1), steps=2)
    snippet = text.split("同じ計算を試すコード:\n")[1]
    assert "optimizer = Adam(lr=0.1, beta1=0.9, beta2=0.999, eps_on_corrected=False)" in snippet
    namespace = {"Adam": Adam}
    exec(re.sub(r"^    ", "", snippet, flags=re.M).replace("print(params)", ""), namespace)
    reference = Adam(lr=0.1)
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 2)), "W2": rng.standard_normal(2)}
    reference.update(params, {"W1": rng.standard_normal((3, 2)), "W2": rng.standard_normal(2)})
    np.testing.assert_array_equal(namespace["params"]["W1"], params["W1"])


@pytest.mark.parametrize("trainee, reference, alternative", [
    (AdaGrad(lr=0.1, eps_in_sqrt=True), AdaGrad(lr=0.1), AdaGrad(lr=0.1, eps_in_sqrt=True)),
    (RMSprop(lr=0.1, eps_in_sqrt=True), RMSprop(lr=0.1), RMSprop(lr=0.1, eps_in_sqrt=True)),
    (Adam(lr=0.1, eps_on_corrected=True), Adam(lr=0.1), Adam(lr=0.1, eps_on_corrected=True)),
])
def test_optimizer_alternatives_pass_and_are_needed(trainee, reference, alternative):
    shapes = ((3, 2), (1e-9 * np.ones(2)).shape)
    text = message_of(checks.check_optimizer, type(trainee)(**vars_of(trainee)),
                      type(reference)(**vars_of(reference)), shapes=shapes, seed=3, rtol=1e-12,
                      atol=1e-15)
    assert "同じ計算を試すコード" in text
    checks.check_optimizer(trainee, reference, shapes=shapes, seed=3, rtol=1e-12, atol=1e-15,
                           alternatives={"other form": alternative}, verbose=False)


def vars_of(optimizer):
    return {key: value for key, value in vars(optimizer).items()
            if key in ("lr", "decay_rate", "eps_in_sqrt", "eps_on_corrected")}


def test_check_dropout_accepts_several_masks_and_rejects_a_wrong_scale():
    class BookMask(Dropout):
        def forward(self, x, train_flg=True):
            if not train_flg:
                self.mask = None
                return x.copy()
            self.mask = (self.rng.random(x.shape) > self.dropout_ratio) / (1 - self.dropout_ratio)
            return x * self.mask

    class NotInverted(BookMask):
        def forward(self, x, train_flg=True):
            out = super().forward(x, train_flg)
            return out * (1 - self.dropout_ratio) if train_flg else out

    checks.check_dropout(lambda p, s: Dropout(p, seed=s), verbose=False)
    checks.check_dropout(lambda p, s: BookMask(p, seed=s), verbose=False)
    assert "x / (1 − p)" in message_of(checks.check_dropout, lambda p, s: NotInverted(p, seed=s))
