"""Plausible wrong answers for 12_katakana; each must lose points when autograded."""

MUTATIONS = [
    {"name": "preprocess", "cell": "answer_preprocess", "why": "float64 instead of float32",
     "old": "    return np.asarray(x_raw, dtype=np.float32) / np.float32(255.0)",
     "new": "    return np.asarray(x_raw) / 255.0"},
    {"name": "preprocess", "cell": "answer_preprocess", "why": "flattens the images",
     "old": "    return np.asarray(x_raw, dtype=np.float32) / np.float32(255.0)",
     "new": "    return (np.asarray(x_raw, dtype=np.float32) / np.float32(255.0)).reshape(len(x_raw), -1)"},
    {"name": "preprocess", "cell": "answer_preprocess", "why": "divides by 256",
     "old": "np.float32(255.0)", "new": "np.float32(256.0)"},
    {"name": "random_shift", "cell": "answer_random_shift", "why": "np.roll wraps around",
     "old": "        out[i, :, dst_y, dst_x] = images[i, :, src_y, src_x]",
     "new": "        out[i] = np.roll(images[i], (dy, dx), axis=(1, 2))"},
    {"name": "random_shift", "cell": "answer_random_shift", "why": "dx drawn before dy",
     "old": "        dy = int(rng.integers(-max_shift, max_shift + 1))\n        dx = int(rng.integers(-max_shift, max_shift + 1))",
     "new": "        dx = int(rng.integers(-max_shift, max_shift + 1))\n        dy = int(rng.integers(-max_shift, max_shift + 1))"},
    {"name": "random_shift", "cell": "answer_random_shift", "why": "shifts in the opposite direction",
     "old": "        out[i, :, dst_y, dst_x] = images[i, :, src_y, src_x]",
     "new": "        out[i, :, src_y, src_x] = images[i, :, dst_y, dst_x]"},
    {"name": "random_shift", "cell": "answer_random_shift", "why": "one shift for the whole batch",
     "old": "    for i in range(len(images)):\n        dy = int(rng.integers(-max_shift, max_shift + 1))\n        dx = int(rng.integers(-max_shift, max_shift + 1))\n",
     "new": "    dy = int(rng.integers(-max_shift, max_shift + 1))\n    dx = int(rng.integers(-max_shift, max_shift + 1))\n    for i in range(len(images)):\n"},
]
