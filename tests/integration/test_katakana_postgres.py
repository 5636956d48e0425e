"""The website's ledger on PostgreSQL (``DLCOURSE_DB_URL``), as several servers share it:
the daily limit under concurrent uploads, each job claimed by exactly one of two
servers' workers, and an upload scored end to end."""

import concurrent.futures
import threading
import time

from starlette.testclient import TestClient

from dlcourse.katakana import users
from dlcourse.katakana.web import queue
from dlcourse.katakana.web.app import create_app
from dlcourse.katakana.web.db import connect
from dlcourse.katakana.web.notify import SmtpSettings
from dlcourse.katakana.web.settings import WebSettings
from dlcourse.katakana.web.uploads import UploadLimits
from katakana_web_support import good_zip, login, write_test_set
from test_pipeline import postgres_url  # noqa: F401  (the fixture: a fresh database)

PASSWORD = "postgres-pw"


def test_shared_postgresql_ledger(postgres_url, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DLCOURSE_DB_URL", postgres_url)
    settings = WebSettings.from_environment(port=1)
    assert settings.db_url == postgres_url
    engine = connect(settings.db_url)
    for account in ("p1", "p2"):
        users.add_account(engine, account, PASSWORD)

    barrier = threading.Barrier(8)

    def enqueue(_):
        barrier.wait(30)
        try:
            return queue.enqueue(engine, "p1", b"zip", "a.zip", [])
        except queue.QuotaExceeded:
            return None

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(enqueue, range(8)))
    assert sum(o is not None for o in outcomes) == 3

    claimed, lock = [], threading.Lock()

    def server_worker(name):
        barrier.wait(30)
        while (job := queue.claim(engine, name)) is not None:
            with lock:
                claimed.append((name, job[0]["id"]))
            queue.finish(engine, job[0], "scored", metrics={"accuracy": 0.5,
                                                             "cross_entropy": 1.0})

    barrier = threading.Barrier(2)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(server_worker, ["server-a:1", "server-b:1"]))
    assert sorted(job for _, job in claimed) == sorted(o for o in outcomes if o is not None)

    settings.test_set = write_test_set(tmp_path / "hidden.npz")
    settings.limits, settings.smtp, settings.poll_seconds = UploadLimits(), SmtpSettings(), 0.05
    with TestClient(create_app(settings), follow_redirects=False) as client:
        csrf = login(client, "p2", PASSWORD)
        response = client.post("/submissions", data={"csrf": csrf},
                               files={"file": ("s.zip", good_zip(), "application/zip")})
        number = int(response.headers["location"].rsplit("/", 1)[1])
        deadline = time.monotonic() + 60
        while queue.submission(engine, number)["status"] != "scored":
            assert time.monotonic() < deadline, queue.submission(engine, number)
            time.sleep(0.1)
        assert 'id="accuracy">100.00%' in client.get(f"/submissions/{number}").text
    assert [row["account"] for row in queue.leaderboard(engine)] == ["p2", "p1"]
    engine.dispose()
