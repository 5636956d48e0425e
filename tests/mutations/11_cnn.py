"""Plausible wrong answers for 11_cnn; each must lose points when autograded."""

_IM2COL_LOOP = '''    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    col = np.zeros((N * out_h * out_w, C * filter_h * filter_w), dtype=img.dtype)
    for n in range(N):
        for i in range(out_h):
            for j in range(out_w):
                window = img[n, :, i * stride:i * stride + filter_h,
                             j * stride:j * stride + filter_w]
                col[(n * out_h + i) * out_w + j] = window.reshape(-1)
    return col'''

_IM2COL_SOLUTION_BODY = '''    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], mode="constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w), dtype=img.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    col = col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)
    return col'''

MUTATIONS = [
    # --- im2col -------------------------------------------------------------------------
    {"name": "im2col", "cell": "answer_im2col",
     "why": "columns laid out (FH, FW, C) instead of (C, FH, FW)",
     "old": "col.transpose(0, 4, 5, 1, 2, 3)", "new": "col.transpose(0, 4, 5, 2, 3, 1)"},
    {"name": "im2col", "cell": "answer_im2col", "why": "stride ignored in the slices",
     "old": "img[:, :, y:y_max:stride, x:x_max:stride]",
     "new": "img[:, :, y:y + out_h, x:x + out_w]"},
    {"name": "im2col", "cell": "answer_im2col", "why": "pad ignored (no padding, no 2*pad)",
     "old": "    out_h = (H + 2 * pad - filter_h) // stride + 1\n"
            "    out_w = (W + 2 * pad - filter_w) // stride + 1\n"
            "    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "
            "mode=\"constant\")",
     "new": "    out_h = (H - filter_h) // stride + 1\n"
            "    out_w = (W - filter_w) // stride + 1\n"
            "    img = input_data"},
    {"name": "im2col", "cell": "answer_im2col", "why": "rows ordered (n, j, i): i and j swapped",
     "old": "col.transpose(0, 4, 5, 1, 2, 3)", "new": "col.transpose(0, 5, 4, 1, 2, 3)"},
    {"name": "im2col", "cell": "answer_im2col",
     "why": "rows ordered (i, j, n): the batch axis put last",
     "old": "col.transpose(0, 4, 5, 1, 2, 3)", "new": "col.transpose(4, 5, 0, 1, 2, 3)"},
    {"name": "im2col", "cell": "answer_im2col",
     "why": "reshape without transpose (rows are not patches)",
     "old": "col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)",
     "new": "col.reshape(N * out_h * out_w, -1)"},
    {"name": "im2col", "cell": "answer_im2col",
     "why": "right values, but a Python loop over every batch item and output pixel",
     "old": _IM2COL_SOLUTION_BODY, "new": _IM2COL_LOOP},
    {"name": "im2col", "cell": "answer_im2col",
     "why": "calls the library's im2col instead of implementing it",
     "old": _IM2COL_SOLUTION_BODY,
     "new": "    return library_im2col(input_data, filter_h, filter_w, stride, pad)"},
    # --- Convolution --------------------------------------------------------------------
    {"name": "Convolution", "cell": "answer_convolution", "why": "bias not added",
     "old": "out = col @ col_W + self.b", "new": "out = col @ col_W"},
    {"name": "Convolution", "cell": "answer_convolution",
     "why": "forward reshapes straight to (N, FN, OH, OW) without the transpose",
     "old": "out = out.reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)",
     "new": "out = out.reshape(N, -1, out_h, out_w)"},
    {"name": "Convolution", "cell": "answer_convolution",
     "why": "dW reshaped back without the transpose",
     "old": "(self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW)",
     "new": "(self.col.T @ dout).reshape(FN, C, FH, FW)"},
    {"name": "Convolution", "cell": "answer_convolution",
     "why": "filters flattened as W.reshape(-1, FN) instead of W.reshape(FN, -1).T",
     "old": "col_W = self.W.reshape(FN, -1).T", "new": "col_W = self.W.reshape(-1, FN)"},
    {"name": "Convolution", "cell": "answer_convolution",
     "why": "backward reshapes dout without moving FN last",
     "old": "dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)",
     "new": "dout = dout.reshape(-1, FN)"},
    {"name": "Convolution", "cell": "answer_convolution", "why": "db averaged instead of summed",
     "old": "self.db = np.sum(dout, axis=0)", "new": "self.db = np.mean(dout, axis=0)"},
    {"name": "Convolution", "cell": "answer_convolution",
     "why": "col2im called without stride and pad",
     "old": "col2im(dcol, self.x_shape, FH, FW, self.stride, self.pad)",
     "new": "col2im(dcol, self.x_shape, FH, FW)"},
    # --- Pooling ------------------------------------------------------------------------
    {"name": "Pooling", "cell": "answer_pooling", "why": "mean instead of max in forward",
     "old": "out = np.max(col, axis=1)", "new": "out = np.mean(col, axis=1)"},
    {"name": "Pooling", "cell": "answer_pooling",
     "why": "backward sends the gradient to every position of the window",
     "old": "dmax[np.arange(self.arg_max.size), self.arg_max] = dout.reshape(-1)",
     "new": "dmax[:] = dout.reshape(-1, 1)"},
    {"name": "Pooling", "cell": "answer_pooling",
     "why": "forward reshapes straight to (N, C, OH, OW) without the transpose",
     "old": "out = out.reshape(N, out_h, out_w, C).transpose(0, 3, 1, 2)",
     "new": "out = out.reshape(N, C, out_h, out_w)"},
    {"name": "Pooling", "cell": "answer_pooling",
     "why": "backward does not move C last in dout (rows out of order)",
     "old": "dout = dout.transpose(0, 2, 3, 1)", "new": "dout = np.asarray(dout)"},
    {"name": "Pooling", "cell": "answer_pooling",
     "why": "pads with 0, so the padding can win the max of negative windows",
     "old": "self.pad,\n                             pad_value=-np.inf)", "new": "self.pad)"},
    {"name": "Pooling", "cell": "answer_pooling",
     "why": "no reshape to (-1, PH*PW): the max is taken across channels too",
     "old": "        col = col.reshape(-1, self.pool_h * self.pool_w)\n", "new": ""},
]
