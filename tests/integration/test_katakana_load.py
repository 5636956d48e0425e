"""Load on loopback: 50 trainees upload at once, 4 times each, and the server is killed
in the middle of scoring (SIGKILL) and started again.

Every upload is answered (303 accepted or 429 limit reached), exactly 3 are scored per
trainee, none is lost or scored twice across the restart. The figures (uploads accepted
per second, queue wait, scoring time per submission) are printed and written to
``reports/katakana_load.json``. Bounded: 200 uploads, a fixed deadline, then it stops.
"""

import concurrent.futures
import contextlib
import json
import sqlite3
import statistics
import threading
import time
from datetime import datetime

import httpx2 as httpx

from dlcourse.katakana import users
from dlcourse.katakana.web.db import accounts, connect, iso, utc_now, writing
from katakana_web_support import (
    REPO,
    Server,
    free_port,
    good_zip,
    login,
    server_env,
    write_test_set,
)

TRAINEES = 50
UPLOADS_EACH = 4
PASSWORD = "load-test-password"
DEADLINE_SECONDS = 240


def add_trainees(db_path):
    engine = connect(f"sqlite:///{db_path}")
    users.add_account(engine, "t00", PASSWORD)
    hashed = users.get_account(engine, "t00")["password_hash"]  # hashing 50 times is slow
    with writing(engine) as conn:
        conn.execute(accounts.insert(), [
            dict(id=f"t{i:02d}", password_hash=hashed, nickname="", email="", role="trainee",
                 created_at=iso(utc_now())) for i in range(1, TRAINEES)])
    engine.dispose()


def rows(db_path):
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM katakana_submissions")]


def upload_all(server):
    """Log every trainee in, then fire all uploads at once; returns (answers, seconds)."""
    with contextlib.ExitStack() as stack:
        # No idle connection is reused: logging 50 trainees in takes longer than the server's
        # keep-alive (uvicorn closes an idle connection after 5 s), and an upload sent on a
        # connection the server is closing at that moment gets no answer. A browser retries
        # such a request on a new connection; httpx does not retry a POST.
        clients = [stack.enter_context(httpx.Client(
            base_url=server.url, timeout=120, limits=httpx.Limits(max_keepalive_connections=0)))
            for _ in range(TRAINEES)]
        tokens = [login(client, f"t{i:02d}", PASSWORD) for i, client in enumerate(clients)]
        data = good_zip()
        barrier = threading.Barrier(TRAINEES * UPLOADS_EACH)

        def one(number):
            client, token = clients[number % TRAINEES], tokens[number % TRAINEES]
            barrier.wait(60)
            response = client.post("/submissions", data={"csrf": token},
                                   files={"file": ("s.zip", data, "application/zip")})
            return number % TRAINEES, response.status_code, time.monotonic()

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(TRAINEES * UPLOADS_EACH) as pool:
            answers = list(pool.map(one, range(TRAINEES * UPLOADS_EACH)))
    accepted = [t for _, status, t in answers if status == 303]
    return answers, max(accepted) - started


def wait_for(db_path, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition(rows(db_path)):
            return True
        time.sleep(0.2)
    return False


def seconds(later, earlier):
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


def test_fifty_trainees_at_once_with_a_restart(tmp_path):
    env = server_env(tmp_path, write_test_set(tmp_path / "hidden.npz", per_class=20))
    db_path = tmp_path / "state" / "ledger.sqlite"
    add_trainees(db_path)
    server = Server(env, free_port(), tmp_path / "server.log", workers=2).start()
    began = time.monotonic()
    try:
        answers, upload_seconds = upload_all(server)
        # kill the server while it is scoring: some done, some running, most queued
        assert wait_for(db_path, lambda r: sum(x["status"] == "scored" for x in r) >= 20, 90)
        server.kill()
        killed = rows(db_path)
        down = time.monotonic()
        server.start()
        restart_seconds = time.monotonic() - down
        finished = wait_for(db_path, lambda r: all(x["status"] == "scored" for x in r),
                            DEADLINE_SECONDS - (time.monotonic() - began))
        with httpx.Client(base_url=server.url, timeout=60) as late:
            token = login(late, "t07", PASSWORD)
            again = late.post("/submissions", data={"csrf": token},
                              files={"file": ("s.zip", good_zip(), "application/zip")})
    finally:
        server.stop()
    final = rows(db_path)
    statuses = [status for _, status, _ in answers]
    assert sorted(set(statuses)) == [303, 429], statuses
    per_trainee = {f"t{i:02d}": [s for n, s, _ in answers if n == i] for i in range(TRAINEES)}
    assert all(sorted(s) == [303, 303, 303, 429] for s in per_trainee.values()), per_trainee
    assert finished, f"not all scored: {[(r['id'], r['status']) for r in final]}"
    assert len(final) == TRAINEES * 3 and all(r["accuracy"] == 1.0 for r in final)
    assert {r["account"] for r in final} == set(per_trainee)
    assert all(sum(r["account"] == a for r in final) == 3 for a in per_trainee)
    assert again.status_code == 429 and "から受け付けます" in again.text
    interrupted = [r for r in killed if r["status"] == "running"]
    # only the jobs cut off by the kill ran twice; every other one ran exactly once
    assert sorted(r["id"] for r in final if r["runs"] > 1) == sorted(r["id"] for r in interrupted)
    assert all(r["runs"] == 1 for r in final if r["id"] not in {i["id"] for i in interrupted})
    report = figures(final, upload_seconds, killed, interrupted)
    report["restart_s"] = round(restart_seconds, 2)
    print(json.dumps(report, indent=1))
    (REPO / "reports").mkdir(exist_ok=True)
    (REPO / "reports" / "katakana_load.json").write_text(json.dumps(report, indent=1))


def figures(final, upload_seconds, killed, interrupted):
    waits = [seconds(r["started_at"], r["created_at"]) for r in final]
    scoring = [seconds(r["finished_at"], r["started_at"]) for r in final]
    return {
        "uploads": TRAINEES * UPLOADS_EACH, "accepted": len(final),
        "accepted_per_second": round(len(final) / upload_seconds, 1),
        "seconds_until_last_accepted": round(upload_seconds, 2),
        "scored_before_kill": sum(r["status"] == "scored" for r in killed),
        "running_at_kill": len(interrupted),
        "runs_more_than_once": sum(r["runs"] > 1 for r in final),
        "queue_wait_s": {"median": round(statistics.median(waits), 2),
                         "max": round(max(waits), 2)},
        "scoring_s": {"median": round(statistics.median(scoring), 3),
                      "p90": round(statistics.quantiles(scoring, n=10)[-1], 3),
                      "max": round(max(scoring), 3)},
    }
