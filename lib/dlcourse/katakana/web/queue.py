"""The persistent scoring queue in the ledger: the daily limit, claims, results.

A submission row is created when an upload is accepted (status ``queued``) and takes one
of the day's ``DAILY_LIMIT`` slots at once, in the same transaction that counts the
slots, so concurrent uploads can never exceed the limit. Workers claim the oldest queued
row (``running``, with a claim token and a heartbeat) and finish it as ``scored``,
``failed`` (the trainee's code crashed, timed out or broke the contract: it counts) or
``error`` (the scoring server could not score it: it does not count). A row whose worker
died (server restart, lost heartbeat) is queued again: the same row, counted once.
"""

import dataclasses
import datetime as dt
import json
import secrets

import sqlalchemy as sa

from dlcourse.katakana.ledger import DAILY_LIMIT
from dlcourse.katakana.web.db import accounts, iso, submissions, uploads, utc_now, writing

__all__ = ["QuotaExceeded", "Quota", "COUNTED", "quota", "enqueue", "claim", "heartbeat",
           "finish", "requeue_abandoned", "rescore", "submission", "history", "all_submissions",
           "upload_data", "leaderboard", "queue_position", "unseen_finished", "mark_seen",
           "set_email_status", "MAX_RUNS"]

#: Statuses that use up one of the day's slots.
COUNTED = ("queued", "running", "scored", "failed")
#: A job interrupted this many times is given up as a server error (never a lost job).
MAX_RUNS = 3


@dataclasses.dataclass
class Quota:
    """The day's slots of one trainee."""

    day: str
    used: int
    pending: int
    limit: int
    opens_at: dt.datetime

    @property
    def remaining(self):
        return max(self.limit - self.used, 0)


class QuotaExceeded(Exception):
    """All of today's slots are used (queued, running or scored)."""

    def __init__(self, quota):
        super().__init__(f"{quota.used} of {quota.limit} submissions used on {quota.day}")
        self.quota = quota


def _next_midnight(now):
    return dt.datetime.combine(now.astimezone(dt.timezone.utc).date() + dt.timedelta(days=1),
                               dt.time(), tzinfo=dt.timezone.utc)


def _quota(conn, account, now):
    day = now.astimezone(dt.timezone.utc).date().isoformat()
    rows = conn.execute(sa.select(submissions.c.status, sa.func.count()).where(
        submissions.c.account == account, submissions.c.day == day,
        submissions.c.status.in_(COUNTED)).group_by(submissions.c.status)).all()
    counts = dict(rows)
    return Quota(day, sum(counts.values()), counts.get("queued", 0) + counts.get("running", 0),
                 DAILY_LIMIT, _next_midnight(now))


def quota(engine, account, now=None):
    with engine.connect() as conn:
        return _quota(conn, account, now or utc_now())


def enqueue(engine, account, zip_bytes, filename, files, training_accuracy=None, comment="",
            now=None):
    """Take one of today's slots and queue the upload; returns the submission id.

    Raises QuotaExceeded (nothing is stored then).
    """
    now = now or utc_now()
    with writing(engine) as conn:
        # serialises the account's uploads on PostgreSQL (SQLite: BEGIN IMMEDIATE does)
        conn.execute(sa.select(accounts.c.id).where(accounts.c.id == account).with_for_update())
        current = _quota(conn, account, now)
        if current.used >= current.limit:
            raise QuotaExceeded(current)
        new_id = conn.execute(submissions.insert().values(
            account=account, day=current.day, status="queued", filename=filename[:255],
            size_bytes=len(zip_bytes), files=json.dumps(files, ensure_ascii=False),
            training_accuracy=training_accuracy, comment=comment, created_at=iso(now),
            runs=0)).inserted_primary_key[0]
        conn.execute(uploads.insert().values(submission=new_id, data=zip_bytes))
    return new_id


def claim(engine, worker, now=None):
    """Claim the oldest queued submission for ``worker``: (row dict, zip bytes) or None."""
    now = now or utc_now()
    with writing(engine) as conn:
        row = conn.execute(sa.select(submissions.c.id).where(submissions.c.status == "queued")
                           .order_by(submissions.c.id).limit(1)
                           .with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        token = secrets.token_hex(16)
        conn.execute(submissions.update().where(submissions.c.id == row.id).values(
            status="running", claimed_by=worker, claim_token=token, started_at=iso(now),
            heartbeat_at=iso(now), runs=submissions.c.runs + 1))
        job = conn.execute(sa.select(submissions).where(submissions.c.id == row.id)).one()
        data = conn.execute(sa.select(uploads.c.data).where(
            uploads.c.submission == row.id)).scalar_one()
    return job._asdict(), bytes(data)


def _claimed(job):
    return sa.and_(submissions.c.id == job["id"], submissions.c.status == "running",
                   submissions.c.claim_token == job["claim_token"])


def heartbeat(engine, job, now=None):
    """Tell the ledger the job is still being scored; False if it was taken away."""
    with writing(engine) as conn:
        return conn.execute(submissions.update().where(_claimed(job)).values(
            heartbeat_at=iso(now or utc_now()))).rowcount == 1


def finish(engine, job, status, metrics=None, failure_kind=None, failure_message=None,
           now=None):
    """Record the outcome of a claimed job; False (nothing written) if the claim is stale."""
    assert status in ("scored", "failed", "error")
    values = dict(status=status, finished_at=iso(now or utc_now()), claim_token=None,
                  failure_kind=failure_kind, failure_message=failure_message, seen=False,
                  accuracy=None, cross_entropy=None, metrics=None, email_status="")
    if metrics is not None:
        values.update(accuracy=metrics["accuracy"], cross_entropy=metrics["cross_entropy"],
                      metrics=json.dumps(metrics, ensure_ascii=False))
    with writing(engine) as conn:
        return conn.execute(submissions.update().where(_claimed(job)).values(
            **values)).rowcount == 1


def requeue_abandoned(engine, worker, lease, now=None):
    """Queue again the jobs whose heartbeat is older than ``lease`` (their server died) and,
    when ``worker`` is given, those that server (a previous life of it) left running; give
    up after MAX_RUNS runs. Returns the number of jobs queued again.
    """
    now = now or utc_now()
    dead = [submissions.c.heartbeat_at < iso(now - lease)]
    if worker:
        dead.append(submissions.c.claimed_by == worker)
    abandoned = sa.and_(submissions.c.status == "running", sa.or_(*dead))
    with writing(engine) as conn:
        conn.execute(submissions.update().where(abandoned, submissions.c.runs >= MAX_RUNS)
                     .values(status="error", claim_token=None, finished_at=iso(now),
                             failure_kind="interrupted",
                             failure_message=f"scoring was interrupted {MAX_RUNS} times"))
        return conn.execute(submissions.update().where(abandoned).values(
            status="queued", claim_token=None, claimed_by=None)).rowcount


def rescore(engine, submission_id):
    """Queue a submission again (the instructor's rescore); same row, counted once."""
    with writing(engine) as conn:
        return conn.execute(submissions.update().where(
            submissions.c.id == submission_id, submissions.c.status != "running").values(
            status="queued", claim_token=None, claimed_by=None, runs=0)).rowcount == 1


def submission(engine, submission_id):
    with engine.connect() as conn:
        row = conn.execute(sa.select(submissions).where(
            submissions.c.id == submission_id)).first()
    return _decoded(row)


def _decoded(row):
    if row is None:
        return None
    item = row._asdict()
    item["metrics"] = json.loads(item["metrics"]) if item["metrics"] else None
    item["files"] = json.loads(item["files"])
    return item


def history(engine, account):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(submissions).where(submissions.c.account == account)
                            .order_by(submissions.c.id.desc())).all()
    return [_decoded(row) for row in rows]


def all_submissions(engine):
    columns = [c for c in submissions.c if c.name != "metrics"]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns, accounts.c.nickname).join(accounts)
                            .order_by(submissions.c.id.desc())).all()
    return [dict(row._asdict(), metrics=None, files=json.loads(row.files)) for row in rows]


def upload_data(engine, submission_id):
    with engine.connect() as conn:
        data = conn.execute(sa.select(uploads.c.data).where(
            uploads.c.submission == submission_id)).scalar()
    return bytes(data) if data is not None else None


def queue_position(engine, submission_id):
    """1 for the next job to be scored; None when not queued."""
    with engine.connect() as conn:
        status = conn.execute(sa.select(submissions.c.status).where(
            submissions.c.id == submission_id)).scalar()
        if status != "queued":
            return None
        return conn.execute(sa.select(sa.func.count()).where(
            submissions.c.status == "queued", submissions.c.id <= submission_id)).scalar()


def unseen_finished(engine, account):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(submissions.c.id, submissions.c.status,
                                      submissions.c.accuracy).where(
            submissions.c.account == account, submissions.c.seen.is_(False),
            submissions.c.status.in_(("scored", "failed", "error"))).order_by(
            submissions.c.id)).all()
    return [row._asdict() for row in rows]


def mark_seen(engine, submission_id):
    with writing(engine) as conn:
        conn.execute(submissions.update().where(submissions.c.id == submission_id).values(
            seen=True))


def set_email_status(engine, submission_id, text):
    with writing(engine) as conn:
        conn.execute(submissions.update().where(submissions.c.id == submission_id).values(
            email_status=text[:500]))


def leaderboard(engine):
    """Best scored submission per trainee (accuracy, then lower cross-entropy, then earlier);
    instructors' trial submissions are left out."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            submissions.c.id, submissions.c.account, submissions.c.accuracy,
            submissions.c.cross_entropy, submissions.c.finished_at, accounts.c.nickname,
            ).join(accounts).where(submissions.c.status == "scored",
                                   accounts.c.role == "trainee")).all()
    best, counts = {}, {}
    for row in rows:
        counts[row.account] = counts.get(row.account, 0) + 1
        key = (row.accuracy, -row.cross_entropy, -row.id)
        if row.account not in best or key > best[row.account][0]:
            best[row.account] = (key, row)
    ordered = sorted(best.values(), key=lambda item: item[0], reverse=True)
    return [dict(rank=rank, account=row.account, nickname=row.nickname or row.account,
                 accuracy=row.accuracy, cross_entropy=row.cross_entropy,
                 finished_at=row.finished_at, submissions=counts[row.account], id=row.id)
            for rank, (_, row) in enumerate(ordered, start=1)]
