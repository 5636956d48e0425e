"""Plausible wrong answers for 08_backprop; each must lose points when autograded."""

MUTATIONS = [
    # MulLayer / AddLayer
    {"name": "MulLayer", "cell": "answer_mul_add", "why": "backward does not swap x and y",
     "old": "        dx = dout * self.y\n        dy = dout * self.x\n",
     "new": "        dx = dout * self.x\n        dy = dout * self.y\n"},
    {"name": "MulLayer", "cell": "answer_mul_add", "why": "forward remembers only x (y = x in backward)",
     "old": "        self.y = y\n        return x * y",
     "new": "        self.y = x\n        return x * y"},
    {"name": "MulLayer", "cell": "answer_mul_add", "why": "backward ignores the upstream dout",
     "old": "        dx = dout * self.y\n        dy = dout * self.x\n",
     "new": "        dx = self.y\n        dy = self.x\n"},
    {"name": "AddLayer", "cell": "answer_mul_add", "why": "backward returns (dout, 0)",
     "old": "        dx = dout * 1\n        dy = dout * 1\n",
     "new": "        dx = dout\n        dy = 0\n"},
    {"name": "AddLayer", "cell": "answer_mul_add", "why": "backward splits dout in halves",
     "old": "        dx = dout * 1\n        dy = dout * 1\n",
     "new": "        dx = dout * 0.5\n        dy = dout * 0.5\n"},
    {"name": "AddLayer", "cell": "answer_mul_add", "why": "backward returns 1 (the local derivative only)",
     "old": "        dx = dout * 1\n        dy = dout * 1\n",
     "new": "        dx = 1\n        dy = 1\n"},
    # Relu
    {"name": "Relu", "cell": "answer_relu", "why": "mask x < 0: gradient flows at x == 0",
     "old": "self.mask = (x <= 0)", "new": "self.mask = (x < 0)"},
    {"name": "Relu", "cell": "answer_relu", "why": "mask on the wrong side (x >= 0)",
     "old": "self.mask = (x <= 0)", "new": "self.mask = (x >= 0)"},
    {"name": "Relu", "cell": "answer_relu", "why": "the book's backward: dout modified in place",
     "old": "        dx = dout.copy()\n", "new": "        dx = dout\n"},
    {"name": "Relu", "cell": "answer_relu", "why": "forward modifies x in place",
     "old": "        out = x.copy()\n", "new": "        out = x\n"},
    {"name": "Relu", "cell": "answer_relu", "why": "backward returns the mask instead of masked dout",
     "old": "        dx = dout.copy()\n        dx[self.mask] = 0\n        return dx",
     "new": "        return (~self.mask).astype(float)"},
    # Sigmoid
    {"name": "Sigmoid", "cell": "answer_sigmoid", "why": "backward uses x instead of out",
     "old": "        self.out = sigmoid(x)\n        return self.out\n        ### END SOLUTION\n\n"
            "    def backward(self, dout):\n"
            "        \"\"\"Return dx = dout * out * (1 - out), same shape as dout.\"\"\"\n"
            "        # ≈ 1 行\n        ### BEGIN SOLUTION\n"
            "        return dout * (1.0 - self.out) * self.out",
     "new": "        self.x = x\n        self.out = sigmoid(x)\n        return self.out\n        ### END SOLUTION\n\n"
            "    def backward(self, dout):\n"
            "        \"\"\"Return dx = dout * out * (1 - out), same shape as dout.\"\"\"\n"
            "        # ≈ 1 行\n        ### BEGIN SOLUTION\n"
            "        return dout * (1.0 - self.x) * self.x"},
    {"name": "Sigmoid", "cell": "answer_sigmoid", "why": "backward missing the factor out",
     "old": "return dout * (1.0 - self.out) * self.out", "new": "return dout * (1.0 - self.out)"},
    {"name": "Sigmoid", "cell": "answer_sigmoid", "why": "naive 1/(1+exp(-x)) overflows at -1000",
     "old": "self.out = sigmoid(x)", "new": "self.out = 1 / (1 + np.exp(-x))"},
    {"name": "Sigmoid", "cell": "answer_sigmoid", "why": "backward applies sigmoid to out again",
     "old": "return dout * (1.0 - self.out) * self.out",
     "new": "return dout * (1.0 - sigmoid(self.out)) * sigmoid(self.out)"},
    # Affine
    {"name": "Affine", "cell": "answer_affine", "why": "dx not reshaped to the input's shape",
     "old": "return dx.reshape(self.original_x_shape)", "new": "return dx"},
    {"name": "Affine", "cell": "answer_affine", "why": "forward does not flatten N-D input",
     "old": "        self.x = x.reshape(x.shape[0], -1)\n", "new": "        self.x = x\n"},
    {"name": "Affine", "cell": "answer_affine", "why": "db summed over axis=1",
     "old": "self.db = np.sum(dout, axis=0)", "new": "self.db = np.sum(dout, axis=1)"},
    {"name": "Affine", "cell": "answer_affine", "why": "db as the mean over the batch",
     "old": "self.db = np.sum(dout, axis=0)", "new": "self.db = np.mean(dout, axis=0)"},
    {"name": "Affine", "cell": "answer_affine", "why": "dW transposed (dout.T @ x)",
     "old": "self.dW = self.x.T @ dout", "new": "self.dW = dout.T @ self.x"},
    {"name": "Affine", "cell": "answer_affine", "why": "dx uses W instead of W.T",
     "old": "dx = dout @ self.W.T", "new": "dx = dout @ self.W"},
    {"name": "Affine", "cell": "answer_affine", "why": "bias forgotten in forward",
     "old": "return self.x @ self.W + self.b", "new": "return self.x @ self.W"},
    {"name": "Affine", "cell": "answer_affine", "why": "W copied in __init__ (params not shared)",
     "old": "        self.W = W\n", "new": "        self.W = W.copy()\n"},
    # SoftmaxWithLoss
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "one-hot gradient not divided by N",
     "old": "dx = (self.y - self.t) / batch_size", "new": "dx = self.y - self.t"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "label gradient not divided by N",
     "old": "            dx /= batch_size\n", "new": ""},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "only one-hot labels supported",
     "old": "        if self.t.size == self.y.size:\n", "new": "        if True:\n"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "backward ignores dout",
     "old": "        return dx * dout", "new": "        return dx"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "cross-entropy of the raw scores (no softmax)",
     "old": "self.loss = cross_entropy_error(self.y, self.t)", "new": "self.loss = cross_entropy_error(x, self.t)"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "naive softmax (no max shift) overflows",
     "old": "self.y = softmax(x)",
     "new": "self.y = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "label branch modifies y in place",
     "old": "            dx = self.y.copy()\n", "new": "            dx = self.y\n"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss", "why": "loss summed over the batch, not averaged",
     "old": "self.loss = cross_entropy_error(self.y, self.t)",
     "new": "self.loss = cross_entropy_error(self.y, self.t) * self.y.shape[0]"},
]

#: Correct alternatives; each must keep full marks.
ACCEPTED = [
    {"name": "Relu", "cell": "answer_relu",
     "why": "mask multiplication instead of masked assignment",
     "old": "        out = x.copy()\n        out[self.mask] = 0\n        return out",
     "new": "        return x * ~self.mask"},
    {"name": "SoftmaxWithLoss", "cell": "answer_softmax_with_loss",
     "why": "integer labels turned into one-hot first (np.eye)",
     "old": "        else:\n            dx = self.y.copy()\n            dx[np.arange(batch_size), self.t] -= 1\n"
            "            dx /= batch_size\n",
     "new": "        else:\n            dx = (self.y - np.eye(self.y.shape[1])[self.t]) / batch_size\n"},
]
