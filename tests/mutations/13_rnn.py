"""Wrong answers for 13_rnn (each must lose points) and accepted alternatives (full marks)."""

MUTATIONS = [
    # RNN
    {"name": "RNN", "cell": "answer_rnn", "why": "tanh derivative written 1 - h (not 1 - h²)",
     "old": "dt = dh_next * (1 - h_next ** 2)", "new": "dt = dh_next * (1 - h_next)"},
    {"name": "RNN", "cell": "answer_rnn", "why": "tanh derivative forgotten",
     "old": "dt = dh_next * (1 - h_next ** 2)", "new": "dt = dh_next"},
    {"name": "RNN", "cell": "answer_rnn", "why": "dWh from h_next instead of h_prev",
     "old": "self.dWh = h_prev.T @ dt", "new": "self.dWh = h_next.T @ dt"},
    {"name": "RNN", "cell": "answer_rnn", "why": "db as the batch mean",
     "old": "self.db = np.sum(dt, axis=0)", "new": "self.db = np.mean(dt, axis=0)"},
    {"name": "RNN", "cell": "answer_rnn", "why": "dh_prev uses Wh, not Wh.T",
     "old": "dh_prev = dt @ self.Wh.T", "new": "dh_prev = dt @ self.Wh"},
    {"name": "RNN", "cell": "answer_rnn", "why": "bias forgotten in forward",
     "old": "np.tanh(h_prev @ self.Wh + x @ self.Wx + self.b)",
     "new": "np.tanh(h_prev @ self.Wh + x @ self.Wx)"},
    {"name": "RNN", "cell": "answer_rnn", "why": "Wx copied in __init__ (params not shared)",
     "old": "        self.Wx = Wx\n", "new": "        self.Wx = Wx.copy()\n"},
    {"name": "RNN", "cell": "answer_rnn", "why": "backward returns (dh_prev, dx) swapped",
     "old": "        return dx, dh_prev\n", "new": "        return dh_prev, dx\n"},
    # TimeRNN
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "dWh overwritten at each step (not summed)",
     "old": "            self.dWh += layer.dWh\n", "new": "            self.dWh = layer.dWh\n"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "the dh carried from step t+1 is dropped",
     "old": "layer.backward(dhs[:, t, :] + dh)", "new": "layer.backward(dhs[:, t, :])"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "backward walks forward in time",
     "old": "for t in reversed(range(T)):", "new": "for t in range(T):"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "the last hidden state is not kept (stateful broken)",
     "old": "        self.h = h\n        return hs\n", "new": "        return hs\n"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "self.dh not set",
     "old": "        self.dh = dh\n", "new": "        self.dh = np.zeros_like(dh)\n"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "every step starts from the initial state",
     "old": "h = layer.forward(xs[:, t, :], h)", "new": "h = layer.forward(xs[:, t, :], self.h)"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "bias gradient not accumulated",
     "old": "            self.db += layer.db\n", "new": ""},
    # clip_grads
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "the book's in-place grad *= rate",
     "old": "        return {key: grad * rate for key, grad in grads.items()}",
     "new": "        for grad in grads.values():\n            grad *= rate\n        return grads"},
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "each array clipped by its own norm",
     "old": "    total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads.values()))\n"
            "    rate = max_norm / (total_norm + 1e-6)\n"
            "    if rate < 1:\n"
            "        return {key: grad * rate for key, grad in grads.items()}\n",
     "new": "    return {key: grad * min(1.0, max_norm / (np.sqrt(np.sum(grad ** 2)) + 1e-6))\n"
            "            for key, grad in grads.items()}\n"},
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "always rescaled (small gradients blown up)",
     "old": "    if rate < 1:\n", "new": "    if True:\n"},
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "the same arrays returned when not clipping",
     "old": "return {key: grad.copy() for key, grad in grads.items()}", "new": "return dict(grads)"},
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "norm without the square root",
     "old": "total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads.values()))",
     "new": "total_norm = sum(np.sum(grad ** 2) for grad in grads.values())"},
]

ACCEPTED = [
    # RNN as CS231n writes it (rnn_step_backward), and with einsum
    {"name": "RNN", "cell": "answer_rnn", "why": "CS231n style: dtanh and .dot",
     "old": "        dt = dh_next * (1 - h_next ** 2)\n        self.db = np.sum(dt, axis=0)\n"
            "        self.dWh = h_prev.T @ dt\n        self.dWx = x.T @ dt\n"
            "        dh_prev = dt @ self.Wh.T\n        dx = dt @ self.Wx.T\n",
     "new": "        dtanh = (1 - np.square(h_next)) * dh_next\n        dx = dtanh.dot(self.Wx.T)\n"
            "        dh_prev = dtanh.dot(self.Wh.T)\n        self.dWx = x.T.dot(dtanh)\n"
            "        self.dWh = h_prev.T.dot(dtanh)\n        self.db = dtanh.sum(axis=0)\n"},
    {"name": "RNN", "cell": "answer_rnn", "why": "einsum for the weight gradients",
     "old": "        self.dWh = h_prev.T @ dt\n        self.dWx = x.T @ dt\n",
     "new": "        self.dWh = np.einsum('nh,nk->hk', h_prev, dt)\n"
            "        self.dWx = np.einsum('nd,nk->dk', x, dt)\n"},
    # TimeRNN: the book's loop (state in self.h), gradients collected then summed
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "the book's forward writes self.h each step",
     "old": "        h = self.h\n        for t in range(T):\n"
            "            layer = RNN(self.Wx, self.Wh, self.b)\n"
            "            h = layer.forward(xs[:, t, :], h)\n            hs[:, t, :] = h\n"
            "            self.layers.append(layer)\n        self.h = h\n",
     "new": "        for t in range(T):\n            layer = RNN(self.Wx, self.Wh, self.b)\n"
            "            self.h = layer.forward(xs[:, t, :], self.h)\n"
            "            hs[:, t, :] = self.h\n            self.layers.append(layer)\n"},
    {"name": "TimeRNN", "cell": "answer_time_rnn", "why": "gradients summed with sum() after the loop",
     "old": "        self.dWx = np.zeros_like(self.Wx)\n        self.dWh = np.zeros_like(self.Wh)\n"
            "        self.db = np.zeros_like(self.b)\n        for t in reversed(range(T)):\n"
            "            layer = self.layers[t]\n"
            "            dx, dh = layer.backward(dhs[:, t, :] + dh)\n"
            "            dxs[:, t, :] = dx\n            self.dWx += layer.dWx\n"
            "            self.dWh += layer.dWh\n            self.db += layer.db\n",
     "new": "        for t in range(T - 1, -1, -1):\n"
            "            dxs[:, t, :], dh = self.layers[t].backward(dhs[:, t, :] + dh)\n"
            "        self.dWx = sum(layer.dWx for layer in self.layers)\n"
            "        self.dWh = sum(layer.dWh for layer in self.layers)\n"
            "        self.db = sum(layer.db for layer in self.layers)\n"},
    # clip_grads as PyTorch (clip_grad_norm_) and TensorFlow (clip_by_global_norm) write it
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "PyTorch: clip_coef clamped to 1",
     "old": "    rate = max_norm / (total_norm + 1e-6)\n    if rate < 1:\n"
            "        return {key: grad * rate for key, grad in grads.items()}\n"
            "    return {key: grad.copy() for key, grad in grads.items()}",
     "new": "    clip_coef = max_norm / (total_norm + 1e-6)\n"
            "    clip_coef_clamped = min(clip_coef, 1.0)\n"
            "    return {key: grad * clip_coef_clamped for key, grad in grads.items()}"},
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "TensorFlow: g * max_norm / max(norm, max_norm)",
     "old": "    rate = max_norm / (total_norm + 1e-6)\n    if rate < 1:\n"
            "        return {key: grad * rate for key, grad in grads.items()}\n"
            "    return {key: grad.copy() for key, grad in grads.items()}",
     "new": "    return {key: grad * max_norm / max(total_norm, max_norm)\n"
            "            for key, grad in grads.items()}"},
    {"name": "clip_grads", "cell": "answer_clip_grads", "why": "norm of the concatenated gradients",
     "old": "total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads.values()))",
     "new": "total_norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]))"},
]
