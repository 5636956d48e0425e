"""im2col / col2im: turn convolution into matrix products.

Both are vectorised over the batch and the output pixels: ``im2col`` is one strided
view and one copy; ``col2im`` loops only over the filter_h × filter_w kernel offsets.

``im2col`` and ``col2im`` keep the book's layout (one row per output pixel), which is
what notebook 11 teaches. ``unfold_batch`` and ``fold_batch`` hold the same numbers
kernel offset first, the whole batch in one matrix, (C · FH · FW, N · OH · OW) (PyTorch's
``torch.nn.functional.unfold`` per image, side by side): the library's ``Convolution``
uses them, so that each of its three products is one large matrix product, and the
backward fold adds whole (C, N, OH, OW) blocks per kernel offset instead of gathering
one element per row.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "conv_output_size", "im2col", "col2im", "pad_images", "unfold_batch", "fold_batch",
]


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


def pad_images(x, pad, pad_value=0.0, dtype=None):
    """x (N, C, H, W) padded by ``pad`` on both sides of H and W, as a new C-contiguous array.

    ``dtype`` (default: x's) is the dtype of the result; casting happens in the same copy.
    Without padding, x itself is returned when it is already contiguous and of that dtype.
    """
    dtype = x.dtype if dtype is None else np.dtype(dtype)
    if not pad:
        return np.ascontiguousarray(x, dtype=dtype)
    n, c, h, w = x.shape
    out = np.empty((n, c, h + 2 * pad, w + 2 * pad), dtype=dtype)
    out[:, :, :pad] = pad_value
    out[:, :, h + pad:] = pad_value
    out[:, :, pad:h + pad, :pad] = pad_value
    out[:, :, pad:h + pad, w + pad:] = pad_value
    out[:, :, pad:h + pad, pad:w + pad] = x
    return out


def unfold_batch(input_data, filter_h, filter_w, stride=1, pad=0, dtype=None, out=None):
    """Patches of the whole batch in one matrix, kernel offset first.

    Inputs:
    - input_data: array of shape (N, C, H, W).
    - filter_h, filter_w, stride, pad: as in the convolution.
    - dtype: dtype of the result (default: the input's); the cast happens in the copy.
    - out: optional C-contiguous array of the result's shape and dtype to write into
      (a buffer reused from call to call saves allocating and faulting in new memory).

    Returns:
    - cols: a new array (or ``out``) of shape (C * filter_h * filter_w, N * out_h * out_w). Row
      ``(c * filter_h + dy) * filter_w + dx`` holds input pixel
      (n, c, i·stride + dy − pad, j·stride + dx − pad) at column
      ``(n * out_h + i) * out_w + j``, so ``cols.T`` equals :func:`im2col`.
    """
    x = np.asarray(input_data)
    if x.ndim != 4:
        raise ValueError(f"unfold_batch expects (N, C, H, W) input; got shape {x.shape}")
    n, c, h, w = x.shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    padded = pad_images(x, pad, dtype=dtype)
    sn, sc, sh, sw = padded.strides
    patches = as_strided(padded, shape=(c, filter_h, filter_w, n, out_h, out_w),
                         strides=(sc, sh, sw, sn, sh * stride, sw * stride), writeable=False)
    if out is not None:
        out.reshape(patches.shape)[...] = patches
        return out
    cols = patches.reshape(c * filter_h * filter_w, n * out_h * out_w)
    # a reshape alone can be a view (e.g. 1×1 filters on one channel): never hand out x
    return cols.copy() if np.may_share_memory(cols, x) else cols


def fold_batch(cols, input_shape, filter_h, filter_w, stride=1, pad=0, work=None):
    """The adjoint of :func:`unfold_batch`: (C·FH·FW, N·OH·OW) back to ``input_shape``.

    Sums where patches overlap, one strided (C, N, OH, OW) addition per kernel offset;
    returns a new C-contiguous array of shape ``input_shape`` (N, C, H, W). ``work``,
    if given, is a (C, N, H + 2·pad, W + 2·pad) array of cols' dtype used (and
    overwritten) as the padded sum, instead of a new one.
    """
    n, c, h, w = input_shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    cols = np.asarray(cols)
    expected = (c * filter_h * filter_w, n * out_h * out_w)
    if cols.shape != expected:
        raise ValueError(f"fold_batch: cols has shape {cols.shape}, expected {expected}")
    if work is None:
        padded = np.zeros((c, n, h + 2 * pad, w + 2 * pad), dtype=cols.dtype)
    else:
        padded = work
        padded.fill(0)
    planes = cols.reshape(c, filter_h, filter_w, n, out_h, out_w)
    for dy in range(filter_h):
        y_max = dy + stride * out_h
        for dx in range(filter_w):
            padded[:, :, dy:y_max:stride, dx:dx + stride * out_w:stride] += planes[:, dy, dx]
    return np.ascontiguousarray(padded[:, :, pad:h + pad, pad:w + pad].transpose(1, 0, 2, 3))
