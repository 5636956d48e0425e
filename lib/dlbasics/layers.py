"""Layers with ``forward`` and ``backward``, in the shape of ゼロから作るDeep Learning.

Each layer keeps what its backward pass needs from the last ``forward`` call.
Parameter gradients are stored on the layer as ``dW``, ``db``, ``dgamma``, ``dbeta``.
No method modifies the arrays it is given (the book's ``Relu.backward`` edited
``dout`` in place; these do not).
"""

import numpy as np

from dlbasics.functions import sigmoid
from dlbasics.im2col import conv_output_size, fold_batch, pad_images, unfold_batch

__all__ = [
    "MulLayer",
    "AddLayer",
    "Relu",
    "Sigmoid",
    "Affine",
    "SoftmaxWithLoss",
    "Dropout",
    "BatchNormalization",
    "Convolution",
    "Pooling",
]


def _scratch(layer, name, shape, dtype):
    """A work array of the layer kept from call to call (new only when shape or dtype change).

    Large temporaries allocated afresh on every step cost a page fault per 4 KiB; the
    arrays handed out by ``forward`` and ``backward`` are never scratch arrays.
    """
    buffers = layer.__dict__.setdefault("_buffers", {})
    buffer = buffers.get(name)
    if buffer is None or buffer.shape != shape or buffer.dtype != dtype:
        buffer = buffers[name] = np.empty(shape, dtype=dtype)
    return buffer


class MulLayer:
    """Multiplication node z = x * y (scalars or arrays of the same shape)."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        """Return x * y, remembering both inputs."""
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        """Return (dx, dy) = (dout * y, dout * x): each input gets the other one."""
        return dout * self.y, dout * self.x


class AddLayer:
    """Addition node z = x + y."""

    def forward(self, x, y):
        """Return x + y."""
        return x + y

    def backward(self, dout):
        """Return (dx, dy) = (dout, dout): addition passes the gradient through."""
        return dout * 1, dout * 1


class Relu:
    """ReLU layer: out = max(0, x); the gradient flows only where x > 0.

    ``mask`` (True where x <= 0) is kept as in the book; backward multiplies by a
    0/1 array of the input's dtype, which is several times faster than masked
    assignment and leaves ``dout`` untouched.
    """

    def __init__(self):
        self.mask = None
        self._keep = None

    def forward(self, x):
        """x: array of any shape. Returns an array of the same shape."""
        x = np.asarray(x)
        self.mask = x <= 0
        keep_dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        self._keep = np.logical_not(self.mask).astype(keep_dtype)
        return np.maximum(x, 0).astype(x.dtype, copy=False)

    def backward(self, dout):
        """dout: upstream gradient, shape of the input. Returns dx of the same shape."""
        return dout * self._keep


class Sigmoid:
    """Sigmoid layer: out = 1 / (1 + exp(-x)); dx = dout * out * (1 - out)."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        """x: array of any shape. Returns sigmoid(x), same shape."""
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        """dout: upstream gradient. Returns dx, same shape."""
        return dout * (1.0 - self.out) * self.out


class Affine:
    """Fully connected layer: out = x · W + b.

    Inputs of any rank are accepted: (N, d1, ..., dk) is flattened to (N, D) with
    D = d1 * ... * dk, and ``backward`` returns dx in the original shape.

    Parameters:
    - W: weights, shape (D, M).
    - b: biases, shape (M,).
    The arrays are used, not copied, so an optimizer updating a network's ``params``
    in place updates this layer too.
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (N, D) or (N, d1, ..., dk). Returns out of shape (N, M)."""
        x = np.asarray(x)
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        out = self.x @ self.W
        out += self.b
        return out

    def backward(self, dout, need_dx=True):
        """dout: (N, M). Sets dW (D, M) and db (M,); returns dx in the input's shape.

        With ``need_dx=False`` only dW and db are computed and None is returned (a
        network's first layer: nobody needs the gradient of the data).
        """
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        if not need_dx:
            return None
        return (dout @ self.W.T).reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss (the usual output layer).

    Forward returns the mean loss over the batch; ``backward(dout=1)`` returns
    dout * (y - t) / N, the famously simple gradient of this pair.
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        """x: scores (N, C); t: one-hot (N, C) or integer labels (N,). Returns a float.

        The loss is computed from log-softmax (x − max − log Σ exp), which is exact: no
        δ inside the log is needed, so the loss and ``backward`` agree to rounding error.
        """
        x = np.asarray(x)
        self.t = np.asarray(t)
        shifted = x - np.max(x, axis=-1, keepdims=True)
        exp = np.exp(shifted)
        total = np.sum(exp, axis=-1, keepdims=True)
        self.y = exp / total
        # log y = shifted - log(total), evaluated only where t needs it
        if x.ndim == 2 and self.t.ndim == 1:  # the common case: a batch with labels
            picked = shifted[np.arange(x.shape[0]), self.t] - np.log(total[:, 0])
        else:
            shifted2, total2 = shifted.reshape(-1, x.shape[-1]), total.reshape(-1)
            if self.t.shape == x.shape:
                t2 = self.t.reshape(shifted2.shape)
                picked = np.sum(t2 * shifted2, axis=1) - np.log(total2) * np.sum(t2, axis=1)
            else:
                labels = self.t.reshape(-1).astype(np.int64, copy=False)
                picked = shifted2[np.arange(shifted2.shape[0]), labels] - np.log(total2)
        self.loss = float(-np.mean(picked))
        return self.loss

    def backward(self, dout=1):
        """Returns dx of shape (N, C)."""
        y = self.y if self.y.ndim == 2 else self.y.reshape(1, -1)
        batch_size = y.shape[0]
        if self.t.shape == self.y.shape:
            dx = (y - self.t.reshape(y.shape)) / batch_size
        else:
            dx = y.copy()
            dx[np.arange(batch_size), self.t.reshape(-1).astype(np.int64)] -= 1
            dx /= batch_size
        if not (np.isscalar(dout) and dout == 1):
            dx = dx * dout
        return dx.reshape(self.y.shape)


class Dropout:
    """Inverted dropout.

    In training each unit is dropped with probability ``dropout_ratio`` and the kept
    ones are scaled by 1 / (1 - dropout_ratio), so the expected output equals the input
    and inference needs no rescaling (the book scaled at inference instead).

    Inputs:
    - dropout_ratio: probability of dropping a unit, in [0, 1).
    - seed: seed or ``np.random.Generator`` for the masks (fresh entropy when None).
    """

    def __init__(self, dropout_ratio=0.5, seed=None):
        if not 0 <= dropout_ratio < 1:
            raise ValueError(f"dropout_ratio must be in [0, 1); got {dropout_ratio}")
        self.dropout_ratio = dropout_ratio
        self.rng = np.random.default_rng(seed)
        self.mask = None

    def forward(self, x, train_flg=True):
        """x: array of any shape. Returns the same shape (a copy of x when not training)."""
        x = np.asarray(x)
        if not train_flg:
            self.mask = None
            return x.copy()
        keep = 1.0 - self.dropout_ratio
        # the mask in x's float dtype, so that float32 activations and gradients stay float32
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
        self.mask = (self.rng.random(x.shape) < keep).astype(dtype)
        self.mask *= 1 / keep
        return x * self.mask

    def backward(self, dout):
        """dout: upstream gradient. Returns dx, same shape."""
        if self.mask is None:
            return np.array(dout, copy=True)
        return dout * self.mask


class BatchNormalization:
    """Batch normalisation (Ioffe & Szegedy 2015) with running averages for inference.

    Training: each feature is normalised with the batch mean and variance, then
    scaled by ``gamma`` and shifted by ``beta``; the running mean/variance are
    updated as ``running = momentum * running + (1 - momentum) * batch``.
    Inference (``train_flg=False``): the running statistics are used instead.

    4-D input (N, C, H, W) is normalised in one of two ways, chosen by the shape of
    ``gamma``:
    - ``gamma`` of shape (C,): per channel over (N, H, W), as in the paper's §3.2 and
      PyTorch's ``BatchNorm2d`` (the form for convolutional layers);
    - ``gamma`` of shape (C·H·W,): per flattened feature, the book's simplification.

    Inputs:
    - gamma, beta: arrays of shape (D,), D the number of features (or channels).
    - momentum: weight of the old running statistics.
    - running_mean, running_var: initial running statistics (zeros when None, as in
      the book; inference right after a few training steps then divides by a variance
      that is still too small by the factor 1 − momentumᵏ).
    - eps: added to the variance before the square root.
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None,
                 eps=1e-7):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean = running_mean
        self.running_var = running_var
        self.eps = eps
        self.input_shape = None
        self.xc = None
        self.xn = None
        self.std = None
        self.batch_size = None
        self.dgamma = None
        self.dbeta = None

    def _per_channel(self, shape):
        return len(shape) == 4 and np.size(self.gamma) == shape[1]

    def _to_rows(self, x):
        """2-D view whose columns are the normalised features: (N·H·W, C) or (N, D)."""
        if self._per_channel(x.shape):
            return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])
        return x.reshape(x.shape[0], -1)

    def _from_rows(self, rows):
        """Inverse of :meth:`_to_rows` for the shape of the last forward input."""
        if self._per_channel(self.input_shape):
            n, c, h, w = self.input_shape
            return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return rows.reshape(self.input_shape)

    def forward(self, x, train_flg=True):
        """x: (N, D) or (N, C, H, W). Returns the normalised array, same shape."""
        x = np.asarray(x)
        self.input_shape = x.shape
        x2 = self._to_rows(x)
        if self.running_mean is None:
            self.running_mean = np.zeros(x2.shape[1], dtype=x2.dtype)
            self.running_var = np.zeros(x2.shape[1], dtype=x2.dtype)
        if train_flg:
            mu = x2.mean(axis=0)
            xc = x2 - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + self.eps)
            xn = xc / std
            self.batch_size, self.xc, self.xn, self.std = x2.shape[0], xc, xn, std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xn = (x2 - self.running_mean) / np.sqrt(self.running_var + self.eps)
        return self._from_rows(self.gamma * xn + self.beta)

    def backward(self, dout):
        """dout: upstream gradient, the input's shape. Sets dgamma, dbeta (D,); returns dx."""
        if self.xn is None:
            raise RuntimeError("BatchNormalization.backward needs a forward pass in training mode")
        dout = self._to_rows(np.asarray(dout))
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        return self._from_rows(dx)


class Convolution:
    """2-D convolution (cross-correlation, as in every DL library) as matrix products.

    Parameters:
    - W: filters, shape (FN, C, FH, FW).
    - b: biases, shape (FN,).
    - stride, pad: ints.
    Forward maps (N, C, H, W) to (N, FN, OH, OW) with OH = (H + 2·pad − FH) // stride + 1.

    The numbers are the book's im2col convolution; the layout is the whole batch at once,
    kernel offset first (:func:`dlbasics.im2col.unfold_batch`): one matrix
    cols (C·FH·FW, N·OH·OW), so forward, dW and dcols are each a single large product
    (W @ cols, dout @ cols.T, W.T @ dout; the bias and db ride along on a row of ones)
    and the backward fold adds whole (C, N, OH, OW) blocks. ``col`` and ``col_W`` give
    the book's matrices on demand.
    """

    def __init__(self, W, b, stride=1, pad=0):
        self.W = W
        self.b = b
        self.stride = stride
        self.pad = pad
        self.x_shape = None
        self.cols = None
        self._extended_cols = None
        self.dW = None
        self.db = None

    @property
    def col(self):
        """The last input as the book's im2col matrix (N·OH·OW, C·FH·FW) (a new array)."""
        return np.ascontiguousarray(self.cols.T)

    @property
    def col_W(self):
        """The filters as the book's matrix (C·FH·FW, FN)."""
        return self.W.reshape(self.W.shape[0], -1).T

    def forward(self, x):
        """x: (N, C, H, W). Returns (N, FN, OH, OW)."""
        x = np.asarray(x)
        fn, c, fh, fw = self.W.shape
        if x.ndim != 4 or x.shape[1] != c:
            raise ValueError(f"Convolution expects (N, {c}, H, W) input; got shape {x.shape}")
        dtype = np.result_type(x.dtype, self.W.dtype)
        self.x_shape = x.shape
        n, _, h, w = x.shape
        out_h = conv_output_size(h, fh, self.stride, self.pad)
        out_w = conv_output_size(w, fw, self.stride, self.pad)
        pixels, k = n * out_h * out_w, c * fh * fw
        # cols is a buffer kept between calls, with a row of ones under it: [W | b] @
        # [cols; 1] adds the bias and [dout] @ [cols; 1].T gives db within the products.
        # The cast to the product's dtype happens in the im2col copy.
        extended = self._extended_cols = _scratch(self, "cols", (k + 1, pixels), dtype)
        self.cols = unfold_batch(x, fh, fw, self.stride, self.pad, dtype=dtype,
                                 out=extended[:k])
        extended[k] = 1
        weights = np.empty((fn, k + 1), dtype=dtype)
        weights[:, :k] = self.W.reshape(fn, k)
        weights[:, k] = np.asarray(self.b).reshape(fn)
        out = np.matmul(weights, extended, out=_scratch(self, "out", (fn, pixels), dtype))
        # (FN, N, OH, OW) → NCHW: one copy of the output, cheap next to the product
        return np.ascontiguousarray(out.reshape(fn, n, out_h, out_w).transpose(1, 0, 2, 3))

    def backward(self, dout, need_dx=True):
        """dout: (N, FN, OH, OW). Sets dW, db; returns dx of shape (N, C, H, W).

        With ``need_dx=False`` only dW and db are computed and None is returned (a
        network's first layer: nobody needs the gradient of the data).
        """
        fn = self.W.shape[0]
        dout = np.asarray(dout)
        dtype = np.result_type(dout.dtype, self.cols.dtype)
        # (N, FN, OH, OW) → (FN, N·OH·OW), cast in the same copy
        rows = _scratch(self, "rows", (fn,) + dout.shape[:1] + dout.shape[2:], dtype)
        rows[...] = dout.transpose(1, 0, 2, 3)
        rows = rows.reshape(fn, -1)
        extended = self._extended_cols.astype(dtype, copy=False)
        cols = extended[:-1]
        dW_db = rows @ extended.T
        self.dW = dW_db[:, :-1].reshape(self.W.shape)
        self.db = dW_db[:, -1].copy()
        if not need_dx:
            return None
        dtype = np.result_type(dtype, self.W.dtype)
        dcols = np.matmul(self.W.reshape(fn, -1).T.astype(dtype, copy=False), rows,
                          out=_scratch(self, "dcols", cols.shape, dtype))
        n, c, h, w = self.x_shape
        work = _scratch(self, "fold", (c, n, h + 2 * self.pad, w + 2 * self.pad), dtype)
        return fold_batch(dcols, self.x_shape, *self.W.shape[2:], self.stride, self.pad,
                          work=work)


def _first_argmax(windows, out):
    """Index of the first of ``windows`` equal to ``out`` at each position (uint8 or wider).

    The offsets go from last to first and each overwrites where it holds the maximum:
    ``argmax -= (argmax − offset) · hit`` in wrapping unsigned arithmetic, which is several
    times faster than masked assignment. Positions no window equals (NaN) get 0.
    """
    index_type = np.min_scalar_type(len(windows)).type
    argmax = np.zeros(out.shape, dtype=index_type)
    hit = np.empty(out.shape, dtype=bool)
    change = np.empty(out.shape, dtype=index_type)
    for offset in range(len(windows) - 1, 0, -1):
        np.equal(windows[offset], out, out=hit)
        np.subtract(argmax, index_type(offset), out=change)
        np.multiply(change, hit, out=change)
        argmax -= change
    np.equal(windows[0], out, out=hit)
    np.logical_not(hit, out=hit)
    argmax *= hit
    return argmax


class Pooling:
    """Max pooling over pool_h × pool_w windows (padding, if any, never wins the max).

    Forward maps (N, C, H, W) to (N, C, OH, OW); backward sends each gradient to the
    position of its window's maximum (the first one on ties; a NaN counts as the
    maximum, as in ``np.argmax``, so NaN inputs give NaN outputs).

    The book pools the im2col rows; this layer gets the same numbers from the
    pool_h × pool_w window offsets, each a strided (N, C, OH, OW) view of the input:
    their elementwise maximum, then the first offset holding it (``window_argmax``).
    ``arg_max`` gives the book's (N·OH·OW·C,) array on demand.
    """

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h = pool_h
        self.pool_w = pool_w
        self.stride = stride
        self.pad = pad
        self.x_shape = None
        self.window_argmax = None

    @property
    def arg_max(self):
        """Offset (dy · pool_w + dx) of each maximum, in the book's row order (n, i, j, c)."""
        return self.window_argmax.transpose(0, 2, 3, 1).reshape(-1).astype(np.intp)

    def _windows(self, padded, out_h, out_w):
        """(offset index, (N, C, OH, OW) view) for every window offset, row-major."""
        s = self.stride
        for dy in range(self.pool_h):
            for dx in range(self.pool_w):
                yield (dy * self.pool_w + dx,
                       padded[:, :, dy:dy + s * out_h:s, dx:dx + s * out_w:s])

    def forward(self, x):
        """x: (N, C, H, W). Returns (N, C, OH, OW)."""
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"Pooling expects (N, C, H, W) input; got shape {x.shape}")
        n, c, h, w = x.shape
        out_h = conv_output_size(h, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(w, self.pool_w, self.stride, self.pad)
        floating = np.issubdtype(x.dtype, np.floating)
        pad_value = -np.inf if floating else np.iinfo(x.dtype).min
        padded = pad_images(x, self.pad, pad_value) if self.pad else x
        windows = [window for _, window in self._windows(padded, out_h, out_w)]
        out = windows[0].copy()
        for window in windows[1:]:
            np.maximum(out, window, out=out)  # NaN wins, as in np.argmax
        argmax = _first_argmax(windows, out)
        if floating and np.isnan(out).any():  # NaN == NaN is False: place those by hand
            missing = np.isnan(out)
            for offset, window in reversed(list(enumerate(windows))):
                np.putmask(argmax, missing & np.isnan(window), offset)
        self.x_shape = x.shape
        self.window_argmax = argmax
        return out

    def backward(self, dout):
        """dout: (N, C, OH, OW). Returns dx of shape (N, C, H, W)."""
        dout = np.asarray(dout)
        n, c, h, w = self.x_shape
        pad = self.pad
        out_h, out_w = dout.shape[2:]
        overlapping = self.stride < max(self.pool_h, self.pool_w)
        # dout * (0/1 mask) is 3× faster than masked copies, but inf * 0 would be NaN
        finite = np.issubdtype(dout.dtype, np.integer) or bool(np.isfinite(dout).all())
        # windows that tile the input exactly write every element once: no zeros needed
        tiling = (finite and not pad and self.stride == self.pool_h == self.pool_w
                  and (out_h * self.stride, out_w * self.stride) == (h, w))
        padded = (np.empty if tiling else np.zeros)(
            (n, c, h + 2 * pad, w + 2 * pad), dtype=np.result_type(dout.dtype, np.float32))
        for offset, window in self._windows(padded, out_h, out_w):
            chosen = self.window_argmax == offset
            if not finite:
                window += np.where(chosen, dout, 0)
            elif overlapping:
                window += dout * chosen
            else:  # each input pixel is in at most one window: write, no sum needed
                np.multiply(dout, chosen, out=window)
        return padded[:, :, pad:h + pad, pad:w + pad] if pad else padded
