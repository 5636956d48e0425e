"""Checks for the notebooks' exercise cells.

Each check raises ``AssertionError`` with a message (in Japanese, for trainees) that
names the input, the expected value and what was returned, and the shape or dtype
when those are what is wrong. For arrays the message gives where they differ first
and most, the values there, the largest absolute and relative difference and the
tolerance. Inputs are copied before every call, and a check fails when the trainee's
code modified them. An exception raised by the trainee's code is reported together
with the call that raised it.

Where several standard forms of a computation are correct (the book's and a
framework's), the checks accept each of them: :class:`AnyOf` for values, the
``alternatives`` arguments of :func:`check_against_reference` and
:func:`check_optimizer`.
"""

import copy
import inspect

import numpy as np

from dlbasics.gradient import ZERO_GRADIENT_NORM, layer_gradients, rel_error

__all__ = [
    "AnyOf",
    "format_value",
    "describe_mismatch",
    "check_close",
    "check_function",
    "check_against_reference",
    "check_inputs_unchanged",
    "check_defined_in_notebook",
    "check_layer_gradients",
    "check_optimizer",
    "check_dropout",
    "check_multi_gradients",
    "check_gated_forward",
    "call_without_warnings",
]


class AnyOf:
    """An expected value together with other forms that are accepted as correct.

    ``AnyOf(expected, {"np.clip(y, δ, 1) の形": other})``: a check passes when the
    value matches ``expected`` or any of the labelled alternatives.
    """

    def __init__(self, expected, alternatives=None):
        self.expected = expected
        self.alternatives = dict(alternatives or {})


def format_value(value, max_items=12):
    """Short, readable text for a value in a message (arrays show shape and dtype)."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=8, threshold=max_items, edgeitems=3,
                               suppress_small=False, separator=", ")
        return f"{text} (shape={value.shape}, dtype={value.dtype})"
    if isinstance(value, (list, tuple)) and len(value) > max_items:
        return repr(type(value)(value[:max_items]))[:-1] + ", ...]"
    return repr(value)


def _format_call(name, args, kwargs=None):
    parts = [format_value(arg) for arg in args]
    parts += [f"{key}={format_value(val)}" for key, val in (kwargs or {}).items()]
    return f"{name}({', '.join(parts)})"


def _index_text(index):
    return "[" + ", ".join(str(int(i)) for i in index) + "]" if index else "(スカラー)"


def _number(value):
    """A number as Python writes it, to full precision (no ``np.float64(...)``)."""
    value = np.asarray(value).item()
    return repr(value)


def describe_mismatch(actual, expected, rtol, atol):
    """Lines saying where and by how much two same-shape numeric arrays differ.

    Gives the number of differing elements, the first and the largest mismatch (index,
    expected and received value), the largest absolute and relative difference and
    the tolerance ``|received − expected| ≤ atol + rtol·|expected|``.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    diff = np.abs(actual - expected)
    bad = ~(diff <= atol + rtol * np.abs(expected))  # NaN anywhere counts as a mismatch
    diff = np.where(np.isnan(diff), np.inf, diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(expected != 0, diff / np.abs(expected), np.where(diff > 0, np.inf, 0))
    first = tuple(np.argwhere(bad)[0]) if bad.any() else ()
    worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1))), diff.shape)
    lines = [f"違う要素: {int(bad.sum())} 個 / 全 {actual.size} 個"]
    places = [("最初に違う位置", first), ("いちばん違う位置", worst)]
    if tuple(first) == tuple(worst):
        places = [("違う位置" if bad.sum() == 1 else "最初でいちばん違う位置", first)]
    for label, index in places:
        lines.append(f"{label} {_index_text(index)}: 期待値 {_number(expected[index])}, "
                     f"戻り値 {_number(actual[index])}")
    lines.append(f"最大の絶対誤差 {float(diff.max()):.3e}, 最大の相対誤差 "
                 f"{float(relative.max()):.3e} (許容: |戻り値 − 期待値| ≤ {atol:g} + "
                 f"{rtol:g}·|期待値|)")
    return lines


def _value_problem(actual, expected, rtol, atol, check_dtype):
    """None when ``actual`` matches ``expected``; otherwise the lines saying why not."""
    actual_arr = np.asarray(actual)
    expected_arr = np.asarray(expected)
    if actual_arr.dtype == object:
        return [f"戻り値 {format_value(actual)} は数値の配列になりません",
                f"期待値: {format_value(expected)}"]
    if actual_arr.shape != expected_arr.shape:
        return [f"戻り値の形 (shape) が違います。期待: {expected_arr.shape}, 実際: "
                f"{actual_arr.shape}", f"期待値: {format_value(expected)}",
                f"戻り値: {format_value(actual)}"]
    if check_dtype and actual_arr.dtype.kind != expected_arr.dtype.kind:
        return [f"戻り値の型 (dtype) が違います。期待: {expected_arr.dtype}, 実際: "
                f"{actual_arr.dtype}"]
    try:
        ok = np.allclose(actual_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=False)
    except TypeError:
        return [f"戻り値 {format_value(actual)} は期待値 {format_value(expected)} と比べられません"]
    if ok:
        return None
    lines = ["値が違います。"] + describe_mismatch(actual_arr, expected_arr, rtol, atol)
    expected_text, actual_text = format_value(expected_arr), format_value(actual_arr)
    if expected_text != actual_text:  # never two identical lines
        lines += [f"期待値: {expected_text}", f"戻り値: {actual_text}"]
    return lines


def check_close(actual, expected, what, rtol=1e-6, atol=1e-8, check_dtype=False):
    """Assert that ``actual`` equals ``expected`` within tolerances.

    Inputs:
    - actual: what the trainee's code returned.
    - expected: the right value (scalar or array), or an :class:`AnyOf`.
    - what: text naming the computation, e.g. ``"sigmoid(np.array([0.0]))"``.
    - rtol, atol: tolerances as in ``np.allclose``.
    - check_dtype: also require the same dtype kind (float vs int).
    """
    alternatives = {}
    if isinstance(expected, AnyOf):
        expected, alternatives = expected.expected, expected.alternatives
    if actual is None and expected is not None:
        raise AssertionError(
            f"{what} が None を返しました。return 文を書き忘れていませんか？"
            f"（期待値: {format_value(expected)}）"
        )
    problem = _value_problem(actual, expected, rtol, atol, check_dtype)
    if problem is None:
        return
    for value in alternatives.values():
        if _value_problem(actual, value, rtol, atol, check_dtype) is None:
            return
    head, *rest = problem
    lines = [f"{what} の{head}"] + [f"  {line}" for line in rest]
    if alternatives:
        lines.append("  （次の形も正解として比べましたが、どれとも一致しません: "
                     + "、".join(alternatives) + "）")
    raise AssertionError("\n".join(lines))


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


def _raised(what, error):
    """The AssertionError that reports an exception of the trainee's code with its case."""
    return AssertionError(f"{what} の実行中にエラーが起きました: "
                          f"{type(error).__name__}: {error}")


def _call(func, args, kwargs, name):
    originals = copy.deepcopy(args)
    passed = copy.deepcopy(args)
    what = _format_call(name, originals, kwargs)
    try:
        result = func(*passed, **kwargs)
    except Exception as error:  # reported with the case that raised it
        raise _raised(what, error) from error
    check_inputs_unchanged(originals, passed, what)
    return result, what


def check_function(func, cases, rtol=1e-6, atol=1e-8, check_dtype=False, name=None,
                   verbose=True):
    """Call ``func`` on each case and compare with the expected value.

    Inputs:
    - func: the trainee's function.
    - cases: list of ``(args, expected)`` with ``args`` a tuple of positional arguments
      (or ``(args, kwargs, expected)``); ``expected`` may be an :class:`AnyOf`.
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
                            name=None, verbose=True, alternatives=None):
    """Compare ``func`` with a reference implementation on each input.

    Inputs:
    - func: the trainee's function.
    - reference: a correct implementation with the same signature.
    - inputs: list of argument tuples (or ``(args, kwargs)`` pairs with a dict second).
    - alternatives: ``{label: function}``, other correct forms also accepted.
    - other arguments: as in :func:`check_function`.
    """
    cases = []
    for item in inputs:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
            args, kwargs = item
        else:
            args, kwargs = item, {}
        expected = reference(*copy.deepcopy(tuple(args)), **kwargs)
        if alternatives:
            expected = AnyOf(expected, {label: other(*copy.deepcopy(tuple(args)), **kwargs)
                                        for label, other in alternatives.items()})
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


def _gradient_report(key, analytic, numeric):
    """(relative error, message line) for one gradient, worst entry included."""
    if analytic.shape != numeric.shape:
        return np.inf, (f"d{key}: 形が違います（数値微分 {numeric.shape}、"
                        f"backward の値 {analytic.shape}）")
    error = rel_error(analytic, numeric, ZERO_GRADIENT_NORM)
    if analytic.size == 0:
        return error, f"d{key}: 要素がありません"
    worst = np.unravel_index(int(np.argmax(np.abs(analytic - numeric))), analytic.shape)
    return error, (f"d{key}: 相対誤差 {error:.2e}、いちばん違う位置 {_index_text(worst)} で "
                   f"backward {_number(analytic[worst])}、数値微分 {_number(numeric[worst])}")


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

    The message gives, for every gradient that fails, the relative error and the entry
    where backward and the numerical gradient differ most, with both values there.
    """
    name = name or type(layer).__name__
    try:
        pairs = layer_gradients(layer, x, param_names=param_names,
                                rng=np.random.default_rng(seed), **(forward_kwargs or {}))
    except Exception as error:
        raise _raised(f"{name} の勾配確認 (入力 x の形 {np.shape(x)})", error) from error
    reports = {key: _gradient_report(key, *pair) for key, pair in pairs.items()}
    bad = [line for error, line in reports.values() if not error < threshold]
    if bad:
        raise AssertionError(
            f"{name}.backward の勾配が数値微分と一致しません（許容する相対誤差 {threshold:.0e}、"
            f"入力 x の形 {np.shape(x)}）。\n  " + "\n  ".join(bad)
        )
    if verbose:
        worst = max(error for error, _ in reports.values())
        print(f"OK: {name}.backward の勾配は数値微分と一致しました（最大相対誤差 {worst:.1e}）。")


def _constructor_text(optimizer):
    """``Adam(lr=0.1, beta1=0.9, beta2=0.999)`` from the optimizer's own attributes."""
    parameters = inspect.signature(type(optimizer).__init__).parameters
    parts = [f"{key}={getattr(optimizer, key)!r}" for key in parameters
             if key != "self" and isinstance(getattr(optimizer, key, None), (int, float))]
    return f"{type(optimizer).__name__}({', '.join(parts)})"


def _array_code(value):
    return f"np.array({np.asarray(value).tolist()!r})"


def _optimizer_snippet(reference, start, grads_seen):
    """Code a trainee can paste to repeat the failing steps."""
    params_text = ", ".join(f"{key!r}: {_array_code(value)}" for key, value in start.items())
    lines = ["import numpy as np", f"optimizer = {_constructor_text(reference)}",
             f"params = {{{params_text}}}", "grads_list = ["]
    for grads in grads_seen:
        lines.append("    {" + ", ".join(f"{key!r}: {_array_code(value)}"
                                         for key, value in grads.items()) + "},")
    lines += ["]", "for grads in grads_list:", "    optimizer.update(params, grads)",
              "print(params)"]
    return "\n".join("    " + line for line in lines)


def check_optimizer(optimizer, reference, steps=3, seed=0, shapes=((3, 2), (2,)), rtol=1e-7,
                    atol=1e-10, name=None, verbose=True, alternatives=None):
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
    - alternatives: ``{label: optimizer}``, other correct forms (e.g. ε placed as in the
      paper); the trainee's optimizer passes when it follows one form at every step.

    A failure message ends with code that repeats the steps (hyperparameters, the
    parameters and gradients used), ready to paste into a cell.
    """
    name = name or type(optimizer).__name__
    rng = np.random.default_rng(seed)
    keys = [f"W{i + 1}" for i in range(len(shapes))]
    params = {key: rng.standard_normal(shape) for key, shape in zip(keys, shapes)}
    start = {key: value.copy() for key, value in params.items()}
    forms = {"参照実装": reference, **(alternatives or {})}
    form_params = {label: {key: value.copy() for key, value in params.items()} for label in forms}
    arrays_before = dict(params)
    grads_seen = []
    for step in range(1, steps + 1):
        grads = {key: rng.standard_normal(params[key].shape) for key in keys}
        grads_seen.append({key: value.copy() for key, value in grads.items()})
        what = f"{name}.update を {step} 回呼んだ後の params"
        try:
            optimizer.update(params, grads)
        except Exception as error:
            raise _raised(f"{name}.update（{step} 回目）", error) from error
        for label, form in forms.items():
            form.update(form_params[label], {key: value.copy() for key, value in grads.items()})
        for key in keys:
            if params[key] is not arrays_before[key]:
                raise AssertionError(
                    f"{name}.update は params['{key}'] を新しい配列に置き換えました。"
                    "params[key] -= ... のようにその場で (in place) 更新してください。"
                )
            check_inputs_unchanged([grads_seen[-1][key]], [grads[key]],
                                   f"{name}.update（grads['{key}']）")
        forms = {label: form for label, form in forms.items()
                 if all(_value_problem(params[key], form_params[label][key], rtol, atol, False)
                        is None for key in keys)}
        if not forms:
            _fail_optimizer(params, form_params, keys, what, rtol, atol, alternatives,
                            _optimizer_snippet(reference, start, grads_seen))
    if verbose:
        print(f"OK: {name} は {steps} ステップとも正しく更新しました。")


def _fail_optimizer(params, form_params, keys, what, rtol, atol, alternatives, snippet):
    reference_params = form_params["参照実装"]
    key = next(k for k in keys
               if _value_problem(params[k], reference_params[k], rtol, atol, False) is not None)
    try:
        check_close(params[key], reference_params[key], f"{what}['{key}']", rtol=rtol, atol=atol)
        message = f"{what} が参照実装と一致しません。"
    except AssertionError as error:
        message = str(error)
    if alternatives:
        message += ("\n  （次の形も正解として比べましたが、すべてのステップで一致する形は"
                    "ありません: " + "、".join(alternatives) + "）")
    raise AssertionError(f"{message}\n  同じ計算を試すコード:\n{snippet}")


def _dropout_forward(layer, x, train_flg, what):
    try:
        return np.asarray(layer.forward(x.copy(), train_flg=train_flg))
    except Exception as error:
        raise _raised(what, error) from error


def check_dropout(make_layer, shape=(200, 100), ratios=(0.25, 0.6), seed=0, sigmas=5.0,
                  name="Dropout", verbose=True):
    """Check inverted dropout by its behaviour, not by one particular mask.

    Any way of drawing the mask from the layer's own generator passes
    (``rng.random(shape) < 1 - p``, the book's ``rng.random(shape) > p``,
    ``rng.binomial(1, 1 - p, shape)``...). Checked, for each ratio p:

    - every output is either 0 or x / (1 − p) (kept units scaled, others dropped);
    - the fraction dropped is p within ``sigmas`` binomial standard deviations;
    - backward(dout) is dout / (1 − p) where the unit was kept and 0 elsewhere;
    - the mask comes from the layer's generator: two layers with the same seed drop
      the same units, and two training calls of one layer drop different units;
    - inference returns a copy of x and draws no random numbers.

    Inputs:
    - make_layer: ``make_layer(dropout_ratio, seed)`` builds the trainee's layer.
    - shape: shape of the random input (large enough for the statistics).
    """
    rng = np.random.default_rng(seed)
    for ratio in ratios:
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)  # never 0
        what = f"{name}({ratio}, seed={seed}).forward(x の形 {shape}, train_flg=True)"
        layer, twin = make_layer(ratio, seed), make_layer(ratio, seed)
        out = _dropout_forward(layer, x, True, what)
        if out.shape != x.shape:
            raise AssertionError(f"{what} の戻り値の形が違います"
                                 f"（期待: {x.shape}、実際: {out.shape}）")
        kept = out != 0
        check_close(out[kept], x[kept] / (1 - ratio), f"{what} の残したユニットの値 (x / (1 − p))")
        dropped = 1 - kept.mean()
        limit = sigmas * np.sqrt(ratio * (1 - ratio) / x.size)
        if abs(dropped - ratio) > limit:
            raise AssertionError(f"{what} で 0 になった割合が {dropped:.4f} です。dropout_ratio = "
                                 f"{ratio} に近いはずです（許容: ±{limit:.4f}）")
        dout = rng.standard_normal(shape)
        check_close(layer.backward(dout.copy()), np.where(kept, dout / (1 - ratio), 0.0),
                    f"{what} の後の backward(dout) (残したユニットだけ dout / (1 − p))")
        _check_dropout_randomness(layer, twin, x, out, what)
    if verbose:
        print(f"OK: {name} は逆ドロップアウトとして正しく動きました。")


def _check_dropout_randomness(layer, twin, x, out, what):
    if not np.array_equal(_dropout_forward(twin, x, True, what) != 0, out != 0):
        raise AssertionError(f"{what}: 同じ seed の 2 つのレイヤーで消すユニットが違います。"
                             "マスクは self.rng から引いてください。")
    inference = layer.forward(x, train_flg=False)
    if inference is x or not np.array_equal(inference, x):
        raise AssertionError(f"{what}: 推論時 (train_flg=False) は x のコピー (x.copy()) を"
                             "そのまま返してください。")
    second = _dropout_forward(layer, x, True, what) != 0
    third = _dropout_forward(twin, x, True, what) != 0
    if np.array_equal(second, out != 0):
        raise AssertionError(f"{what}: 2 回目の学習時の順伝播でも同じユニットが消えました。"
                             "呼び出しごとに self.rng から新しいマスクを引いてください。")
    if not np.array_equal(second, third):
        raise AssertionError(f"{what}: 推論をはさむとマスクの乱数がずれました。"
                             "推論時 (train_flg=False) は乱数を引かないでください。")


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


def call_without_warnings(func, args, what, kwargs=None, hint=None):
    """Call ``func(*args, **kwargs)`` and fail with a message when it warns.

    A warning (an overflow in ``np.exp``, a division by zero) goes to stderr, and
    nbgrader scores a graded cell that writes to stderr 0; this turns it into an
    ``AssertionError`` that names the case and says what to change. Floating-point
    errors (overflow, division by zero, invalid values; not underflow, which a stable
    softmax meets on purpose) are raised as well, so none is missed.

    Inputs:
    - func: the trainee's function (or a bound method such as ``layer.forward``).
    - args: tuple of positional arguments (passed as they are).
    - what: the case, as shown in the message (e.g. ``"LSTM.forward（スコア -2000）"``).
    - kwargs: keyword arguments (none when None).
    - hint: the sentence saying what to change (a general one when None).

    Returns:
    - the result of the call.
    """
    import warnings

    hint = hint or "exp に大きな正の数を渡さない形 (最大値を引くなど) にしてください。"
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        try:
            return func(*args, **(kwargs or {}))
        except (FloatingPointError, RuntimeWarning) as error:
            raise AssertionError(f"{what} で警告が出ました ({type(error).__name__}: {error})。"
                                 f"{hint}") from None
