"""Japanese first names in hiragana, as sequences of character ids for language models.

Data: the readings of the PyPI package ``japanese-personal-name-dataset`` (MIT licence,
© 2022 shuheilocale; a dependency of the course, installed with it, read offline):
6,120 male and 3,343 female first-name readings such as ``たろう`` and ``はなこ``.

A name becomes ids with one boundary character ``"."`` (id 0) at both ends, as
makemore does: the model reads ``. た ろ う`` and predicts ``た ろ う .``.
"""

import csv
import importlib.resources

import numpy as np

__all__ = ["BOUNDARY", "load_japanese_names", "build_vocabulary", "encode_names", "decode_ids"]

#: Start and end of every name (id 0 of every vocabulary).
BOUNDARY = "."
_FILES = {"male": "first_name_man_org.csv", "female": "first_name_woman_org.csv"}


def load_japanese_names(gender=None):
    """Unique hiragana first-name readings, sorted.

    Inputs:
    - gender: ``"male"``, ``"female"`` or None (both lists, without repeats).

    Returns:
    - list of str.
    """
    if gender not in (None, "male", "female"):
        raise ValueError(f"gender must be 'male', 'female' or None; got {gender!r}")
    try:
        folder = importlib.resources.files("japanese_personal_name_dataset") / "dataset"
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "load_japanese_names needs the package japanese-personal-name-dataset "
            "(pip install japanese-personal-name-dataset; it is a course dependency)") from error
    names = set()
    for key in ([gender] if gender else ["male", "female"]):
        with (folder / _FILES[key]).open(encoding="utf-8") as file:
            names.update(row[0].strip() for row in csv.reader(file) if row and row[0].strip())
    return sorted(names)


def build_vocabulary(names):
    """The characters of ``names``, sorted, after the boundary: ``[".", "あ", "い", ...]``.

    Returns:
    - (id_to_char list, char_to_id dict).
    """
    chars = sorted(set("".join(names)) - {BOUNDARY})
    id_to_char = [BOUNDARY] + chars
    return id_to_char, {char: index for index, char in enumerate(id_to_char)}


def encode_names(names, char_to_id, ignore_label=-1):
    """Inputs and targets of a character language model, padded to one length.

    For a name c1 … cL: inputs ``[0, c1, …, cL]`` and targets ``[c1, …, cL, 0]``; shorter
    names are padded with 0 in the inputs and ``ignore_label`` in the targets, so a
    ``TimeSoftmaxWithLoss(ignore_label)`` skips the padding.

    Inputs:
    - names: list of N strings.
    - char_to_id: dict from :func:`build_vocabulary`.
    - ignore_label: target value of padded positions.

    Returns:
    - (inputs, targets): int64 arrays of shape (N, T), T = longest name + 1.
    """
    steps = max(len(name) for name in names) + 1
    inputs = np.zeros((len(names), steps), dtype=np.int64)
    targets = np.full((len(names), steps), ignore_label, dtype=np.int64)
    for row, name in enumerate(names):
        try:
            ids = [char_to_id[char] for char in name]
        except KeyError as error:
            raise ValueError(f"name {name!r} has a character outside the vocabulary: "
                             f"{error.args[0]!r}") from None
        inputs[row, 1:len(ids) + 1] = ids
        targets[row, :len(ids)] = ids
        targets[row, len(ids)] = 0
    return inputs, targets


def decode_ids(ids, id_to_char):
    """Characters of ``ids`` up to the first boundary (id 0), joined into a string."""
    chars = []
    for index in ids:
        if index == 0:
            break
        chars.append(id_to_char[index])
    return "".join(chars)
