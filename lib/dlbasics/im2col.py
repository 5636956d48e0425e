"""im2col / col2im: turn convolution into one matrix product.

Both are vectorised over the batch and the output pixels: ``im2col`` is one strided
view and one copy; ``col2im`` loops only over the filter_h × filter_w kernel offsets.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["conv_output_size", "im2col", "col2im"]


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """Output size (H or W) of a convolution or pooling: (in + 2·pad − filter) // stride + 1.

    As in the book and PyTorch, a window that would stick out past the padded input is
    dropped (floor division). Raises ValueError when the window does not fit even once.
    """
    span = input_size + 2 * pad - filter_size
    if span < 0 or stride < 1:
        raise ValueError(
            f"filter {filter_size} with stride {stride} and pad {pad} does not fit an input "
            f"of size {input_size}: need in + 2*pad >= filter and stride >= 1"
        )
    return span // stride + 1


def im2col(input_data, filter_h, filter_w, stride=1, pad=0, pad_value=0.0):
    """Unfold every filter-sized patch of a batch of images into a row.

    Inputs:
    - input_data: array of shape (N, C, H, W).
    - filter_h, filter_w: the patch size.
    - stride, pad: as in the convolution.
    - pad_value: value used for padding (0 for convolution; -inf suits max pooling).

    Returns:
    - col: array of shape (N * out_h * out_w, C * filter_h * filter_w). Row
      ``(n * out_h + i) * out_w + j`` holds the patch at output pixel (i, j) of image n,
      laid out as (C, filter_h, filter_w).
    """
    x = np.asarray(input_data)
    if x.ndim != 4:
        raise ValueError(f"im2col expects (N, C, H, W) input; got shape {x.shape}")
    n, c, h, w = x.shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    if pad:
        x = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], constant_values=pad_value)
    else:
        x = np.ascontiguousarray(x)
    sn, sc, sh, sw = x.strides
    # A read-only view (N, out_h, out_w, C, filter_h, filter_w) onto x: no data is copied
    # until the reshape below lays the patches out as rows.
    patches = as_strided(
        x,
        shape=(n, out_h, out_w, c, filter_h, filter_w),
        strides=(sn, sh * stride, sw * stride, sc, sh, sw),
        writeable=False,
    )
    return patches.reshape(n * out_h * out_w, c * filter_h * filter_w)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Fold rows of patches back into images, summing where patches overlap.

    This is the adjoint of :func:`im2col`, which is what a backward pass needs.

    Inputs:
    - col: array of shape (N * out_h * out_w, C * filter_h * filter_w).
    - input_shape: (N, C, H, W) of the original input (before padding).
    - filter_h, filter_w, stride, pad: as given to :func:`im2col`.

    Returns:
    - array of shape ``input_shape``.
    """
    n, c, h, w = input_shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    col = np.asarray(col)
    expected = (n * out_h * out_w, c * filter_h * filter_w)
    if col.shape != expected:
        raise ValueError(f"col2im: col has shape {col.shape}, expected {expected}")
    patches = col.reshape(n, out_h, out_w, c, filter_h, filter_w)
    img = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for dy in range(filter_h):
        y_max = dy + stride * out_h
        for dx in range(filter_w):
            x_max = dx + stride * out_w
            # every output pixel's (dy, dx) element lands on one strided grid of the image
            img[:, :, dy:y_max:stride, dx:x_max:stride] += patches[:, :, :, :, dy, dx].transpose(
                0, 3, 1, 2
            )
    return img[:, :, pad:h + pad, pad:w + pad]
