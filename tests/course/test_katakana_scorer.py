"""The katakana scorer: submissions good and bad, the daily limit, the ledger, leaderboard.

The tests make their own small "hidden" test set: each image is filled with a grey level
that encodes its label, so a correct submission is easy to write.
"""

import datetime as dt
import textwrap
import threading

import numpy as np
import pytest

from dlcourse import katakana
from dlcourse.katakana import Ledger, ScoringRefused, score_submission, write_leaderboard

NOW = dt.datetime(2026, 11, 23, 22, 30, tzinfo=dt.timezone.utc)

GOOD = """
import numpy as np
from pathlib import Path

WEIGHTS = np.load(Path(__file__).with_name("weights.npz"))["levels"]


def preprocess(x_raw):
    return x_raw.astype(np.float32) / 255.0


def predict(x):
    level = x.reshape(len(x), -1).mean(axis=1) * 255.0
    scores = -np.abs(level[:, None] - WEIGHTS[None, :])
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
"""


@pytest.fixture()
def test_set(tmp_path):
    labels = np.repeat(np.arange(15), 40)  # 600 images: two batches of 500 and a partial one
    images = (labels * 16 + 8).astype(np.uint8)[:, None, None, None] * np.ones(
        (1, 1, 28, 28), dtype=np.uint8)
    path = tmp_path / "hidden" / "katakana_test.npz"
    path.parent.mkdir()
    np.savez_compressed(path, x=images, t=labels.astype(np.int64))
    return path


def make_submission(root, name, source, weights=True):
    folder = root / name
    folder.mkdir()
    (folder / "submission.py").write_text(textwrap.dedent(source), encoding="utf-8")
    if weights:
        np.savez(folder / "weights.npz", levels=np.arange(15) * 16.0 + 8)
    return folder


def score(folder, test_set, tmp_path, student="s001", now=NOW, **kwargs):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    return score_submission(folder, student, test_set=test_set, ledger=ledger, now=now,
                            **kwargs)


def test_good_submission_is_scored_by_the_scorer(tmp_path, test_set):
    result = score(make_submission(tmp_path, "good", GOOD), test_set, tmp_path)
    assert result.accuracy == 1.0
    assert result.per_class_accuracy["ア"] == 1.0 and len(result.per_class_accuracy) == 15
    assert np.array_equal(np.diag(result.confusion), np.full(15, 40))
    assert 0 < result.cross_entropy < 3
    assert "100.00%" in result.summary()


def test_metrics_are_computed_not_trusted():
    probs = np.full((4, 15), 1 / 15)
    probs[0] = np.eye(15)[3]
    metrics = katakana.evaluate(probs, np.array([3, 1, 2, 0]))
    assert metrics["accuracy"] == 0.5  # rows 1..3 predict class 0; only the last is right
    assert metrics["confusion"][3][3] == 1 and metrics["confusion"][1][0] == 1
    assert metrics["cross_entropy"] == pytest.approx(
        (-np.log(1 + 1e-7) - 3 * np.log(1 / 15 + 1e-7)) / 4)


BAD = {
    "wrong shape": ("import numpy as np\ndef preprocess(x):\n    return x\n"
                    "def predict(x):\n    return np.ones((len(x), 10)) / 10\n",
                    "wrong shape", "(500, 15)"),
    "nan": ("import numpy as np\ndef preprocess(x):\n    return x\n"
            "def predict(x):\n    return np.full((len(x), 15), np.nan)\n", "not finite", "NaN"),
    "crash": ("def preprocess(x):\n    return x\n"
              "def predict(x):\n    raise ValueError('weights missing')\n", "crash",
              "ValueError: weights missing"),
    "not probabilities": ("import numpy as np\ndef preprocess(x):\n    return x\n"
                          "def predict(x):\n    return np.ones((len(x), 15))\n",
                          "not probabilities", "softmax"),
    "static import": ("import sklearn\ndef preprocess(x):\n    return x\n"
                      "def predict(x):\n    return x\n", "forbidden import", "sklearn"),
    "dynamic import": ("import importlib\nmod = importlib.import_module('sk' + 'learn')\n"
                       "def preprocess(x):\n    return x\ndef predict(x):\n    return x\n",
                       "forbidden import", "sklearn"),
    "no predict": ("def preprocess(x):\n    return x\n", "contract", "predict()"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_submissions_are_refused_with_a_reason(tmp_path, test_set, case):
    source, kind, text = BAD[case]
    folder = make_submission(tmp_path, "bad", source)
    with pytest.raises(ScoringRefused) as info:
        score(folder, test_set, tmp_path)
    assert info.value.kind == kind
    assert text in str(info.value)
    attempts = Ledger(tmp_path / "ledger.sqlite").attempts()
    assert all(a["status"] != "scored" for a in attempts)


def test_reading_the_test_set_directly_is_refused(tmp_path, test_set):
    source = GOOD + f"""
try:
    STOLEN = open({str(test_set)!r}, "rb").read()
except Exception:
    STOLEN = None  # swallowing the refusal does not help
"""
    with pytest.raises(ScoringRefused) as info:
        score(make_submission(tmp_path, "thief", source), test_set, tmp_path)
    assert info.value.kind == "forbidden file access"
    assert "katakana_test.npz" in str(info.value)


def test_sleeping_past_the_limit_times_out(tmp_path, test_set):
    source = GOOD + "\nimport time\ntime.sleep(30)\n"
    with pytest.raises(ScoringRefused) as info:
        score(make_submission(tmp_path, "sleepy", source), test_set, tmp_path, time_limit=3)
    assert info.value.kind == "timeout" and "3 s" in str(info.value)


def test_pickles_are_refused(tmp_path, test_set):
    folder = make_submission(tmp_path, "pickled", GOOD)
    (folder / "weights.pkl").write_bytes(b"\x80\x04N.")
    with pytest.raises(ScoringRefused, match="np.savez"):
        score(folder, test_set, tmp_path)


def test_daily_limit_survives_restarts_and_reopens_at_midnight(tmp_path, test_set):
    folder = make_submission(tmp_path, "good", GOOD)
    for attempt in range(3):
        result = score(folder, test_set, tmp_path, now=NOW + dt.timedelta(minutes=attempt))
        assert result.submissions_today == attempt + 1
    # a new Ledger object on the same file: the count is remembered
    with pytest.raises(ScoringRefused) as info:
        score(folder, test_set, tmp_path, now=NOW + dt.timedelta(minutes=5))
    assert info.value.kind == "rate limit"
    assert "2026-11-24T00:00:00+00:00" in str(info.value) and "1 h 25 min" in str(info.value)
    # another student is not affected; the next UTC day opens again
    assert score(folder, test_set, tmp_path, student="s002").accuracy == 1.0
    next_day = dt.datetime(2026, 11, 24, 0, 1, tzinfo=dt.timezone.utc)
    assert score(folder, test_set, tmp_path, now=next_day).submissions_today == 1


def test_refused_submissions_do_not_use_up_the_limit(tmp_path, test_set):
    broken = make_submission(tmp_path, "broken", BAD["crash"][0])
    for _ in range(4):
        with pytest.raises(ScoringRefused, match="ValueError"):
            score(broken, test_set, tmp_path)
    assert score(make_submission(tmp_path, "good", GOOD), test_set, tmp_path).accuracy == 1.0


def test_concurrent_scoring_never_exceeds_the_limit(tmp_path):
    ledger_path = tmp_path / "ledger.sqlite"
    Ledger(ledger_path)
    outcomes = []

    def reserve():
        try:
            attempt, _ = Ledger(ledger_path).reserve("s001", NOW)
            Ledger(ledger_path).finish(attempt, "scored", 0.5, 1.0)
            outcomes.append("ok")
        except ScoringRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=reserve) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 5


def test_bad_student_id_and_missing_files(tmp_path, test_set):
    folder = make_submission(tmp_path, "good", GOOD)
    with pytest.raises(ScoringRefused, match="invalid student id"):
        score(folder, test_set, tmp_path, student="../etc")
    with pytest.raises(ScoringRefused, match="no submission.py"):
        score(tmp_path, test_set, tmp_path)
    with pytest.raises(FileNotFoundError, match="make_katakana"):
        score(folder, tmp_path / "absent.npz", tmp_path)


def test_leaderboard_keeps_the_best_score_per_student(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    for student, accuracy, minute in [("s001", 0.80, 0), ("s001", 0.95, 1), ("s001", 0.90, 2),
                                      ("s002", 0.97, 3), ("s<3>", 0.50, 4)]:
        attempt, _ = ledger.reserve(student, NOW + dt.timedelta(minutes=minute))
        ledger.finish(attempt, "scored", accuracy, 1 - accuracy)
    attempt, _ = ledger.reserve("s003", NOW)
    ledger.finish(attempt, "refused", detail="crash")
    csv_path, html_path, rows = write_leaderboard(ledger, tmp_path / "board")
    assert [(r["student"], r["accuracy"], r["submissions"]) for r in rows] == [
        ("s002", 0.97, 1), ("s001", 0.95, 3), ("s<3>", 0.5, 1)]
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == (
        "rank,student,accuracy,cross_entropy,date,submissions")
    page = html_path.read_text(encoding="utf-8")
    assert "s&lt;3&gt;" in page and "95.00%" in page and "2026-11-23" in page


def test_command_line_scores_and_writes_the_leaderboard(tmp_path, test_set):
    import os
    import subprocess
    import sys

    folder = make_submission(tmp_path, "good", GOOD)
    env = dict(os.environ, DLCOURSE_KATAKANA_STATE=str(tmp_path / "state"),
               DLCOURSE_KATAKANA_TEST=str(test_set))
    cli = [sys.executable, "-m", "dlcourse.cli", "katakana"]
    scored = subprocess.run([*cli, "score", str(folder), "--student", "s001"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert scored.returncode == 0, scored.stderr
    assert "accuracy 100.00%" in scored.stdout and "ア 100.0%" in scored.stdout
    refused = subprocess.run([*cli, "score", str(tmp_path), "--student", "s001"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "no submission.py" in refused.stderr
    board = subprocess.run([*cli, "leaderboard"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert board.returncode == 0 and "s001" in board.stdout
    assert (tmp_path / "state" / "leaderboard.html").is_file()
