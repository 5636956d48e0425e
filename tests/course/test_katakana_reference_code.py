"""The reference submissions' preprocessing and the training script's augmentation (fast)."""

import numpy as np
import pytest

from dlcourse.course import find_course_root
from module_support import load_module

REFERENCE = find_course_root() / "grading" / "katakana"


@pytest.fixture(scope="module", params=["fc", "cnn"])
def submission(request):
    return load_module(REFERENCE / "reference" / request.param / "submission.py", request.param)


def ink_box(image, threshold=0.3):
    rows = np.flatnonzero(image.max(axis=1) > threshold)
    cols = np.flatnonzero(image.max(axis=0) > threshold)
    return rows[0], rows[-1], cols[0], cols[-1]


def l_shape(top, left, height, width, thickness=2):
    """An L-shaped 'character' (uint8, 1 x 28 x 28) of the given extent."""
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, top:top + height, left:left + thickness] = 200
    image[0, top + height - thickness:top + height, left:left + width] = 200
    return image


def test_preprocessing_centres_and_scales_whatever_the_position_and_size(submission):
    small_corner = l_shape(2, 3, 10, 8, thickness=1)
    large_centre = l_shape(4, 6, 20, 16, thickness=2)
    out = submission.preprocess(np.stack([small_corner, large_centre])).reshape(2, 28, 28)
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
    for image in out:
        top, bottom, left, right = ink_box(image)
        assert abs(max(bottom - top, right - left) + 1 - submission.BOX) <= 2, (top, bottom)
        assert abs((top + bottom) / 2 - 13.5) <= 4 and abs((left + right) / 2 - 13.5) <= 4
    # Same shape, different place and size: nearly the same preprocessed image.
    assert np.abs(out[0] - out[1]).mean() < 0.05


def test_preprocessing_ignores_faint_ink_and_paper_noise(submission):
    # (Isolated pixels brighter than the ink would still stretch the extent; the generator's
    # paper noise is Gaussian, at most a few percent of full scale.)
    clean = l_shape(6, 6, 14, 12)
    noise = np.random.default_rng(0).normal(0, 0.03 * 255, clean.shape)
    noisy = np.clip(clean / 3 + noise, 0, 255).astype(np.uint8)      # faint ink on grey paper
    out = submission.preprocess(np.stack([clean, noisy])).reshape(2, 28, 28)
    assert np.abs(out[0] - out[1]).mean() < 0.05


def test_preprocessing_brings_thin_and_thick_strokes_towards_one_width(submission):
    thin, thick = l_shape(4, 5, 20, 16, thickness=1), l_shape(4, 5, 20, 16, thickness=4)
    raw = np.stack([thin, thick]).astype(np.float32).reshape(2, 28, 28) / 255
    before = submission.stroke_widths(submission.normalise(raw))
    after = submission.stroke_widths(submission.preprocess(np.stack([thin, thick]))
                                     .reshape(2, 28, 28))
    target = submission.TARGET_WIDTH
    assert before[0] < target - 0.5 < target + 0.5 < before[1], before
    assert np.all(np.abs(after - target) < np.abs(before - target)), (before, after)
    assert after[1] - after[0] < 0.6 * (before[1] - before[0]), (before, after)


def test_augmentation_keeps_shape_and_dtype_is_seeded_and_changes_images():
    script = load_module(REFERENCE / "train_reference.py", "train_reference")
    images = np.stack([l_shape(5, 5, 16, 14) for _ in range(6)])
    first = script.augment(images, np.random.default_rng(3))
    again = script.augment(images, np.random.default_rng(3))
    assert first.shape == images.shape and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, images)
    assert (first.reshape(6, -1).max(axis=1) > 60).all(), "augmentation erased a character"
