"""Checks of the committed katakana data set and of its generator, data/katakana/make_katakana.py.

The training set lives in data/katakana/, the test set in grading/katakana/ (never under data/
or notebooks/, where trainees look). Regenerating a few images needs the Debian fonts; that
check is skipped, naming data/katakana/install_fonts.sh, when they are not installed.
"""

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "data" / "katakana"
GENERATOR = DATA_DIR / "make_katakana.py"
INSTALL_SCRIPT = DATA_DIR / "install_fonts.sh"
CHECKSUMS = DATA_DIR / "checksums.json"
FILES = {
    "train": REPO_ROOT / "lib" / "dlbasics" / "data" / "katakana" / "katakana_train.npz",
    "test": REPO_ROOT / "grading" / "katakana" / "katakana_test.npz",
}
CLASSES = tuple("アイウエオカキクケコサシスセソ")
COUNTS = {"train": [200] * 15, "test": [1300] * 5 + [800] * 10}
REGENERATED_PER_CLASS = 3


def load_generator():
    """Import make_katakana.py from its path (data/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_katakana", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    assert set(arrays) == {"x", "t", "classes", "font"}
    assert arrays["x"].shape == (n, 1, 28, 28) and arrays["x"].dtype == np.uint8
    assert arrays["t"].shape == (n,) and arrays["t"].dtype == np.int64
    assert arrays["font"].shape == (n,) and arrays["font"].dtype.kind == "U"
    assert tuple(arrays["classes"]) == CLASSES


@pytest.mark.parametrize("split", ["train", "test"])
def test_class_counts_are_balanced_as_specified(splits, split):
    counts = np.bincount(splits[split]["t"], minlength=len(CLASSES))
    assert counts.tolist() == COUNTS[split]


@pytest.mark.parametrize("split", ["train", "test"])
def test_ink_is_bright_on_a_dark_background(splits, split):
    x = splits[split]["x"][:, 0].astype(np.float64)
    assert x.max(axis=(1, 2)).min() >= 100, "an image has no clear ink"
    border = np.concatenate([x[:, 0, :], x[:, -1, :], x[:, :, 0], x[:, :, -1]], axis=1)
    assert border.mean() < 10, "the background should be dark (0), as in MNIST"
    assert x.mean() < 60


def test_train_and_test_fonts_are_disjoint(splits, generator):
    train_fonts = set(splits["train"]["font"].tolist())
    test_fonts = set(splits["test"]["font"].tolist())
    assert train_fonts == {spec.name for spec in generator.TRAIN_FONTS}
    assert test_fonts == {spec.name for spec in generator.TEST_FONTS}
    assert not train_fonts & test_fonts


def test_no_image_is_in_both_train_and_test(splits):
    def row_hashes(x):
        return {hashlib.sha256(row.tobytes()).hexdigest() for row in x}

    assert not row_hashes(splits["train"]["x"]) & row_hashes(splits["test"]["x"])


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


def test_install_script_lists_exactly_the_generator_packages(generator):
    text = INSTALL_SCRIPT.read_text(encoding="utf-8")
    listed = re.search(r"PACKAGES=\((.*?)\)", text, re.DOTALL).group(1).split()
    assert sorted(listed) == generator.required_packages()
    assert "--no-install-recommends" in text


@pytest.mark.parametrize("split", ["train", "test"])
def test_first_images_regenerate_bit_identically(splits, generator, split):
    missing = generator.missing_packages([split])
    if missing:
        pytest.skip(f"fonts not installed ({' '.join(missing)}): "
                    "run `bash data/katakana/install_fonts.sh`")
    seed = json.loads(CHECKSUMS.read_text(encoding="utf-8"))["seed"]
    regenerated = generator.generate_split(split, seed, per_class_limit=REGENERATED_PER_CLASS)

    starts = np.concatenate([[0], np.cumsum(COUNTS[split])[:-1]])
    rows = (starts[:, None] + np.arange(REGENERATED_PER_CLASS)).ravel()
    committed = splits[split]
    np.testing.assert_array_equal(regenerated["t"], committed["t"][rows])
    np.testing.assert_array_equal(regenerated["font"], committed["font"][rows])
    np.testing.assert_array_equal(regenerated["x"], committed["x"][rows])
