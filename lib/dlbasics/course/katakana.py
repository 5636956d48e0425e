"""Scoring the katakana project on the hidden test set, with a daily limit and a leaderboard.

A submission is a folder with ``submission.py`` defining ``preprocess(x_raw) -> x`` and
``predict(x) -> (N, 15) probabilities``, plus the weights it loads (``.npz``; no
pickles). The scorer runs it in a child process (:mod:`katakana_runner`) with CPU-time,
memory and wall-clock limits, feeds it the hidden images in batches of 500 and computes
the metrics itself from the probabilities it returns.

Each student may have at most ``DAILY_LIMIT`` scored submissions per UTC day, recorded
in an SQLite ledger that survives restarts and is safe under concurrent scoring.
"""

import ast
import csv
import datetime as dt
import html
import io
import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlbasics.course.settings import GRADING_DIR
from dlbasics.datasets import KATAKANA_CLASSES
from dlbasics.plot import confusion_matrix

__all__ = [
    "DAILY_LIMIT", "BATCH_SIZE", "ScoreResult", "ScoringRefused", "Ledger", "score_submission",
    "evaluate", "write_leaderboard", "default_test_set", "check_submission_folder",
]

DAILY_LIMIT = 3
BATCH_SIZE = 500
NUM_CLASSES = 15
#: Limits of the child process. A reference CNN needs well under 1 GiB and a few seconds.
TIME_LIMIT_SECONDS = int(os.environ.get("DLCOURSE_KATAKANA_TIME_LIMIT", "300"))
MEMORY_LIMIT_BYTES = int(os.environ.get("DLCOURSE_KATAKANA_MEMORY", str(4 * 2**30)))
KATAKANA_DIR = GRADING_DIR / "katakana"
#: Where the ledger and the leaderboard live (git-ignored); overridable for trials.
STATE_DIR = Path(os.environ.get("DLCOURSE_KATAKANA_STATE", KATAKANA_DIR))
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def default_test_set():
    """Path of the hidden test set (``$DLCOURSE_KATAKANA_TEST`` overrides)."""
    return Path(os.environ.get("DLCOURSE_KATAKANA_TEST", KATAKANA_DIR / "katakana_test.npz"))


class ScoringRefused(Exception):
    """The submission was not scored; ``kind`` says why, the message says what to do."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


@dataclass
class ScoreResult:
    """Metrics of one scored submission."""

    student: str
    accuracy: float
    cross_entropy: float
    per_class_accuracy: dict
    confusion: list = field(repr=False)
    scored_at: str = ""
    submissions_today: int = 0

    def summary(self):
        worst = sorted(self.per_class_accuracy.items(), key=lambda kv: kv[1])[:3]
        worst_text = ", ".join(f"{c} {a:.1%}" for c, a in worst)
        return (f"{self.student}: accuracy {self.accuracy:.2%}, cross-entropy "
                f"{self.cross_entropy:.4f} (weakest: {worst_text}); "
                f"{self.submissions_today}/{DAILY_LIMIT} scored today")


def evaluate(probs, labels):
    """Accuracy, mean cross-entropy, per-class accuracy and confusion matrix.

    Inputs:
    - probs: (N, 15) probabilities; labels: (N,) integer labels.

    Returns:
    - dict with ``accuracy`` (float), ``cross_entropy`` (float, mean of −log(p_true + 1e-7)),
      ``per_class_accuracy`` ({character: float}) and ``confusion`` ((15, 15) int list,
      rows = true class, columns = predicted class).
    """
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.argmax(probs, axis=1)
    confusion = confusion_matrix(labels, predicted, NUM_CLASSES)
    per_class = confusion.diagonal() / np.maximum(confusion.sum(axis=1), 1)
    picked = probs[np.arange(len(labels)), labels]
    return {
        "accuracy": float(np.mean(predicted == labels)),
        "cross_entropy": float(-np.mean(np.log(picked + 1e-7))),
        "per_class_accuracy": {KATAKANA_CLASSES[i]: float(per_class[i])
                               for i in range(NUM_CLASSES)},
        "confusion": confusion.tolist(),
    }


def check_submission_folder(folder):
    """Static checks before running anything: files present, imports allowed, no pickles.

    Raises ScoringRefused with a clear message.
    """
    folder = Path(folder)
    source_path = folder / "submission.py"
    if not folder.is_dir():
        raise ScoringRefused("missing", f"{folder} is not a folder")
    if not source_path.is_file():
        raise ScoringRefused("missing", f"{folder} has no submission.py")
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix in (".pkl", ".pickle"))
    if pickles:
        raise ScoringRefused("forbidden file", f"pickles are not accepted ({', '.join(pickles)}):"
                             " save weights with np.savez")
    local = {p.stem for p in folder.glob("*.py")}
    allowed = set(sys.stdlib_module_names) | {"numpy", "dlbasics"} | local
    for path in sorted(folder.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError) as exc:
            raise ScoringRefused("syntax", f"{path.name} cannot be parsed: {exc}") from None
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] not in allowed:
                    raise ScoringRefused(
                        "forbidden import",
                        f"{path.name} line {node.lineno}: import of {name!r} is not allowed; "
                        "only NumPy, the standard library and dlbasics may be imported")


def _limits(memory_bytes, cpu_seconds):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        os.setsid()
    return apply


def run_submission(folder, images, time_limit=None, memory_limit=None, batch_size=BATCH_SIZE):
    """Run a submission on ``images`` in a limited child process; returns (N, 15) probs.

    Raises ScoringRefused (kinds: timeout, memory, crash, forbidden import, forbidden file
    access, wrong shape, not finite, not probabilities, contract).
    """
    time_limit = time_limit or TIME_LIMIT_SECONDS
    memory_limit = memory_limit or MEMORY_LIMIT_BYTES
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(images), allow_pickle=False)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("DLCOURSE_KATAKANA")}
    env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlbasics.course.katakana_runner", str(Path(folder).resolve()),
         str(batch_size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=str(Path(folder).resolve()), env=env,
        preexec_fn=_limits(memory_limit, time_limit),
    )
    try:
        out, err = proc.communicate(buffer.getvalue(), timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        raise ScoringRefused("timeout", f"the submission did not finish within {time_limit} s "
                             "on the test set") from None
    err_text = err.decode("utf-8", "replace")
    if proc.returncode == 0:
        try:
            return np.load(io.BytesIO(out), allow_pickle=False)
        except ValueError as exc:
            raise ScoringRefused("crash", f"the scorer could not read the results: {exc}") from None
    marker = [line for line in err_text.splitlines() if line.startswith("DLCOURSE-ERROR: ")]
    if marker:
        info = json.loads(marker[-1][len("DLCOURSE-ERROR: "):])
        raise ScoringRefused(info["kind"], info["message"])
    if proc.returncode in (-9, -24) or "MemoryError" in err_text:
        kind = "timeout" if proc.returncode == -24 else "memory"
        raise ScoringRefused(kind, f"the submission was stopped by the {kind} limit "
                             f"(exit {proc.returncode})")
    tail = "\n".join(err_text.strip().splitlines()[-5:])
    raise ScoringRefused("crash", f"the submission's process died (exit {proc.returncode}): {tail}")


class Ledger:
    """SQLite record of every scoring attempt; enforces the daily limit atomically."""

    PENDING_TIMEOUT = dt.timedelta(hours=1)

    def __init__(self, path=None):
        self.path = Path(path or STATE_DIR / "ledger.sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("""CREATE TABLE IF NOT EXISTS attempts (
                id INTEGER PRIMARY KEY AUTOINCREMENT, student TEXT NOT NULL,
                started_at TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL,
                accuracy REAL, cross_entropy REAL, detail TEXT)""")

    def _connect(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def reserve(self, student, now):
        """Take one of today's slots or raise ScoringRefused('rate limit')."""
        day = now.date().isoformat()
        stale = (now - self.PENDING_TIMEOUT).isoformat()
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                used = db.execute(
                    "SELECT COUNT(*) FROM attempts WHERE student=? AND day=? AND "
                    "(status='scored' OR (status='pending' AND started_at>?))",
                    (student, day, stale)).fetchone()[0]
                if used >= DAILY_LIMIT:
                    opens = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(),
                                                tzinfo=dt.timezone.utc)
                    raise ScoringRefused(
                        "rate limit",
                        f"{student} already has {used} scored submissions today (UTC "
                        f"{day}); the limit is {DAILY_LIMIT} a day. The next one opens at "
                        f"{opens.isoformat()} ({_duration(opens - now)} from now).")
                cursor = db.execute(
                    "INSERT INTO attempts (student, started_at, day, status) "
                    "VALUES (?, ?, ?, 'pending')", (student, now.isoformat(), day))
                db.execute("COMMIT")
                return cursor.lastrowid, used + 1
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def finish(self, attempt_id, status, accuracy=None, cross_entropy=None, detail=""):
        with closing(self._connect()) as db, db:
            db.execute("UPDATE attempts SET status=?, accuracy=?, cross_entropy=?, detail=? "
                       "WHERE id=?", (status, accuracy, cross_entropy, detail, attempt_id))

    def attempts(self):
        with closing(self._connect()) as db:
            rows = db.execute("SELECT student, started_at, day, status, accuracy, cross_entropy,"
                              " detail FROM attempts ORDER BY id").fetchall()
        keys = ("student", "started_at", "day", "status", "accuracy", "cross_entropy", "detail")
        return [dict(zip(keys, row)) for row in rows]


def _duration(delta):
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min"


def score_submission(folder, student, test_set=None, ledger=None, now=None, time_limit=None,
                     memory_limit=None):
    """Score a submission folder on the hidden test set for ``student``.

    Returns a :class:`ScoreResult`; raises ScoringRefused (with ``kind``) when the
    submission is refused (the attempt then does not count toward the daily limit).
    """
    if not STUDENT_ID.match(student or ""):
        raise ScoringRefused("bad student id", f"invalid student id {student!r}: use letters, "
                             "digits, '.', '_' or '-'")
    test_path = Path(test_set or default_test_set())
    if not test_path.is_file():
        raise FileNotFoundError(f"hidden test set not found at {test_path}; generate it with "
                                "data/katakana/make_katakana.py")
    check_submission_folder(folder)
    now = now or dt.datetime.now(dt.timezone.utc)
    ledger = ledger or Ledger()
    attempt, count = ledger.reserve(student, now)
    try:
        with np.load(test_path, allow_pickle=False) as data:
            images, labels = data["x"], data["t"]
        probs = run_submission(folder, images, time_limit, memory_limit)
        if probs.shape != (len(labels), NUM_CLASSES):
            raise ScoringRefused("wrong shape", f"got {probs.shape} predictions for "
                                 f"{len(labels)} images")
    except ScoringRefused as exc:
        ledger.finish(attempt, "refused", detail=f"{exc.kind}: {exc}")
        raise
    except BaseException as exc:
        ledger.finish(attempt, "error", detail=repr(exc))
        raise
    metrics = evaluate(probs, labels)
    ledger.finish(attempt, "scored", metrics["accuracy"], metrics["cross_entropy"],
                  json.dumps(metrics, ensure_ascii=False))
    return ScoreResult(student, metrics["accuracy"], metrics["cross_entropy"],
                       metrics["per_class_accuracy"], metrics["confusion"], now.isoformat(),
                       count)


def write_leaderboard(ledger=None, out_dir=None):
    """Write leaderboard.csv and leaderboard.html: best score per student.

    Columns: rank, student, best accuracy, its cross-entropy, date of the best score,
    number of scored submissions. Returns (csv_path, html_path, rows).
    """
    ledger = ledger or Ledger()
    out_dir = Path(out_dir or ledger.path.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    best = {}
    counts = {}
    for row in ledger.attempts():
        if row["status"] != "scored":
            continue
        counts[row["student"]] = counts.get(row["student"], 0) + 1
        key = (row["accuracy"], -row["cross_entropy"])
        if row["student"] not in best or key > best[row["student"]][0]:
            best[row["student"]] = (key, row)
    ordered = sorted(best.values(), key=lambda item: item[0], reverse=True)
    rows = [{"rank": rank, "student": row["student"], "accuracy": round(row["accuracy"], 6),
             "cross_entropy": round(row["cross_entropy"], 6), "date": row["started_at"][:10],
             "submissions": counts[row["student"]]}
            for rank, (_, row) in enumerate(ordered, start=1)]
    csv_path = out_dir / "leaderboard.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["rank", "student", "accuracy",
                                                    "cross_entropy", "date", "submissions"])
        writer.writeheader()
        writer.writerows(rows)
    body = "\n".join(
        f"<tr><td>{r['rank']}</td><td>{html.escape(r['student'])}</td>"
        f"<td>{r['accuracy']:.2%}</td><td>{r['cross_entropy']:.4f}</td>"
        f"<td>{r['date']}</td><td>{r['submissions']}</td></tr>" for r in rows)
    html_path = out_dir / "leaderboard.html"
    html_path.write_text(f"""<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>カタカナ認識 リーダーボード</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 10px;text-align:right}}</style></head>
<body><h1>カタカナ認識 リーダーボード</h1>
<p>隠しテストセット (14,500 枚) での最高正解率。1 日 {DAILY_LIMIT} 回まで採点できます。</p>
<table><thead><tr><th>順位</th><th>学籍番号</th><th>正解率</th><th>交差エントロピー</th>
<th>日付 (UTC)</th><th>採点回数</th></tr></thead>
<tbody>
{body}
</tbody></table></body></html>
""", encoding="utf-8")
    return csv_path, html_path, rows
