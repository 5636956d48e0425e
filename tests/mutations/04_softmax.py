"""Plausible wrong answers for 04_softmax; each must lose points when autograded."""

MUTATIONS = [
    {"name": "softmax", "cell": "answer_softmax", "why": "no max-shift (overflows at large scores)",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n",
     "new": "    shifted = x\n"},
    {"name": "softmax", "cell": "answer_softmax", "why": "normalised over axis=0 (columns of a batch)",
     "old": "    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
     "new": "    return exp_x / np.sum(exp_x, axis=0, keepdims=True)"},
    {"name": "softmax", "cell": "answer_softmax",
     "why": "global max and global sum over the whole batch (the 1-D formula)",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n    exp_x = np.exp(shifted)\n"
            "    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
     "new": "    shifted = x - np.max(x)\n    exp_x = np.exp(shifted)\n"
            "    return exp_x / np.sum(exp_x)"},
    {"name": "softmax", "cell": "answer_softmax",
     "why": "global max subtracted (rows far below it underflow to 0/0)",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n",
     "new": "    shifted = x - np.max(x)\n"},
    {"name": "softmax", "cell": "answer_softmax", "why": "max-shift done in place (x -= ...)",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n",
     "new": "    x -= np.max(x, axis=-1, keepdims=True)\n    shifted = x\n"},
    {"name": "softmax", "cell": "answer_softmax", "why": "max without keepdims (wrong broadcast)",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n",
     "new": "    shifted = x - np.max(x, axis=-1)\n"},
    {"name": "softmax", "cell": "answer_softmax", "why": "sum without keepdims (wrong broadcast)",
     "old": "    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
     "new": "    return exp_x / np.sum(exp_x, axis=-1)"},
    {"name": "softmax", "cell": "answer_softmax", "why": "batches only: axis=1 fails on one sample",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n    exp_x = np.exp(shifted)\n"
            "    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
     "new": "    shifted = x - np.max(x, axis=1, keepdims=True)\n    exp_x = np.exp(shifted)\n"
            "    return exp_x / np.sum(exp_x, axis=1, keepdims=True)"},
    {"name": "softmax", "cell": "answer_softmax",
     "why": "minimum subtracted instead of maximum (still overflows)",
     "old": "    shifted = x - np.max(x, axis=-1, keepdims=True)\n",
     "new": "    shifted = x - np.min(x, axis=-1, keepdims=True)\n"},
    {"name": "softmax", "cell": "answer_softmax",
     "why": "result written into np.zeros_like(x) (integer input gives integer zeros)",
     "old": "    x = np.asarray(x, dtype=np.float64)\n    shifted = x - np.max(x, axis=-1, keepdims=True)\n"
            "    exp_x = np.exp(shifted)\n    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
     "new": "    x = np.asarray(x)\n    out = np.zeros_like(x)\n"
            "    exp_x = np.exp(x - np.max(x, axis=-1, keepdims=True))\n"
            "    out[...] = exp_x / np.sum(exp_x, axis=-1, keepdims=True)\n    return out"},
]

#: Correct alternatives; each must keep full marks.
ACCEPTED = [
    {"name": "softmax", "cell": "answer_softmax",
     "why": "log-sum-exp form: exp(x - max - log(sum(exp(x - max))))",
     "old": "    exp_x = np.exp(shifted)\n    return exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
     "new": "    return np.exp(shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True)))"},
]
