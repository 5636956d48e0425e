"""The few figures the notebooks share, labelled in Japanese.

Every function draws with a Japanese font (:func:`use_japanese_font`), gives the figure a
title and its axes labels, and returns the matplotlib ``Figure``. Pass ``ax`` to draw into an
existing figure. The figures are made with pyplot, so a notebook shows them by itself: write
``fig = plot_...(...)`` (or end the line with ``;``) to avoid showing a figure twice.

Example::

    from dlbasics import plot
    fig = plot.plot_learning_curves(trainer.history)
"""

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

# confusion_matrix lives in dlbasics.metrics (no matplotlib); kept here for the notebooks
from dlbasics.metrics import confusion_matrix, to_labels

__all__ = [
    "FALLBACK_FONT",
    "JAPANESE_FONT",
    "confusion_matrix",
    "plot_confusion_matrix",
    "plot_functions",
    "plot_learning_curves",
    "show_images",
    "use_japanese_font",
]

#: The Japanese font that the matplotlib-fontja package ships and registers.
JAPANESE_FONT = "IPAexGothic"
#: matplotlib's own font, used for the glyphs IPAexGothic lacks (for example "≤").
FALLBACK_FONT = "DejaVu Sans"

_WRONG_COLOR = "red"
_RIGHT_COLOR = "black"


def use_japanese_font():
    """Make matplotlib draw Japanese text (kana, kanji) without missing-glyph boxes.

    Imports ``matplotlib_fontja`` (PyPI package matplotlib-fontja), which registers the
    IPAexGothic font it ships, and sets ``rcParams["font.family"]`` to IPAexGothic with
    DejaVu Sans as a per-glyph fallback. Changes matplotlib's global settings (that is its
    purpose); calling it again is cheap and harmless.

    Returns:
    - None.
    """
    import matplotlib_fontja  # noqa: F401  (importing it registers the font)

    wanted = [JAPANESE_FONT, FALLBACK_FONT]
    if list(matplotlib.rcParams["font.family"]) != wanted:
        matplotlib.rcParams["font.family"] = wanted


def _new_axes(ax, figsize):
    """Return (figure, axes): ``ax`` and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def plot_functions(funcs, x, title="関数のグラフ", xlabel="x", ylabel="y", ylim=None, ax=None):
    """Plot one or more functions of one variable on the same axes.

    Inputs:
    - funcs: dict mapping a legend label (str) to a function; each is called with a copy of
      ``x`` and must return an array of the same shape (or a scalar).
    - x: 1-D array of the points to evaluate, shape (M,).
    - title, xlabel, ylabel: texts of the title and the axes.
    - ylim: (bottom, top) of the vertical axis, or None for matplotlib's choice.
    - ax: matplotlib Axes to draw in, or None for a new figure.

    Returns:
    - the matplotlib Figure.
    """
    use_japanese_font()
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    if not funcs:
        raise ValueError("funcs is empty: give at least one {label: function}")
    fig, ax = _new_axes(ax, figsize=(6, 4))
    for label, func in funcs.items():
        # A copy, so that a function that edits its input cannot change the caller's x.
        y = np.broadcast_to(np.asarray(func(x.copy())), x.shape)
        ax.plot(x, y, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(ylim)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return fig


def plot_learning_curves(history, title="学習曲線", ax=None):
    """Plot the loss per iteration and the accuracies per epoch of a training run.

    Inputs:
    - history: dict with any of the lists ``'loss'`` (one value per iteration),
      ``'train_acc'`` and ``'test_acc'`` (one value per epoch; entry k is plotted at epoch
      k + 1), as ``dlbasics.trainer.Trainer.history`` provides.
    - title: title of the figure.
    - ax: sequence of Axes, one per panel drawn (loss first, then accuracy), or None for a
      new figure. The figure title is set only on a new figure.

    Returns:
    - the matplotlib Figure.
    """
    use_japanese_font()
    loss = list(history.get("loss", []))
    accuracies = {name: list(history.get(key, []))
                  for key, name in (("train_acc", "訓練データ"), ("test_acc", "テストデータ"))}
    accuracies = {name: values for name, values in accuracies.items() if values}
    num_panels = int(bool(loss)) + int(bool(accuracies))
    if num_panels == 0:
        raise ValueError("history has no values under 'loss', 'train_acc' or 'test_acc'")

    if ax is None:
        fig, axes = plt.subplots(1, num_panels, figsize=(5.5 * num_panels, 4), squeeze=False)
        axes = list(axes.flat)
        fig.suptitle(title)
    else:
        axes = list(np.atleast_1d(ax))
        if len(axes) != num_panels:
            raise ValueError(f"history needs {num_panels} axes, got {len(axes)}")
        fig = axes[0].figure

    panels = iter(axes)
    if loss:
        loss_ax = next(panels)
        loss_ax.plot(np.arange(1, len(loss) + 1), loss)
        loss_ax.set_title("損失関数の値")
        loss_ax.set_xlabel("イテレーション")
        loss_ax.set_ylabel("損失")
        loss_ax.grid(True, alpha=0.3)
    if accuracies:
        acc_ax = next(panels)
        for name, values in accuracies.items():
            acc_ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=name)
        acc_ax.set_title("正解率")
        acc_ax.set_xlabel("エポック")
        acc_ax.set_ylabel("正解率")
        acc_ax.set_ylim(0.0, 1.05)
        acc_ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        acc_ax.grid(True, alpha=0.3)
        acc_ax.legend(loc="lower right")
    if ax is None:
        fig.tight_layout()
    return fig


def _as_image_stack(images):
    """Return images as (N, H, W) or (N, H, W, 3) for imshow, from the shapes show_images takes."""
    images = np.asarray(images)
    if images.ndim == 2:  # (N, D) with D a square number
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"flat images need a square number of pixels, got {images.shape[1]}")
        return images.reshape(images.shape[0], side, side)
    if images.ndim == 3:
        return images
    if images.ndim == 4 and images.shape[1] == 1:
        return images[:, 0]
    if images.ndim == 4 and images.shape[1] == 3:
        return images.transpose(0, 2, 3, 1)
    raise ValueError("images must have shape (N, 1, H, W), (N, 3, H, W), (N, H, W) or (N, D), "
                     f"got {images.shape}")


def show_images(images, labels=None, predictions=None, ncols=10, class_names=None, title=None,
                fig=None):
    """Show a grid of images, each titled with its label and prediction.

    A prediction that differs from its label is written in red.

    Inputs:
    - images: (N, 1, H, W), (N, 3, H, W), (N, H, W), or (N, D) with D = H * H.
    - labels: true labels, int (N,) or one-hot (N, C); or None.
    - predictions: predicted labels, int (N,) or scores / one-hot (N, C); or None.
    - ncols: number of images per row.
    - class_names: sequence (or string) giving the name of class k at index k, e.g.
      ``KATAKANA_CLASSES``; None writes the class numbers.
    - title: title of the figure; None gives a Japanese default.
    - fig: matplotlib Figure (or SubFigure) to draw in, or None for a new one.

    Returns:
    - the matplotlib Figure.
    """
    use_japanese_font()
    images = _as_image_stack(images)
    count = images.shape[0]
    if count == 0:
        raise ValueError("images is empty")
    if labels is not None:
        labels = to_labels(labels, count, "labels")
    if predictions is not None:
        predictions = to_labels(predictions, count, "predictions")

    def name_of(label):
        return str(label) if class_names is None else str(class_names[label])

    ncols = max(1, min(ncols, count))
    nrows = math.ceil(count / ncols)
    has_text = labels is not None or predictions is not None
    if fig is None:
        fig = plt.figure(figsize=(1.2 * ncols, (1.7 if has_text else 1.3) * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if index >= count:
            continue
        ax.imshow(images[index], cmap="gray")
        lines, color = [], _RIGHT_COLOR
        if labels is not None:
            lines.append(f"正解 {name_of(labels[index])}")
        if predictions is not None:
            lines.append(f"予測 {name_of(predictions[index])}")
            if labels is not None and predictions[index] != labels[index]:
                color = _WRONG_COLOR
        if lines:
            ax.set_title("\n".join(lines), color=color, fontsize=9)

    if title is None:
        compared = labels is not None and predictions is not None
        title = "予測の例（赤は誤り）" if compared else "画像の例"
    fig.suptitle(title)
    return fig


def plot_confusion_matrix(confusion, class_names, title="混同行列", normalize=False, ax=None):
    """Draw a confusion matrix as a colour grid with the value written in each cell.

    Inputs:
    - confusion: (C, C) counts from :func:`confusion_matrix` (rows: truth, columns: prediction).
    - class_names: sequence (or string) of the C class names.
    - title: title of the plot.
    - normalize: if True, show each row divided by its sum (the fraction of each true class
      given each prediction; an empty row stays 0); else the raw counts.
    - ax: matplotlib Axes to draw in, or None for a new figure.

    Returns:
    - the matplotlib Figure.
    """
    use_japanese_font()
    confusion = np.asarray(confusion)
    num_classes = len(class_names)
    if confusion.shape != (num_classes, num_classes):
        raise ValueError(f"confusion must have shape ({num_classes}, {num_classes}) to match "
                         f"class_names, got {confusion.shape}")
    if normalize:
        totals = confusion.sum(axis=1, keepdims=True)
        values = np.divide(confusion, totals, out=np.zeros(confusion.shape),
                           where=totals > 0)
        value_format, color_max = "{:.2f}", 1.0
    else:
        values = confusion
        integer_counts = np.issubdtype(confusion.dtype, np.integer)
        value_format = "{:d}" if integer_counts else "{:.3g}"
        color_max = max(confusion.max().item(), 1)

    new_figure = ax is None
    size = 2.5 + 0.45 * num_classes
    fig, ax = _new_axes(ax, figsize=(size + 1.0, size))
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=color_max)
    fig.colorbar(image, ax=ax, label="割合" if normalize else "件数")
    ticks = np.arange(num_classes)
    names = [str(name) for name in class_names]
    ax.set_xticks(ticks, labels=names)
    ax.set_yticks(ticks, labels=names)
    ax.set_xlabel("予測ラベル")
    ax.set_ylabel("正解ラベル")
    ax.set_title(title)
    for row in range(num_classes):
        for column in range(num_classes):
            value = values[row, column]
            ax.text(column, row, value_format.format(value.item()), ha="center", va="center",
                    fontsize=8, color="white" if value > color_max / 2 else "black")
    if new_figure:
        fig.tight_layout()
    return fig
