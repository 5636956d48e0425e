"""Plausible wrong answers for 09_optimizers; each must lose points when autograded."""

MUTATIONS = [
    # SGD
    {"name": "SGD", "cell": "answer_sgd", "why": "+= (moves up the gradient)",
     "old": "params[key] -= self.lr * grads[key]", "new": "params[key] += self.lr * grads[key]"},
    {"name": "SGD", "cell": "answer_sgd", "why": "params[key] = params[key] - ... (not in place)",
     "old": "params[key] -= self.lr * grads[key]",
     "new": "params[key] = params[key] - self.lr * grads[key]"},
    {"name": "SGD", "cell": "answer_sgd", "why": "scales grads in place to save memory",
     "old": "params[key] -= self.lr * grads[key]",
     "new": "grads[key] *= self.lr\n            params[key] -= grads[key]"},
    {"name": "SGD", "cell": "answer_sgd", "why": "learning rate ignored (hard-coded 0.01)",
     "old": "params[key] -= self.lr * grads[key]", "new": "params[key] -= 0.01 * grads[key]"},
    # Momentum
    {"name": "Momentum", "cell": "answer_momentum", "why": "velocity sign error (W -= v)",
     "old": "params[key] += self.v[key]", "new": "params[key] -= self.v[key]"},
    {"name": "Momentum", "cell": "answer_momentum", "why": "velocity re-created on every call (state not kept)",
     "old": "        if self.v is None:\n", "new": "        if True:\n"},
    {"name": "Momentum", "cell": "answer_momentum", "why": "momentum also scales the new gradient",
     "old": "self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]",
     "new": "self.v[key] = self.momentum * (self.v[key] - self.lr * grads[key])"},
    {"name": "Momentum", "cell": "answer_momentum", "why": "not in place (params[key] = params[key] + v)",
     "old": "params[key] += self.v[key]", "new": "params[key] = params[key] + self.v[key]"},
    {"name": "Momentum", "cell": "answer_momentum", "why": "weights updated with the old velocity",
     "old": "            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]\n"
            "            params[key] += self.v[key]",
     "new": "            params[key] += self.v[key]\n"
            "            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]"},
    # AdaGrad
    {"name": "AdaGrad", "cell": "answer_adagrad", "why": "no epsilon (0/0 for a zero gradient)",
     "old": "(np.sqrt(self.h[key]) + 1e-7)", "new": "np.sqrt(self.h[key])"},
    {"name": "AdaGrad", "cell": "answer_adagrad", "why": "h updated after the step",
     "old": "            self.h[key] += grads[key] * grads[key]\n"
            "            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)",
     "new": "            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)\n"
            "            self.h[key] += grads[key] * grads[key]"},
    {"name": "AdaGrad", "cell": "answer_adagrad", "why": "epsilon 1e-8 instead of the stated 1e-7",
     "old": "(np.sqrt(self.h[key]) + 1e-7)", "new": "(np.sqrt(self.h[key]) + 1e-8)"},
    {"name": "AdaGrad", "cell": "answer_adagrad", "why": "h accumulates |g| instead of g squared",
     "old": "self.h[key] += grads[key] * grads[key]", "new": "self.h[key] += np.abs(grads[key])"},
    {"name": "AdaGrad", "cell": "answer_adagrad", "why": "divides by h instead of sqrt(h)",
     "old": "(np.sqrt(self.h[key]) + 1e-7)", "new": "(self.h[key] + 1e-7)"},
    # RMSprop
    {"name": "RMSprop", "cell": "answer_rmsprop", "why": "decay on the wrong term",
     "old": "            self.h[key] *= self.decay_rate\n"
            "            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]",
     "new": "            self.h[key] *= 1 - self.decay_rate\n"
            "            self.h[key] += self.decay_rate * grads[key] * grads[key]"},
    {"name": "RMSprop", "cell": "answer_rmsprop", "why": "no (1 - decay_rate) factor on g squared",
     "old": "self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]",
     "new": "self.h[key] += grads[key] * grads[key]"},
    {"name": "RMSprop", "cell": "answer_rmsprop", "why": "h updated after the step",
     "old": "            self.h[key] *= self.decay_rate\n"
            "            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]\n"
            "            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)",
     "new": "            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)\n"
            "            self.h[key] *= self.decay_rate\n"
            "            self.h[key] += (1 - self.decay_rate) * grads[key] * grads[key]"},
    {"name": "RMSprop", "cell": "answer_rmsprop", "why": "no epsilon",
     "old": "(np.sqrt(self.h[key]) + 1e-7)", "new": "np.sqrt(self.h[key])"},
    # Adam
    {"name": "Adam", "cell": "answer_adam", "why": "no bias correction (lr_t = lr)",
     "old": "lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)",
     "new": "lr_t = self.lr"},
    {"name": "Adam", "cell": "answer_adam", "why": "iter never incremented",
     "old": "        self.iter += 1\n", "new": ""},
    {"name": "Adam", "cell": "answer_adam", "why": "iter incremented after computing lr_t",
     "old": "        self.iter += 1\n"
            "        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)\n",
     "new": "        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)\n"
            "        self.iter += 1\n"},
    {"name": "Adam", "cell": "answer_adam", "why": "iter incremented once per parameter",
     "old": "        self.iter += 1\n"
            "        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)\n"
            "        for key in params:\n",
     "new": "        for key in params:\n"
            "            self.iter += 1\n"
            "            lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter)"
            " / (1.0 - self.beta1 ** self.iter)\n"},
    {"name": "Adam", "cell": "answer_adam", "why": "beta1 and beta2 swapped in the bias correction",
     "old": "lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)",
     "new": "lr_t = self.lr * np.sqrt(1.0 - self.beta1 ** self.iter) / (1.0 - self.beta2 ** self.iter)"},
    {"name": "Adam", "cell": "answer_adam", "why": "v averages g instead of g squared",
     "old": "self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])",
     "new": "self.v[key] += (1 - self.beta2) * (np.abs(grads[key]) - self.v[key])"},
    {"name": "Adam", "cell": "answer_adam", "why": "no epsilon",
     "old": "(np.sqrt(self.v[key]) + 1e-7)", "new": "np.sqrt(self.v[key])"},
    {"name": "Adam", "cell": "answer_adam", "why": "not in place",
     "old": "params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)",
     "new": "params[key] = params[key] - lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)"},
]

#: Correct alternatives (as other textbooks, papers and frameworks write them); each must
#: keep full marks.
ACCEPTED = [
    {"name": "AdaGrad", "cell": "answer_adagrad",
     "why": "epsilon inside the square root, sqrt(h + eps), as several Japanese texts write it",
     "old": "(np.sqrt(self.h[key]) + 1e-7)", "new": "np.sqrt(self.h[key] + 1e-7)"},
    {"name": "RMSprop", "cell": "answer_rmsprop",
     "why": "epsilon inside the square root, sqrt(h + eps)",
     "old": "(np.sqrt(self.h[key]) + 1e-7)", "new": "np.sqrt(self.h[key] + 1e-7)"},
    {"name": "Adam", "cell": "answer_adam",
     "why": "Kingma & Ba Algorithm 1 (bias-corrected m_hat, v_hat; eps added to sqrt(v_hat)), "
            "as PyTorch and Keras write it",
     "old": "        lr_t = self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / "
            "(1.0 - self.beta1 ** self.iter)\n"
            "        for key in params:\n"
            "            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])\n"
            "            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])\n"
            "            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)\n",
     "new": "        for key in params:\n"
            "            g = grads[key]\n"
            "            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * g\n"
            "            self.v[key] = self.beta2 * self.v[key] + (1 - self.beta2) * g * g\n"
            "            m_hat = self.m[key] / (1 - self.beta1 ** self.iter)\n"
            "            v_hat = self.v[key] / (1 - self.beta2 ** self.iter)\n"
            "            params[key] -= self.lr * m_hat / (np.sqrt(v_hat) + 1e-7)\n"},
    {"name": "Momentum", "cell": "answer_momentum",
     "why": "PyTorch's form v = momentum * v + g; W -= lr * v (the same steps for a fixed lr)",
     "old": "            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]\n"
            "            params[key] += self.v[key]\n",
     "new": "            self.v[key] = self.momentum * self.v[key] + grads[key]\n"
            "            params[key] -= self.lr * self.v[key]\n"},
]
