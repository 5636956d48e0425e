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

#: Correct alternatives (as other textbooks and courses write them); each must keep full
#: marks.
ACCEPTED = [
    {"name": "XOR", "cell": "answer_xor",
     "why": "another valid composition: OR(AND(x1, NAND), AND(x2, NAND))",
     "old": "    s1 = NAND(x1, x2)\n    s2 = OR(x1, x2)\n    return AND(s1, s2)",
     "new": "    n = NAND(x1, x2)\n    return OR(AND(x1, n), AND(x2, n))"},
    {"name": "XOR", "cell": "answer_xor",
     "why": "NAND gates only (the classic four-NAND circuit)",
     "old": "    s1 = NAND(x1, x2)\n    s2 = OR(x1, x2)\n    return AND(s1, s2)",
     "new": "    n = NAND(x1, x2)\n    return NAND(NAND(x1, n), NAND(x2, n))"},
    {"name": "AND", "cell": "answer_gates",
     "why": "scalar arithmetic instead of arrays (w1*x1 + w2*x2 + b)",
     "old": "    x = np.array([x1, x2])\n    w = np.array([0.5, 0.5])\n    b = -0.7\n"
            "    return 1 if np.sum(w * x) + b > 0 else 0",
     "new": "    w1, w2, b = 0.5, 0.5, -0.7\n    return int(w1 * x1 + w2 * x2 + b > 0)"},
]
