"""dlbasics.time_layers: gradients against numerics and PyTorch, state, no mutation.

Thresholds: rel_error of backprop against central differences (h = 1e-5) in float64.
These layers are smooth, so a correct backward pass gives about 1e-10 and any real
mistake more than 1e-3; 1e-7 is the course's threshold. The PyTorch comparisons
(float64, same weights) agree to rounding, so 1e-10 relative.
"""

import numpy as np
import pytest

from dlbasics.checks import check_multi_gradients
from dlbasics.gradient import multi_gradient_errors, numerical_gradient, rel_error
from dlbasics.optimizers import Adam
from dlbasics.time_layers import (
    GRU,
    LSTM,
    RNN,
    TimeAffine,
    TimeEmbedding,
    TimeGRU,
    TimeLSTM,
    TimeRNN,
    TimeSoftmaxWithLoss,
    clip_grads,
)

THRESHOLD = 1e-7
TORCH_RTOL = 1e-10
N, T, D, H, V = 3, 5, 4, 6, 7
BLOCKS = {RNN: 1, LSTM: 4, GRU: 3, TimeRNN: 1, TimeLSTM: 4, TimeGRU: 3}
RECURRENT_PARAMS = ("Wx", "Wh", "b")


def weights(rng, blocks, input_size=D, hidden_size=H, scale=0.5):
    return (scale * rng.standard_normal((input_size, blocks * hidden_size)),
            scale * rng.standard_normal((hidden_size, blocks * hidden_size)),
            scale * rng.standard_normal(blocks * hidden_size))


def cell_inputs(rng, cls):
    count = 3 if cls is LSTM else 2
    return (rng.standard_normal((N, D)),) + tuple(rng.standard_normal((N, H))
                                                   for _ in range(count - 1))


class LossOf:
    """TimeSoftmaxWithLoss with fixed labels, as a layer of the scores alone."""

    def __init__(self, labels, **kwargs):
        self.layer, self.labels = TimeSoftmaxWithLoss(**kwargs), labels

    def forward(self, xs):
        return np.asarray(self.layer.forward(xs, self.labels))

    def backward(self, dout):
        return self.layer.backward(float(dout))


def assert_errors_small(errors):
    assert errors and max(errors.values()) < THRESHOLD, errors


# ---- gradients against numerical differentiation ------------------------------------

@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_cell_gradients_for_every_input_and_parameter(cls):
    rng = np.random.default_rng(1)
    layer = cls(*weights(rng, BLOCKS[cls]))
    inputs = cell_inputs(rng, cls)
    errors = multi_gradient_errors(layer, inputs, param_names=RECURRENT_PARAMS, rng=rng)
    expected = {"x", "h_prev", "c_prev"} if cls is LSTM else {"x", "h_prev"}
    assert set(errors) == expected | set(RECURRENT_PARAMS)
    assert_errors_small(errors)


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU])
def test_time_recurrent_gradients(cls):
    rng = np.random.default_rng(2)
    layer = cls(*weights(rng, BLOCKS[cls]))
    errors = multi_gradient_errors(layer, (rng.standard_normal((N, T, D)),),
                                   param_names=RECURRENT_PARAMS, rng=rng)
    assert set(errors) == {"xs", *RECURRENT_PARAMS}
    assert_errors_small(errors)


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU])
def test_gradient_with_respect_to_the_given_start_state(cls):
    rng = np.random.default_rng(3)
    layer = cls(*weights(rng, BLOCKS[cls]))
    xs = rng.standard_normal((N, T, D))
    starts = [rng.standard_normal((N, H)) for _ in layer.state_names]
    dhs = rng.standard_normal((N, T, H))

    def loss(_):
        layer.set_state(*starts)
        return float(np.sum(layer.forward(xs) * dhs))

    loss(None)
    layer.backward(dhs)
    analytic = [getattr(layer, "d" + name) for name in layer.state_names]
    for name, start, grad in zip(layer.state_names, starts, analytic):
        error = rel_error(grad, numerical_gradient(loss, start, h=1e-5))
        assert error < THRESHOLD, (name, error)


def test_embedding_affine_and_loss_gradients():
    rng = np.random.default_rng(4)
    ids = rng.integers(0, V, size=(N, T))
    ids[0, :3] = 2  # a repeated id: its gradients must add up
    assert_errors_small(multi_gradient_errors(TimeEmbedding(rng.standard_normal((V, D))), (ids,),
                                              param_names=("W",), rng=rng))
    affine = TimeAffine(rng.standard_normal((D, V)), rng.standard_normal(V))
    assert_errors_small(multi_gradient_errors(affine, (rng.standard_normal((N, T, D)),),
                                              param_names=("W", "b"), rng=rng))
    labels = rng.integers(0, V, size=(N, T))
    labels[1, 2:] = -1
    for kwargs in ({}, {"ignore_label": None}):
        usable = labels if kwargs == {} else np.abs(labels)
        scores = 3 * rng.standard_normal((N, T, V))
        errors = multi_gradient_errors(LossOf(usable, **kwargs), (scores,), rng=rng)
        assert_errors_small(errors)


def test_a_small_language_model_end_to_end():
    """Embedding → TimeLSTM → TimeAffine → loss: every parameter against numerics."""
    rng = np.random.default_rng(5)
    embed = TimeEmbedding(0.5 * rng.standard_normal((V, D)))
    lstm = TimeLSTM(*weights(rng, 4))
    affine = TimeAffine(0.5 * rng.standard_normal((H, V)), np.zeros(V))
    loss_layer = TimeSoftmaxWithLoss()
    ids, labels = rng.integers(0, V, size=(N, T)), rng.integers(0, V, size=(N, T))
    labels[2, -1] = -1

    def loss(_=None):
        return loss_layer.forward(affine.forward(lstm.forward(embed.forward(ids))), labels)

    loss()
    embed.backward(lstm.backward(affine.backward(loss_layer.backward())))
    for layer in (embed, lstm, affine):
        for key, param in layer.params.items():
            error = rel_error(layer.grads[key], numerical_gradient(loss, param))
            assert error < THRESHOLD, (type(layer).__name__, key, error)


# ---- check_multi_gradients ----------------------------------------------------------

def test_check_multi_gradients_passes_a_correct_layer(capsys):
    rng = np.random.default_rng(6)
    check_multi_gradients(LSTM(*weights(rng, 4)), cell_inputs(rng, LSTM),
                          param_names=RECURRENT_PARAMS)
    assert "OK: LSTM.backward の 6 個の勾配" in capsys.readouterr().out


class BrokenLSTM(LSTM):
    """dc_prev forgets the factor f: a classic mistake."""

    def backward(self, dh_next, dc_next):
        dx, dh_prev, dc_prev = super().backward(dh_next, dc_next)
        return dx, dh_prev, dc_prev / self.cache[3]


class TwoGradientLSTM(LSTM):
    def backward(self, dh_next, dc_next):
        return super().backward(dh_next, dc_next)[:2]


class MutatingRNN(RNN):
    def forward(self, x, h_prev):
        out = super().forward(x, h_prev)
        h_prev *= 1.0
        h_prev += 1.0
        return out


@pytest.mark.parametrize("layer_cls, match", [
    (BrokenLSTM, "dc_prev: "),
    (TwoGradientLSTM, "3 個分の勾配 \\(dx, dh_prev, dc_prev\\)"),
])
def test_check_multi_gradients_names_what_is_wrong(layer_cls, match):
    rng = np.random.default_rng(7)
    with pytest.raises(AssertionError, match=match):
        check_multi_gradients(layer_cls(*weights(rng, 4)), cell_inputs(rng, LSTM),
                              param_names=RECURRENT_PARAMS, verbose=False)


def test_check_multi_gradients_catches_a_mutated_input():
    rng = np.random.default_rng(8)
    with pytest.raises(AssertionError, match="書き換えました"):
        check_multi_gradients(MutatingRNN(*weights(rng, 1)), cell_inputs(rng, RNN),
                              verbose=False)


def test_check_multi_gradients_catches_a_wrong_gradient_shape():
    class SummedRNN(RNN):
        def backward(self, dh_next):
            dx, dh_prev = super().backward(dh_next)
            return dx.sum(axis=0), dh_prev

    rng = np.random.default_rng(9)
    with pytest.raises(AssertionError, match="dx の形"):
        check_multi_gradients(SummedRNN(*weights(rng, 1)), cell_inputs(rng, RNN), verbose=False)


# ---- against PyTorch autograd --------------------------------------------------------

def torch_module():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch


def assert_close_to_torch(ours, theirs, what):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    error = rel_error(ours, theirs)
    assert error < TORCH_RTOL, f"{what}: rel_error {error:.2e}"


def lstm_to_torch_order(matrix, hidden_size):
    """Our blocks f, g, i, o → PyTorch's i, f, g, o (along the last axis)."""
    f, g, i, o = (matrix[..., k * hidden_size:(k + 1) * hidden_size] for k in range(4))
    return np.concatenate([i, f, g, o], axis=-1)


def run_torch_recurrent(torch, module, xs, starts, dhs):
    xs_t = torch.tensor(xs, requires_grad=True)
    starts_t = [torch.tensor(s[None], requires_grad=True) for s in starts]
    hs, _ = module(xs_t, starts_t[0] if len(starts_t) == 1 else tuple(starts_t))
    (hs * torch.tensor(dhs)).sum().backward()
    return hs, xs_t.grad, [s.grad[0] for s in starts_t]


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM])
def test_time_rnn_and_lstm_match_torch_nn_modules(cls):
    torch = torch_module()
    rng = np.random.default_rng(10)
    Wx, Wh, b = weights(rng, BLOCKS[cls])
    xs, dhs = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, H))
    starts = [rng.standard_normal((N, H)) for _ in cls.state_names]
    if cls is TimeLSTM:
        module = torch.nn.LSTM(D, H, batch_first=True)
        to_torch = [lstm_to_torch_order(w, H) for w in (Wx, Wh, b)]
    else:
        module = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True)
        to_torch = [Wx, Wh, b]
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(to_torch[0].T))
        module.weight_hh_l0.copy_(torch.tensor(to_torch[1].T))
        module.bias_ih_l0.copy_(torch.tensor(to_torch[2]))
        module.bias_hh_l0.zero_()
    hs_t, dxs_t, dstarts_t = run_torch_recurrent(torch, module, xs, starts, dhs)

    layer = cls(Wx, Wh, b)
    layer.set_state(*starts)
    assert_close_to_torch(layer.forward(xs), hs_t, "hs")
    assert_close_to_torch(layer.backward(dhs), dxs_t, "dxs")
    for name, grad in zip(cls.state_names, dstarts_t):
        assert_close_to_torch(getattr(layer, "d" + name), grad, "d" + name)
    grads_t = [module.weight_ih_l0.grad.T, module.weight_hh_l0.grad.T, module.bias_ih_l0.grad]
    for ours, theirs, what in zip((layer.dWx, layer.dWh, layer.db), grads_t, RECURRENT_PARAMS):
        theirs = theirs.numpy()
        if cls is TimeLSTM:
            ours = lstm_to_torch_order(ours, H)
        assert_close_to_torch(ours, theirs, "d" + what)


def torch_gru_formula(torch, x, h, Wx, Wh, b):
    """The contract's GRU (blocks z, r, h̃; r before the product), written in torch ops."""
    sig = torch.sigmoid
    z = sig(x @ Wx[:, :H] + h @ Wh[:, :H] + b[:H])
    r = sig(x @ Wx[:, H:2 * H] + h @ Wh[:, H:2 * H] + b[H:2 * H])
    h_hat = torch.tanh(x @ Wx[:, 2 * H:] + (r * h) @ Wh[:, 2 * H:] + b[2 * H:])
    return (1 - z) * h + z * h_hat


def test_time_gru_matches_the_formula_in_torch_autograd():
    torch = torch_module()
    rng = np.random.default_rng(11)
    arrays = weights(rng, 3)
    xs, h0, dhs = (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
                   rng.standard_normal((N, T, H)))
    params_t = [torch.tensor(a, requires_grad=True) for a in arrays]
    xs_t, h_t = torch.tensor(xs, requires_grad=True), torch.tensor(h0, requires_grad=True)
    hs, h = [], h_t
    for t in range(T):
        h = torch_gru_formula(torch, xs_t[:, t], h, *params_t)
        hs.append(h)
    hs_t = torch.stack(hs, dim=1)
    (hs_t * torch.tensor(dhs)).sum().backward()

    layer = TimeGRU(*arrays)
    layer.set_state(h0)
    assert_close_to_torch(layer.forward(xs), hs_t, "hs")
    assert_close_to_torch(layer.backward(dhs), xs_t.grad, "dxs")
    assert_close_to_torch(layer.dh, h_t.grad, "dh")
    for ours, theirs, what in zip((layer.dWx, layer.dWh, layer.db), params_t, RECURRENT_PARAMS):
        assert_close_to_torch(ours, theirs.grad, "d" + what)


def test_embedding_affine_loss_and_clipping_match_torch():
    torch = torch_module()
    rng = np.random.default_rng(12)
    ids = rng.integers(0, V, size=(N, T))
    W_embed, W, b = rng.standard_normal((V, D)), rng.standard_normal((D, V)), rng.standard_normal(V)
    labels = rng.integers(0, V, size=(N, T))
    labels[0, 1:3] = -1
    W_embed_t, W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (W_embed, W, b))
    scores_t = torch.nn.functional.embedding(torch.tensor(ids), W_embed_t) @ W_t + b_t
    loss_t = torch.nn.functional.cross_entropy(scores_t.reshape(-1, V),
                                               torch.tensor(labels.reshape(-1)), ignore_index=-1)
    loss_t.backward()

    embed, affine, loss_layer = TimeEmbedding(W_embed), TimeAffine(W, b), TimeSoftmaxWithLoss()
    loss = loss_layer.forward(affine.forward(embed.forward(ids)), labels)
    assert loss == pytest.approx(loss_t.item(), rel=TORCH_RTOL)
    embed.backward(affine.backward(loss_layer.backward()))
    for ours, theirs, what in [(embed.dW, W_embed_t, "dW_embed"), (affine.dW, W_t, "dW"),
                               (affine.db, b_t, "db")]:
        assert_close_to_torch(ours, theirs.grad, what)

    grads = {"a": 3 * rng.standard_normal((4, 3)), "b": 3 * rng.standard_normal(5)}
    tensors = [torch.zeros(g.shape, requires_grad=True) for g in grads.values()]
    for tensor, grad in zip(tensors, grads.values()):
        tensor.grad = torch.tensor(grad)
    torch.nn.utils.clip_grad_norm_(tensors, max_norm=2.0)
    for ours, tensor in zip(clip_grads(grads, 2.0).values(), tensors):
        assert_close_to_torch(ours, tensor.grad, "clip_grads")


# ---- no side effects, state, dtypes ---------------------------------------------------

def layer_cases(rng):
    """(layer, forward inputs) for every layer with a backward pass."""
    return [
        (RNN(*weights(rng, 1)), cell_inputs(rng, RNN)),
        (LSTM(*weights(rng, 4)), cell_inputs(rng, LSTM)),
        (GRU(*weights(rng, 3)), cell_inputs(rng, GRU)),
        (TimeRNN(*weights(rng, 1)), (rng.standard_normal((N, T, D)),)),
        (TimeLSTM(*weights(rng, 4)), (rng.standard_normal((N, T, D)),)),
        (TimeGRU(*weights(rng, 3)), (rng.standard_normal((N, T, D)),)),
        (TimeEmbedding(rng.standard_normal((V, D))), (rng.integers(0, V, size=(N, T)),)),
        (TimeAffine(rng.standard_normal((D, V)), rng.standard_normal(V)),
         (rng.standard_normal((N, T, D)),)),
    ]


def test_no_method_modifies_its_inputs_or_the_parameters():
    rng = np.random.default_rng(13)
    for layer, inputs in layer_cases(rng):
        saved_inputs = [x.copy() for x in inputs]
        saved_params = {key: value.copy() for key, value in layer.params.items()}
        outs = layer.forward(*inputs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        douts = [rng.standard_normal(out.shape) for out in outs]
        saved_douts = [d.copy() for d in douts]
        layer.backward(*douts)
        name = type(layer).__name__
        for before, after in zip(saved_inputs + saved_douts, list(inputs) + douts):
            np.testing.assert_array_equal(after, before, err_msg=f"{name} changed an input")
        for key, value in layer.params.items():
            np.testing.assert_array_equal(value, saved_params[key], err_msg=f"{name}.{key}")
    scores, labels = rng.standard_normal((N, T, V)), rng.integers(-1, V, size=(N, T))
    saved = scores.copy(), labels.copy()
    loss_layer = TimeSoftmaxWithLoss()
    loss_layer.forward(scores, labels)
    loss_layer.backward()
    np.testing.assert_array_equal(scores, saved[0])
    np.testing.assert_array_equal(labels, saved[1])


def test_params_are_shared_and_grads_have_the_same_keys():
    rng = np.random.default_rng(14)
    for layer, inputs in layer_cases(rng):
        for key, value in layer.params.items():
            assert value is getattr(layer, key), (type(layer).__name__, key)
        outs = layer.forward(*inputs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        layer.backward(*[np.ones(out.shape) for out in outs])
        assert layer.grads.keys() == layer.params.keys()
        for key, grad in layer.grads.items():
            assert grad is getattr(layer, "d" + key) and grad.shape == layer.params[key].shape


def test_an_optimizer_trains_a_time_layer_through_params_and_grads():
    """Adam on TimeRNN + TimeAffine memorises 'repeat the first input' on a fixed batch."""
    rng = np.random.default_rng(15)
    ids = rng.integers(0, 4, size=(16, 6))
    embed = TimeEmbedding(np.eye(4))
    rnn = TimeRNN(*weights(rng, 1, input_size=4, hidden_size=16, scale=0.3))
    affine = TimeAffine(0.3 * rng.standard_normal((16, 4)), np.zeros(4))
    loss_layer = TimeSoftmaxWithLoss()
    targets = np.repeat(ids[:, :1], 6, axis=1)
    params = {f"{i}{k}": v for i, layer in enumerate((rnn, affine))
              for k, v in layer.params.items()}
    optimizer, losses = Adam(lr=0.02), []
    for _ in range(150):
        losses.append(loss_layer.forward(affine.forward(rnn.forward(embed.forward(ids))), targets))
        rnn.backward(affine.backward(loss_layer.backward()))
        grads = {f"{i}{k}": v for i, layer in enumerate((rnn, affine))
                 for k, v in layer.grads.items()}
        optimizer.update(params, clip_grads(grads, 5.0))
    assert losses[-1] < 0.1 < np.log(4) - 0.1 < losses[0] + 0.2, (losses[0], losses[-1])


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU])
def test_stateful_layers_continue_and_reset(cls):
    rng = np.random.default_rng(16)
    arrays = weights(rng, BLOCKS[cls])
    xs = rng.standard_normal((N, 2 * T, D))
    whole = cls(*arrays).forward(xs)

    stateful = cls(*arrays, stateful=True)
    halves = np.concatenate([stateful.forward(xs[:, :T]), stateful.forward(xs[:, T:])], axis=1)
    np.testing.assert_allclose(halves, whole, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stateful.h, whole[:, -1], rtol=1e-12, atol=1e-12)
    stateful.reset_state()
    np.testing.assert_allclose(stateful.forward(xs[:, T:]), cls(*arrays).forward(xs[:, T:]),
                               rtol=1e-12, atol=1e-12)

    stateless = cls(*arrays)
    first = stateless.forward(xs[:, :T])
    np.testing.assert_array_equal(stateless.forward(xs[:, :T]), first)  # starts from zeros again
    with pytest.raises(ValueError, match="reset_state"):
        stateful.forward(xs[:1])


@pytest.mark.parametrize("cls", [TimeRNN, TimeLSTM, TimeGRU])
def test_set_state_copies_and_is_used_once_by_a_stateless_layer(cls):
    rng = np.random.default_rng(17)
    arrays = weights(rng, BLOCKS[cls])
    xs = rng.standard_normal((N, 2 * T, D))
    whole = cls(*arrays).forward(xs)
    middle = cls(*arrays, stateful=True)
    middle.forward(xs[:, :T])
    states = [getattr(middle, name).copy() for name in cls.state_names]
    given = [s.copy() for s in states]

    layer = cls(*arrays)
    layer.set_state(*given)
    for array in given:
        array += 100.0  # the layer kept its own copy
    np.testing.assert_allclose(layer.forward(xs[:, T:]), whole[:, T:], rtol=1e-12, atol=1e-12)
    zero_start = cls(*arrays).forward(xs[:, T:])
    np.testing.assert_array_equal(layer.forward(xs[:, T:]), zero_start)
    with pytest.raises(ValueError, match="set_state"):
        layer.set_state(*[np.zeros((N, H + 1)) for _ in cls.state_names])


def test_lstm_set_state_without_c_starts_c_from_zeros():
    rng = np.random.default_rng(18)
    arrays = weights(rng, 4)
    xs, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    layer = TimeLSTM(*arrays)
    layer.set_state(h0)
    cell, h, c = LSTM(*arrays), h0, np.zeros((N, H))
    expected = []
    for t in range(T):
        h, c = cell.forward(xs[:, t], h, c)
        expected.append(h)
    np.testing.assert_allclose(layer.forward(xs), np.stack(expected, axis=1), rtol=1e-12)
    np.testing.assert_allclose(layer.c, c, rtol=1e-12)


def test_cells_follow_the_contract_formulas_and_gate_orders():
    rng = np.random.default_rng(19)
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def sig(a):
        return 1 / (1 + np.exp(-a))

    Wx, Wh, b = weights(rng, 1)
    np.testing.assert_allclose(RNN(Wx, Wh, b).forward(x, h), np.tanh(h @ Wh + x @ Wx + b))
    Wx, Wh, b = weights(rng, 4)
    A = x @ Wx + h @ Wh + b
    f, g, i, o = sig(A[:, :H]), np.tanh(A[:, H:2 * H]), sig(A[:, 2 * H:3 * H]), sig(A[:, 3 * H:])
    h_next, c_next = LSTM(Wx, Wh, b).forward(x, h, c)
    np.testing.assert_allclose(c_next, f * c + g * i)
    np.testing.assert_allclose(h_next, o * np.tanh(f * c + g * i))
    Wx, Wh, b = weights(rng, 3)
    z = sig(x @ Wx[:, :H] + h @ Wh[:, :H] + b[:H])
    r = sig(x @ Wx[:, H:2 * H] + h @ Wh[:, H:2 * H] + b[H:2 * H])
    h_hat = np.tanh(x @ Wx[:, 2 * H:] + (r * h) @ Wh[:, 2 * H:] + b[2 * H:])
    np.testing.assert_allclose(GRU(Wx, Wh, b).forward(x, h), (1 - z) * h + z * h_hat)


def test_float64_by_default_and_the_dtype_argument():
    rng = np.random.default_rng(20)
    arrays32 = [a.astype(np.float32) for a in weights(rng, 4)]
    xs32 = rng.standard_normal((N, T, D)).astype(np.float32)
    assert TimeLSTM(*arrays32).forward(xs32).dtype == np.float64
    layer = TimeLSTM(*arrays32, dtype=np.float32)
    assert layer.Wx is arrays32[0]  # already float32: shared, not copied
    hs = layer.forward(xs32)
    assert hs.dtype == np.float32
    assert layer.backward(np.ones_like(hs)).dtype == np.float32
    assert layer.dWx.dtype == np.float32
    ids = rng.integers(0, V, size=(N, T))
    assert TimeEmbedding(np.ones((V, D), dtype=np.float32)).forward(ids).dtype == np.float64
    with pytest.raises(TypeError, match="float"):
        RNN(*weights(rng, 1), dtype=np.int64)


def test_bad_shapes_and_ids_get_clear_messages():
    rng = np.random.default_rng(21)
    with pytest.raises(ValueError, match="Wh must have shape"):
        LSTM(*weights(rng, 4)[:1], rng.standard_normal((H, H)), np.zeros(4 * H))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4\)"):
        RNN(*weights(rng, 1)).forward(np.zeros((N, D + 1)), np.zeros((N, H)))
    with pytest.raises(ValueError, match=r"xs must have shape \(N, T, 4\)"):
        TimeGRU(*weights(rng, 3)).forward(np.zeros((N, D)))
    embed = TimeEmbedding(np.zeros((V, D)))
    with pytest.raises(ValueError, match=r"ids must be in \[0, 7\)"):
        embed.forward(np.array([[0, V]]))
    with pytest.raises(TypeError, match="integers"):
        embed.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="labels must be in"):
        TimeSoftmaxWithLoss().forward(np.zeros((1, 2, V)), np.array([[0, -2]]))
    with pytest.raises(RuntimeError, match="forward pass first"):
        TimeRNN(*weights(rng, 1)).backward(np.zeros((N, T, H)))


# ---- TimeSoftmaxWithLoss and clip_grads ----------------------------------------------

def test_ignore_label_skips_positions_in_loss_and_gradient():
    rng = np.random.default_rng(22)
    scores, labels = 4 * rng.standard_normal((N, T, V)), rng.integers(0, V, size=(N, T))
    labels[0, 2:] = -1
    labels[2, 0] = -1
    log_softmax = scores - np.log(np.sum(np.exp(scores), axis=2, keepdims=True))
    kept = labels != -1
    expected = -np.mean([log_softmax[n, t, labels[n, t]] for n, t in zip(*np.nonzero(kept))])
    layer = TimeSoftmaxWithLoss()
    assert layer.forward(scores, labels) == pytest.approx(expected, rel=1e-12)
    dxs = layer.backward(2.0)
    assert np.all(dxs[~kept] == 0)
    np.testing.assert_allclose(dxs.sum(axis=2), 0, atol=1e-12)
    one_hot = np.eye(V)[np.where(kept, labels, 0)]
    np.testing.assert_allclose(dxs[kept], 2.0 * (np.exp(log_softmax) - one_hot)[kept] / kept.sum())

    every = np.where(kept, labels, 1)
    other = TimeSoftmaxWithLoss(ignore_label=None)
    full = -np.mean(np.take_along_axis(log_softmax, every[:, :, None], axis=2))
    assert other.forward(scores, every) == pytest.approx(full, rel=1e-12)
    assert TimeSoftmaxWithLoss().forward(scores, np.eye(V)[every]) == pytest.approx(full, rel=1e-12)
    huge = TimeSoftmaxWithLoss().forward(1e4 * scores, every)
    assert np.isfinite(huge)


def test_clip_grads_returns_a_scaled_copy_only_when_the_norm_is_too_large():
    rng = np.random.default_rng(23)
    grads = {"Wx": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    saved = {key: value.copy() for key, value in grads.items()}
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))

    clipped = clip_grads(grads, norm / 4)
    for key in grads:
        np.testing.assert_array_equal(grads[key], saved[key])
        assert clipped[key] is not grads[key]
    clipped_norm = np.sqrt(sum(np.sum(g ** 2) for g in clipped.values()))
    assert clipped_norm == pytest.approx(norm / 4, rel=1e-5)
    np.testing.assert_allclose(clipped["Wx"] / grads["Wx"], clipped["b"][0] / grads["b"][0])

    kept = clip_grads(grads, 2 * norm)
    for key in grads:
        np.testing.assert_array_equal(kept[key], grads[key])
        assert kept[key] is not grads[key]
    as_list = clip_grads(list(grads.values()), norm / 4)
    assert isinstance(as_list, list)
    np.testing.assert_allclose(as_list[0], clipped["Wx"])
    as_tuple = clip_grads(tuple(grads.values()), norm / 4)
    assert isinstance(as_tuple, tuple) and as_tuple[1] is not grads["b"]
    np.testing.assert_allclose(as_tuple[1], clipped["b"])
    np.testing.assert_array_equal(clip_grads([np.zeros(3)], 1.0)[0], np.zeros(3))
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="max_norm"):
            clip_grads(grads, bad)
