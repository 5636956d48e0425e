"""Tests of dlbasics.plot: Japanese text renders, figures hold the data they were given."""

import copy
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import same_color
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont

from dlbasics import plot
from dlbasics.datasets import KATAKANA_CLASSES

plt.switch_backend("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure after each test (too many open figures is a warning, so an error)."""
    yield
    plt.close("all")


def draw_strictly(fig):
    """Render ``fig`` with every warning (a missing glyph among them) raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.canvas.draw()


def title_texts(fig):
    return [ax.get_title() for ax in fig.axes]


# --------------------------------------------------------------------------------------------
# Japanese font
# --------------------------------------------------------------------------------------------


def test_use_japanese_font_selects_a_registered_font():
    plot.use_japanese_font()
    assert list(matplotlib.rcParams["font.family"])[0] == plot.JAPANESE_FONT
    path = findfont(FontProperties(family=plot.JAPANESE_FONT), fallback_to_default=False)
    assert path.endswith(".ttf")


def test_katakana_and_kanji_render_without_missing_glyphs():
    plot.use_japanese_font()
    fig, ax = plt.subplots()
    ax.plot([-2, 2], [-1, 1])  # negative ticks use the minus sign U+2212
    ax.set_title(f"{KATAKANA_CLASSES} 学習曲線 ≤ α")
    ax.set_xlabel("エポック")
    ax.set_ylabel("正解率")
    draw_strictly(fig)


def test_missing_glyph_check_can_fail():
    # The control for the test above: without a Japanese font, drawing katakana must warn.
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title(KATAKANA_CLASSES)
        with pytest.raises(UserWarning, match="missing from font"):
            draw_strictly(fig)


def test_plots_restore_the_font_after_rcdefaults():
    with matplotlib.rc_context():
        plt.rcdefaults()
        fig = plot.plot_functions({"シグモイド": np.tanh}, np.linspace(-1, 1, 5))
        draw_strictly(fig)


# --------------------------------------------------------------------------------------------
# plot_functions
# --------------------------------------------------------------------------------------------


def test_plot_functions_draws_each_function():
    x = np.linspace(-5, 5, 11)
    funcs = {"ステップ関数": lambda v: (v > 0).astype(float), "シグモイド関数": np.tanh}
    fig = plot.plot_functions(funcs, x, title="活性化関数", xlabel="入力", ylabel="出力",
                              ylim=(-1.5, 1.5))
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == list(funcs)
    for line, func in zip(ax.lines, funcs.values(), strict=True):
        np.testing.assert_array_equal(line.get_xdata(), x)
        np.testing.assert_array_equal(line.get_ydata(), func(x))
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("活性化関数", "入力", "出力")
    assert ax.get_ylim() == (-1.5, 1.5)
    assert ax.get_legend() is not None
    draw_strictly(fig)


def test_plot_functions_defaults_have_title_and_labels():
    fig = plot.plot_functions({"恒等関数": lambda v: v}, np.arange(3.0))
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_plot_functions_protects_x_from_in_place_functions():
    x = np.arange(4.0)

    def doubles_in_place(values):
        values *= 2
        return values

    fig = plot.plot_functions({"2倍": doubles_in_place, "定数": lambda v: 1.0}, x)
    np.testing.assert_array_equal(x, np.arange(4.0))
    np.testing.assert_array_equal(fig.axes[0].lines[1].get_ydata(), np.ones(4))


def test_plot_functions_uses_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    result = plot.plot_functions({"ReLU": lambda v: np.maximum(v, 0)}, np.arange(3.0), ax=right)
    assert result is fig
    assert len(right.lines) == 1 and len(left.lines) == 0


@pytest.mark.parametrize("funcs,x", [({}, np.arange(3.0)), ({"f": np.sin}, np.ones((2, 2)))],
                         ids=["no-functions", "2-D-x"])
def test_plot_functions_rejects_bad_input(funcs, x):
    with pytest.raises(ValueError):
        plot.plot_functions(funcs, x)


# --------------------------------------------------------------------------------------------
# plot_learning_curves
# --------------------------------------------------------------------------------------------


HISTORY = {
    "loss": [2.3, 1.9, 1.2, 0.8, 0.6, 0.5],
    "train_acc": [0.5, 0.8, 0.9],
    "test_acc": [0.45, 0.75, 0.85],
}


def test_learning_curves_show_history():
    history = copy.deepcopy(HISTORY)
    fig = plot.plot_learning_curves(history)
    assert history == HISTORY  # input untouched
    loss_ax, acc_ax = fig.axes
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), np.arange(1, 7))
    np.testing.assert_array_equal(acc_ax.lines[0].get_ydata(), HISTORY["train_acc"])
    np.testing.assert_array_equal(acc_ax.lines[1].get_ydata(), HISTORY["test_acc"])
    np.testing.assert_array_equal(acc_ax.lines[0].get_xdata(), [1, 2, 3])
    assert fig.get_suptitle() == "学習曲線"
    assert loss_ax.get_xlabel() == "イテレーション" and loss_ax.get_ylabel()
    assert acc_ax.get_xlabel() == "エポック" and acc_ax.get_ylabel() == "正解率"
    assert all(title_texts(fig))
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()] == ["訓練データ", "テストデータ"]
    draw_strictly(fig)


def test_learning_curves_with_loss_only():
    fig = plot.plot_learning_curves({"loss": [1.0, 0.5], "train_acc": [], "test_acc": []},
                                    title="損失だけ")
    assert len(fig.axes) == 1 and fig.get_suptitle() == "損失だけ"


def test_learning_curves_into_given_axes():
    fig, axes = plt.subplots(1, 2)
    assert plot.plot_learning_curves(HISTORY, ax=axes) is fig
    assert len(axes[0].lines) == 1 and len(axes[1].lines) == 2
    with pytest.raises(ValueError, match="2 axes"):
        plot.plot_learning_curves(HISTORY, ax=axes[0])


def test_learning_curves_reject_empty_history():
    with pytest.raises(ValueError, match="loss"):
        plot.plot_learning_curves({})


# --------------------------------------------------------------------------------------------
# show_images
# --------------------------------------------------------------------------------------------


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


@pytest.mark.parametrize("shape", [(6, 1, 4, 4), (6, 4, 4), (6, 16)])
def test_show_images_accepts_the_three_shapes(shape):
    images = np.arange(96, dtype=np.float32).reshape(shape)
    original = images.copy()
    fig = plot.show_images(images, ncols=4)
    np.testing.assert_array_equal(images, original)
    shown = image_axes(fig)
    assert len(shown) == 6 and len(fig.axes) == 8  # 2 rows of 4; 2 left empty
    np.testing.assert_array_equal(shown[1].images[0].get_array(),
                                  np.arange(16, 32).reshape(4, 4))
    assert fig.get_suptitle()


def test_show_images_rejects_non_square_flat_images():
    with pytest.raises(ValueError, match="square"):
        plot.show_images(np.zeros((2, 15)))


def test_show_images_marks_wrong_predictions_red():
    images = np.zeros((4, 1, 5, 5))
    labels = np.array([0, 1, 2, 14])
    predictions = np.eye(15)[[0, 2, 2, 13]]  # one-hot / scores are accepted too
    fig = plot.show_images(images, labels, predictions, class_names=KATAKANA_CLASSES)
    axes = image_axes(fig)
    colors = [ax.title.get_color() for ax in axes]
    assert [same_color(color, "red") for color in colors] == [False, True, False, True]
    assert axes[1].get_title() == "正解 イ\n予測 ウ"
    assert axes[3].get_title() == "正解 ソ\n予測 セ"
    assert "赤" in fig.get_suptitle()
    draw_strictly(fig)


def test_show_images_labels_only_uses_numbers_without_class_names():
    fig = plot.show_images(np.zeros((2, 4)), labels=[3, 7], title="例")
    assert [ax.get_title() for ax in image_axes(fig)] == ["正解 3", "正解 7"]
    assert fig.get_suptitle() == "例"


def test_show_images_checks_label_count():
    with pytest.raises(ValueError, match="labels"):
        plot.show_images(np.zeros((3, 4)), labels=[1, 2])


# --------------------------------------------------------------------------------------------
# confusion_matrix and plot_confusion_matrix
# --------------------------------------------------------------------------------------------


def test_confusion_matrix_counts_pairs():
    rng = np.random.default_rng(0)
    t_true = rng.integers(0, 4, size=50)
    t_pred = rng.integers(0, 4, size=50)
    expected = np.zeros((4, 4), dtype=np.int64)
    for truth, guess in zip(t_true, t_pred, strict=True):
        expected[truth, guess] += 1
    result = plot.confusion_matrix(t_true, t_pred, num_classes=4)
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(plot.confusion_matrix(np.eye(4)[t_true], np.eye(4)[t_pred], 4),
                                  expected)


def test_confusion_matrix_is_not_symmetric_by_mistake():
    # Truth 0 predicted as 1 goes in row 0, column 1.
    np.testing.assert_array_equal(plot.confusion_matrix([0], [1], 2), [[0, 1], [0, 0]])


@pytest.mark.parametrize("t_true,t_pred", [([0, 3], [0, 1]), ([0, 1], [0, -1]), ([0, 1], [0])],
                         ids=["true-too-large", "negative-prediction", "length-mismatch"])
def test_confusion_matrix_rejects_bad_labels(t_true, t_pred):
    with pytest.raises(ValueError):
        plot.confusion_matrix(t_true, t_pred, num_classes=3)


def test_plot_confusion_matrix_counts():
    confusion = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    original = confusion.copy()
    fig = plot.plot_confusion_matrix(confusion, class_names=KATAKANA_CLASSES[:3])
    np.testing.assert_array_equal(confusion, original)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), confusion)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in confusion.flat]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ア", "イ", "ウ"]
    assert ax.get_xlabel() == "予測ラベル" and ax.get_ylabel() == "正解ラベル"
    assert ax.get_title() == "混同行列"
    draw_strictly(fig)


def test_plot_confusion_matrix_normalized_rows_and_empty_row():
    confusion = np.array([[3, 1], [0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an empty row must not divide by zero
        fig = plot.plot_confusion_matrix(confusion, ["A", "B"], normalize=True)
    shown = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(shown, [[0.75, 0.25], [0.0, 0.0]])
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.75", "0.25", "0.00", "0.00"]


def test_plot_confusion_matrix_from_labels_into_axes():
    fig, ax = plt.subplots()
    confusion = plot.confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)
    assert plot.plot_confusion_matrix(confusion, "アイ", ax=ax) is fig
    assert ax.images


def test_plot_confusion_matrix_checks_shape():
    with pytest.raises(ValueError, match="class_names"):
        plot.plot_confusion_matrix(np.zeros((3, 3), dtype=int), ["a", "b"])
