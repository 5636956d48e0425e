"""A TwoLayerNet training step against the old step and PyTorch, and its GEMM share.

TwoLayerNet 784-100-10, batch 100 and 1000, float32 and float64, 1 and 2 threads; one
step is the gradient by backprop plus an SGD update. Timed in interleaved rounds
(``benchmarks/timing.py``), medians:
- ``old``: the step before issue 16, which also computed the first layer's dx
  (the gradient of the data, which no one uses);
- ``dlbasics``: ``TwoLayerNet.gradient`` + ``SGD.update`` as they are;
- ``products``: the five matrix products that step does, alone, on arrays of its shapes
  (their share of the step is what the NumPy bookkeeping leaves to BLAS);
- ``torch``: the same model, loss and SGD in PyTorch, same dtype and threads (only if
  PyTorch is importable; it is never a dependency).

Targets (issue 16, float32, 1 thread): dlbasics / torch ≤ 0.8× at batch 100, ≤ 1.0× at
batch 1000. Issue 2: products ≥ 80 % of the step.

Run:  .venv/bin/python benchmarks/bench_mlp.py [--rounds 15] [--calls 20]
"""

import argparse

import numpy as np
from timing import header, interleaved, load_torch, ratio_cells, threads

from dlbasics.networks import TwoLayerNet
from dlbasics.optimizers import SGD

INPUT, HIDDEN, OUTPUT = 784, 100, 10


def make_batch(batch, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((batch, INPUT)).astype(dtype), rng.integers(0, OUTPUT, batch)


def dlbasics_step(batch, dtype, old=False):
    net = TwoLayerNet(INPUT, HIDDEN, OUTPUT, weight_init_std=0.01, seed=0, dtype=dtype)
    optimizer = SGD(lr=0.1)
    x, t = make_batch(batch, dtype)

    def old_gradient():
        net.loss(x, t)
        dout = net.last_layer.backward(1)
        for layer in reversed(net.layers):  # every layer's dx, the first one's too
            dout = layer.backward(dout)
        first, _, second = net.layers
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}

    gradient = old_gradient if old else (lambda: net.gradient(x, t))

    def step():
        optimizer.update(net.params, gradient())

    return step


def products_only(batch, dtype):
    """The five products of one step, on arrays of the step's shapes."""
    rng = np.random.default_rng(1)
    x, _ = make_batch(batch, dtype)
    w1 = rng.standard_normal((INPUT, HIDDEN)).astype(dtype)
    w2 = rng.standard_normal((HIDDEN, OUTPUT)).astype(dtype)
    h = rng.random((batch, HIDDEN)).astype(dtype)
    dout = rng.random((batch, OUTPUT)).astype(dtype)

    def products():
        x @ w1                      # forward, layer 1
        h @ w2                      # forward, layer 2
        dout @ w2.T                 # dx of layer 2
        h.T @ dout                  # dW2
        x.T @ h                     # dW1 (dh has h's shape)

    return products


def torch_step(torch, batch, dtype):
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(INPUT, HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN, OUTPUT)).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x_np, t_np = make_batch(batch, dtype)
    x, t = torch.from_numpy(x_np), torch.from_numpy(t_np)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), t).backward()
        opt.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20, help="steps per candidate per round")
    args = parser.parse_args()
    torch = load_torch()
    print(header(torch))
    print(f"TwoLayerNet {INPUT}-{HIDDEN}-{OUTPUT} step; median ms (wall) of {args.rounds} "
          f"interleaved rounds of {args.calls} steps; ratios wall / CPU time")
    line = (f"{'dtype':8} {'batch':>5} {'thr':>3} {'old':>7} {'dlbasics':>9} {'products':>9} "
            f"{'share':>6}")
    if torch is not None:
        line += f" {'torch':>7} {'old / torch':>17} {'dlbasics / torch':>17}"
    print(line)
    for dtype in (np.float32, np.float64):
        for batch in (100, 1000):
            calls = max(1, args.calls * 100 // batch)
            for count in (1, 2):
                with threads(count, torch):
                    candidates = {"old": dlbasics_step(batch, dtype, old=True),
                                  "dlbasics": dlbasics_step(batch, dtype),
                                  "products": products_only(batch, dtype)}
                    if torch is not None:
                        candidates["torch"] = torch_step(torch, batch, dtype)
                    r = interleaved(candidates, args.rounds, calls, warmup=3)
                share = r["products"]["wall"] / r["dlbasics"]["wall"]
                line = (f"{np.dtype(dtype).name:8} {batch:5d} {count:3d} "
                        f"{r['old']['wall'] * 1e3:7.3f} {r['dlbasics']['wall'] * 1e3:9.3f} "
                        f"{r['products']['wall'] * 1e3:9.3f} {share:6.0%}")
                if torch is not None:
                    line += (f" {r['torch']['wall'] * 1e3:7.3f}"
                             f" {ratio_cells(r, 'old', 'torch'):>17}"
                             f" {ratio_cells(r, 'dlbasics', 'torch'):>17}")
                print(line, flush=True)


if __name__ == "__main__":
    main()
