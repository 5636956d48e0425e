"""The whole-batch (kernel-offset-first) Convolution and Pooling against the book's.

``benchmarks/book_layers.py`` keeps the im2col layers as the book writes them (the
library's own before the new layout). On random shapes with every stride/pad
combination, non-tiling sizes, ties and both float dtypes, the library's layers must
give the same outputs and gradients to rounding, keep float32 in float32, and agree
with PyTorch autograd when torch is installed (it is never a dependency).
"""

from pathlib import Path

import numpy as np
import pytest

from dlbasics.im2col import col2im, fold_batch, im2col, unfold_batch
from dlbasics.layers import Convolution, Pooling
from module_support import load_module

BOOK_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "book_layers.py"
book_layers = load_module(BOOK_PATH, "book_layers")

# rounding of a sum of ~100 products, relative to the values' scale
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}


def random_cases(seed, count, pooling=False):
    """(x shape, (FN, FH, FW), stride, pad) drawn at random; stride may not tile the input."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n, c = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(3, 10)), int(rng.integers(3, 10))
        fh, fw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        if pooling:
            pad = min(pad, (min(fh, fw) - 1))  # a window of padding only would be -inf
        if h + 2 * pad >= fh and w + 2 * pad >= fw:
            cases.append(((n, c, h, w), (int(rng.integers(1, 5)), fh, fw), stride, pad))
    return cases


def assert_close(actual, expected, dtype, what):
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0)))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOLERANCE[dtype] * scale,
                               err_msg=what)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unfold_batch_holds_im2col_and_fold_batch_holds_col2im(dtype):
    for x_shape, (_, fh, fw), stride, pad in random_cases(1, 25):
        rng = np.random.default_rng(len(x_shape) + fh)
        x = rng.standard_normal(x_shape).astype(dtype)
        cols = unfold_batch(x, fh, fw, stride, pad)
        book = im2col(x, fh, fw, stride, pad)
        np.testing.assert_array_equal(cols.T, book)
        assert cols.dtype == dtype
        reused = np.empty_like(cols)
        assert unfold_batch(x, fh, fw, stride, pad, out=reused) is reused
        np.testing.assert_array_equal(reused, cols)
        upstream = rng.standard_normal(cols.shape).astype(dtype)
        folded = fold_batch(upstream, x_shape, fh, fw, stride, pad)
        expected = col2im(np.ascontiguousarray(upstream.T), x_shape, fh, fw, stride, pad)
        what = f"fold_batch {x_shape} {fh}x{fw} s{stride} p{pad}"
        assert_close(folded, expected, dtype, what)
        n, c, h, w = x_shape
        work = np.full((c, n, h + 2 * pad, w + 2 * pad), 7.0, dtype=dtype)  # stale values
        assert_close(fold_batch(upstream, x_shape, fh, fw, stride, pad, work=work), expected,
                     dtype, f"{what}, reused work array")


def test_unfold_batch_never_aliases_its_input():
    x = np.random.default_rng(2).random((1, 1, 4, 4))
    cols = unfold_batch(x, 1, 1)  # the one case where a reshape alone would be a view
    assert not np.may_share_memory(cols, x)
    with pytest.raises(ValueError, match="fold_batch: cols has shape"):
        fold_batch(np.zeros((2, 3)), (2, 3, 4, 4), 1, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolution_equals_the_book_layout(dtype):
    for x_shape, (fn, fh, fw), stride, pad in random_cases(3, 30):
        rng = np.random.default_rng(fn * 7 + stride)
        x = rng.standard_normal(x_shape).astype(dtype)
        W = rng.standard_normal((fn, x_shape[1], fh, fw)).astype(dtype)
        b = rng.standard_normal(fn).astype(dtype)
        what = f"x {x_shape}, W {W.shape}, stride {stride}, pad {pad}, {np.dtype(dtype)}"
        ours, book = Convolution(W, b, stride, pad), book_layers.BookConvolution(W, b, stride,
                                                                                   pad)
        out = ours.forward(x)
        assert_close(out, book.forward(x), dtype, f"forward: {what}")
        dout = rng.standard_normal(out.shape).astype(dtype)
        assert_close(ours.backward(dout), book.backward(dout), dtype, f"dx: {what}")
        assert_close(ours.dW, book.dW, dtype, f"dW: {what}")
        assert_close(ours.db, book.db, dtype, f"db: {what}")
        np.testing.assert_array_equal(ours.col, book.col)
        np.testing.assert_array_equal(ours.col_W, book.col_W)


def test_convolution_mixed_dtypes_and_first_layer_backward():
    rng = np.random.default_rng(4)
    x = rng.random((3, 2, 6, 5)).astype(np.float32)  # float32 images, float64 weights
    W, b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    ours, book = Convolution(W, b, 2, 1), book_layers.BookConvolution(W, b, 2, 1)
    out = ours.forward(x)
    assert_close(out, book.forward(x), np.float64, "float32 x, float64 W")
    dout = rng.standard_normal(out.shape)
    assert ours.backward(dout, need_dx=False) is None
    book.backward(dout)
    assert_close(ours.dW, book.dW, np.float64, "dW without dx")
    assert_close(ours.db, book.db, np.float64, "db without dx")
    ints = rng.integers(-3, 4, size=(2, 2, 5, 5))
    assert_close(ours.forward(ints), book.forward(ints), np.float64, "integer x")


def tied_values(rng, shape, dtype):
    """Few distinct values, so windows hold ties (the first maximum must win)."""
    return (rng.integers(-3, 3, size=shape) * 0.5).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pooling_equals_the_book_layout_with_ties(dtype):
    for x_shape, (_, ph, pw), stride, pad in random_cases(5, 30, pooling=True):
        rng = np.random.default_rng(ph * 11 + pw + stride)
        x = tied_values(rng, x_shape, dtype)
        what = f"x {x_shape}, pool {ph}x{pw}, stride {stride}, pad {pad}, {np.dtype(dtype)}"
        ours, book = Pooling(ph, pw, stride, pad), book_layers.BookPooling(ph, pw, stride, pad)
        out = ours.forward(x)
        np.testing.assert_array_equal(out, book.forward(x), err_msg=what)
        assert out.dtype == dtype
        np.testing.assert_array_equal(ours.arg_max, book.arg_max, err_msg=what)
        dout = rng.standard_normal(out.shape).astype(dtype)
        assert_close(ours.backward(dout), book.backward(dout), dtype, f"dx: {what}")


def test_pooling_integers_and_nan_as_np_argmax():
    rng = np.random.default_rng(6)
    ints = rng.integers(-100, 100, size=(2, 3, 5, 5))
    for stride, pad in [(2, 0), (1, 1), (2, 1)]:
        ours, book = Pooling(3, 3, stride, pad), book_layers.BookPooling(3, 3, stride, pad)
        np.testing.assert_array_equal(ours.forward(ints), book.forward(ints))
    x = rng.standard_normal((1, 2, 4, 4))
    x[0, 0, 1, 1] = x[0, 1, 3, 2] = x[0, 1, 3, 3] = np.nan  # a NaN must not be pooled away
    ours, book = Pooling(2, 2, 2), book_layers.BookPooling(2, 2, 2)
    np.testing.assert_array_equal(ours.forward(x), book.forward(x))
    np.testing.assert_array_equal(ours.arg_max, book.arg_max)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_convolution_and_pooling_against_pytorch_autograd(dtype):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    rng = np.random.default_rng(7)
    for x_shape, (fn, fh, fw), stride, pad in random_cases(8, 12):
        x = rng.standard_normal(x_shape).astype(dtype)
        W = rng.standard_normal((fn, x_shape[1], fh, fw)).astype(dtype)
        b = rng.standard_normal(fn).astype(dtype)
        layer = Convolution(W, b, stride, pad)
        out = layer.forward(x)
        dout = rng.standard_normal(out.shape).astype(dtype)
        dx = layer.backward(dout)
        xt, Wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
        out_t = functional.conv2d(xt, Wt, bt, stride=stride, padding=pad)
        out_t.backward(torch.from_numpy(dout))
        what = f"conv x {x_shape} W {W.shape} s{stride} p{pad}"
        for ours, theirs, name in [(out, out_t, "out"), (dx, xt.grad, "dx"),
                                   (layer.dW, Wt.grad, "dW"), (layer.db, bt.grad, "db")]:
            assert_close(ours, theirs.detach().numpy(), dtype, f"{name}: {what}")
    for x_shape, (_, ph, pw), stride, pad in random_cases(9, 12, pooling=True):
        pad = min(pad, ph // 2, pw // 2)  # PyTorch's limit on padding
        x = rng.permutation(np.prod(x_shape)).reshape(x_shape).astype(dtype) * 0.01
        layer = Pooling(ph, pw, stride, pad)
        out = layer.forward(x)
        dout = rng.standard_normal(out.shape).astype(dtype)
        xt = torch.tensor(x, requires_grad=True)
        out_t = functional.max_pool2d(xt, (ph, pw), stride, pad)
        out_t.backward(torch.from_numpy(dout))
        what = f"pool x {x_shape} {ph}x{pw} s{stride} p{pad}"
        assert_close(out, out_t.detach().numpy(), dtype, f"out: {what}")
        assert_close(layer.backward(dout), xt.grad.numpy(), dtype, f"dx: {what}")


def test_unfold_batch_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(10).standard_normal((2, 3, 7, 6))
    for stride, pad in [(1, 0), (2, 1), (3, 2)]:
        theirs = torch.nn.functional.unfold(torch.from_numpy(x), (3, 2), padding=pad,
                                            stride=stride).numpy()  # (N, C·FH·FW, OH·OW)
        side_by_side = theirs.transpose(1, 0, 2).reshape(theirs.shape[1], -1)
        np.testing.assert_array_equal(unfold_batch(x, 3, 2, stride, pad), side_by_side)
