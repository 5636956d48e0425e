"""One training epoch of the katakana reference models: dlbasics, the book's layers, PyTorch.

The architectures are the ones ``grading/katakana/train_reference.py`` trains (read from
there: its SETTINGS for batch size and learning rate, and each
``reference/<name>/submission.py`` for init_params, build_network and preprocess), on the
3,000 training images, one pass in a fixed shuffled order with Adam:
- ``book``: the same network with the book's im2col Convolution/Pooling
  (``benchmarks/book_layers.py``) and the old backward that also computed the data
  gradient of the first layer: the library before issue 16;
- ``dlbasics``: the network exactly as build_network makes it;
- ``torch``: the same layers translated to torch.nn (per-feature batch norm on the
  flattened activations, as dlbasics' BatchNormalization does for 4-D input), same
  parameter dtype, same initial weights, autograd, torch.optim.Adam, same threads
  (only if PyTorch is importable; it is never a dependency).
Augmentation (scipy, the same for all three) is left out: the epoch is the training
steps only. Epochs are timed in interleaved rounds (``benchmarks/timing.py``).

Target (issue 16): a katakana CNN epoch ≤ 1.2× PyTorch.

With ``--profile``, each layer's forward + backward on one batch is also timed alone
(dlbasics against its torch.nn translation, 1 thread, CPU time): where the epoch goes;
then the share of one dlbasics step spent in its matrix products (the same products
replayed on the same operands): the floor that NumPy's BLAS sets.

Run:  .venv/bin/python benchmarks/bench_train.py [cnn fc] [--rounds 3] [--threads 1 2]
          [--steps S] [--profile]
"""

import argparse
import importlib.util
from pathlib import Path

import numpy as np
from book_layers import BookConvolution, BookPooling
from timing import header, interleaved, load_torch, ratio_cells, threads

from dlbasics.datasets import load_katakana
from dlbasics.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
)
from dlbasics.networks import SequentialNet
from dlbasics.optimizers import Adam

ROOT = Path(__file__).resolve().parents[1]


def load_reference():
    """grading/katakana/train_reference.py as a module (it loads the submissions)."""
    path = ROOT / "grading" / "katakana" / "train_reference.py"
    spec = importlib.util.spec_from_file_location("train_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BookNet(SequentialNet):
    """A SequentialNet whose backward also computes the first layer's dx (the old way)."""

    def _backward(self):
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)


def book_layers(layers):
    """The same layers, sharing their arrays, with the book's Convolution and Pooling."""
    swapped = []
    for layer in layers:
        if isinstance(layer, Convolution):
            layer = BookConvolution(layer.W, layer.b, layer.stride, layer.pad)
        elif isinstance(layer, Pooling):
            layer = BookPooling(layer.pool_h, layer.pool_w, layer.stride, layer.pad)
        swapped.append(layer)
    return swapped


def dlbasics_epoch(network, x, t, batch_size, lr):
    """One pass over (x, t) in batches: backprop and an Adam step each."""
    optimizer = Adam(lr=lr)

    def epoch():
        for start in range(0, len(x) - batch_size + 1, batch_size):
            grads = network.gradient(x[start:start + batch_size], t[start:start + batch_size])
            optimizer.update(network.params, grads)

    return epoch


def torch_layer(torch, layer, in_shape):
    """The torch.nn module computing what a dlbasics layer computes on input ``in_shape``."""
    nn = torch.nn
    if isinstance(layer, Convolution):
        fn, c, fh, fw = layer.W.shape
        module = nn.Conv2d(c, fn, (fh, fw), stride=layer.stride, padding=layer.pad)
        weights = (layer.W, layer.b)
    elif isinstance(layer, Affine):
        module = nn.Sequential(nn.Flatten(), nn.Linear(*layer.W.shape))
        weights = (layer.W.T, layer.b)
    elif isinstance(layer, BatchNormalization):
        norm = nn.BatchNorm1d(layer.gamma.size, eps=layer.eps, momentum=1 - layer.momentum)
        module = nn.Sequential(nn.Flatten(), norm, nn.Unflatten(1, in_shape[1:]))
        weights = (layer.gamma, layer.beta)
    elif isinstance(layer, Pooling):
        return nn.MaxPool2d((layer.pool_h, layer.pool_w), layer.stride, layer.pad)
    elif isinstance(layer, Relu):
        return nn.ReLU()
    elif isinstance(layer, Sigmoid):
        return nn.Sigmoid()
    elif isinstance(layer, Dropout):
        return nn.Dropout(layer.dropout_ratio)
    else:
        raise TypeError(f"bench_train: no PyTorch translation for {type(layer).__name__}")
    with torch.no_grad():
        for param, value in zip(module.parameters(), weights):
            param.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return module


def torch_epoch(torch, layers, x, t, batch_size, lr, dtype):
    """One epoch of the same network in PyTorch; shapes traced through dlbasics."""
    modules, sample = [], x[:2].astype(dtype)
    for layer in layers:
        modules.append(torch_layer(torch, layer, sample.shape))
        sample = forward(layer, sample)
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    model = torch.nn.Sequential(*modules).to(tdtype).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    xs, ts = torch.from_numpy(x.astype(dtype)), torch.from_numpy(t.astype(np.int64))
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        for start in range(0, len(x) - batch_size + 1, batch_size):
            optimizer.zero_grad()
            loss_fn(model(xs[start:start + batch_size]), ts[start:start + batch_size]).backward()
            optimizer.step()

    return epoch


def forward(layer, x):
    """A dlbasics layer's training-mode forward pass."""
    if isinstance(layer, (Dropout, BatchNormalization)):
        return layer.forward(x, True)
    return layer.forward(x)


def layer_profile(reference, name, torch, rounds):
    """Print each layer's forward + backward time on one batch: dlbasics and torch (CPU)."""
    module = reference.load_submission(name)
    _, batch_size, _ = reference.SETTINGS[name]
    x_raw, _, _ = load_katakana(return_groups=True)
    params = module.init_params(np.random.default_rng(0))
    layers = module.build_network(params, dropout_seed=0).layers
    x = module.preprocess(x_raw[:batch_size]).astype(np.result_type(*params.values()))
    rng = np.random.default_rng(1)
    totals = {"dlbasics": 0.0, "torch": 0.0}
    print(f"{name}: each layer's forward + backward alone, batch {batch_size}, {x.dtype}, "
          "1 thread, median CPU ms")
    for position, layer in enumerate(layers):
        layer_in, x = x, forward(layer, x)
        dout = rng.standard_normal(x.shape).astype(x.dtype)

        def ours(layer=layer, layer_in=layer_in, dout=dout, first=position == 0):
            forward(layer, layer_in)
            layer.backward(dout, need_dx=False) if first else layer.backward(dout)

        candidates = {"dlbasics": ours}
        if torch is not None:
            tdtype = torch.float64 if layer_in.dtype == np.float64 else torch.float32
            module_t = torch_layer(torch, layer, layer_in.shape).to(tdtype).train()
            input_t = torch.from_numpy(layer_in).requires_grad_(position > 0)
            dout_t = torch.from_numpy(dout)

            def theirs(module_t=module_t, input_t=input_t, dout_t=dout_t):
                input_t.grad = None
                module_t(input_t).backward(dout_t)

            candidates["torch"] = theirs
        result = interleaved(candidates, rounds, calls=3)
        cells = "  ".join(f"{key} {value['cpu'] * 1e3:6.2f}" for key, value in result.items())
        for key, value in result.items():
            totals[key] += value["cpu"]
        print(f"  {position + 1:2d} {type(layer).__name__:18} {str(layer_in.shape):20} {cells}")
    print("  sum " + "  ".join(f"{key} {value * 1e3:.1f} ms" for key, value in totals.items()
                              if value))


def step_products(layers):
    """Callables replaying the matrix products of the last training step, same operands.

    Per Convolution: W @ cols, dout @ cols.T (dW) and, past the first layer, W.T @ dout;
    per Affine: x @ W, x.T @ dout (dW) and, past the first layer, dout @ W.T.
    """
    calls = []
    for position, layer in enumerate(layers):
        if isinstance(layer, Convolution):
            w2 = layer.W.reshape(layer.W.shape[0], -1)
            cols = layer.cols
            rows = np.zeros((w2.shape[0], cols.shape[1]), cols.dtype)
            pairs = [(w2, cols), (rows, cols.T), (w2.T, rows)]
        elif isinstance(layer, Affine):
            dout = np.zeros((layer.x.shape[0], layer.W.shape[1]), layer.x.dtype)
            pairs = [(layer.x, layer.W), (layer.x.T, dout), (dout, layer.W.T)]
        else:
            continue
        calls += [lambda a=a, b=b: a @ b for a, b in pairs[:3 if position else 2]]
    return calls


def gemm_share(reference, name, torch, rounds):
    """Print the share of one dlbasics training step spent in its matrix products."""
    module = reference.load_submission(name)
    _, batch_size, lr = reference.SETTINGS[name]
    x_raw, t, _ = load_katakana(return_groups=True)
    x, t = module.preprocess(x_raw[:batch_size]), t[:batch_size]
    network = module.build_network(module.init_params(np.random.default_rng(0)),
                                   dropout_seed=0)
    step = dlbasics_epoch(network, x, t, batch_size, lr)
    step()
    calls = step_products(network.layers)
    result = interleaved({"step": step, "products": lambda: [call() for call in calls]},
                         rounds, calls=3)
    for clock in ("cpu", "wall"):
        whole, products = result["step"][clock], result["products"][clock]
        print(f"  one step (batch {batch_size}) {whole * 1e3:.1f} ms {clock}, of which its "
              f"{len(calls)} matrix products {products * 1e3:.1f} ms ({products / whole:.0%}); "
              f"the rest {(whole - products) * 1e3:.1f} ms")


def candidates(reference, name, torch, steps=None):
    """name -> one-epoch callable for book, dlbasics (and torch), and a description."""
    module = reference.load_submission(name)
    _, batch_size, lr = reference.SETTINGS[name]
    x_raw, t, _ = load_katakana(return_groups=True)
    order = np.random.default_rng(0).permutation(len(x_raw))
    if steps is not None:
        order = order[:steps * batch_size]
    x, t = module.preprocess(x_raw[order]), t[order]
    params = module.init_params(np.random.default_rng(0))
    network = module.build_network(params, dropout_seed=0)
    dtype = np.result_type(x.dtype, *params.values())
    book_params = {key: value.copy() for key, value in params.items()}
    book = BookNet(book_layers(module.build_network(book_params, dropout_seed=0).layers))
    result = {"book": dlbasics_epoch(book, x, t, batch_size, lr),
              "dlbasics": dlbasics_epoch(network, x, t, batch_size, lr)}
    if torch is not None:
        torch_params = {key: value.copy() for key, value in params.items()}
        torch_layers = module.build_network(torch_params).layers
        result["torch"] = torch_epoch(torch, torch_layers, x, t, batch_size, lr, dtype)
    steps = len(x) // batch_size
    return result, f"{name}: {steps} steps of batch {batch_size}, {np.dtype(dtype)} compute"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=["cnn", "fc"])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved epochs per candidate")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=None,
                        help="time only this many steps (default: the whole epoch)")
    parser.add_argument("--profile", action="store_true",
                        help="also time each layer alone (dlbasics and torch)")
    args = parser.parse_args()
    reference = load_reference()
    unknown = sorted(set(args.models) - set(reference.SETTINGS))
    if unknown:
        parser.error(f"unknown model(s) {unknown}: train_reference.py defines "
                     f"{sorted(reference.SETTINGS)}")
    torch = load_torch()
    print(header(torch))
    print(f"one epoch of training steps, median s (wall) of {args.rounds} interleaved rounds; "
          "ratios wall / CPU time")
    for name in args.models:
        for count in args.threads:
            with threads(count, torch):
                epochs, what = candidates(reference, name, torch, args.steps)
                r = interleaved(epochs, args.rounds, calls=1, warmup=1)
            line = (f"{what}, {count} thread(s): book {r['book']['wall']:.2f} s, dlbasics "
                    f"{r['dlbasics']['wall']:.2f} s")
            if torch is not None:
                line += (f", torch {r['torch']['wall']:.2f} s; book / torch "
                         f"{ratio_cells(r, 'book', 'torch')}, dlbasics / torch "
                         f"{ratio_cells(r, 'dlbasics', 'torch')}")
            print(line, flush=True)
        if args.profile:
            with threads(1, torch):
                layer_profile(reference, name, torch, max(args.rounds, 5))
                gemm_share(reference, name, torch, max(args.rounds, 5))


if __name__ == "__main__":
    main()
