"""How fast is dlbasics' Convolution against the book's im2col layer and PyTorch?

Convolution with 16 filters 5×5 (stride 1, no padding) on a batch of 100 images of
1×28×28, forward + backward (dx, dW, db), float32 and float64, 1 and 2 threads:
- ``book``: the im2col layer as the book and notebook 11 write it
  (``benchmarks/book_layers.py``, the library's layer before the per-image layout);
- ``dlbasics``: ``dlbasics.layers.Convolution``;
- ``torch``: ``torch.nn.functional.conv2d`` with autograd on input, weights and bias,
  same shapes, dtype and thread count (printed only if PyTorch is importable; it is
  never a dependency of this project).
The three are timed in interleaved rounds (``benchmarks/timing.py``); the table gives
median ms per pass and the ratios dlbasics / torch by wall clock and by CPU time.
Then the pieces of dlbasics' pass, each timed alone, with their share.

Targets (issue 16): dlbasics / torch ≤ 1.0× in float32 and ≤ 1.2× in float64.

Run:  .venv/bin/python benchmarks/bench_conv.py [--rounds 15] [--calls 3]
"""

import argparse

import numpy as np
from book_layers import BookConvolution
from timing import header, interleaved, load_torch, ratio_cells, threads

from dlbasics.im2col import fold_batch, unfold_batch
from dlbasics.layers import Convolution

BATCH, CHANNELS, HEIGHT, WIDTH = 100, 1, 28, 28
FILTERS, FILTER_SIZE = 16, 5
OUT = HEIGHT - FILTER_SIZE + 1   # stride 1, no padding: 24


def make_data(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, CHANNELS, HEIGHT, WIDTH)).astype(dtype)
    w = (0.1 * rng.standard_normal((FILTERS, CHANNELS, FILTER_SIZE, FILTER_SIZE))).astype(dtype)
    b = np.zeros(FILTERS, dtype=dtype)
    dout = rng.standard_normal((BATCH, FILTERS, OUT, OUT)).astype(dtype)
    return x, w, b, dout


def layer_pass(layer_class, dtype):
    x, w, b, dout = make_data(dtype)
    layer = layer_class(w, b)

    def forward_backward():
        layer.forward(x)
        layer.backward(dout)

    return forward_backward


def torch_pass(torch, dtype):
    x_np, w_np, b_np, dout_np = make_data(dtype)
    x, w, b = (torch.from_numpy(a).requires_grad_() for a in (x_np, w_np, b_np))
    dout = torch.from_numpy(dout_np)

    def forward_backward():
        x.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(x, w, b).backward(dout)

    return forward_backward


def pieces(dtype):
    """The pieces of dlbasics' forward + backward, each as its own callable."""
    x, w, b, dout = make_data(dtype)
    size = FILTER_SIZE
    cols = np.vstack([unfold_batch(x, size, size), np.ones((1, BATCH * OUT * OUT), dtype)])
    w_rows = np.hstack([w.reshape(FILTERS, -1), b[:, None]])
    rows = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(FILTERS, -1)
    dcols = w_rows[:, :-1].T @ rows
    return {
        "unfold_batch": lambda: unfold_batch(x, size, size),
        "[W|b] @ cols (out)": lambda: w_rows @ cols,
        "NCHW copies": lambda: (np.ascontiguousarray(dout.transpose(1, 0, 2, 3)),
                                np.ascontiguousarray(rows.reshape(dout.shape[1], BATCH, OUT,
                                                                  OUT).transpose(1, 0, 2, 3))),
        "dout @ cols.T (dW,db)": lambda: rows @ cols.T,
        "W.T @ dout (dcols)": lambda: w_rows[:, :-1].T @ rows,
        "fold_batch (dx)": lambda: fold_batch(dcols, x.shape, size, size),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=3, help="calls per candidate per round")
    args = parser.parse_args()
    torch = load_torch()
    print(header(torch))
    print(f"Convolution {FILTERS} filters {FILTER_SIZE}×{FILTER_SIZE}, batch {BATCH} of "
          f"{CHANNELS}×{HEIGHT}×{WIDTH}, forward + backward; median ms (wall) of "
          f"{args.rounds} interleaved rounds; ratios wall / CPU time")
    line = f"{'dtype':8} {'thr':>3} {'book':>7} {'dlbasics':>9}"
    if torch is not None:
        line += f" {'torch':>7} {'book / torch':>17} {'dlbasics / torch':>17}"
    print(line)
    breakdown = []
    for dtype in (np.float32, np.float64):
        for count in (1, 2):
            with threads(count, torch):
                candidates = {"book": layer_pass(BookConvolution, dtype),
                              "dlbasics": layer_pass(Convolution, dtype)}
                if torch is not None:
                    candidates["torch"] = torch_pass(torch, dtype)
                result = interleaved(candidates, args.rounds, args.calls)
                breakdown.append((np.dtype(dtype).name, count, interleaved(
                    pieces(dtype), args.rounds, args.calls), result["dlbasics"]["wall"]))
            line = (f"{np.dtype(dtype).name:8} {count:3d} {result['book']['wall'] * 1e3:7.2f} "
                    f"{result['dlbasics']['wall'] * 1e3:9.2f}")
            if torch is not None:
                line += (f" {result['torch']['wall'] * 1e3:7.2f} "
                         f"{ratio_cells(result, 'book', 'torch'):>17} "
                         f"{ratio_cells(result, 'dlbasics', 'torch'):>17}")
            print(line, flush=True)

    print("\nWhere dlbasics' time goes (each piece timed alone, wall ms and share of the sum):")
    names = list(breakdown[0][2])
    print(f"{'dtype':8} {'thr':>3} " + " ".join(f"{name:>21}" for name in names)
          + f" {'sum':>6} {'pass':>6}")
    for dtype_name, count, result, whole in breakdown:
        total = sum(r["wall"] for r in result.values())
        cells = " ".join(f"{result[n]['wall'] * 1e3:12.2f} {result[n]['wall'] / total:5.0%}  "
                         for n in names)
        print(f"{dtype_name:8} {count:3d} {cells} {total * 1e3:6.2f} {whole * 1e3:6.2f}")


if __name__ == "__main__":
    main()
