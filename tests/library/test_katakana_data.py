"""Checks of the committed katakana data set and of its generator, data/katakana/make_katakana.py.

The training set lives in data/katakana/, the test set in grading/katakana/ (never under data/
or notebooks/, where trainees look). The generator draws KanjiVG's stroke paths
(data/katakana/strokes.json) with simulated writers, in NumPy only, so a few images are always
regenerated here and compared bit for bit.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from module_support import load_module

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data" / "katakana"
GENERATOR = DATA_DIR / "make_katakana.py"
CHECKSUMS = DATA_DIR / "checksums.json"
FILES = {
    "train": REPO_ROOT / "lib" / "dlbasics" / "data" / "katakana" / "katakana_train.npz",
    "test": REPO_ROOT / "grading" / "katakana" / "katakana_test.npz",
}
CLASSES = tuple("アイウエオカキクケコサシスセソ")
COUNTS = {"train": [200] * 15, "test": [1300] * 5 + [800] * 10}
# The standard stroke counts of these katakana (school writing charts).
STROKE_COUNTS = dict(zip(CLASSES, [2, 2, 3, 3, 3, 2, 3, 2, 3, 2, 3, 3, 2, 2, 2]))
REGENERATED_PER_CLASS = 3


def load_generator():
    """Import make_katakana.py from its path (data/ is not a package)."""
    return load_module(GENERATOR, "make_katakana")


@pytest.fixture(scope="module")
def generator():
    return load_generator()


@pytest.fixture(scope="module")
def splits():
    arrays = {}
    for split, path in FILES.items():
        with np.load(path, allow_pickle=False) as npz:
            arrays[split] = {key: npz[key] for key in npz.files}
    return arrays


@pytest.mark.parametrize("split", ["train", "test"])
def test_keys_shapes_and_dtypes(splits, split):
    arrays = splits[split]
    n = sum(COUNTS[split])
    assert set(arrays) == {"x", "t", "classes", "writer"}
    assert arrays["x"].shape == (n, 1, 28, 28) and arrays["x"].dtype == np.uint8
    assert arrays["t"].shape == (n,) and arrays["t"].dtype == np.int64
    assert arrays["writer"].shape == (n,) and arrays["writer"].dtype == np.int64
    assert tuple(arrays["classes"]) == CLASSES


@pytest.mark.parametrize("split", ["train", "test"])
def test_class_counts_are_as_specified(splits, split):
    counts = np.bincount(splits[split]["t"], minlength=len(CLASSES))
    assert counts.tolist() == COUNTS[split]


@pytest.mark.parametrize("split", ["train", "test"])
def test_every_writer_writes_every_class_equally_often(splits, split):
    t, writer = splits[split]["t"], splits[split]["writer"]
    writers = np.unique(writer)
    table = np.array([[np.sum((writer == w) & (t == c)) for c in range(15)] for w in writers])
    assert (table.max(axis=0) - table.min(axis=0) <= 1).all(), table


def test_few_training_writers_many_test_writers_disjoint(splits):
    train_writers = set(splits["train"]["writer"].tolist())
    test_writers = set(splits["test"]["writer"].tolist())
    assert 5 <= len(train_writers) <= 20, "a few writers, but enough for 5-fold GroupKFold"
    assert len(test_writers) >= 3 * len(train_writers)
    assert not train_writers & test_writers


@pytest.mark.parametrize("split", ["train", "test"])
def test_ink_is_bright_on_a_dark_background(splits, split):
    x = splits[split]["x"][:, 0].astype(np.float64)
    assert x.max(axis=(1, 2)).min() >= 100, "an image has no clear ink"
    border = np.concatenate([x[:, 0, :], x[:, -1, :], x[:, :, 0], x[:, :, -1]], axis=1)
    assert border.mean() < 10, "the background should be dark (0), as in MNIST"
    assert x.mean() < 60


def test_no_image_is_repeated_within_or_across_splits(splits):
    hashes = {split: [hashlib.sha256(row.tobytes()).hexdigest() for row in arrays["x"]]
              for split, arrays in splits.items()}
    for split, values in hashes.items():
        assert len(set(values)) == len(values), f"duplicate images within {split}"
    assert not set(hashes["train"]) & set(hashes["test"])


def test_array_checksums_match_checksums_json(splits, generator):
    expected = json.loads(CHECKSUMS.read_text(encoding="utf-8"))
    assert expected["per_class_limit"] is None
    for split, arrays in splits.items():
        assert expected[split]["n"] == len(arrays["t"])
        assert generator.array_checksum(arrays["x"], arrays["t"]) == expected[split]["sha256"], (
            f"{FILES[split].name} differs from the arrays recorded in checksums.json; "
            "regenerate with data/katakana/make_katakana.py"
        )


def test_test_set_is_only_under_grading():
    for folder in ("data", "notebooks"):
        found = list((REPO_ROOT / folder).rglob("katakana_test*"))
        assert not found, f"the test set must not be under {folder}/: {found}"


@pytest.mark.parametrize("split", ["train", "test"])
def test_first_images_regenerate_bit_identically(splits, generator, split):
    seed = json.loads(CHECKSUMS.read_text(encoding="utf-8"))["seed"]
    regenerated = generator.generate_split(split, seed, per_class_limit=REGENERATED_PER_CLASS)
    starts = np.concatenate([[0], np.cumsum(COUNTS[split])[:-1]])
    rows = (starts[:, None] + np.arange(REGENERATED_PER_CLASS)).ravel()
    committed = splits[split]
    for key in ("t", "writer", "x"):
        np.testing.assert_array_equal(regenerated[key], committed[key][rows], err_msg=key)


def test_holdout_writers_are_new_and_drawn_from_another_family(generator):
    holdout = generator.generate_split("holdout", per_class_limit=2)
    ids = {split: set(range(generator.WRITER_ID_BASE[split],
                            generator.WRITER_ID_BASE[split] + generator.WRITERS[split]))
           for split in ("train", "test")}
    assert not set(holdout["writer"].tolist()) & (ids["train"] | ids["test"])
    assert generator.HOLDOUT_FAMILY != generator.TRAIN_FAMILY


def test_holdout_family_reaches_beyond_the_training_family_everywhere(generator):
    """Every range of the training (and test) writers ends inside the held-out family's."""
    import dataclasses

    train, holdout = generator.TRAIN_FAMILY, generator.HOLDOUT_FAMILY
    both_ends = {"slant", "box_px", "pen_px", "ink"}   # unusual when small as well as large
    for field in dataclasses.fields(generator.Family):
        ours, theirs = getattr(train, field.name), getattr(holdout, field.name)
        if field.name == "pens":
            assert set(ours) < set(theirs), (ours, theirs)
        elif isinstance(ours, tuple):
            assert ours[1] <= theirs[1], (field.name, ours, theirs)
            if field.name in both_ends:
                assert theirs[0] <= ours[0], (field.name, ours, theirs)
        else:
            assert ours <= theirs, (field.name, ours, theirs)


def test_strokes_are_kanjivg_with_attribution_and_standard_stroke_counts():
    document = json.loads((DATA_DIR / "strokes.json").read_text(encoding="utf-8"))
    assert "KanjiVG" in document["attribution"] and "CC BY-SA 3.0" in document["attribution"]
    assert {char: len(paths) for char, paths in document["strokes"].items()} == STROKE_COUNTS
    readme = (DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 3.0" in readme and "Ulrich Apel" in readme


def test_svg_path_parser_follows_absolute_relative_and_smooth_curves(generator):
    # A relative cubic whose control points lie on the chord is a straight line; the S
    # command's first control point mirrors the previous second one (SVG 1.1, 8.3.6).
    points = generator.parse_path("M10,20c3,0,6,0,9,0S25,0,28,0")
    np.testing.assert_allclose(points[0], [10, 20])
    np.testing.assert_allclose(points[-1], [28, 0])
    steps = (len(points) - 1) // 2          # points per curve after the M point
    np.testing.assert_allclose(points[:steps + 1, 1], 20)
    np.testing.assert_allclose(points[steps], [19, 20])
    # Mirrored control point of the S segment: 2 * (19, 20) - (16, 20) = (22, 20).
    s = 1 / steps
    corners = np.array([[19, 20], [22, 20], [25, 0], [28, 0]])
    weights = np.array([(1 - s) ** 3, 3 * (1 - s) ** 2 * s, 3 * (1 - s) * s ** 2, s ** 3])
    np.testing.assert_allclose(points[steps + 1], weights @ corners)
