"""Checks for the notebooks' exercise cells.

Each check raises ``AssertionError`` with a message (in Japanese, for trainees) that
names the input, the expected value and what was returned, and the shape or dtype
when those are what is wrong. Inputs are copied before every call, and a check
fails when the trainee's code modified them.
"""

import copy

import numpy as np

from dlbasics.gradient import layer_gradient_errors

__all__ = [
    "format_value",
    "check_close",
    "check_function",
    "check_against_reference",
    "check_inputs_unchanged",
    "check_defined_in_notebook",
    "check_layer_gradients",
    "check_optimizer",
    "check_multi_gradients",
    "check_gated_forward",
]


def format_value(value, max_items=12):
    """Short, readable text for a value in a message (arrays show shape and dtype)."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=max_items, edgeitems=3,
                               suppress_small=False, separator=", ")
        return f"{text} (shape={value.shape}, dtype={value.dtype})"
    if isinstance(value, (list, tuple)) and len(value) > max_items:
        return repr(type(value)(value[:max_items]))[:-1] + ", ...]"
    return repr(value)


def _format_call(name, args, kwargs=None):
    parts = [format_value(arg) for arg in args]
    parts += [f"{key}={format_value(val)}" for key, val in (kwargs or {}).items()]
    return f"{name}({', '.join(parts)})"


def check_close(actual, expected, what, rtol=1e-6, atol=1e-8, check_dtype=False):
    """Assert that ``actual`` equals ``expected`` within tolerances.

    Inputs:
    - actual: what the trainee's code returned.
    - expected: the right value (scalar or array).
    - what: text naming the computation, e.g. ``"sigmoid(np.array([0.0]))"``.
    - rtol, atol: tolerances as in ``np.allclose``.
    - check_dtype: also require the same dtype kind (float vs int).
    """
    if actual is None and expected is not None:
        raise AssertionError(
            f"{what} が None を返しました。return 文を書き忘れていませんか？"
            f"（期待値: {format_value(expected)}）"
        )
    actual_arr = np.asarray(actual)
    expected_arr = np.asarray(expected)
    if actual_arr.dtype == object:
        raise AssertionError(
            f"{what} の戻り値 {format_value(actual)} は数値の配列になりません"
            f"（期待値: {format_value(expected)}）"
        )
    if actual_arr.shape != expected_arr.shape:
        raise AssertionError(
            f"{what} の戻り値の形 (shape) が違います。期待: {expected_arr.shape}, "
            f"実際: {actual_arr.shape}\n  期待値: {format_value(expected)}\n"
            f"  戻り値: {format_value(actual)}"
        )
    if check_dtype and actual_arr.dtype.kind != expected_arr.dtype.kind:
        raise AssertionError(
            f"{what} の戻り値の型 (dtype) が違います。期待: {expected_arr.dtype}, "
            f"実際: {actual_arr.dtype}"
        )
    try:
        ok = np.allclose(actual_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=False)
    except TypeError:
        ok = False
    if not ok:
        raise AssertionError(
            f"{what} の値が違います。\n  期待値: {format_value(expected)}\n"
            f"  戻り値: {format_value(actual)}"
        )


def _same(before, now):
    """Deep equality for arrays, dicts, lists and tuples of them (NaN equals NaN)."""
    if isinstance(before, np.ndarray):
        return (isinstance(now, np.ndarray) and before.shape == now.shape
                and before.dtype == now.dtype and np.array_equal(before, now, equal_nan=True))
    if isinstance(before, dict):
        return (isinstance(now, dict) and before.keys() == now.keys()
                and all(_same(before[key], now[key]) for key in before))
    if isinstance(before, (list, tuple)):
        return (type(before) is type(now) and len(before) == len(now)
                and all(_same(a, b) for a, b in zip(before, now)))
    try:
        return bool(before == now)
    except (ValueError, TypeError):
        return False


def check_inputs_unchanged(originals, after, what):
    """Assert that each argument after a call equals its copy taken before the call.

    Arrays, and dicts/lists/tuples of arrays (e.g. a network's parameters), are
    compared element by element, including shape and dtype.
    """
    for index, (before, now) in enumerate(zip(originals, after)):
        if not _same(before, now):
            raise AssertionError(
                f"{what} が引数 {index + 1} を書き換えました（入力は変更しないでください）。\n"
                f"  呼び出し前: {format_value(before)}\n  呼び出し後: {format_value(now)}"
            )


def _call(func, args, kwargs, name):
    originals = copy.deepcopy(args)
    passed = copy.deepcopy(args)
    what = _format_call(name, originals, kwargs)
    result = func(*passed, **kwargs)
    check_inputs_unchanged(originals, passed, what)
    return result, what


def check_function(func, cases, rtol=1e-6, atol=1e-8, check_dtype=False, name=None,
                   verbose=True):
    """Call ``func`` on each case and compare with the expected value.

    Inputs:
    - func: the trainee's function.
    - cases: list of ``(args, expected)`` with ``args`` a tuple of positional arguments
      (or ``(args, kwargs, expected)``).
    - rtol, atol, check_dtype: see :func:`check_close`.
    - name: name shown in messages (``func.__name__`` by default).
    - verbose: print a one-line success message.
    """
    name = name or getattr(func, "__name__", "function")
    for case in cases:
        args, kwargs, expected = case if len(case) == 3 else (case[0], {}, case[1])
        result, what = _call(func, tuple(args), kwargs, name)
        check_close(result, expected, what, rtol=rtol, atol=atol, check_dtype=check_dtype)
    if verbose:
        print(f"OK: {name} は {len(cases)} 件のチェックに合格しました。")


def check_against_reference(func, reference, inputs, rtol=1e-6, atol=1e-8, check_dtype=False,
                            name=None, verbose=True):
    """Compare ``func`` with a reference implementation on each input.

    Inputs:
    - func: the trainee's function.
    - reference: a correct implementation with the same signature.
    - inputs: list of argument tuples (or ``(args, kwargs)`` pairs with a dict second).
    - other arguments: as in :func:`check_function`.
    """
    cases = []
    for item in inputs:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
            args, kwargs = item
        else:
            args, kwargs = item, {}
        expected = reference(*copy.deepcopy(tuple(args)), **kwargs)
        cases.append((tuple(args), kwargs, expected))
    check_function(func, cases, rtol=rtol, atol=atol, check_dtype=check_dtype, name=name,
                   verbose=verbose)


def check_defined_in_notebook(obj, name=None):
    """Assert that ``obj`` was written in the notebook, not imported from a library.

    Functions and classes defined in a notebook belong to the module ``__main__``.
    """
    name = name or getattr(obj, "__name__", repr(obj))
    module = getattr(obj, "__module__", None)
    if module != "__main__":
        raise AssertionError(
            f"{name} はこのノートブックの中で定義してください"
            f"（{module} から import したものは採点できません）。"
        )


def check_layer_gradients(layer, x, param_names=(), threshold=1e-7, forward_kwargs=None,
                          seed=0, name=None, verbose=True):
    """Assert that a layer's ``backward`` matches numerical gradients.

    Inputs:
    - layer: object with ``forward``/``backward`` (parameters ``layer.W`` etc. with
      gradients ``layer.dW`` etc. after ``backward``).
    - x: float64 input.
    - param_names: parameter attribute names to check, e.g. ``("W", "b")``.
    - threshold: largest allowed relative error (see :func:`dlbasics.gradient.rel_error`).
    - forward_kwargs: extra keyword arguments for ``forward`` (e.g. ``train_flg=True``).
    - seed: seed for the random upstream gradient.
    """
    name = name or type(layer).__name__
    errors = layer_gradient_errors(layer, x, param_names=param_names,
                                   rng=np.random.default_rng(seed), **(forward_kwargs or {}))
    bad = {key: err for key, err in errors.items() if not err < threshold}
    if bad:
        details = ", ".join(f"d{key}: {err:.2e}" for key, err in bad.items())
        raise AssertionError(
            f"{name}.backward の勾配が数値微分と一致しません（相対誤差 {details}、"
            f"許容値 {threshold:.0e}）。入力 x の形: {np.shape(x)}"
        )
    if verbose:
        worst = max(errors.values())
        print(f"OK: {name}.backward の勾配は数値微分と一致しました（最大相対誤差 {worst:.1e}）。")


def check_optimizer(optimizer, reference, steps=3, seed=0, shapes=((3, 2), (2,)), rtol=1e-7,
                    atol=1e-10, name=None, verbose=True):
    """Run an optimizer and a reference side by side on the same random problem.

    Both start from the same parameters and receive the same gradients for ``steps``
    steps; after every step the parameters must agree. Also checks that ``update``
    changes the parameter arrays in place and leaves the gradients untouched.

    Inputs:
    - optimizer: the trainee's optimizer instance.
    - reference: a correct optimizer instance with the same hyperparameters.
    - steps: number of updates.
    - seed: seed for the parameters and gradients.
    - shapes: parameter shapes, one per entry of the params dict.
    """
    name = name or type(optimizer).__name__
    rng = np.random.default_rng(seed)
    keys = [f"W{i + 1}" for i in range(len(shapes))]
    params = {key: rng.standard_normal(shape) for key, shape in zip(keys, shapes)}
    reference_params = {key: value.copy() for key, value in params.items()}
    arrays_before = {key: params[key] for key in keys}
    for step in range(1, steps + 1):
        grads = {key: rng.standard_normal(params[key].shape) for key in keys}
        grads_copy = {key: value.copy() for key, value in grads.items()}
        optimizer.update(params, grads)
        reference.update(reference_params, {key: value.copy() for key, value in grads.items()})
        for key in keys:
            if params[key] is not arrays_before[key]:
                raise AssertionError(
                    f"{name}.update は params['{key}'] を新しい配列に置き換えました。"
                    "params[key] -= ... のようにその場で (in place) 更新してください。"
                )
            check_inputs_unchanged([grads_copy[key]], [grads[key]],
                                   f"{name}.update（grads['{key}']）")
            check_close(params[key], reference_params[key],
                        f"{name}.update を {step} 回呼んだ後の params['{key}']",
                        rtol=rtol, atol=atol)
    if verbose:
        print(f"OK: {name} は {steps} ステップとも正しく更新しました。")


def _check_returned_gradients(layer, inputs, name):
    """Assert that ``backward`` returns one gradient per input, each of its input's shape."""
    from dlbasics.gradient import input_names

    names = input_names(layer, len(inputs))
    passed = copy.deepcopy(tuple(inputs))
    outs = layer.forward(*passed)
    outs = outs if isinstance(outs, tuple) else (outs,)
    douts = [np.linspace(-1.0, 1.0, np.size(out)).reshape(np.shape(out)) for out in outs]
    douts_passed = copy.deepcopy(douts)
    grads = layer.backward(*douts_passed)
    check_inputs_unchanged(inputs, passed, f"{name}.forward")
    check_inputs_unchanged(douts, douts_passed, f"{name}.backward")
    grads = grads if isinstance(grads, tuple) else (grads,)
    wanted = ", ".join("d" + n for n in names)
    if len(grads) != len(inputs):
        raise AssertionError(
            f"{name}.backward は入力 {len(inputs)} 個分の勾配 ({wanted}) を返してください"
            f"（戻り値は {len(grads)} 個でした）。"
        )
    for input_name, x, grad in zip(names, inputs, grads):
        if not np.issubdtype(np.asarray(x).dtype, np.floating):
            continue
        if grad is None or np.shape(grad) != np.shape(x):
            raise AssertionError(
                f"{name}.backward が返した d{input_name} の形 (shape) が違います。"
                f"期待: {np.shape(x)}, 実際: {None if grad is None else np.shape(grad)}"
            )


def check_multi_gradients(layer, inputs, param_names=(), threshold=1e-7, seed=0, name=None,
                          verbose=True):
    """Assert that ``backward`` of a layer with several inputs/outputs matches numerics.

    For layers such as ``LSTM`` (``forward(x, h_prev, c_prev) -> (h_next, c_next)``,
    ``backward(dh_next, dc_next) -> (dx, dh_prev, dc_prev)``): every float input and
    every parameter is compared with central differences (see
    :func:`dlbasics.gradient.multi_gradient_errors`), and the inputs must be unchanged.

    Inputs:
    - layer: the layer (stateless between calls: e.g. ``stateful=False``).
    - inputs: tuple of inputs to ``forward`` (float64; integer ids are not checked).
    - param_names: parameter attribute names, e.g. ``("Wx", "Wh", "b")``.
    - threshold: largest allowed relative error.
    - seed: seed for the random upstream gradients.
    """
    from dlbasics.gradient import multi_gradient_errors

    name = name or type(layer).__name__
    inputs = tuple(inputs)
    _check_returned_gradients(layer, inputs, name)
    errors = multi_gradient_errors(layer, inputs, param_names=param_names,
                                   rng=np.random.default_rng(seed))
    bad = {key: err for key, err in errors.items() if not err < threshold}
    if bad:
        details = ", ".join(f"d{key}: {err:.2e}" for key, err in bad.items())
        shapes = ", ".join(str(np.shape(x)) for x in inputs)
        raise AssertionError(
            f"{name}.backward の勾配が数値微分と一致しません（相対誤差 {details}、"
            f"許容値 {threshold:.0e}）。入力の形: {shapes}"
        )
    if verbose:
        worst = max(errors.values())
        print(f"OK: {name}.backward の {len(errors)} 個の勾配は数値微分と一致しました"
              f"（最大相対誤差 {worst:.1e}）。")


def _outputs_close(actual, expected, rtol=1e-6, atol=1e-8):
    actual = actual if isinstance(actual, tuple) else (actual,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    return len(actual) == len(expected) and all(
        np.shape(a) == np.shape(e) and np.allclose(a, e, rtol=rtol, atol=atol)
        for a, e in zip(actual, expected))


def check_gated_forward(layer, reference_cls, inputs, order, alternatives=(), name=None):
    """Compare a gated cell's ``forward`` with a reference, naming a mixed-up gate order.

    When the outputs differ but equal those of the reference with the weight blocks of
    ``Wx``, ``Wh``, ``b`` in another order, the message says which order the answer
    used (e.g. PyTorch's i, f, g, o instead of the book's f, g, i, o).

    Inputs:
    - layer: the trainee's cell, with ``Wx``, ``Wh``, ``b`` (blocks side by side).
    - reference_cls: the correct class, ``reference_cls(Wx, Wh, b)``.
    - inputs: tuple of inputs to ``forward``.
    - order: the names of the blocks in the correct order, e.g. ``"fgio"``.
    - alternatives: ``(description, outputs)`` pairs of known wrong forms to name.
    """
    import itertools

    name = name or type(layer).__name__
    what = _format_call(f"{name}.forward", inputs)
    actual = layer.forward(*copy.deepcopy(tuple(inputs)))
    params = [np.array(getattr(layer, key)) for key in ("Wx", "Wh", "b")]
    expected = reference_cls(*params).forward(*copy.deepcopy(tuple(inputs)))
    if _outputs_close(actual, expected):
        return
    size = params[1].shape[0]
    for perm in itertools.permutations(range(len(order))):
        if list(perm) == sorted(perm):
            continue
        permuted = [np.concatenate([p[..., k * size:(k + 1) * size] for k in perm], axis=-1)
                    for p in params]
        if _outputs_close(actual, reference_cls(*permuted).forward(*copy.deepcopy(tuple(inputs)))):
            used = ", ".join(order[perm.index(k)] for k in range(len(order)))
            raise AssertionError(
                f"{what} の値が違います。重みのブロックを {used} の順に使っているようです。"
                f"ゲートの並び順（{', '.join(order)}）を確認してください。"
            )
    for description, outputs in alternatives:
        if _outputs_close(actual, outputs):
            raise AssertionError(f"{what} の値が違います。{description}")
    expected = expected if isinstance(expected, tuple) else (expected,)
    actual = actual if isinstance(actual, tuple) else (actual,)
    if len(actual) != len(expected):
        raise AssertionError(f"{what} は {len(expected)} 個の値を返してください"
                             f"（戻り値は {len(actual)} 個でした）。")
    for index, (a, e) in enumerate(zip(actual, expected)):
        check_close(a, e, f"{what} の戻り値 {index + 1}")
