"""How fast is dlbasics' im2col convolution, and where does its time go?

Convolution with 16 filters 5×5 (stride 1, no padding) on a batch of 100 images of
1×28×28: the median time of one forward + backward pass of
``dlbasics.layers.Convolution`` (30 timed repeats after a warm-up by default), for
float32 and float64 and 1 and 2 BLAS threads, and the median time of each piece of
that pass measured alone (im2col, the three matrix products, the copy of dout into
rows, col2im) with each piece's share of the sum.

If PyTorch is importable, ``torch.nn.functional.conv2d`` forward + backward (autograd
with requires_grad on the input, the weights and the bias) on the same shapes and
thread count is printed beside it, with the ratio dlbasics / PyTorch. PyTorch is never
a dependency of this project; without it only the dlbasics figures are printed.

Wall time (time.perf_counter) is the default. On a machine shared with other jobs, the
1-thread figures are steadier with ``--clock process`` (CPU time of this process; with 2
threads it adds up both threads' CPU time, so only compare 1-thread rows then).

Run:  .venv/bin/python benchmarks/bench_conv.py [--repeats 30] [--clock wall|process]
"""

import argparse
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from dlbasics.im2col import col2im, im2col
from dlbasics.layers import Convolution

BATCH, CHANNELS, HEIGHT, WIDTH = 100, 1, 28, 28
FILTERS, FILTER_SIZE = 16, 5
OUT = HEIGHT - FILTER_SIZE + 1   # stride 1, no padding: 24


CLOCKS = {"wall": time.perf_counter, "process": time.process_time}
clock = time.perf_counter


def median_time(func, repeats, warmup=3):
    """Median time of func() over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeats):
        start = clock()
        func()
        times.append(clock() - start)
    return statistics.median(times)


def make_data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, CHANNELS, HEIGHT, WIDTH)).astype(dtype)
    w = (0.1 * rng.standard_normal((FILTERS, CHANNELS, FILTER_SIZE, FILTER_SIZE))).astype(dtype)
    b = np.zeros(FILTERS, dtype=dtype)
    dout = rng.standard_normal((BATCH, FILTERS, OUT, OUT)).astype(dtype)
    return x, w, b, dout


def dlbasics_pass(dtype):
    x, w, b, dout = make_data(dtype)
    conv = Convolution(w, b)

    def forward_backward():
        conv.forward(x)
        conv.backward(dout)

    return forward_backward


def dlbasics_pieces(dtype):
    """The pieces of Convolution.forward + backward, each as its own callable."""
    x, w, b, dout = make_data(dtype)
    col = im2col(x, FILTER_SIZE, FILTER_SIZE)
    col_w = w.reshape(FILTERS, -1).T
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, FILTERS)
    dcol = dout_rows @ col_w.T
    return {
        "im2col": lambda: im2col(x, FILTER_SIZE, FILTER_SIZE),
        "col @ W (fwd)": lambda: col @ col_w + b,
        "dout to rows": lambda: dout.transpose(0, 2, 3, 1).reshape(-1, FILTERS),
        "col.T @ dout (dW)": lambda: col.T @ dout_rows,
        "dout @ W.T (dcol)": lambda: dout_rows @ col_w.T,
        "col2im": lambda: col2im(dcol, x.shape, FILTER_SIZE, FILTER_SIZE),
    }


def torch_pass(dtype, threads):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(threads)
    x_np, w_np, b_np, dout_np = make_data(dtype)
    x = torch.from_numpy(x_np).requires_grad_()
    w = torch.from_numpy(w_np).requires_grad_()
    b = torch.from_numpy(b_np).requires_grad_()
    dout = torch.from_numpy(dout_np)

    def forward_backward():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b).backward(dout)

    return forward_backward


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall")
    args = parser.parse_args()
    global clock
    clock = CLOCKS[args.clock]
    try:
        import torch
        have_torch = True
        torch_note = f"PyTorch {torch.__version__}"
    except ImportError:
        have_torch = False
        torch_note = "PyTorch not installed: no comparison (it is never a dependency)"
    blas = [(i.get("internal_api"), i.get("architecture")) for i in threadpool_info()]
    print(f"numpy {np.__version__}; BLAS {blas}; {torch_note}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"Convolution {FILTERS} filters {FILTER_SIZE}×{FILTER_SIZE}, batch {BATCH} of "
          f"{CHANNELS}×{HEIGHT}×{WIDTH}, forward + backward, median of {args.repeats} "
          f"({args.clock} clock)")
    header = f"{'dtype':8} {'thr':>3} {'dlbasics ms':>12}"
    if have_torch:
        header += f" {'torch ms':>9} {'ratio':>6}"
    print(header)
    rows = []
    for dtype in (np.float32, np.float64):
        for threads in (1, 2):
            with threadpool_limits(limits=threads):
                ours = median_time(dlbasics_pass(dtype), args.repeats)
                pieces = {name: median_time(func, args.repeats)
                          for name, func in dlbasics_pieces(dtype).items()}
            line = f"{np.dtype(dtype).name:8} {threads:3d} {ours * 1e3:12.2f}"
            if have_torch:
                theirs = median_time(torch_pass(dtype, threads), args.repeats)
                line += f" {theirs * 1e3:9.2f} {ours / theirs:5.2f}×"
            print(line)
            rows.append((np.dtype(dtype).name, threads, ours, pieces))

    print("\nWhere dlbasics' time goes (each piece timed alone; share of the pieces' sum):")
    names = list(rows[0][3])
    print(f"{'dtype':8} {'thr':>3} " + " ".join(f"{name:>18}" for name in names)
          + f" {'sum ms':>7} {'pass ms':>8}")
    for dtype_name, threads, ours, pieces in rows:
        total = sum(pieces.values())
        cells = " ".join(f"{pieces[n] * 1e3:7.2f} ms {pieces[n] / total:5.0%}  " for n in names)
        print(f"{dtype_name:8} {threads:3d} {cells} {total * 1e3:7.2f} {ours * 1e3:8.2f}")


if __name__ == "__main__":
    main()
