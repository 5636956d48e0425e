"""Reference CNN for the katakana project (a submission like any trainee's).

conv3×3(16)-BN-ReLU-pool → conv3×3(32)-BN-ReLU-pool → affine(128)-ReLU → affine(15).
The weights are trained by grading/katakana/train_reference.py on the 3,000 training
images only.
"""

from pathlib import Path

import numpy as np

from dlbasics.functions import softmax
from dlbasics.layers import Affine, BatchNormalization, Convolution, Dropout, Pooling, Relu
from dlbasics.networks import SequentialNet

WEIGHTS = Path(__file__).resolve().with_name("weights.npz")
CONV_CHANNELS = (16, 32)
HIDDEN = 128
NUM_CLASSES = 15


def init_params(rng):
    """He-initialised parameters, keyed as SequentialNet numbers them."""
    c1, c2 = CONV_CHANNELS
    flat = c2 * 7 * 7
    return {
        "W1": rng.standard_normal((c1, 1, 3, 3)) * np.sqrt(2 / 9), "b1": np.zeros(c1),
        "gamma2": np.ones(c1 * 28 * 28), "beta2": np.zeros(c1 * 28 * 28),
        "W5": rng.standard_normal((c2, c1, 3, 3)) * np.sqrt(2 / (9 * c1)), "b5": np.zeros(c2),
        "gamma6": np.ones(c2 * 14 * 14), "beta6": np.zeros(c2 * 14 * 14),
        "W9": rng.standard_normal((flat, HIDDEN)) * np.sqrt(2 / flat), "b9": np.zeros(HIDDEN),
        "W12": rng.standard_normal((HIDDEN, NUM_CLASSES)) * np.sqrt(2 / HIDDEN),
        "b12": np.zeros(NUM_CLASSES),
    }


def build_network(params, running=None, dropout_seed=None):
    """The network with the given parameters (and BN running statistics)."""
    running = running or {}

    def bn(i):
        return BatchNormalization(params[f"gamma{i}"], params[f"beta{i}"],
                                  running_mean=running.get(f"mean{i}"),
                                  running_var=running.get(f"var{i}"))

    return SequentialNet([
        Convolution(params["W1"], params["b1"], stride=1, pad=1), bn(2), Relu(),
        Pooling(2, 2, stride=2),
        Convolution(params["W5"], params["b5"], stride=1, pad=1), bn(6), Relu(),
        Pooling(2, 2, stride=2),
        Affine(params["W9"], params["b9"]), Relu(), Dropout(0.3, seed=dropout_seed),
        Affine(params["W12"], params["b12"]),
    ])


def running_stats(network):
    """BN running statistics of a trained network, keyed mean<i>/var<i>."""
    stats = {}
    for position, layer in enumerate(network.layers, start=1):
        if isinstance(layer, BatchNormalization):
            stats[f"mean{position}"] = layer.running_mean
            stats[f"var{position}"] = layer.running_var
    return stats


def preprocess(x_raw):
    """uint8 (N, 1, 28, 28) → float32 in [0, 1], same shape."""
    return np.asarray(x_raw, dtype=np.float32) / 255.0


def _load():
    with np.load(WEIGHTS) as data:
        arrays = {key: data[key] for key in data.files}
    params = {k: v for k, v in arrays.items() if not k.startswith(("mean", "var"))}
    running = {k: v for k, v in arrays.items() if k.startswith(("mean", "var"))}
    return build_network(params, running)


_NETWORK = None


def predict(x):
    """x: (N, 1, 28, 28) preprocessed images → (N, 15) probabilities."""
    global _NETWORK
    if _NETWORK is None:
        _NETWORK = _load()
    return softmax(_NETWORK.predict(x, train_flg=False))
