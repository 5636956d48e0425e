"""Wrong answers for 15_deep_rnn_memory (each must lose points) and accepted alternatives."""

_MASK = "    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]\n"
_REVERSE = ("    N, T = xs.shape[:2]\n    lengths = np.asarray(lengths)[:, None]\n"
            "    t = np.arange(T)[None, :]\n    source = np.where(t < lengths, lengths - 1 - t, t)\n"
            "    return xs[np.arange(N)[:, None], source]\n")
_BI_FORWARD = ("        hs_forward = self.forward_lstm.forward(xs)\n"
               "        hs_reversed = self.backward_lstm.forward(reverse_padded(xs, self.lengths))\n"
               "        hs_backward = reverse_padded(hs_reversed, self.lengths)\n")

MUTATIONS = [
    # sequence_mask
    {"name": "sequence_mask", "cell": "answer_sequence_mask", "why": "t <= length (one position too many)",
     "old": _MASK, "new": "    return np.arange(T)[None, :] <= np.asarray(lengths)[:, None]\n"},
    {"name": "sequence_mask", "cell": "answer_sequence_mask", "why": "right-aligned mask",
     "old": _MASK, "new": "    return np.arange(T)[None, :] >= T - np.asarray(lengths)[:, None]\n"},
    {"name": "sequence_mask", "cell": "answer_sequence_mask", "why": "0/1 floats instead of booleans",
     "old": _MASK, "new": "    return (np.arange(T)[None, :] < np.asarray(lengths)[:, None]).astype(float)\n"},
    # reverse_padded
    {"name": "reverse_padded", "cell": "answer_reverse_padded", "why": "the book: the whole padded array reversed",
     "old": _REVERSE, "new": "    return xs[:, ::-1].copy()\n"},
    {"name": "reverse_padded", "cell": "answer_reverse_padded", "why": "off by one (lengths - t)",
     "old": "lengths - 1 - t, t)", "new": "np.minimum(lengths - t, lengths - 1), t)"},
    {"name": "reverse_padded", "cell": "answer_reverse_padded", "why": "padding moved to the front",
     "old": _REVERSE,
     "new": "    out = xs[:, ::-1].copy()\n    T = xs.shape[1]\n"
            "    for n, L in enumerate(lengths):\n        out[n, T - L:] = xs[n, :L]\n"
            "        out[n, :T - L] = xs[n, L:]\n    return out\n"},
    {"name": "reverse_padded", "cell": "answer_reverse_padded", "why": "reverses in place (modifies xs)",
     "old": _REVERSE,
     "new": "    for n, L in enumerate(lengths):\n        xs[n, :L] = xs[n, :L][::-1].copy()\n    return xs\n"},
    # TimeBiLSTM
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "the book: whole-array reversal ignores lengths",
     "old": _BI_FORWARD,
     "new": "        hs_forward = self.forward_lstm.forward(xs)\n"
            "        hs_reversed = self.backward_lstm.forward(xs[:, ::-1])\n"
            "        hs_backward = hs_reversed[:, ::-1]\n"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "backward output not reversed back",
     "old": "        hs_backward = reverse_padded(hs_reversed, self.lengths)\n",
     "new": "        hs_backward = hs_reversed\n"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "outputs concatenated backward first",
     "old": "np.concatenate([hs_forward, hs_backward], axis=2)",
     "new": "np.concatenate([hs_backward, hs_forward], axis=2)"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "backward direction's dxs not reversed",
     "old": "        dxs_backward = reverse_padded(dxs_reversed, self.lengths)\n",
     "new": "        dxs_backward = dxs_reversed\n"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "padding not masked in the output",
     "old": "np.concatenate([hs_forward, hs_backward], axis=2) * self.mask",
     "new": "np.concatenate([hs_forward, hs_backward], axis=2)"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "only the forward direction's dxs returned",
     "old": "        return dxs_forward + dxs_backward\n", "new": "        return dxs_forward\n"},
    # content_addressing
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "dot product, not cosine",
     "old": "logits = beta[:, None] * dots / norms", "new": "logits = beta[:, None] * dots"},
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "beta ignored",
     "old": "logits = beta[:, None] * dots / norms", "new": "logits = dots / norms"},
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "mask ignored",
     "old": "        logits = np.where(mask, logits, -np.inf)\n", "new": "        pass\n"},
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "softmax over the batch axis",
     "old": "    exp = np.exp(logits - np.max(logits, axis=1, keepdims=True))\n"
            "    return exp / np.sum(exp, axis=1, keepdims=True)\n",
     "new": "    exp = np.exp(logits - np.max(logits, axis=0, keepdims=True))\n"
            "    return exp / np.sum(exp, axis=0, keepdims=True)\n"},
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "no eps: NaN on a zero row",
     "old": "np.linalg.norm(memory, axis=2) + eps", "new": "np.linalg.norm(memory, axis=2)"},
]

ACCEPTED = [
    {"name": "sequence_mask", "cell": "answer_sequence_mask", "why": "np.greater.outer (lengths[n] > t)",
     "old": _MASK, "new": "    return np.greater.outer(np.asarray(lengths), np.arange(T))\n"},
    {"name": "sequence_mask", "cell": "answer_sequence_mask", "why": "a loop over the rows",
     "old": _MASK, "new": "    mask = np.zeros((len(lengths), T), dtype=bool)\n"
                          "    for n, length in enumerate(lengths):\n        mask[n, :length] = True\n"
                          "    return mask\n"},
    {"name": "reverse_padded", "cell": "answer_reverse_padded", "why": "a loop with slicing (copy first)",
     "old": _REVERSE, "new": "    out = xs.copy()\n    for n, L in enumerate(lengths):\n"
                             "        out[n, :L] = xs[n, :L][::-1]\n    return out\n"},
    {"name": "reverse_padded", "cell": "answer_reverse_padded", "why": "np.take_along_axis",
     "old": "    return xs[np.arange(N)[:, None], source]\n",
     "new": "    index = source.reshape(source.shape + (1,) * (xs.ndim - 2))\n"
            "    return np.take_along_axis(xs, index, axis=1)\n"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "np.dstack and the mask via np.where",
     "old": "        return np.concatenate([hs_forward, hs_backward], axis=2) * self.mask\n",
     "new": "        return np.where(self.mask, np.dstack((hs_forward, hs_backward)), 0.0)\n"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "np.split of dhs; padding zeroed by boolean indexing",
     "old": "        return np.concatenate([hs_forward, hs_backward], axis=2) * self.mask\n",
     "new": "        hs = np.concatenate([hs_forward, hs_backward], axis=2)\n"
            "        hs[~self.mask[:, :, 0]] = 0.0\n        return hs\n"},
    {"name": "TimeBiLSTM", "cell": "answer_bilstm", "why": "backward: np.split into the two halves",
     "old": "        dhs = dhs * self.mask\n"
            "        dxs_forward = self.forward_lstm.backward(dhs[:, :, :H])\n"
            "        dxs_reversed = self.backward_lstm.backward(reverse_padded(dhs[:, :, H:], self.lengths))\n",
     "new": "        dh_forward, dh_backward = np.split(dhs * self.mask, 2, axis=2)\n"
            "        dxs_forward = self.forward_lstm.backward(dh_forward)\n"
            "        dxs_reversed = self.backward_lstm.backward(reverse_padded(dh_backward, self.lengths))\n"},
    {"name": "content_addressing", "cell": "answer_content_addressing",
     "why": "softmax over every row, then masked rows zeroed and the rest renormalised",
     "old": "    if mask is not None:\n        logits = np.where(mask, logits, -np.inf)\n"
            "    exp = np.exp(logits - np.max(logits, axis=1, keepdims=True))\n"
            "    return exp / np.sum(exp, axis=1, keepdims=True)\n",
     "new": "    exp = np.exp(logits - np.max(logits, axis=1, keepdims=True))\n"
            "    if mask is not None:\n        exp = exp * mask\n"
            "    return exp / np.sum(exp, axis=1, keepdims=True)\n"},
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "normalise first, then einsum",
     "old": "    dots = np.sum(memory * key[:, None, :], axis=2)\n"
            "    norms = np.linalg.norm(key, axis=1)[:, None] * np.linalg.norm(memory, axis=2) + eps\n"
            "    logits = beta[:, None] * dots / norms\n",
     "new": "    dots = np.einsum('nm,nsm->ns', key, memory)\n"
            "    norms = np.outer(np.linalg.norm(key, axis=1), np.ones(memory.shape[1]))\n"
            "    norms = norms * np.linalg.norm(memory, axis=2) + eps\n"
            "    logits = beta[:, None] * dots / norms\n"},
    {"name": "content_addressing", "cell": "answer_content_addressing", "why": "masked by a large negative number",
     "old": "logits = np.where(mask, logits, -np.inf)", "new": "logits = np.where(mask, logits, -1e30)"},
]
