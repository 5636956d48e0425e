"""Recurrent layers and their time-series versions, in the shape of ゼロから作るDeep Learning ❷.

The names, shapes and gate orders are the book's (``common/time_layers.py``):

- one step: ``RNN``, ``LSTM`` (gate blocks f, g, i, o), ``GRU`` (blocks z, r, h̃);
- whole sequences: ``TimeRNN``, ``TimeLSTM``, ``TimeGRU``, ``TimeEmbedding``,
  ``TimeAffine``, ``TimeSoftmaxWithLoss``; and ``clip_grads``.

What differs from the book:

- float64 by default, with a ``dtype`` argument (the book hard-codes float32, which is
  too coarse for a gradient check at 1e-7). Parameters that already have that dtype are
  used as given, not copied, so an optimizer updating ``params`` in place updates the
  layer too.
- No method modifies its inputs, and nothing draws from NumPy's global random state.
- Gradients are attributes ``d<name>`` (``dWx``, ``dWh``, ``db``, ``dW``), each a new array
  per ``backward``. ``params`` is a dict of the parameter arrays and ``grads`` a dict of
  their gradients with the same keys, so the optimizers of :mod:`dlbasics.optimizers`
  (``update(params, grads)``) train these layers.

Shapes: N batch size, T time steps, D input size, H hidden size, V vocabulary size.
"""

import numpy as np

__all__ = [
    "RNN",
    "LSTM",
    "GRU",
    "TimeRNN",
    "TimeLSTM",
    "TimeGRU",
    "TimeEmbedding",
    "TimeAffine",
    "TimeSoftmaxWithLoss",
    "clip_grads",
]


def _sigmoid(a):
    """σ(a) = (1 + tanh(a / 2)) / 2: the logistic sigmoid in one ufunc, never overflowing.

    Equal to 1 / (1 + exp(-a)) up to rounding, and several times faster than the
    two-branch form of :func:`dlbasics.functions.sigmoid`, which matters in a time loop.
    """
    return 0.5 + 0.5 * np.tanh(0.5 * a)


def _float_array(array, dtype, name):
    """``array`` as a ``dtype`` array (no copy when it already is one)."""
    result = np.asarray(array, dtype=dtype)
    if not np.issubdtype(result.dtype, np.floating):
        raise TypeError(f"{name} must be a float array; dtype={dtype} is not a float type")
    return result


def _require_shape(array, shape, name, layer):
    """Raise ValueError naming the layer when ``array.shape`` differs from ``shape``."""
    if array.shape != tuple(shape):
        raise ValueError(f"{layer}: {name} must have shape {tuple(shape)}; got {array.shape}")


class _Parametrised:
    """Weights Wx (D, kH), Wh (H, kH), b (kH,) shared by the recurrent layers.

    ``blocks`` (k) is 1 for RNN, 4 for LSTM and 3 for GRU.
    """

    blocks = 1

    def __init__(self, Wx, Wh, b, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        self.Wx = _float_array(Wx, self.dtype, "Wx")
        self.Wh = _float_array(Wh, self.dtype, "Wh")
        self.b = _float_array(b, self.dtype, "b")
        name = type(self).__name__
        hidden = self.Wh.shape[0] if self.Wh.ndim == 2 else -1
        if self.Wx.ndim != 2:
            raise ValueError(f"{name}: Wx must be 2-D (D, {self.blocks}H); got {self.Wx.shape}")
        _require_shape(self.Wh, (hidden, self.blocks * hidden), "Wh", name)
        _require_shape(self.Wx, (self.Wx.shape[0], self.blocks * hidden), "Wx", name)
        _require_shape(self.b, (self.blocks * hidden,), "b", name)
        self.params = {"Wx": self.Wx, "Wh": self.Wh, "b": self.b}
        self.dWx = None
        self.dWh = None
        self.db = None

    @property
    def hidden_size(self):
        """H, the number of hidden units."""
        return self.Wh.shape[0]

    @property
    def grads(self):
        """Dict with the keys of ``params``: the gradients of the last ``backward``."""
        return {"Wx": self.dWx, "Wh": self.dWh, "b": self.db}

    def _input(self, x, name):
        """x as a (N, D) array of this layer's dtype; raises on a wrong shape."""
        x = _float_array(x, self.dtype, name)
        if x.ndim != 2 or x.shape[1] != self.Wx.shape[0]:
            raise ValueError(f"{type(self).__name__}: {name} must have shape "
                             f"(N, {self.Wx.shape[0]}); got {x.shape}")
        return x

    def _state(self, h, name, batch_size):
        """A hidden (or cell) state as a (N, H) array; raises on a wrong shape."""
        h = _float_array(h, self.dtype, name)
        _require_shape(h, (batch_size, self.hidden_size), name, type(self).__name__)
        return h


class RNN(_Parametrised):
    """One step of a simple (Elman) RNN: h_next = tanh(h_prev · Wh + x · Wx + b).

    Parameters:
    - Wx: input-to-hidden weights, shape (D, H).
    - Wh: hidden-to-hidden weights, shape (H, H).
    - b: biases, shape (H,).
    - dtype: float dtype of the computation (float64 by default).
    """

    def __init__(self, Wx, Wh, b, dtype=np.float64):
        super().__init__(Wx, Wh, b, dtype)
        self.cache = None

    def forward(self, x, h_prev):
        """x: (N, D); h_prev: (N, H). Returns h_next (N, H)."""
        x = self._input(x, "x")
        h_prev = self._state(h_prev, "h_prev", x.shape[0])
        h_next = np.tanh(h_prev @ self.Wh + x @ self.Wx + self.b)
        self.cache = (x, h_prev, h_next)
        return h_next

    def backward(self, dh_next):
        """dh_next: (N, H). Sets dWx, dWh, db; returns (dx (N, D), dh_prev (N, H))."""
        x, h_prev, h_next = self.cache
        dt = np.asarray(dh_next, dtype=self.dtype) * (1.0 - h_next * h_next)
        self.db = np.sum(dt, axis=0)
        self.dWh = h_prev.T @ dt
        self.dWx = x.T @ dt
        return dt @ self.Wx.T, dt @ self.Wh.T


class LSTM(_Parametrised):
    """One step of an LSTM, gate blocks in the book's order f, g, i, o.

    A = x · Wx + h_prev · Wh + b is split into four (N, H) blocks f, g, i, o;
    f, i, o go through the sigmoid and g through tanh, then
    c_next = f * c_prev + g * i and h_next = o * tanh(c_next).
    (PyTorch's ``nn.LSTM`` orders its blocks i, f, g, o.)

    Parameters:
    - Wx: (D, 4H); Wh: (H, 4H); b: (4H,).
    - dtype: float dtype of the computation (float64 by default).
    """

    blocks = 4

    def __init__(self, Wx, Wh, b, dtype=np.float64):
        super().__init__(Wx, Wh, b, dtype)
        self.cache = None

    def forward(self, x, h_prev, c_prev):
        """x: (N, D); h_prev, c_prev: (N, H). Returns (h_next, c_next), each (N, H)."""
        x = self._input(x, "x")
        h_prev = self._state(h_prev, "h_prev", x.shape[0])
        c_prev = self._state(c_prev, "c_prev", x.shape[0])
        H = self.hidden_size
        A = x @ self.Wx + h_prev @ self.Wh + self.b
        gates = _sigmoid(A)  # f, i, o are slices of it; g is tanh of its own block
        f, i, o = gates[:, :H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
        g = np.tanh(A[:, H:2 * H])
        c_next = f * c_prev + g * i
        tanh_c_next = np.tanh(c_next)
        h_next = o * tanh_c_next
        self.cache = (x, h_prev, c_prev, f, g, i, o, tanh_c_next)
        return h_next, c_next

    def backward(self, dh_next, dc_next):
        """dh_next, dc_next: (N, H). Sets dWx, dWh, db; returns (dx, dh_prev, dc_prev)."""
        x, h_prev, c_prev, f, g, i, o, tanh_c_next = self.cache
        dh_next = np.asarray(dh_next, dtype=self.dtype)
        ds = np.asarray(dc_next, dtype=self.dtype) + dh_next * o * (1.0 - tanh_c_next ** 2)
        dc_prev = ds * f
        dA = np.hstack((
            ds * c_prev * f * (1.0 - f),  # df
            ds * i * (1.0 - g * g),  # dg
            ds * g * i * (1.0 - i),  # di
            dh_next * tanh_c_next * o * (1.0 - o),  # do
        ))
        self.dWx = x.T @ dA
        self.dWh = h_prev.T @ dA
        self.db = np.sum(dA, axis=0)
        return dA @ self.Wx.T, dA @ self.Wh.T, dc_prev


class GRU(_Parametrised):
    """One step of a GRU (Cho et al. 2014), blocks in the book's order z, r, h̃.

    z = σ(x Wx_z + h Wh_z + b_z),  r = σ(x Wx_r + h Wh_r + b_r),
    h̃ = tanh(x Wx_h + (r * h) Wh_h + b_h),  h_next = (1 − z) * h + z * h̃.
    (PyTorch's ``nn.GRU`` orders its blocks r, z, n, applies r after the product
    r * (h Wh_n + b_hn), and writes h_next = (1 − z) * n + z * h.)

    Parameters:
    - Wx: (D, 3H); Wh: (H, 3H); b: (3H,).
    - dtype: float dtype of the computation (float64 by default).
    """

    blocks = 3

    def __init__(self, Wx, Wh, b, dtype=np.float64):
        super().__init__(Wx, Wh, b, dtype)
        self.cache = None

    def forward(self, x, h_prev):
        """x: (N, D); h_prev: (N, H). Returns h_next (N, H)."""
        x = self._input(x, "x")
        h_prev = self._state(h_prev, "h_prev", x.shape[0])
        H = self.hidden_size
        ax = x @ self.Wx + self.b
        ah = h_prev @ self.Wh[:, :2 * H]
        zr = _sigmoid(ax[:, :2 * H] + ah)
        z, r = zr[:, :H], zr[:, H:]
        rh = r * h_prev
        h_hat = np.tanh(ax[:, 2 * H:] + rh @ self.Wh[:, 2 * H:])
        h_next = (1.0 - z) * h_prev + z * h_hat
        self.cache = (x, h_prev, z, r, rh, h_hat)
        return h_next

    def backward(self, dh_next):
        """dh_next: (N, H). Sets dWx, dWh, db; returns (dx (N, D), dh_prev (N, H))."""
        x, h_prev, z, r, rh, h_hat = self.cache
        H = self.hidden_size
        dh_next = np.asarray(dh_next, dtype=self.dtype)
        dt = dh_next * z * (1.0 - h_hat * h_hat)  # through tanh of h̃
        drh = dt @ self.Wh[:, 2 * H:].T
        dz = dh_next * (h_hat - h_prev) * z * (1.0 - z)
        dr = drh * h_prev * r * (1.0 - r)
        dA = np.hstack((dz, dr, dt))
        self.dWx = x.T @ dA
        self.dWh = np.hstack((h_prev.T @ dA[:, :2 * H], rh.T @ dt))
        self.db = np.sum(dA, axis=0)
        dh_prev = dh_next * (1.0 - z) + drh * r + dA[:, :2 * H] @ self.Wh[:, :2 * H].T
        return dA @ self.Wx.T, dh_prev


class _TimeRecurrent(_Parametrised):
    """A recurrent cell unrolled over T steps, sharing one set of weights.

    ``cell`` is the one-step class; ``state_names`` the states it carries (("h",) or
    ("h", "c")). After ``backward``, ``d<state>`` holds the gradient with respect to the
    state the sequence started from.
    """

    cell = RNN
    state_names = ("h",)

    def __init__(self, Wx, Wh, b, stateful=False, dtype=np.float64):
        self.blocks = self.cell.blocks
        super().__init__(Wx, Wh, b, dtype)
        self.stateful = stateful
        self.layers = None
        self._batch_shape = None
        self._state_given = False
        for name in self.state_names:
            setattr(self, name, None)
            setattr(self, "d" + name, None)

    def _set_states(self, values):
        for name, value in zip(self.state_names, values):
            if value is not None:
                value = np.array(value, dtype=self.dtype)  # a copy: the caller's stays theirs
                if value.ndim != 2 or value.shape[1] != self.hidden_size:
                    raise ValueError(f"{type(self).__name__}.set_state: {name} must have shape "
                                     f"(N, {self.hidden_size}); got {value.shape}")
            setattr(self, name, value)
        self._state_given = True

    def reset_state(self):
        """Forget the carried state: the next ``forward`` starts from zeros."""
        for name in self.state_names:
            setattr(self, name, None)
        self._state_given = False

    def _initial_states(self, batch_size):
        keep = self.stateful or self._state_given
        states = []
        for name in self.state_names:
            value = getattr(self, name) if keep else None
            if value is None:
                value = np.zeros((batch_size, self.hidden_size), dtype=self.dtype)
            elif value.shape[0] != batch_size:
                raise ValueError(
                    f"{type(self).__name__}: the carried state {name} has batch size "
                    f"{value.shape[0]}, the input {batch_size}; call reset_state() first")
            states.append(value)
        return tuple(states)

    def forward(self, xs):
        """xs: (N, T, D). Returns hs (N, T, H), the hidden state after every step.

        The sequence starts from zeros, or from the state of ``set_state``, or, when
        ``stateful``, from the last state of the previous call (truncated BPTT).
        """
        xs = _float_array(xs, self.dtype, "xs")
        if xs.ndim != 3 or xs.shape[2] != self.Wx.shape[0]:
            raise ValueError(f"{type(self).__name__}: xs must have shape "
                             f"(N, T, {self.Wx.shape[0]}); got {xs.shape}")
        batch_size, steps, _ = xs.shape
        states = self._initial_states(batch_size)
        hs = np.empty((batch_size, steps, self.hidden_size), dtype=self.dtype)
        self.layers = []
        self._batch_shape = (batch_size, steps)
        for t in range(steps):
            layer = self.cell(self.Wx, self.Wh, self.b, dtype=self.dtype)
            out = layer.forward(xs[:, t, :], *states)
            states = out if isinstance(out, tuple) else (out,)
            hs[:, t, :] = states[0]
            self.layers.append(layer)
        for name, value in zip(self.state_names, states):
            setattr(self, name, value)
        self._state_given = False
        return hs

    def backward(self, dhs):
        """dhs: (N, T, H). Sets dWx, dWh, db (sums over the steps); returns dxs (N, T, D).

        The gradient does not flow into the previous call's steps (truncated BPTT); the
        gradient with respect to the starting state is kept in ``dh`` (and ``dc``).
        """
        if self.layers is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward pass first")
        dhs = _float_array(dhs, self.dtype, "dhs")
        batch_size, steps = self._batch_shape
        _require_shape(dhs, (batch_size, steps, self.hidden_size), "dhs", type(self).__name__)
        dxs = np.empty((batch_size, steps, self.Wx.shape[0]), dtype=self.dtype)
        dstates = tuple(np.zeros((batch_size, self.hidden_size), dtype=self.dtype)
                        for _ in self.state_names)
        grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        for t in reversed(range(steps)):
            layer = self.layers[t]
            result = layer.backward(dhs[:, t, :] + dstates[0], *dstates[1:])
            dxs[:, t, :] = result[0]
            dstates = result[1:]
            for key, value in layer.grads.items():
                grads[key] += value
        self.dWx, self.dWh, self.db = grads["Wx"], grads["Wh"], grads["b"]
        for name, value in zip(self.state_names, dstates):
            setattr(self, "d" + name, value)
        return dxs


class TimeRNN(_TimeRecurrent):
    """``RNN`` over T steps: xs (N, T, D) → hs (N, T, H).

    Parameters:
    - Wx (D, H), Wh (H, H), b (H,): shared by every step.
    - stateful: when True, each ``forward`` starts from the last hidden state of the
      previous one (for truncated BPTT over a long sequence cut into blocks); when
      False, from zeros.
    - dtype: float dtype of the computation (float64 by default).

    ``set_state(h)`` gives the starting state of the next ``forward`` (in both modes);
    ``reset_state()`` returns to zeros. After ``forward``, ``h`` is the last hidden state.
    """

    cell = RNN

    def set_state(self, h):
        """h: (N, H), the hidden state the next ``forward`` starts from (copied)."""
        self._set_states((h,))


class TimeGRU(_TimeRecurrent):
    """``GRU`` over T steps: xs (N, T, D) → hs (N, T, H).

    Parameters: Wx (D, 3H), Wh (H, 3H), b (3H,), blocks z, r, h̃; ``stateful`` and
    ``dtype`` as in :class:`TimeRNN`, and the same ``set_state(h)`` / ``reset_state()``.
    """

    cell = GRU

    def set_state(self, h):
        """h: (N, H), the hidden state the next ``forward`` starts from (copied)."""
        self._set_states((h,))


class TimeLSTM(_TimeRecurrent):
    """``LSTM`` over T steps: xs (N, T, D) → hs (N, T, H).

    Parameters: Wx (D, 4H), Wh (H, 4H), b (4H,), gate blocks f, g, i, o; ``stateful``
    and ``dtype`` as in :class:`TimeRNN`. The cell state ``c`` is carried like ``h``;
    after ``backward``, ``dh`` and ``dc`` are the gradients for the starting states.
    """

    cell = LSTM
    state_names = ("h", "c")

    def set_state(self, h, c=None):
        """h, c: (N, H), the states the next ``forward`` starts from (c zeros when None)."""
        self._set_states((h, c))


class TimeEmbedding:
    """Word embedding over a batch of sequences: row ``W[id]`` for every id.

    Parameters:
    - W: embedding matrix, shape (V, D).
    - dtype: float dtype (float64 by default).
    """

    def __init__(self, W, dtype=np.float64):
        self.W = _float_array(W, dtype, "W")
        if self.W.ndim != 2:
            raise ValueError(f"TimeEmbedding: W must be 2-D (V, D); got {self.W.shape}")
        self.params = {"W": self.W}
        self.dW = None
        self.idx = None

    @property
    def grads(self):
        """{"W": dW} of the last ``backward``."""
        return {"W": self.dW}

    def forward(self, xs):
        """xs: integer ids (N, T) (any shape works). Returns (N, T, D)."""
        idx = np.asarray(xs)
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"TimeEmbedding: ids must be integers; got dtype {idx.dtype}")
        vocab_size = self.W.shape[0]
        if idx.size and (idx.min() < 0 or idx.max() >= vocab_size):
            raise ValueError(f"TimeEmbedding: ids must be in [0, {vocab_size}); "
                             f"got values from {idx.min()} to {idx.max()}")
        self.idx = idx.copy()
        return self.W[idx]

    def backward(self, dout):
        """dout: (N, T, D). Sets dW (V, D), adding up repeated ids; returns None."""
        dout = _float_array(dout, self.W.dtype, "dout")
        _require_shape(dout, self.idx.shape + self.W.shape[1:], "dout", "TimeEmbedding")
        dW = np.zeros_like(self.W)
        np.add.at(dW, self.idx, dout)
        self.dW = dW
        return None


class TimeAffine:
    """The same Affine layer at every step: (N, T, D) → (N, T, M).

    Parameters:
    - W: (D, M); b: (M,).
    - dtype: float dtype (float64 by default).
    """

    def __init__(self, W, b, dtype=np.float64):
        self.W = _float_array(W, dtype, "W")
        self.b = _float_array(b, dtype, "b")
        if self.W.ndim != 2:
            raise ValueError(f"TimeAffine: W must be 2-D (D, M); got {self.W.shape}")
        _require_shape(self.b, self.W.shape[1:], "b", "TimeAffine")
        self.params = {"W": self.W, "b": self.b}
        self.dW = None
        self.db = None
        self.x = None

    @property
    def grads(self):
        """{"W": dW, "b": db} of the last ``backward``."""
        return {"W": self.dW, "b": self.db}

    def forward(self, x):
        """x: (N, T, D). Returns (N, T, M)."""
        x = _float_array(x, self.W.dtype, "x")
        if x.ndim != 3 or x.shape[2] != self.W.shape[0]:
            raise ValueError(f"TimeAffine: x must have shape (N, T, {self.W.shape[0]}); "
                             f"got {x.shape}")
        self.x = x
        out = x.reshape(-1, x.shape[2]) @ self.W + self.b
        return out.reshape(x.shape[0], x.shape[1], -1)

    def backward(self, dout):
        """dout: (N, T, M). Sets dW (D, M), db (M,); returns dx (N, T, D)."""
        dout = _float_array(dout, self.W.dtype, "dout")
        _require_shape(dout, self.x.shape[:2] + self.W.shape[1:], "dout", "TimeAffine")
        flat_dout = dout.reshape(-1, dout.shape[2])
        self.db = np.sum(flat_dout, axis=0)
        self.dW = self.x.reshape(-1, self.x.shape[2]).T @ flat_dout
        return (flat_dout @ self.W.T).reshape(self.x.shape)


class TimeSoftmaxWithLoss:
    """Softmax and cross-entropy at every step, averaged over the counted positions.

    The loss is the mean over the N·T positions whose label is not ``ignore_label``
    (padding); ignored positions get no loss and a zero gradient. Without ignored
    labels this is the mean over all N·T positions; with them, the sum is divided by
    the number of counted positions, as the book does (``loss /= mask.sum()``), so a
    padded batch is not pulled towards 0 by its padding. When every position is
    ignored the loss is 0 (the book divides by zero). Computed from log-softmax, so
    large scores do not overflow.

    Inputs:
    - ignore_label: label value that marks a position to skip (-1 by default; None
      counts every position).
    - dtype: float dtype (float64 by default).
    """

    def __init__(self, ignore_label=-1, dtype=np.float64):
        self.ignore_label = ignore_label
        self.dtype = np.dtype(dtype)
        self.params = {}
        self.grads = {}
        self.loss = None
        self.cache = None

    def _labels(self, ts, xs_shape):
        ts = np.asarray(ts)
        if ts.shape == xs_shape:  # one-hot: every position counts
            return np.argmax(ts, axis=2), np.ones(xs_shape[:2], dtype=bool)
        if ts.shape != xs_shape[:2] or not np.issubdtype(ts.dtype, np.integer):
            raise ValueError(f"TimeSoftmaxWithLoss: ts must be integer labels {xs_shape[:2]} "
                             f"or one-hot {xs_shape}; got {ts.shape} {ts.dtype}")
        mask = np.ones(ts.shape, dtype=bool) if self.ignore_label is None else (
            ts != self.ignore_label)
        labels = np.where(mask, ts, 0)
        if labels.size and (labels.min() < 0 or labels.max() >= xs_shape[2]):
            raise ValueError(f"TimeSoftmaxWithLoss: labels must be in [0, {xs_shape[2]}) "
                             f"or equal ignore_label={self.ignore_label}")
        return labels, mask

    def forward(self, xs, ts):
        """xs: scores (N, T, V); ts: labels (N, T) or one-hot (N, T, V). Returns a float."""
        xs = _float_array(xs, self.dtype, "xs")
        if xs.ndim != 3:
            raise ValueError(f"TimeSoftmaxWithLoss: xs must be (N, T, V); got {xs.shape}")
        labels, mask = self._labels(ts, xs.shape)
        shifted = xs - np.max(xs, axis=2, keepdims=True)
        log_total = np.log(np.sum(np.exp(shifted), axis=2, keepdims=True))
        log_ys = shifted - log_total
        picked = np.take_along_axis(log_ys, labels[:, :, None], axis=2)[:, :, 0]
        count = max(int(mask.sum()), 1)
        self.loss = float(-np.sum(picked * mask) / count)
        self.cache = (np.exp(log_ys), labels, mask, count)
        return self.loss

    def backward(self, dout=1):
        """Returns dxs (N, T, V) = dout * (y − t) / count, zero at ignored positions."""
        ys, labels, mask, count = self.cache
        dxs = ys.copy()
        np.put_along_axis(dxs, labels[:, :, None],
                          np.take_along_axis(dxs, labels[:, :, None], axis=2) - 1.0, axis=2)
        dxs *= mask[:, :, None] * (dout / count)
        return dxs


#: Keeps clip_grads from dividing by zero when every gradient is 0 (the book's value).
CLIP_EPSILON = 1e-6


def clip_grads(grads, max_norm):
    """Scale all gradients together so their joint L2 norm is at most ``max_norm``.

    When the norm ‖g‖ of all gradients taken as one vector exceeds ``max_norm``, every
    gradient is multiplied by max_norm / (‖g‖ + 1e-6); otherwise they are kept.
    The given arrays are not modified.

    Inputs:
    - grads: dict of arrays (a ``grads`` dict) or a list/tuple of arrays.
    - max_norm: positive float.

    Returns:
    - clipped copies: a dict with the same keys, or a list (a tuple for a tuple) in the
      same order.
    """
    if not np.isscalar(max_norm) or not max_norm > 0:
        raise ValueError(f"clip_grads: max_norm must be a positive number; got {max_norm!r}")
    is_dict = isinstance(grads, dict)
    keys = list(grads) if is_dict else None
    arrays = [np.asarray(g) for g in (grads.values() if is_dict else grads)]
    total_norm = np.sqrt(sum(float(np.sum(np.square(g))) for g in arrays))
    rate = max_norm / (total_norm + CLIP_EPSILON)
    scale = rate if rate < 1 else 1.0
    clipped = [g * scale for g in arrays]
    if is_dict:
        return dict(zip(keys, clipped))
    return tuple(clipped) if isinstance(grads, tuple) else clipped
