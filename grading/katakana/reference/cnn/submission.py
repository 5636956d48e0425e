"""Reference CNN for the katakana project (a submission like any trainee's).

Preprocessing centres every character and scales it to a fixed size (as MNIST was made),
so the network need not learn where on the page, or how large, a writer writes; then it
brings every stroke to about the same width, so a fine pen and a thick one look alike.
Network: conv3×3(32)-ReLU-pool → conv3×3(64)-ReLU-pool → affine(256)-ReLU-dropout →
affine(15). No batch normalisation, so inference depends only on Convolution, Pooling,
Affine and Relu. The weights are trained by grading/katakana/train_reference.py on the
3,000 training images only.
"""

from pathlib import Path

import numpy as np

from dlbasics.functions import softmax
from dlbasics.layers import Affine, Convolution, Dropout, Pooling, Relu
from dlbasics.networks import SequentialNet

WEIGHTS = Path(__file__).resolve().with_name("weights.npz")
CONV_CHANNELS = (32, 64)
HIDDEN = 256
NUM_CLASSES = 15
BOX = 20.0          # the character's longer side after preprocessing, pixels
INK_THRESHOLD = 0.3  # pixels above this fraction of an image's maximum count as ink
TARGET_WIDTH = 2.4   # stroke width after preprocessing, pixels


def init_params(rng):
    """He-initialised float32 parameters, keyed as SequentialNet numbers them."""
    c1, c2 = CONV_CHANNELS
    flat = c2 * 7 * 7
    shapes = {"W1": ((c1, 1, 3, 3), 9), "W4": ((c2, c1, 3, 3), 9 * c1),
              "W7": ((flat, HIDDEN), flat), "W10": ((HIDDEN, NUM_CLASSES), HIDDEN)}
    params = {}
    for key, (shape, fan_in) in shapes.items():
        params[key] = (rng.standard_normal(shape) * np.sqrt(2 / fan_in)).astype(np.float32)
        params["b" + key[1:]] = np.zeros(shape[-1] if key in ("W7", "W10") else shape[0],
                                         dtype=np.float32)
    return params


def build_network(params, running=None, dropout_seed=None):
    """The network with the given parameters (running is unused: no batch norm)."""
    return SequentialNet([
        Convolution(params["W1"], params["b1"], stride=1, pad=1), Relu(),
        Pooling(2, 2, stride=2),
        Convolution(params["W4"], params["b4"], stride=1, pad=1), Relu(),
        Pooling(2, 2, stride=2),
        Affine(params["W7"], params["b7"]), Relu(), Dropout(0.4, seed=dropout_seed),
        Affine(params["W10"], params["b10"]),
    ])


def running_stats(network):
    """No batch normalisation here: nothing to keep."""
    return {}


def _bilinear(images, x, y):
    """Sample images (N, H, W) at float pixel coordinates x, y (N, H, W); zero outside.

    One flat index per output pixel and four takes from the padded images (several times
    faster than indexing with three index arrays); the result has the images' dtype.
    """
    n, height, width = images.shape
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1))).ravel()
    x = np.clip(x + 1.0, 0.0, width + 0.999)
    y = np.clip(y + 1.0, 0.0, height + 0.999)
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = (x - x0).astype(images.dtype), (y - y0).astype(images.dtype)
    row = width + 2
    index = (x0.astype(np.intp) + y0.astype(np.intp) * row
             + (np.arange(n) * (row * (height + 2)))[:, None, None])
    top = padded.take(index)
    top += (padded.take(index + 1) - top) * fx
    bottom = padded.take(index + row)
    bottom += (padded.take(index + row + 1) - bottom) * fx
    return top + (bottom - top) * fy


def _extent(profile, tail=0.01):
    """Length (px) of the span holding all but tail of each row's mass at either end."""
    cumulative = np.cumsum(profile, axis=1) / np.maximum(profile.sum(axis=1, keepdims=True),
                                                          1e-6)
    first = (cumulative < tail).sum(axis=1)
    last = (cumulative < 1 - tail).sum(axis=1)
    return (last - first + 1).astype(np.float64)


def normalise(images):
    """Centre each character (centre of mass) and scale its longer side to BOX pixels.

    images -- float (N, 28, 28), ink bright; returns float32 (N, 28, 28).
    """
    n, size = len(images), images.shape[-1]
    # The ink level: a high percentile, which a few bright noise pixels do not move.
    peak = np.maximum(np.percentile(images, 99, axis=(1, 2), keepdims=True), 1e-3)
    ink = np.where(images > INK_THRESHOLD * peak, images, 0.0)
    # The extent holding the middle 98 % of the ink: a few noisy pixels do not stretch it.
    height = _extent(ink.sum(axis=2))
    width = _extent(ink.sum(axis=1))
    scale = BOX / np.maximum(np.maximum(height, width), 1.0)   # output px per input px
    index = np.arange(size)
    mass = np.maximum(ink.sum(axis=(1, 2)), 1e-6)
    centre_y = ink.sum(axis=2) @ index / mass
    centre_x = ink.sum(axis=1) @ index / mass
    grid = index - (size - 1) / 2
    src_y = grid[None, :, None] / scale[:, None, None] + centre_y[:, None, None]
    src_x = grid[None, None, :] / scale[:, None, None] + centre_x[:, None, None]
    src_y = np.broadcast_to(src_y, (n, size, size))
    src_x = np.broadcast_to(src_x, (n, size, size))
    return np.clip(_bilinear(images, src_x, src_y) / peak, 0.0, 1.0).astype(np.float32)


def _cross_filter(images, pick):
    """3 × 3 cross-shaped max or min filter of (N, H, W) images (zero outside)."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    height, width = images.shape[1:]
    return pick(np.stack([padded[:, 1:height + 1, 1:width + 1],
                          padded[:, :height, 1:width + 1], padded[:, 2:, 1:width + 1],
                          padded[:, 1:height + 1, :width], padded[:, 1:height + 1, 2:]]), axis=0)


def stroke_widths(images):
    """Mean stroke width (px) of each image: twice the ink area over the edge length."""
    area = images.sum(axis=(1, 2))
    edges = (np.abs(np.diff(images, axis=1)).sum(axis=(1, 2))
             + np.abs(np.diff(images, axis=2)).sum(axis=(1, 2)))
    return 2 * area / np.maximum(edges, 1e-6)


def normalise_width(images):
    """Thicken thin strokes and thin thick ones towards TARGET_WIDTH pixels.

    A 3 × 3 cross max (min) filter widens (narrows) a stroke by about 2 px; blending a
    fraction of it changes the width by a fraction of that. Thinning is capped at half a
    filter so that a thin stroke never vanishes. Width is measured on, and grown from, the
    ink (pixels above INK_THRESHOLD), so paper noise neither counts as edges nor spreads.
    """
    ink = np.where(images > INK_THRESHOLD, images, 0.0)
    change = np.clip((TARGET_WIDTH - stroke_widths(ink)) / 2, -0.5, 1.0)[:, None, None]
    grown = np.maximum(_cross_filter(ink, np.max), images)
    thick = images + np.maximum(change, 0) * (grown - images)
    return thick + np.minimum(change, 0) * (images - _cross_filter(images, np.min))


def preprocess(x_raw):
    """uint8 (N, 1, 28, 28) → float32 (N, 1, 28, 28) in [0, 1], normalised.

    Centred, scaled to BOX pixels and brought to TARGET_WIDTH-pixel strokes.
    """
    x = np.asarray(x_raw, dtype=np.float32).reshape(-1, 28, 28) / 255.0
    return normalise_width(normalise(x)).astype(np.float32)[:, np.newaxis]


_NETWORK = None


def predict(x):
    """x: (N, 1, 28, 28) preprocessed images → (N, 15) probabilities."""
    global _NETWORK
    if _NETWORK is None:
        with np.load(WEIGHTS) as data:
            _NETWORK = build_network({key: data[key] for key in data.files})
    return softmax(_NETWORK.predict(np.asarray(x, dtype=np.float32), train_flg=False))
