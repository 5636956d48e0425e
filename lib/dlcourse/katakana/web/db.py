"""The website's tables in the katakana ledger (SQLite by default, PostgreSQL when shared).

The ledger URL is ``$DLCOURSE_DB_URL`` (the variable the gradebook uses, so several
scoring servers can share one PostgreSQL ledger), else the SQLite file ``ledger.sqlite``
in the scorer's state folder. All tables are prefixed ``katakana_`` so they can live in
the same database as nbgrader's gradebook.

Concurrency: every write goes through :func:`writing`; on SQLite its transaction starts
with ``BEGIN IMMEDIATE`` (one writer at a time, so a count and the insert it allows are
atomic; readers are not blocked under WAL); on PostgreSQL the queue locks rows
(``FOR UPDATE``, ``SKIP LOCKED``). The same statements work on both.
"""

import contextlib
import datetime as dt
import os
from pathlib import Path

import sqlalchemy as sa

__all__ = ["METADATA", "accounts", "sessions", "submissions", "uploads", "ledger_url",
           "connect", "writing", "utc_now", "iso"]

METADATA = sa.MetaData()

accounts = sa.Table(
    "katakana_accounts", METADATA,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("nickname", sa.String(40), nullable=False, server_default=""),
    sa.Column("email", sa.String(254), nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False, server_default="trainee"),
    sa.Column("created_at", sa.String(40), nullable=False),
)

sessions = sa.Table(
    "katakana_sessions", METADATA,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(64), sa.ForeignKey("katakana_accounts.id"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)

#: One row per accepted upload: the queue entry, its scoring runs and its result.
#: status: queued → running → scored | failed (the trainee's code failed: counts) |
#: error (the scoring server failed: does not count).
submissions = sa.Table(
    "katakana_submissions", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account", sa.String(64), sa.ForeignKey("katakana_accounts.id"), nullable=False,
              index=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("files", sa.Text, nullable=False),
    sa.Column("training_accuracy", sa.Float),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("started_at", sa.String(40)),
    sa.Column("heartbeat_at", sa.String(40)),
    sa.Column("finished_at", sa.String(40)),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claim_token", sa.String(32)),
    sa.Column("runs", sa.Integer, nullable=False, server_default="0"),
    sa.Column("accuracy", sa.Float),
    sa.Column("cross_entropy", sa.Float),
    sa.Column("metrics", sa.Text),
    sa.Column("failure_kind", sa.String(40)),
    sa.Column("failure_message", sa.Text),
    sa.Column("seen", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("email_status", sa.Text, nullable=False, server_default=""),
)

#: The uploaded zip itself, kept in the ledger so every server sharing it can score,
#: download and rescore it without a shared folder.
uploads = sa.Table(
    "katakana_uploads", METADATA,
    sa.Column("submission", sa.Integer, sa.ForeignKey("katakana_submissions.id"),
              primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


def ledger_url(state_dir, db_url=None, environ=os.environ):
    """``db_url``, else ``$DLCOURSE_DB_URL``, else SQLite ``state_dir/ledger.sqlite``."""
    return db_url or environ.get("DLCOURSE_DB_URL") or (
        f"sqlite:///{Path(state_dir) / 'ledger.sqlite'}")


def connect(url):
    """An engine for ``url`` with the website's tables created."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # transactions are begun below
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            immediate = connection.get_execution_options().get("write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    else:
        engine = sa.create_engine(url, pool_pre_ping=True)
    METADATA.create_all(engine)
    return engine


@contextlib.contextmanager
def writing(engine):
    """A connection in a write transaction (committed on leaving, rolled back on error)."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


def utc_now():
    return dt.datetime.now(dt.timezone.utc)


def iso(moment):
    """The one text form of a time in the tables (UTC, microseconds: sorts as text)."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
