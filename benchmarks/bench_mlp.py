"""How much of a TwoLayerNet training step is spent in its matrix products?

For TwoLayerNet 784-100-10, batch 100 and 1000, float32 and float64, 1 and 2 BLAS
threads: the median time of one training step (gradient by backprop + SGD update) and
the median time of the same step's six matrix products alone, measured in the same
run, and their ratio. Target: ≥ 80 % of the step in the products. If PyTorch is
importable, the same model's step in PyTorch is printed too (never a dependency).

Run:  .venv/bin/python benchmarks/bench_mlp.py [--repeats 200]
"""

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from dlbasics.networks import TwoLayerNet
from dlbasics.optimizers import SGD

INPUT, HIDDEN, OUTPUT = 784, 100, 10


def median_time(func, repeats):
    for _ in range(5):
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def make_batch(batch, dtype, rng):
    x = rng.random((batch, INPUT)).astype(dtype)
    t = rng.integers(0, OUTPUT, batch)
    return x, t


def dlbasics_step(batch, dtype, rng):
    net = TwoLayerNet(INPUT, HIDDEN, OUTPUT, weight_init_std=0.01, seed=0, dtype=dtype)
    optimizer = SGD(lr=0.1)
    x, t = make_batch(batch, dtype, rng)

    def step():
        optimizer.update(net.params, net.gradient(x, t))

    return step


def products_only(batch, dtype, rng):
    """The six products of one step, on arrays of the step's shapes."""
    x, _ = make_batch(batch, dtype, rng)
    w1 = rng.standard_normal((INPUT, HIDDEN)).astype(dtype)
    w2 = rng.standard_normal((HIDDEN, OUTPUT)).astype(dtype)
    h = rng.random((batch, HIDDEN)).astype(dtype)
    dout = rng.random((batch, OUTPUT)).astype(dtype)

    def products():
        x @ w1                      # forward, layer 1
        h @ w2                      # forward, layer 2
        dout @ w2.T                 # dx of layer 2
        h.T @ dout                  # dW2
        h @ w1.T                    # dx of layer 1 (dh has h's shape)
        x.T @ h                     # dW1

    return products


def torch_step(batch, dtype, threads):
    import torch

    torch.set_num_threads(threads)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    model = torch.nn.Sequential(torch.nn.Linear(INPUT, HIDDEN), torch.nn.ReLU(),
                                torch.nn.Linear(HIDDEN, OUTPUT)).to(tdtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.rand(batch, INPUT, dtype=tdtype)
    t = torch.randint(0, OUTPUT, (batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), t).backward()
        opt.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    blas = [(i.get("internal_api"), i.get("architecture")) for i in threadpool_info()]
    print(f"numpy {np.__version__}; BLAS {blas}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'dtype':8} {'batch':>5} {'thr':>3} {'step ms':>9} {'products ms':>12} "
          f"{'share':>6}" + (f" {'torch ms':>9}" if have_torch else ""))
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for batch in (100, 1000):
            for threads in (1, 2):
                with threadpool_limits(limits=threads):
                    step = median_time(dlbasics_step(batch, dtype, rng), args.repeats)
                    prods = median_time(products_only(batch, dtype, rng), args.repeats)
                line = (f"{np.dtype(dtype).name:8} {batch:5d} {threads:3d} {step * 1e3:9.3f} "
                        f"{prods * 1e3:12.3f} {prods / step:6.0%}")
                if have_torch:
                    torch_time = median_time(torch_step(batch, dtype, threads), args.repeats)
                    line += f" {torch_time * 1e3:9.3f}"
                print(line)
    if not have_torch:
        print("(PyTorch not installed: no comparison; it is never a dependency)")


if __name__ == "__main__":
    main()
