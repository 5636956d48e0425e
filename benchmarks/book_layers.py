"""Convolution and Pooling as the book and notebook 11 write them: one im2col matrix.

These are the library's layers before the per-image (kernel-offset-first) layout, kept
as the baseline that ``bench_conv.py`` and ``bench_train.py`` time beside the library
and that ``tests/library/test_conv_layout.py`` checks the library against (outputs and
gradients equal to rounding). Not part of dlbasics.
"""

import numpy as np

from dlbasics.im2col import col2im, conv_output_size, im2col


class BookConvolution:
    """Convolution through ``im2col``: out = im2col(x) @ W.reshape(FN, -1).T + b."""

    def __init__(self, W, b, stride=1, pad=0):
        self.W, self.b, self.stride, self.pad = W, b, stride, pad
        self.x_shape = self.col = self.col_W = self.dW = self.db = None

    def forward(self, x):
        """x: (N, C, H, W). Returns (N, FN, OH, OW)."""
        x = np.asarray(x)
        fn, c, fh, fw = self.W.shape
        n, _, h, w = x.shape
        out_h = conv_output_size(h, fh, self.stride, self.pad)
        out_w = conv_output_size(w, fw, self.stride, self.pad)
        self.x_shape = x.shape
        self.col = im2col(x, fh, fw, self.stride, self.pad)
        self.col_W = self.W.reshape(fn, -1).T
        out = self.col @ self.col_W
        out += self.b
        return out.reshape(n, out_h, out_w, fn).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """dout: (N, FN, OH, OW). Sets dW, db; returns dx of shape (N, C, H, W)."""
        fn, c, fh, fw = self.W.shape
        dout = np.asarray(dout).transpose(0, 2, 3, 1).reshape(-1, fn)
        self.db = np.sum(dout, axis=0)
        self.dW = (self.col.T @ dout).T.reshape(fn, c, fh, fw)
        dcol = dout @ self.col_W.T
        return col2im(dcol, self.x_shape, fh, fw, self.stride, self.pad)


class BookPooling:
    """Max pooling through ``im2col`` rows and ``np.argmax``."""

    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
        self.x_shape = self.arg_max = None

    def forward(self, x):
        """x: (N, C, H, W). Returns (N, C, OH, OW)."""
        x = np.asarray(x)
        n, c, h, w = x.shape
        out_h = conv_output_size(h, self.pool_h, self.stride, self.pad)
        out_w = conv_output_size(w, self.pool_w, self.stride, self.pad)
        pad_value = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
        col = im2col(x, self.pool_h, self.pool_w, self.stride, self.pad, pad_value=pad_value)
        col = col.reshape(-1, self.pool_h * self.pool_w)
        self.x_shape = x.shape
        self.arg_max = np.argmax(col, axis=1)
        out = col[np.arange(col.shape[0]), self.arg_max]
        return out.reshape(n, out_h, out_w, c).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """dout: (N, C, OH, OW). Returns dx of shape (N, C, H, W)."""
        dout = np.asarray(dout).transpose(0, 2, 3, 1)
        pool_size = self.pool_h * self.pool_w
        dmax = np.zeros((dout.size, pool_size), dtype=np.result_type(dout.dtype, np.float32))
        dmax[np.arange(dout.size), self.arg_max] = dout.reshape(-1)
        dcol = dmax.reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x_shape, self.pool_h, self.pool_w, self.stride, self.pad)
