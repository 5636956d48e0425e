"""Tests of dlbasics.datasets: book-format options, IDX parsing, the loaders' file handling.

Everything runs offline: MNIST's download is exercised with small IDX files served from a
``file://`` URL and checksum constants patched to their digests.
"""

import gzip
import hashlib
import itertools
import struct
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from dlbasics import datasets

REPO_ROOT = Path(__file__).resolve().parents[2]
NUM_DIGITS = 1797
DIGIT_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]

# IDX type codes and the big-endian dtypes they stand for, written independently of the module.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# --------------------------------------------------------------------------------------------
# Helpers that write small files
# --------------------------------------------------------------------------------------------


def idx_bytes(array, type_code=0x08):
    """Return the bytes of an IDX file holding ``array`` (written by hand, not by the module)."""
    array = np.asarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(IDX_TYPES[type_code]).tobytes()


def write_file(path, data, compress=False):
    """Write ``data`` to ``path``, gzipped if ``compress``; return the path."""
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def make_idx_set(rng, num_train=12, num_test=5, size=28):
    """Return four small uint8 arrays shaped like MNIST's (train/test images and labels)."""
    return (
        rng.integers(0, 256, size=(num_train, size, size), dtype=np.uint8),
        rng.integers(0, 10, size=num_train, dtype=np.uint8),
        rng.integers(0, 256, size=(num_test, size, size), dtype=np.uint8),
        rng.integers(0, 10, size=num_test, dtype=np.uint8),
    )


def write_idx_set(directory, arrays, compress=True):
    """Write the four arrays under MNIST's file names into ``directory``; return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, array in zip(datasets.IDX_FILE_NAMES, arrays, strict=True):
        file_name = f"{name}.gz" if compress else name
        paths.append(write_file(directory / file_name, idx_bytes(array), compress=compress))
    return paths


def assert_book_format(split, normalize, flatten, one_hot_label, pixels, num_classes):
    """Check one (x, t) pair against the book's options; pixels = pixels per image side."""
    x, t = split
    num = x.shape[0]
    if flatten:
        assert x.shape == (num, pixels * pixels)
    else:
        assert x.shape == (num, 1, pixels, pixels)
    if normalize:
        assert x.dtype == np.float32
        assert 0.0 <= x.min() and x.max() <= 1.0
    else:
        assert x.dtype == np.uint8
    if one_hot_label:
        assert t.shape == (num, num_classes) and t.dtype == np.float32
        assert set(np.unique(t)) <= {0.0, 1.0}
        np.testing.assert_array_equal(t.sum(axis=1), np.ones(num))
    else:
        assert t.shape == (num,) and t.dtype == np.int64
        assert 0 <= t.min() and t.max() < num_classes


@pytest.fixture
def empty_data_dir(tmp_path, monkeypatch):
    """Point DLBASICS_DATA_DIR at an empty folder, so the repository's data/ is not used."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(data_dir))
    return data_dir


# --------------------------------------------------------------------------------------------
# Data folder
# --------------------------------------------------------------------------------------------


def test_data_dir_defaults_to_repository_data(monkeypatch):
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    assert datasets.get_data_dir() == REPO_ROOT / "lib" / "dlbasics" / "data"


def test_data_dir_environment_override(monkeypatch, tmp_path):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    assert datasets.get_data_dir() == tmp_path


def test_import_does_not_touch_the_network():
    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('network used at import time')\n"
        "socket.socket.connect = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "socket.create_connection = refuse\n"
        "import dlbasics.datasets\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------------------------
# load_digits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize,flatten,one_hot_label",
                         list(itertools.product([True, False], repeat=3)))
def test_digits_shapes_dtypes_and_ranges(normalize, flatten, one_hot_label):
    train, test = datasets.load_digits(normalize=normalize, flatten=flatten,
                                       one_hot_label=one_hot_label)
    assert train[0].shape[0] == 1438 and test[0].shape[0] == 359
    for split in (train, test):
        assert_book_format(split, normalize, flatten, one_hot_label, pixels=8, num_classes=10)
        x = split[0]
        assert x.max() == (1.0 if normalize else 16)  # the brightest digit pixels are 16


def test_digits_normalize_divides_by_16():
    (x_raw, t_raw), _ = datasets.load_digits(normalize=False)
    (x_norm, t_norm), _ = datasets.load_digits(normalize=True)
    np.testing.assert_array_equal(t_raw, t_norm)
    np.testing.assert_allclose(x_norm, x_raw / 16.0, rtol=1e-6)


def test_digits_flatten_is_a_reshape():
    (x_flat, _), _ = datasets.load_digits(flatten=True)
    (x_image, _), _ = datasets.load_digits(flatten=False)
    np.testing.assert_array_equal(x_image.reshape(len(x_image), -1), x_flat)


def test_digits_split_covers_sklearn_data_exactly_once():
    from sklearn.datasets import load_digits as sklearn_load_digits

    bunch = sklearn_load_digits()
    (x_train, t_train), (x_test, t_test) = datasets.load_digits(normalize=False)
    ours = np.column_stack([np.concatenate([x_train, x_test]),
                            np.concatenate([t_train, t_test])]).astype(np.int64)
    theirs = np.column_stack([bunch.data, bunch.target]).astype(np.int64)
    assert len(ours) == NUM_DIGITS
    # Sorting the rows makes the comparison independent of the split's order.
    np.testing.assert_array_equal(ours[np.lexsort(ours.T[::-1])],
                                  theirs[np.lexsort(theirs.T[::-1])])


def test_digits_is_deterministic_and_seed_changes_it():
    first = datasets.load_digits()
    second = datasets.load_digits()
    other_seed = datasets.load_digits(seed=1)
    for a, b in zip(itertools.chain(*first), itertools.chain(*second), strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1][1], other_seed[1][1])


def test_digits_returned_arrays_are_not_shared_between_calls():
    (x_train, t_train), _ = datasets.load_digits(normalize=False)
    x_train[:] = 0
    t_train[:] = 0
    (x_again, t_again), _ = datasets.load_digits(normalize=False)
    assert x_again.max() == 16 and t_again.max() == 9


@pytest.mark.parametrize("test_ratio", [0.2, 0.5])
def test_digits_split_is_stratified(test_ratio):
    (_, t_train), (_, t_test) = datasets.load_digits(test_ratio=test_ratio)
    test_counts = np.bincount(t_test, minlength=10)
    train_counts = np.bincount(t_train, minlength=10)
    np.testing.assert_array_equal(test_counts + train_counts, DIGIT_CLASS_COUNTS)
    expected = [round(count * test_ratio) for count in DIGIT_CLASS_COUNTS]
    np.testing.assert_array_equal(test_counts, expected)


def test_digits_classes_are_shuffled_not_sorted():
    (_, t_train), _ = datasets.load_digits()
    # Sorted labels would change class only 9 times; a shuffled set changes almost every time.
    assert np.count_nonzero(np.diff(t_train)) > len(t_train) // 2


def test_digits_one_hot_matches_int_labels():
    (_, t_int), (_, t_int_test) = datasets.load_digits(one_hot_label=False)
    (_, t_hot), (_, t_hot_test) = datasets.load_digits(one_hot_label=True)
    np.testing.assert_array_equal(t_hot.argmax(axis=1), t_int)
    np.testing.assert_array_equal(t_hot_test.argmax(axis=1), t_int_test)
    np.testing.assert_array_equal(t_hot.sum(axis=1), np.ones(len(t_hot)))


@pytest.mark.parametrize("test_ratio", [0.0, 1.0, -0.1, 1.5])
def test_digits_rejects_bad_test_ratio(test_ratio):
    with pytest.raises(ValueError, match="test_ratio"):
        datasets.load_digits(test_ratio=test_ratio)


# --------------------------------------------------------------------------------------------
# read_idx
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("type_code", sorted(IDX_TYPES))
def test_read_idx_round_trip(tmp_path, compress, type_code):
    dtype = np.dtype(IDX_TYPES[type_code])
    rng = np.random.default_rng(type_code)
    array = rng.integers(0 if dtype.kind == "u" else -100, 100, size=(3, 4, 5))
    if dtype.kind == "f":
        array = array / 7.0
    array = array.astype(dtype)
    path = write_file(tmp_path / "array.idx", idx_bytes(array, type_code), compress=compress)
    result = datasets.read_idx(path)
    assert result.shape == (3, 4, 5)
    assert result.dtype == dtype.newbyteorder("=")
    np.testing.assert_array_equal(result, array)
    assert result.flags.writeable


def test_read_idx_labels_one_dimension(tmp_path):
    labels = np.array([7, 2, 1, 0, 4], dtype=np.uint8)
    path = write_file(tmp_path / "labels-idx1-ubyte.gz", idx_bytes(labels), compress=True)
    result = datasets.read_idx(str(path))  # str paths work too
    np.testing.assert_array_equal(result, labels)
    assert result.dtype == np.uint8


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = write_file(tmp_path / "no-suffix", idx_bytes(array), compress=True)
    np.testing.assert_array_equal(datasets.read_idx(path), array)


@pytest.mark.parametrize("header", [b"\x08\x08\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00"],
                         ids=["nonzero-start", "unknown-type", "zero-dimensions"])
def test_read_idx_bad_magic(tmp_path, header):
    path = write_file(tmp_path / "bad-magic-idx3-ubyte", header + bytes(64))
    with pytest.raises(ValueError, match="bad-magic-idx3-ubyte.*magic"):
        datasets.read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_truncated_data(tmp_path, compress):
    data = idx_bytes(np.zeros((4, 5, 5), dtype=np.uint8))[:-3]
    path = write_file(tmp_path / "short-idx3-ubyte", data, compress=compress)
    with pytest.raises(ValueError, match="short-idx3-ubyte.*truncated"):
        datasets.read_idx(path)


@pytest.mark.parametrize("data", [b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x04"],
                         ids=["no-magic", "half-header"])
def test_read_idx_truncated_header(tmp_path, data):
    path = write_file(tmp_path / "tiny-idx", data)
    with pytest.raises(ValueError, match="tiny-idx"):
        datasets.read_idx(path)


def test_read_idx_trailing_bytes(tmp_path):
    path = write_file(tmp_path / "long-idx", idx_bytes(np.zeros(3, dtype=np.uint8)) + b"\x01")
    with pytest.raises(ValueError, match="long-idx.*trailing"):
        datasets.read_idx(path)


def test_read_idx_truncated_gzip_stream(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    path = write_file(tmp_path / "cut.gz", packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="cut.gz"):
        datasets.read_idx(path)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        datasets.read_idx(tmp_path / "absent")


# --------------------------------------------------------------------------------------------
# load_fashion_mnist
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("normalize,flatten,one_hot_label",
                         list(itertools.product([True, False], repeat=3)))
def test_fashion_mnist_from_data_dir(tmp_path, normalize, flatten, one_hot_label):
    arrays = make_idx_set(np.random.default_rng(0))
    write_idx_set(tmp_path, arrays, compress=True)
    train, test = datasets.load_fashion_mnist(normalize=normalize, flatten=flatten,
                                              one_hot_label=one_hot_label, data_dir=tmp_path)
    for split, images, labels in ((train, arrays[0], arrays[1]), (test, arrays[2], arrays[3])):
        assert_book_format(split, normalize, flatten, one_hot_label, pixels=28, num_classes=10)
        x, t = split
        scale = 255.0 if normalize else 1.0
        np.testing.assert_allclose(x.reshape(images.shape) * scale, images, rtol=1e-6)
        np.testing.assert_array_equal(t.argmax(axis=1) if one_hot_label else t, labels)


def test_fashion_mnist_reads_plain_files(tmp_path):
    arrays = make_idx_set(np.random.default_rng(1))
    write_idx_set(tmp_path, arrays, compress=False)
    (x_train, _), (x_test, t_test) = datasets.load_fashion_mnist(normalize=False,
                                                                 data_dir=tmp_path)
    np.testing.assert_array_equal(x_train.reshape(arrays[0].shape), arrays[0])
    np.testing.assert_array_equal(t_test, arrays[3])


def test_fashion_mnist_default_folder_is_data_fashion_mnist(empty_data_dir, monkeypatch,
                                                            tmp_path):
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "not-installed")
    arrays = make_idx_set(np.random.default_rng(2))
    write_idx_set(empty_data_dir / "fashion-mnist", arrays)
    (_, t_train), _ = datasets.load_fashion_mnist()
    np.testing.assert_array_equal(t_train, arrays[1])


def test_fashion_mnist_missing_files_explain_where_and_how(empty_data_dir, monkeypatch,
                                                           tmp_path):
    system_dir = tmp_path / "not-installed"
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", system_dir)
    # Three of the four files are not enough.
    write_idx_set(empty_data_dir / "fashion-mnist", make_idx_set(np.random.default_rng(3)))
    (empty_data_dir / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as error:
        datasets.load_fashion_mnist()
    message = str(error.value)
    assert str(empty_data_dir / "fashion-mnist") in message
    assert str(system_dir) in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "copy" in message and "t10k-labels-idx1-ubyte" in message


def test_fashion_mnist_explicit_data_dir_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        datasets.load_fashion_mnist(data_dir=tmp_path / "nowhere")


def test_fashion_mnist_from_debian_package(empty_data_dir):
    system_dir = datasets.FASHION_MNIST_SYSTEM_DIR
    if not system_dir.is_dir():  # checked independently of the loader, so a bug there fails
        pytest.skip(f"Fashion-MNIST not in {system_dir}: apt-get install dataset-fashion-mnist")
    (x_train, t_train), (x_test, t_test) = datasets.load_fashion_mnist(normalize=False)
    assert x_train.shape == (60000, 784) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 784)
    assert x_train.max() == 255
    np.testing.assert_array_equal(np.bincount(t_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(t_test), [1000] * 10)


# --------------------------------------------------------------------------------------------
# load_mnist (offline: a file:// mirror and patched checksums)
# --------------------------------------------------------------------------------------------


def sha256_of(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mnist_mirror(tmp_path, monkeypatch):
    """A folder of small gzipped MNIST-like files, its file:// URL, and patched checksums."""
    arrays = make_idx_set(np.random.default_rng(4))
    mirror = tmp_path / "mirror"
    paths = write_idx_set(mirror, arrays, compress=True)
    monkeypatch.setattr(datasets, "MNIST_SHA256", {p.name: sha256_of(p) for p in paths})
    return mirror.as_uri(), arrays


def test_mnist_constants_describe_the_four_real_files():
    assert list(datasets.MNIST_SHA256) == [f"{name}.gz" for name in datasets.IDX_FILE_NAMES]
    for digest in datasets.MNIST_SHA256.values():
        assert len(digest) == 64 and int(digest, 16) >= 0
    assert all(url.startswith("https://") for url in datasets.MNIST_MIRRORS)


def test_mnist_downloads_verifies_and_caches(tmp_path, mnist_mirror):
    base_url, arrays = mnist_mirror
    cache = tmp_path / "cache"
    (x_train, t_train), (x_test, t_test) = datasets.load_mnist(
        normalize=False, flatten=False, data_dir=cache, base_url=base_url)
    assert x_train.shape == (12, 1, 28, 28) and x_test.shape == (5, 1, 28, 28)
    np.testing.assert_array_equal(x_train[:, 0], arrays[0])
    np.testing.assert_array_equal(t_train, arrays[1])
    np.testing.assert_array_equal(x_test[:, 0], arrays[2])
    np.testing.assert_array_equal(t_test, arrays[3])
    assert sorted(p.name for p in cache.iterdir()) == sorted(datasets.MNIST_SHA256)


@pytest.mark.parametrize("normalize,flatten,one_hot_label",
                         list(itertools.product([True, False], repeat=3)))
def test_mnist_book_options(tmp_path, mnist_mirror, normalize, flatten, one_hot_label):
    base_url, _ = mnist_mirror
    train, test = datasets.load_mnist(normalize=normalize, flatten=flatten,
                                      one_hot_label=one_hot_label, data_dir=tmp_path / "cache",
                                      base_url=base_url)
    for split in (train, test):
        assert_book_format(split, normalize, flatten, one_hot_label, pixels=28, num_classes=10)


def test_mnist_cached_files_are_not_downloaded_again(tmp_path, mnist_mirror, monkeypatch):
    base_url, arrays = mnist_mirror
    cache = tmp_path / "cache"
    datasets.load_mnist(data_dir=cache, base_url=base_url)
    modified = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}

    def no_network(*args, **kwargs):
        raise AssertionError("load_mnist downloaded a cached file again")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    (_, t_train), _ = datasets.load_mnist(data_dir=cache, base_url=base_url)
    np.testing.assert_array_equal(t_train, arrays[1])
    datasets.load_mnist(data_dir=cache, download=False)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == modified


def test_mnist_default_cache_is_data_mnist(empty_data_dir, mnist_mirror):
    base_url, _ = mnist_mirror
    datasets.load_mnist(base_url=base_url)
    assert sorted(p.name for p in (empty_data_dir / "mnist").iterdir()) == sorted(
        datasets.MNIST_SHA256)


def test_mnist_checksum_mismatch_on_download(tmp_path, mnist_mirror, monkeypatch):
    base_url, _ = mnist_mirror
    name = "train-labels-idx1-ubyte.gz"
    actual = datasets.MNIST_SHA256[name]
    expected = "0" * 64
    monkeypatch.setitem(datasets.MNIST_SHA256, name, expected)
    cache = tmp_path / "cache"
    with pytest.raises(ValueError) as error:
        datasets.load_mnist(data_dir=cache, base_url=base_url)
    message = str(error.value)
    assert name in message and expected in message and actual in message
    assert not (cache / name).exists()
    assert not list(cache.glob("*.part"))


def test_mnist_corrupted_cached_file_is_deleted(tmp_path, mnist_mirror):
    base_url, _ = mnist_mirror
    cache = tmp_path / "cache"
    datasets.load_mnist(data_dir=cache, base_url=base_url)
    name = "t10k-images-idx3-ubyte.gz"
    (cache / name).write_bytes(b"not mnist")
    with pytest.raises(ValueError, match=name) as error:
        datasets.load_mnist(data_dir=cache, download=False)
    assert hashlib.sha256(b"not mnist").hexdigest() in str(error.value)
    assert not (cache / name).exists()
    # The next call downloads a good copy again.
    datasets.load_mnist(data_dir=cache, base_url=base_url)
    assert (cache / name).exists()


def test_mnist_download_failure_says_where_to_put_files(tmp_path, mnist_mirror):
    cache = tmp_path / "cache"
    unreachable = (tmp_path / "no-mirror-here").as_uri()
    with pytest.raises(datasets.DownloadError) as error:
        datasets.load_mnist(data_dir=cache, base_url=unreachable)
    message = str(error.value)
    assert "Could not download train-images-idx3-ubyte.gz" in message
    assert unreachable in message
    assert str(cache) in message
    assert all(name in message for name in datasets.MNIST_SHA256)
    assert isinstance(error.value, OSError)
    assert not list(cache.glob("*"))  # no partial file left behind


def test_mnist_without_download_reports_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        datasets.load_mnist(data_dir=tmp_path, download=False)
    message = str(error.value)
    assert "download=False" in message and str(tmp_path) in message


# --------------------------------------------------------------------------------------------
# load_katakana
# --------------------------------------------------------------------------------------------


def write_katakana(directory, num=6, **overrides):
    rng = np.random.default_rng(5)
    content = {
        "x": rng.integers(0, 256, size=(num, 1, 28, 28), dtype=np.uint8),
        "t": np.arange(num, dtype=np.int64) % 15,
        "classes": np.array(list(datasets.KATAKANA_CLASSES)),
    }
    content.update(overrides)
    content = {key: value for key, value in content.items() if value is not None}
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "katakana_train.npz", **content)
    return content


def test_katakana_classes():
    assert datasets.KATAKANA_CLASSES == "アイウエオカキクケコサシスセソ"
    assert len(datasets.KATAKANA_CLASSES) == 15


def test_katakana_defaults_are_raw_images(tmp_path):
    content = write_katakana(tmp_path)
    x_train, t_train = datasets.load_katakana(data_dir=tmp_path)
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 1, 28, 28)
    assert t_train.dtype == np.int64
    np.testing.assert_array_equal(x_train, content["x"])
    np.testing.assert_array_equal(t_train, content["t"])


@pytest.mark.parametrize("normalize,flatten,one_hot_label",
                         list(itertools.product([True, False], repeat=3)))
def test_katakana_book_options(tmp_path, normalize, flatten, one_hot_label):
    content = write_katakana(tmp_path, num=20)
    split = datasets.load_katakana(normalize=normalize, flatten=flatten,
                                   one_hot_label=one_hot_label, data_dir=tmp_path)
    assert_book_format(split, normalize, flatten, one_hot_label, pixels=28, num_classes=15)
    x, t = split
    scale = 255.0 if normalize else 1.0
    np.testing.assert_allclose(x.reshape(content["x"].shape) * scale, content["x"], rtol=1e-6)
    np.testing.assert_array_equal(t.argmax(axis=1) if one_hot_label else t, content["t"])


def test_katakana_default_folder(empty_data_dir):
    content = write_katakana(empty_data_dir / "katakana")
    _, t_train = datasets.load_katakana()
    np.testing.assert_array_equal(t_train, content["t"])


def test_katakana_missing_file_names_path_and_generator(empty_data_dir):
    with pytest.raises(FileNotFoundError) as error:
        datasets.load_katakana()
    message = str(error.value)
    assert str(empty_data_dir / "katakana" / "katakana_train.npz") in message
    assert "data/katakana/make_katakana.py" in message


def test_katakana_missing_key(tmp_path):
    write_katakana(tmp_path, classes=None)
    with pytest.raises(ValueError, match="classes"):
        datasets.load_katakana(data_dir=tmp_path)


def test_katakana_return_groups_gives_the_writer_of_each_image(tmp_path):
    writers = np.array([7, 7, 3, 3, 9, 9, 3, 7, 9, 3], dtype=np.int64)
    content = write_katakana(tmp_path, num=10, writer=writers)
    x_train, t_train, groups = datasets.load_katakana(flatten=True, data_dir=tmp_path,
                                                      return_groups=True)
    assert x_train.shape == (10, 784)
    np.testing.assert_array_equal(t_train, content["t"])
    assert groups.dtype == np.int64
    np.testing.assert_array_equal(groups, writers)
    # Without the flag the call keeps its two-value shape.
    assert len(datasets.load_katakana(data_dir=tmp_path)) == 2


def test_katakana_groups_split_by_writer_with_group_kfold(tmp_path):
    from sklearn.model_selection import GroupKFold

    writers = np.repeat(np.arange(5, dtype=np.int64), 6)
    write_katakana(tmp_path, num=30, writer=writers)
    x_train, t_train, groups = datasets.load_katakana(data_dir=tmp_path, return_groups=True)
    for train_rows, test_rows in GroupKFold(n_splits=5).split(x_train, t_train, groups):
        assert not set(groups[train_rows]) & set(groups[test_rows])
        assert len(set(groups[test_rows])) == 1


def test_katakana_groups_missing_or_misshapen(tmp_path):
    write_katakana(tmp_path)
    with pytest.raises(ValueError, match="writer"):
        datasets.load_katakana(data_dir=tmp_path, return_groups=True)
    write_katakana(tmp_path, writer=np.zeros(4, dtype=np.int64))
    with pytest.raises(ValueError, match=r"'writer' has shape \(4,\), expected \(6,\)"):
        datasets.load_katakana(data_dir=tmp_path, return_groups=True)


def test_committed_katakana_training_set_has_writer_groups():
    x_train, t_train, groups = datasets.load_katakana(return_groups=True)
    assert len(groups) == len(t_train) == 3000
    assert len(set(groups.tolist())) >= 5, "GroupKFold by writer needs at least 5 writers"
