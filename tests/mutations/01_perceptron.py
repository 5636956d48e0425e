"""Plausible wrong answers for 01_perceptron; each must lose points when autograded."""

MUTATIONS = [
    {"name": "AND", "cell": "answer_gates", "why": "hard-coded truth table",
     "old": "    x = np.array([x1, x2])\n    w = np.array([0.5, 0.5])\n    b = -0.7\n"
            "    return 1 if np.sum(w * x) + b > 0 else 0",
     "new": "    return int(x1 == 1 and x2 == 1)"},
    {"name": "AND", "cell": "answer_gates", "why": "returns a bool instead of 0/1",
     "old": "    b = -0.7\n    return 1 if np.sum(w * x) + b > 0 else 0",
     "new": "    b = -0.7\n    return np.sum(w * x) + b > 0"},
    {"name": "NAND", "cell": "answer_gates", "why": "bias with the wrong sign",
     "old": "    b = 0.7\n", "new": "    b = -0.7\n"},
    {"name": "NAND", "cell": "answer_gates", "why": "AND's weights kept (only the bias changed)",
     "old": "    w = np.array([-0.5, -0.5])\n", "new": "    w = np.array([0.5, 0.5])\n"},
    {"name": "OR", "cell": "answer_gates", "why": "AND's bias copied into OR",
     "old": "    b = -0.2\n", "new": "    b = -0.7\n"},
    {"name": "OR", "cell": "answer_gates", "why": "Python's `or` on real inputs",
     "old": "    b = -0.2\n    return 1 if np.sum(w * x) + b > 0 else 0",
     "new": "    b = -0.2\n    return int(bool(x1 or x2))"},
    {"name": "XOR", "cell": "answer_xor", "why": "OR instead of AND in the output layer",
     "old": "    return AND(s1, s2)", "new": "    return OR(s1, s2)"},
    {"name": "XOR", "cell": "answer_xor", "why": "inequality of the inputs (hard-coded logic)",
     "old": "    s1 = NAND(x1, x2)\n    s2 = OR(x1, x2)\n    return AND(s1, s2)",
     "new": "    return int(x1 != x2)"},
]
