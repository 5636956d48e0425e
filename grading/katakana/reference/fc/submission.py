"""Reference fully connected network for the katakana project (a submission like any other).

784 → 256 → 128 → 15 with ReLU and dropout, trained by
grading/katakana/train_reference.py on the 3,000 training images only.
"""

from pathlib import Path

import numpy as np

from dlbasics.functions import softmax
from dlbasics.layers import Affine, Dropout, Relu
from dlbasics.networks import SequentialNet

WEIGHTS = Path(__file__).resolve().with_name("weights.npz")
SIZES = (784, 256, 128, 15)


def init_params(rng):
    """He-initialised parameters, keyed as SequentialNet numbers them (W1, W4, W7)."""
    params = {}
    for index, (fan_in, fan_out) in zip((1, 4, 7), zip(SIZES[:-1], SIZES[1:])):
        params[f"W{index}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)
        params[f"b{index}"] = np.zeros(fan_out)
    return params


def build_network(params, running=None, dropout_seed=None):
    """The network with the given parameters."""
    return SequentialNet([
        Affine(params["W1"], params["b1"]), Relu(), Dropout(0.3, seed=dropout_seed),
        Affine(params["W4"], params["b4"]), Relu(), Dropout(0.3, seed=dropout_seed),
        Affine(params["W7"], params["b7"]),
    ])


def running_stats(network):
    """No batch normalisation here: nothing to keep."""
    return {}


def preprocess(x_raw):
    """uint8 (N, 1, 28, 28) → float32 (N, 784) in [0, 1]."""
    x = np.asarray(x_raw, dtype=np.float32) / 255.0
    return x.reshape(len(x), -1)


_NETWORK = None


def predict(x):
    """x: (N, 784) preprocessed images → (N, 15) probabilities."""
    global _NETWORK
    if _NETWORK is None:
        with np.load(WEIGHTS) as data:
            _NETWORK = build_network({key: data[key] for key in data.files})
    return softmax(_NETWORK.predict(x.reshape(len(x), -1), train_flg=False))
