"""dlbasics.names: the hiragana names data set and its encoding for language models."""

import numpy as np
import pytest

from dlbasics.names import build_vocabulary, decode_ids, encode_names, load_japanese_names


def test_the_name_lists_are_read_offline_and_deduplicated():
    male, female, both = (load_japanese_names(g) for g in ("male", "female", None))
    assert len(male) > 6000 and len(female) > 3000
    assert set(both) == set(male) | set(female) and len(both) < len(male) + len(female)
    assert both == sorted(both) and "たろう" in male and "はなこ" in female
    hiragana = {chr(c) for c in range(ord("ぁ"), ord("ゖ") + 1)} | {"ー"}
    assert set("".join(both)) <= hiragana
    with pytest.raises(ValueError, match="gender"):
        load_japanese_names("other")


def test_encoding_shifts_targets_pads_and_round_trips():
    names = ["たろう", "あい", "はなこ"]
    id_to_char, char_to_id = build_vocabulary(names)
    assert id_to_char[0] == "." and len(id_to_char) == len(set("".join(names))) + 1
    inputs, targets = encode_names(names, char_to_id)
    assert inputs.shape == targets.shape == (3, 4) and inputs.dtype == np.int64
    assert inputs[1].tolist() == [0, char_to_id["あ"], char_to_id["い"], 0]
    assert targets[1].tolist() == [char_to_id["あ"], char_to_id["い"], 0, -1]
    np.testing.assert_array_equal(inputs[:, 1:][targets[:, :-1] != -1],
                                  targets[:, :-1][targets[:, :-1] != -1])
    assert [decode_ids(row, id_to_char) for row in targets] == names
    with pytest.raises(ValueError, match="outside the vocabulary"):
        encode_names(["がっこう"], char_to_id)
