"""Plausible wrong answers for 12_katakana; each must lose points when autograded.

ACCEPTED lists correct answers written as other textbooks and libraries write them; each must
keep full marks.
"""

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
    {"name": "random_shift", "cell": "answer_random_shift",
     "why": "upper bound exclusive: never shifts by +max_shift",
     "old": "        dy = int(rng.integers(-max_shift, max_shift + 1))\n        dx = int(rng.integers(-max_shift, max_shift + 1))",
     "new": "        dy = int(rng.integers(-max_shift, max_shift))\n        dx = int(rng.integers(-max_shift, max_shift))"},
    {"name": "random_shift", "cell": "answer_random_shift",
     "why": "starts from a copy: uncovered pixels keep the old image instead of 0",
     "old": "    out = np.zeros_like(images)",
     "new": "    out = images.copy()"},
]

ACCEPTED = [
    {"name": "preprocess", "cell": "answer_preprocess",
     "why": "astype then divide by an int (float32 / int stays float32), as the book writes it",
     "old": "    return np.asarray(x_raw, dtype=np.float32) / np.float32(255.0)",
     "new": "    return x_raw.astype(np.float32) / 255"},
    {"name": "random_shift", "cell": "answer_random_shift",
     "why": "all shifts drawn at once with size=(N, 2), as vectorised augmentation code does",
     "old": "    for i in range(len(images)):\n        dy = int(rng.integers(-max_shift, max_shift + 1))\n        dx = int(rng.integers(-max_shift, max_shift + 1))\n",
     "new": "    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(images), 2))\n    for i in range(len(images)):\n        dy, dx = (int(v) for v in shifts[i])\n"},
    {"name": "random_shift", "cell": "answer_random_shift",
     "why": "inclusive upper bound with endpoint=True",
     "old": "        dy = int(rng.integers(-max_shift, max_shift + 1))\n        dx = int(rng.integers(-max_shift, max_shift + 1))",
     "new": "        dy = int(rng.integers(-max_shift, max_shift, endpoint=True))\n        dx = int(rng.integers(-max_shift, max_shift, endpoint=True))"},
    {"name": "random_shift", "cell": "answer_random_shift",
     "why": "zero-pad, then crop a window (the CS231n / torchvision RandomCrop(padding) way)",
     "old": "        src_y = slice(max(0, -dy), height - max(0, dy))\n        src_x = slice(max(0, -dx), width - max(0, dx))\n        dst_y = slice(max(0, dy), height - max(0, -dy))\n        dst_x = slice(max(0, dx), width - max(0, -dx))\n        out[i, :, dst_y, dst_x] = images[i, :, src_y, src_x]",
     "new": "        m = max_shift\n        padded = np.pad(images[i], ((0, 0), (m, m), (m, m)))\n        out[i] = padded[:, m - dy:m - dy + height, m - dx:m - dx + width]"},
    {"name": "random_shift", "cell": "answer_random_shift",
     "why": "all dy, then all dx: one (2, N) draw, row 0 dy and row 1 dx",
     "old": "    for i in range(len(images)):\n        dy = int(rng.integers(-max_shift, max_shift + 1))\n        dx = int(rng.integers(-max_shift, max_shift + 1))\n",
     "new": "    shifts_y, shifts_x = rng.integers(-max_shift, max_shift + 1, size=(2, len(images)))\n    for i in range(len(images)):\n        dy, dx = int(shifts_y[i]), int(shifts_x[i])\n"},
]
