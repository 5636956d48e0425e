"""Networks built from :mod:`dlbasics.layers`, with the book's API.

Every network has ``params`` (a dict of arrays shared with its layers, so optimizers
can update them in place), ``predict(x)``, ``loss(x, t)``, ``accuracy(x, t)``,
``numerical_gradient(x, t)`` and ``gradient(x, t)`` (backpropagation). ``t`` may be
integer labels (N,) or one-hot (N, C) everywhere.
"""

import numpy as np

from dlbasics.gradient import numerical_gradient
from dlbasics.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)

__all__ = ["TwoLayerNet", "MultiLayerNet", "SimpleConvNet", "SequentialNet", "weight_scale"]


def _labels(t):
    t = np.asarray(t)
    return np.argmax(t, axis=1) if t.ndim != 1 else t


class _Network:
    """Shared behaviour: a list of layers ending in SoftmaxWithLoss."""

    def predict(self, x, train_flg=False):
        """x: inputs (N, ...). Returns scores (N, output_size) before softmax."""
        for layer in self.layers:
            if isinstance(layer, (Dropout, BatchNormalization)):
                x = layer.forward(x, train_flg)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        """Mean cross-entropy loss of the batch (plus any weight-decay term)."""
        return self.last_layer.forward(self.predict(x, train_flg), t) + self._decay_loss()

    def _decay_loss(self):
        return 0.0

    def accuracy(self, x, t, batch_size=1000):
        """Fraction of samples whose highest score is the true class (a float in [0, 1])."""
        t = _labels(t)
        correct = 0
        for start in range(0, x.shape[0], batch_size):
            y = self.predict(x[start:start + batch_size])
            correct += int(np.sum(np.argmax(y, axis=1) == t[start:start + batch_size]))
        return correct / x.shape[0]

    def numerical_gradient(self, x, t):
        """Gradients of the loss by central differences (slow; for checking only).

        Returns a dict with the keys of ``params``.
        """
        return {
            key: numerical_gradient(lambda _p: self.loss(x, t), param)
            for key, param in self.params.items()
        }

    def _backward(self):
        dout = self.last_layer.backward(1)
        first, *rest = self.layers
        for layer in reversed(rest):
            dout = layer.backward(dout)
        if isinstance(first, (Affine, Convolution)):
            # the gradient of the data is never used: skip its product (and col2im)
            first.backward(dout, need_dx=False)
        else:
            first.backward(dout)


class TwoLayerNet(_Network):
    """input → Affine → ReLU → Affine → Softmax-with-loss.

    Inputs:
    - input_size, hidden_size, output_size: layer widths.
    - weight_init_std: standard deviation of the initial weights (biases start at 0).
    - seed: seed or ``np.random.Generator`` for the initial weights.
    - dtype: float dtype of the parameters (float32 halves memory and time).

    ``params``: W1 (input_size, hidden_size), b1 (hidden_size,),
    W2 (hidden_size, output_size), b2 (output_size,).
    """

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, seed=None,
                 dtype=np.float64):
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": (weight_init_std * rng.standard_normal((input_size, hidden_size))).astype(dtype),
            "b1": np.zeros(hidden_size, dtype=dtype),
            "W2": (weight_init_std * rng.standard_normal((hidden_size, output_size))).astype(
                dtype),
            "b2": np.zeros(output_size, dtype=dtype),
        }
        self.layers = [
            Affine(self.params["W1"], self.params["b1"]),
            Relu(),
            Affine(self.params["W2"], self.params["b2"]),
        ]
        self.last_layer = SoftmaxWithLoss()

    def gradient(self, x, t):
        """Gradients of the loss by backpropagation: a dict with W1, b1, W2, b2."""
        self.loss(x, t)
        self._backward()
        first, _, second = self.layers
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}


def weight_scale(init, fan_in):
    """Standard deviation of initial weights.

    - 'he' or 'relu': √(2 / fan_in) (He et al., suits ReLU).
    - 'xavier' or 'sigmoid': √(1 / fan_in) (Glorot & Bengio, suits sigmoid/tanh).
    - a number: that number.
    """
    if isinstance(init, str):
        name = init.lower()
        if name in ("he", "relu"):
            return np.sqrt(2.0 / fan_in)
        if name in ("xavier", "sigmoid"):
            return np.sqrt(1.0 / fan_in)
        raise ValueError(f"unknown weight_init_std {init!r}: use 'he', 'xavier' or a number")
    return float(init)


class MultiLayerNet(_Network):
    """A fully connected net: (Affine → [BatchNorm] → activation → [Dropout]) × L → Affine.

    Inputs:
    - input_size: features per sample.
    - hidden_size_list: widths of the hidden layers, e.g. [100, 100, 100].
    - output_size: number of classes.
    - activation: 'relu' or 'sigmoid'.
    - weight_init_std: 'he', 'xavier' or a number (see :func:`weight_scale`).
    - weight_decay_lambda: λ of the L2 penalty ½ λ Σ‖W‖² added to the loss.
    - use_dropout, dropout_ratio: inverted dropout after each activation.
    - use_batchnorm: batch normalisation before each activation.
    - seed: seed for the initial weights and dropout masks.
    - dtype: float dtype of the parameters (float32 inputs and parameters keep the whole
      step in float32).

    ``params``: W1..W{L+1}, b1..b{L+1}, and gamma1..gammaL, beta1..betaL with batch norm.
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu",
                 weight_init_std="he", weight_decay_lambda=0, use_dropout=False,
                 dropout_ratio=0.5, use_batchnorm=False, seed=None, dtype=np.float64):
        activations = {"relu": Relu, "sigmoid": Sigmoid}
        if activation not in activations:
            raise ValueError(f"activation must be 'relu' or 'sigmoid'; got {activation!r}")
        rng = np.random.default_rng(seed)
        self.weight_decay_lambda = weight_decay_lambda
        self.hidden_layer_num = len(hidden_size_list)
        sizes = [input_size, *hidden_size_list, output_size]
        self.params = {}
        self.layers = []
        self._affines = []
        self._batchnorms = {}
        for idx in range(1, len(sizes)):
            fan_in, fan_out = sizes[idx - 1], sizes[idx]
            scale = weight_scale(weight_init_std, fan_in)
            self.params[f"W{idx}"] = (scale * rng.standard_normal((fan_in, fan_out))).astype(
                dtype, copy=False)
            self.params[f"b{idx}"] = np.zeros(fan_out, dtype=dtype)
            affine = Affine(self.params[f"W{idx}"], self.params[f"b{idx}"])
            self.layers.append(affine)
            self._affines.append(affine)
            if idx == len(sizes) - 1:
                break
            if use_batchnorm:
                self.params[f"gamma{idx}"] = np.ones(fan_out, dtype=dtype)
                self.params[f"beta{idx}"] = np.zeros(fan_out, dtype=dtype)
                bn = BatchNormalization(self.params[f"gamma{idx}"], self.params[f"beta{idx}"])
                self.layers.append(bn)
                self._batchnorms[idx] = bn
            self.layers.append(activations[activation]())
            if use_dropout:
                self.layers.append(Dropout(dropout_ratio, seed=rng))
        self.last_layer = SoftmaxWithLoss()

    def _decay_loss(self):
        if not self.weight_decay_lambda:
            return 0.0
        return 0.5 * self.weight_decay_lambda * sum(
            float(np.sum(affine.W**2)) for affine in self._affines
        )

    def gradient(self, x, t):
        """Gradients by backpropagation (training mode), including the weight-decay term."""
        self.loss(x, t, train_flg=True)
        self._backward()
        grads = {}
        for idx, affine in enumerate(self._affines, start=1):
            grads[f"W{idx}"] = affine.dW
            if self.weight_decay_lambda:  # no two extra arrays per layer when there is no decay
                grads[f"W{idx}"] = affine.dW + self.weight_decay_lambda * affine.W
            grads[f"b{idx}"] = affine.db
        for idx, bn in self._batchnorms.items():
            grads[f"gamma{idx}"] = bn.dgamma
            grads[f"beta{idx}"] = bn.dbeta
        return grads


class SimpleConvNet(_Network):
    """conv → ReLU → max-pool(2×2) → Affine → ReLU → Affine → Softmax-with-loss.

    Inputs:
    - input_dim: (C, H, W) of one image, e.g. (1, 28, 28).
    - conv_param: dict with filter_num, filter_size, pad, stride.
    - hidden_size: width of the hidden fully connected layer.
    - output_size: number of classes.
    - weight_init_std: a number, or 'he' for √(2 / fan_in) per layer.
    - seed: seed for the initial weights.

    ``params``: W1 (FN, C, FS, FS), b1 (FN,), W2 (FN·PH·PW, hidden), b2, W3 (hidden, out), b3.
    """

    def __init__(self, input_dim=(1, 28, 28), conv_param=None, hidden_size=100, output_size=10,
                 weight_init_std=0.01, seed=None):
        conv = {"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1}
        conv.update(conv_param or {})
        channels, height, width = input_dim
        filter_num, filter_size = conv["filter_num"], conv["filter_size"]
        conv_h = (height + 2 * conv["pad"] - filter_size) // conv["stride"] + 1
        conv_w = (width + 2 * conv["pad"] - filter_size) // conv["stride"] + 1
        if conv_h % 2 or conv_w % 2:
            raise ValueError(
                f"the convolution output {conv_h}×{conv_w} must be even for 2×2 pooling; "
                "change filter_size or pad"
            )
        pool_output_size = filter_num * (conv_h // 2) * (conv_w // 2)
        rng = np.random.default_rng(seed)
        fan_ins = (channels * filter_size**2, pool_output_size, hidden_size)
        scales = [weight_scale(weight_init_std, fan_in) for fan_in in fan_ins]
        self.params = {
            "W1": scales[0] * rng.standard_normal((filter_num, channels, filter_size, filter_size)),
            "b1": np.zeros(filter_num),
            "W2": scales[1] * rng.standard_normal((pool_output_size, hidden_size)),
            "b2": np.zeros(hidden_size),
            "W3": scales[2] * rng.standard_normal((hidden_size, output_size)),
            "b3": np.zeros(output_size),
        }
        self.layers = [
            Convolution(self.params["W1"], self.params["b1"], conv["stride"], conv["pad"]),
            Relu(),
            Pooling(pool_h=2, pool_w=2, stride=2),
            Affine(self.params["W2"], self.params["b2"]),
            Relu(),
            Affine(self.params["W3"], self.params["b3"]),
        ]
        self.last_layer = SoftmaxWithLoss()

    def gradient(self, x, t):
        """Gradients by backpropagation: a dict with W1..W3, b1..b3."""
        self.loss(x, t)
        self._backward()
        conv, affine1, affine2 = self.layers[0], self.layers[3], self.layers[5]
        return {
            "W1": conv.dW, "b1": conv.db,
            "W2": affine1.dW, "b2": affine1.db,
            "W3": affine2.dW, "b3": affine2.db,
        }


class SequentialNet(_Network):
    """Any stack of layers followed by Softmax-with-loss (for deeper CNNs and projects).

    Inputs:
    - layers: list of layer objects (``Affine``, ``Convolution``, ``Relu``, ``Pooling``,
      ``BatchNormalization``, ``Dropout``...).

    ``params`` collects every layer attribute ``W``, ``b``, ``gamma``, ``beta`` under the
    key ``<name><position>`` (position counted from 1), e.g. W1, b1 of a first
    Convolution and gamma2, beta2 of a BatchNormalization after it. The arrays are
    shared with the layers, so optimizers update the layers in place.
    """

    PARAM_NAMES = ("W", "b", "gamma", "beta")

    def __init__(self, layers):
        self.layers = list(layers)
        self.last_layer = SoftmaxWithLoss()
        self.params = {}
        self._sources = []
        for position, layer in enumerate(self.layers, start=1):
            for name in self.PARAM_NAMES:
                value = getattr(layer, name, None)
                if isinstance(value, np.ndarray):
                    key = f"{name}{position}"
                    self.params[key] = value
                    self._sources.append((key, layer, name))

    def gradient(self, x, t):
        """Gradients by backpropagation (training mode): a dict with the keys of params."""
        self.loss(x, t, train_flg=True)
        self._backward()
        return {key: getattr(layer, "d" + name) for key, layer, name in self._sources}
