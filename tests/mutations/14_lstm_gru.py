"""Wrong answers for 14_lstm_gru (each must lose points) and accepted alternatives (full marks)."""

_LSTM_GATES = ("        f = sigmoid(A[:, :H])\n        g = np.tanh(A[:, H:2 * H])\n"
               "        i = sigmoid(A[:, 2 * H:3 * H])\n        o = sigmoid(A[:, 3 * H:])\n")
_LSTM_DA = "dA = np.hstack((df, dg, di, do))"
_TEMPERATURE = ("    scaled = scores / temperature\n"
                "    exp = np.exp(scaled - np.max(scaled, axis=1, keepdims=True))\n"
                "    return exp / np.sum(exp, axis=1, keepdims=True)\n")

_GRU_BACKWARD = ("        x, h_prev, z, r, h_hat = self.cache\n        dh_hat = dh_next * z\n"
                 "        dh_prev = dh_next * (1 - z)\n        dt = dh_hat * (1 - h_hat ** 2)\n"
                 "        drh = dt @ Whh.T\n        dh_prev = dh_prev + drh * r\n"
                 "        dz = dh_next * (h_hat - h_prev) * z * (1 - z)\n"
                 "        dr = drh * h_prev * r * (1 - r)\n"
                 "        dh_prev = dh_prev + dz @ Whz.T + dr @ Whr.T\n"
                 "        dA = np.hstack((dz, dr, dt))\n        self.dWx = x.T @ dA\n"
                 "        self.dWh = np.hstack((h_prev.T @ dz, h_prev.T @ dr, (r * h_prev).T @ dt))\n"
                 "        self.db = np.sum(dA, axis=0)\n        dx = dA @ self.Wx.T\n"
                 "        return dx, dh_prev\n")

MUTATIONS = [
    # LSTM
    {"name": "LSTM", "cell": "answer_lstm", "why": "PyTorch's gate order i, f, g, o",
     "old": _LSTM_GATES,
     "new": "        i = sigmoid(A[:, :H])\n        f = sigmoid(A[:, H:2 * H])\n"
            "        g = np.tanh(A[:, 2 * H:3 * H])\n        o = sigmoid(A[:, 3 * H:])\n"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "dc misses the path through h_next (the classic bug)",
     "old": "ds = dc_next + dh_next * o * (1 - tanh_c_next ** 2)", "new": "ds = dc_next"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "dc_prev not multiplied by f",
     "old": "dc_prev = ds * f", "new": "dc_prev = ds"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "dA stacked in the order f, i, g, o",
     "old": _LSTM_DA, "new": "dA = np.hstack((df, di, dg, do))"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "h_next = o * c_next (tanh forgotten)",
     "old": "h_next = o * np.tanh(c_next)", "new": "h_next = o * c_next"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "dg without the tanh derivative",
     "old": "dg = ds * i * (1 - g ** 2)", "new": "dg = ds * i"},
    # GRU
    {"name": "GRU", "cell": "answer_gru", "why": "PyTorch/d2l interpolation z * h + (1 - z) * h~",
     "old": "h_next = (1 - z) * h_prev + z * h_hat", "new": "h_next = z * h_prev + (1 - z) * h_hat"},
    {"name": "GRU", "cell": "answer_gru", "why": "reset gate applied after the product (PyTorch style)",
     "old": "h_hat = np.tanh(x @ Wxh + (r * h_prev) @ Whh + bh)",
     "new": "h_hat = np.tanh(x @ Wxh + r * (h_prev @ Whh) + bh)"},
    {"name": "GRU", "cell": "answer_gru", "why": "dh_prev misses the path through r * h_prev",
     "old": "        dh_prev = dh_prev + drh * r\n", "new": ""},
    {"name": "GRU", "cell": "answer_gru", "why": "dWh of the h~ block from h_prev instead of r * h_prev",
     "old": "(r * h_prev).T @ dt))", "new": "h_prev.T @ dt))"},
    {"name": "GRU", "cell": "answer_gru", "why": "dz without the sigmoid derivative",
     "old": "dz = dh_next * (h_hat - h_prev) * z * (1 - z)", "new": "dz = dh_next * (h_hat - h_prev)"},
    # TimeEmbedding
    {"name": "TimeEmbedding", "cell": "answer_time_embedding", "why": "dW[idx] += dout loses repeated ids",
     "old": "np.add.at(dW, self.idx, dout)", "new": "dW[self.idx] += dout"},
    {"name": "TimeEmbedding", "cell": "answer_time_embedding", "why": "dW[idx] = dout",
     "old": "np.add.at(dW, self.idx, dout)", "new": "dW[self.idx] = dout"},
    {"name": "TimeEmbedding", "cell": "answer_time_embedding", "why": "W copied in __init__",
     "old": "        self.W = W\n", "new": "        self.W = W.copy()\n"},
    # TimeSoftmaxWithLoss
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "mean over N*T including the padding",
     "old": "        count = max(np.sum(mask), 1)\n", "new": "        count = N * T\n"},
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "padding gets a gradient too",
     "old": "return dxs * mask[:, :, None] * dout / count", "new": "return dxs * dout / count"},
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "the book's dx = ys edits the cached probabilities",
     "old": "        dxs = ys.copy()\n", "new": "        dxs = ys\n"},
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "softmax without the max shift overflows",
     "old": "        shifted = xs - np.max(xs, axis=2, keepdims=True)\n", "new": "        shifted = xs\n"},
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "backward ignores dout",
     "old": "return dxs * mask[:, :, None] * dout / count", "new": "return dxs * mask[:, :, None] / count"},
    # softmax_with_temperature
    {"name": "softmax_with_temperature", "cell": "answer_temperature", "why": "multiplies by τ",
     "old": "scaled = scores / temperature", "new": "scaled = scores * temperature"},
    {"name": "softmax_with_temperature", "cell": "answer_temperature", "why": "temperature ignored",
     "old": "scaled = scores / temperature", "new": "scaled = scores"},
    {"name": "softmax_with_temperature", "cell": "answer_temperature", "why": "normalised over the batch axis",
     "old": "return exp / np.sum(exp, axis=1, keepdims=True)", "new": "return exp / np.sum(exp, axis=0, keepdims=True)"},
    {"name": "softmax_with_temperature", "cell": "answer_temperature", "why": "no max shift: overflow",
     "old": "    exp = np.exp(scaled - np.max(scaled, axis=1, keepdims=True))\n",
     "new": "    exp = np.exp(scaled)\n"},
]

ACCEPTED = [
    # the book ❷'s own sigmoid written inline (overflows to the right value 0 for very
    # negative scores; the hidden test does not count that warning)
    {"name": "LSTM", "cell": "answer_lstm", "why": "the book's sigmoid 1 / (1 + np.exp(-x)) inline",
     "old": "        f = sigmoid(A[:, :H])\n",
     "new": "        f = 1 / (1 + np.exp(-A[:, :H]))\n"},
    # LSTM: the book's own lines (one product for the gates, sigmoid from the notebook)
    {"name": "LSTM", "cell": "answer_lstm", "why": "the book: slices named by position, then activations",
     "old": _LSTM_GATES,
     "new": "        f, g, i, o = A[:, :H], A[:, H:2 * H], A[:, 2 * H:3 * H], A[:, 3 * H:]\n"
            "        f, g, i, o = sigmoid(f), np.tanh(g), sigmoid(i), sigmoid(o)\n"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "np.split into four blocks, np.concatenate for dA",
     "old": _LSTM_GATES,
     "new": "        a_f, a_g, a_i, a_o = np.split(A, 4, axis=1)\n"
            "        f, g, i, o = sigmoid(a_f), np.tanh(a_g), sigmoid(a_i), sigmoid(a_o)\n"},
    {"name": "LSTM", "cell": "answer_lstm", "why": "dA with np.concatenate",
     "old": _LSTM_DA, "new": "dA = np.concatenate([df, dg, di, do], axis=1)"},
    # GRU: the book's dh_prev collected in one expression
    {"name": "GRU", "cell": "answer_gru", "why": "d2l-style names, one expression for dh_prev",
     "old": "        dh_prev = dh_prev + drh * r\n        dz = dh_next * (h_hat - h_prev) * z * (1 - z)\n"
            "        dr = drh * h_prev * r * (1 - r)\n        dh_prev = dh_prev + dz @ Whz.T + dr @ Whr.T\n",
     "new": "        dz = dh_next * (h_hat - h_prev) * z * (1 - z)\n"
            "        dr = drh * h_prev * r * (1 - r)\n"
            "        dh_prev = dh_prev + drh * r + np.dot(dz, Whz.T) + np.dot(dr, Whr.T)\n"},
    # GRU: z and r from one product (as the library does); backward block by block (the book's layout)
    {"name": "GRU", "cell": "answer_gru", "why": "z and r from one product over both blocks",
     "old": "        z = sigmoid(x @ Wxz + h_prev @ Whz + bz)\n        r = sigmoid(x @ Wxr + h_prev @ Whr + br)\n",
     "new": "        zr = sigmoid(x @ self.Wx[:, :2 * H] + h_prev @ self.Wh[:, :2 * H] + self.b[:2 * H])\n"
            "        z, r = zr[:, :H], zr[:, H:]\n"},
    {"name": "GRU", "cell": "answer_gru", "why": "backward gate by gate, dx and each block's gradients apart",
     "old": _GRU_BACKWARD,
     "new": "        x, h_prev, z, r, h_hat = self.cache\n"
            "        Wxz, Wxr, Wxh = self.Wx[:, :H], self.Wx[:, H:2 * H], self.Wx[:, 2 * H:]\n"
            "        da_h = dh_next * z * (1 - h_hat ** 2)\n"
            "        d_rh = np.dot(da_h, Whh.T)\n"
            "        da_z = dh_next * (h_hat - h_prev) * z * (1 - z)\n"
            "        da_r = d_rh * h_prev * r * (1 - r)\n"
            "        dx = np.dot(da_z, Wxz.T) + np.dot(da_r, Wxr.T) + np.dot(da_h, Wxh.T)\n"
            "        dh_prev = dh_next * (1 - z) + d_rh * r + np.dot(da_z, Whz.T) + np.dot(da_r, Whr.T)\n"
            "        self.dWx = np.hstack((x.T @ da_z, x.T @ da_r, x.T @ da_h))\n"
            "        self.dWh = np.hstack((h_prev.T @ da_z, h_prev.T @ da_r, (r * h_prev).T @ da_h))\n"
            "        self.db = np.hstack((da_z.sum(axis=0), da_r.sum(axis=0), da_h.sum(axis=0)))\n"
            "        return dx, dh_prev\n"},
    # TimeEmbedding: a loop over time as the book writes it; a one-hot product
    {"name": "TimeEmbedding", "cell": "answer_time_embedding", "why": "the book's loop over t",
     "old": "        np.add.at(dW, self.idx, dout)\n",
     "new": "        for t in range(self.idx.shape[1]):\n"
            "            np.add.at(dW, self.idx[:, t], dout[:, t, :])\n"},
    {"name": "TimeEmbedding", "cell": "answer_time_embedding", "why": "one-hot matrix product",
     "old": "        np.add.at(dW, self.idx, dout)\n",
     "new": "        one_hot = np.eye(self.W.shape[0])[self.idx.reshape(-1)]\n"
            "        dW = dW + one_hot.T @ dout.reshape(-1, dout.shape[-1])\n"},
    # TimeSoftmaxWithLoss: flattened to (N*T, V) as the book does; take_along_axis
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "the book: reshape to (N*T, V) and index with arange",
     "old": "        n_idx, t_idx = np.meshgrid(np.arange(N), np.arange(T), indexing=\"ij\")\n"
            "        picked = log_ys[n_idx, t_idx, labels]\n",
     "new": "        flat = log_ys.reshape(N * T, V)\n"
            "        picked = flat[np.arange(N * T), labels.reshape(N * T)].reshape(N, T)\n"},
    {"name": "TimeSoftmaxWithLoss", "cell": "answer_time_softmax_with_loss",
     "why": "backward with a one-hot of the labels",
     "old": "        dxs = ys.copy()\n"
            "        n_idx, t_idx = np.meshgrid(np.arange(N), np.arange(T), indexing=\"ij\")\n"
            "        dxs[n_idx, t_idx, labels] -= 1\n",
     "new": "        dxs = ys - np.eye(V)[labels]\n"},
    # softmax_with_temperature: via the probabilities p ** (1/τ); with scipy-like logsumexp
    {"name": "softmax_with_temperature", "cell": "answer_temperature", "why": "logsumexp form",
     "old": _TEMPERATURE,
     "new": "    a = scores / temperature\n    m = a.max(axis=1, keepdims=True)\n"
            "    return np.exp(a - m - np.log(np.exp(a - m).sum(axis=1, keepdims=True)))\n"},
    {"name": "softmax_with_temperature", "cell": "answer_temperature",
     "why": "dlbasics.functions.softmax of the scaled scores",
     "old": _TEMPERATURE,
     "new": "    from dlbasics.functions import softmax\n    return softmax(scores / temperature)\n"},
    {"name": "softmax_with_temperature", "cell": "answer_temperature", "why": "scipy.special.softmax",
     "old": _TEMPERATURE,
     "new": "    from scipy.special import softmax\n    return softmax(scores / temperature, axis=1)\n"},
]
