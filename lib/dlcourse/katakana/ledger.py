"""The SQLite ledger of scoring attempts: at most ``DAILY_LIMIT`` scored a UTC day.

It survives restarts and is safe under concurrent scoring (WAL, ``BEGIN IMMEDIATE``);
a refused submission does not count toward the limit.
"""

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from dlcourse.katakana.paths import state_dir
from dlcourse.katakana.refusal import ScoringRefused

__all__ = ["DAILY_LIMIT", "Ledger"]

DAILY_LIMIT = 3


class Ledger:
    """SQLite record of every scoring attempt; enforces the daily limit atomically."""

    PENDING_TIMEOUT = dt.timedelta(hours=1)

    def __init__(self, path=None):
        self.path = Path(path or state_dir() / "ledger.sqlite")
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
