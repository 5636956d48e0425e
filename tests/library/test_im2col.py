"""dlbasics.im2col: layout, adjointness, vectorisation."""

import inspect

import numpy as np
import pytest

from dlbasics import im2col as module
from dlbasics.im2col import col2im, conv_output_size, im2col


def test_book_shapes():
    x1 = np.random.default_rng(0).random((1, 3, 7, 7))
    assert im2col(x1, 5, 5, stride=1, pad=0).shape == (9, 75)
    x2 = np.random.default_rng(0).random((10, 3, 7, 7))
    assert im2col(x2, 5, 5, stride=1, pad=0).shape == (90, 75)


def test_layout_row_and_column_order():
    x = np.arange(2 * 2 * 4 * 4, dtype=float).reshape(2, 2, 4, 4)
    col = im2col(x, 2, 3, stride=1, pad=0)
    out_h, out_w = 3, 2
    for n in range(2):
        for i in range(out_h):
            for j in range(out_w):
                row = col[(n * out_h + i) * out_w + j]
                np.testing.assert_array_equal(row, x[n, :, i:i + 2, j:j + 3].reshape(-1))


def test_padding_and_stride():
    x = np.ones((1, 1, 3, 3))
    col = im2col(x, 3, 3, stride=2, pad=1)
    assert col.shape == (4, 9)
    assert col[0].reshape(3, 3)[0].sum() == 0  # the top padding row


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (1, 2), (3, 1)])
def test_col2im_is_the_adjoint_of_im2col(stride, pad):
    # <im2col(x), c> == <x, col2im(c)> for all x, c
    rng = np.random.default_rng(stride * 10 + pad)
    x = rng.standard_normal((2, 3, 7, 6))
    col = im2col(x, 3, 2, stride, pad)
    c = rng.standard_normal(col.shape)
    back = col2im(c, x.shape, 3, 2, stride, pad)
    assert back.shape == x.shape
    assert np.sum(col * c) == pytest.approx(np.sum(x * back), rel=1e-12)


def test_im2col_does_not_modify_or_alias_input():
    x = np.random.default_rng(1).random((2, 1, 4, 4))
    before = x.copy()
    col = im2col(x, 2, 2)
    col[...] = 0  # writing to the result must not reach x
    np.testing.assert_array_equal(x, before)


def test_no_python_loop_over_pixels_or_batch():
    source = inspect.getsource(module.im2col)
    assert "for " not in source.split('"""')[-1]
    loops = [line.strip() for line in inspect.getsource(module.col2im).splitlines()
             if line.strip().startswith("for ")]
    assert loops == ["for dy in range(filter_h):", "for dx in range(filter_w):"]


def test_output_size_and_errors():
    assert conv_output_size(28, 5) == 24
    assert conv_output_size(7, 3, stride=2, pad=1) == 4
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(2, 5)
    with pytest.raises(ValueError, match="N, C, H, W"):
        im2col(np.zeros((3, 3)), 2, 2)
    with pytest.raises(ValueError, match="col2im"):
        col2im(np.zeros((3, 3)), (1, 1, 4, 4), 2, 2)
