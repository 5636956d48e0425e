"""The katakana website at the HTTP level: every bad input, the queue, results, e-mail.

The app runs in-process (Starlette's TestClient); scoring runs the real scorer's child
process on a tiny test set. A local SMTP server (aiosmtpd) on loopback receives mail.
"""

import csv
import datetime as dt
import io
import shutil
import stat
import threading
import time
import zipfile

import argon2
import pytest
from starlette.testclient import TestClient

from dlcourse.katakana import users
from dlcourse.katakana.web import queue
from dlcourse.katakana.web.app import create_app
from dlcourse.katakana.web.db import connect, utc_now
from dlcourse.katakana.web.notify import SmtpSettings
from dlcourse.katakana.web.settings import WebSettings
from dlcourse.katakana.web.uploads import UploadLimits
from katakana_web_support import (
    CRASH,
    GOOD,
    csrf_of,
    dlcourse,
    free_port,
    good_zip,
    login,
    make_zip,
    server_env,
    weights_bytes,
    write_test_set,
)

PASSWORD = "correct horse"


def make_settings(tmp_path, **changes):
    values = dict(
        state_dir=tmp_path / "state", db_url=f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        test_set=write_test_set(tmp_path / "hidden" / "test.npz"), workers=1,
        limits=UploadLimits(max_upload_bytes=2**20, max_unpacked_bytes=2 * 2**20,
                            max_files=20),
        smtp=SmtpSettings(), base_url="http://testserver", server_id="test:1",
        poll_seconds=0.05, time_limit=20)
    values.update(changes)
    return WebSettings(**values)


#: Argon2's cheapest parameters: the tests check behaviour, not the cost of a guess.
CHEAP_HASHER = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(users, "_HASHER", CHEAP_HASHER)


@pytest.fixture(scope="module")
def accounts_ledger(tmp_path_factory):
    """A ledger with trainees s001, s002 and instructor teacher."""
    path = tmp_path_factory.mktemp("accounts") / "ledger.sqlite"
    engine = connect(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", CHEAP_HASHER)
        users.add_account(engine, "s001", PASSWORD, nickname="カタカナ名人",
                          email="s001@example.org")
        users.add_account(engine, "s002", PASSWORD)
        users.add_account(engine, "teacher", PASSWORD, role="instructor")
    engine.dispose()
    return path


@pytest.fixture()
def site(tmp_path, accounts_ledger):
    """(settings, engine) on a fresh copy of the accounts ledger."""
    shutil.copy(accounts_ledger, tmp_path / "ledger.sqlite")
    settings = make_settings(tmp_path)
    return settings, connect(settings.db_url)


def client_for(settings, workers=False, account="s001"):
    client = TestClient(create_app(settings, start_workers=workers), follow_redirects=False)
    csrf = login(client, account, PASSWORD) if account else None
    return client, csrf


def upload(client, csrf, data, name="submission.zip", **fields):
    return client.post("/submissions", data={"csrf": csrf, **fields},
                       files={"file": (name, data, "application/zip")})


def symlink_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("submission.py", GOOD)
        link = zipfile.ZipInfo("weights.npz")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


BAD_UPLOADS = {
    "not a zip": (b"%PDF-1.4 not a zip", 400, "zip ファイルではありません"),
    "zip slip": (make_zip({"submission.py": GOOD, "../../evil.py": "x = 1"}), 400, "../"),
    "absolute path": (make_zip({"submission.py": GOOD, "/tmp/evil.py": "x = 1"}), 400,
                      "絶対パス"),
    "symlink": (symlink_zip(), 400, "シンボリックリンク"),
    "zip bomb (bytes)": (make_zip({"submission.py": GOOD, "zeros.bin": bytes(3 * 2**20)}),
                         400, "zip 爆弾"),
    "zip bomb (files)": (make_zip({"submission.py": GOOD,
                                   **{f"w/{i}.txt": "x" for i in range(25)}}), 400,
                         "ファイルが多すぎます"),
    "no submission.py": (make_zip({"model.py": GOOD, "weights.npz": weights_bytes()}), 400,
                         "submission.py がありません"),
    "forbidden import": (make_zip({"submission.py": "import torch\n" + GOOD}), 400,
                         "NumPy・標準ライブラリ・dlbasics"),
    "pickle": (make_zip({"submission.py": GOOD, "weights.pkl": b"\x80\x04N."}), 400,
               "np.savez"),
    "syntax error": (make_zip({"submission.py": "def predict(:\n"}), 400, "構文エラー"),
    "over the upload limit": (bytes(2 * 2**20), 413, "ファイルが大きすぎます"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_get_a_clear_message_and_cost_nothing(site, case):
    settings, engine = site
    data, status, text = BAD_UPLOADS[case]
    client, csrf = client_for(settings)
    response = upload(client, csrf, data)
    assert response.status_code == status, response.text
    assert text in response.text and "この提出は回数に数えません" in response.text
    assert queue.history(engine, "s001") == []
    assert queue.quota(engine, "s001").remaining == 3


def test_an_upload_streamed_past_the_limit_without_a_length_is_cut_off(site):
    settings, engine = site
    client, csrf = client_for(settings)
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.zip\"\r\n\r\n"
            + bytes(3 * 2**20) + b"\r\n--B--\r\n")

    def chunks():
        for start in range(0, len(body), 2**16):
            yield body[start:start + 2**16]

    response = client.post("/submissions", content=chunks(),
                           headers={"content-type": "multipart/form-data; boundary=B"})
    assert response.status_code == 413 and "ファイルが大きすぎます" in response.text
    assert queue.history(engine, "s001") == []


def test_wrong_or_missing_csrf_token_is_refused(site):
    settings, engine = site
    client, csrf = client_for(settings)
    for token in ["", csrf[:-2] + "xx"]:
        response = upload(client, token, good_zip())
        assert response.status_code == 403 and "不正な送信" in response.text
    other, _ = client_for(settings, account="s002")  # another trainee's valid token
    assert upload(other, csrf, good_zip()).status_code == 403
    assert client.post("/login", data={"account": "s001", "password": PASSWORD,
                                       "csrf": "forged"}).status_code == 403
    assert queue.history(engine, "s001") == [] and queue.history(engine, "s002") == []


def test_nobody_reads_another_trainees_result_by_url(site):
    settings, engine = site
    owner, csrf = client_for(settings)
    number = int(upload(owner, csrf, good_zip()).headers["location"].rsplit("/", 1)[1])
    assert owner.get(f"/submissions/{number}").status_code == 200
    other, _ = client_for(settings, account="s002")
    stolen = other.get(f"/submissions/{number}")
    missing = other.get("/submissions/99999")
    assert stolen.status_code == missing.status_code == 404
    assert "自分の提出だけ" in stolen.text and "カタカナ名人" not in stolen.text
    for url in [f"/admin/submissions/{number}/download", "/admin", "/admin/submissions.csv"]:
        assert other.get(url).status_code == 404
    assert other.post(f"/admin/submissions/{number}/rescore").status_code == 404
    anonymous = TestClient(create_app(settings, start_workers=False), follow_redirects=False)
    assert anonymous.get(f"/submissions/{number}").headers["location"] == "/login"


def test_wrong_password_and_logout(site):
    settings, _ = site
    client = TestClient(create_app(settings, start_workers=False), follow_redirects=False)
    csrf = csrf_of(client.get("/login").text)
    for account, password in [("s001", "wrong password"), ("nobody", PASSWORD)]:
        response = client.post("/login", data={"account": account, "password": password,
                                                "csrf": csrf})
        assert response.status_code == 401 and "パスワードが違います" in response.text
    csrf = login(client, "s001", PASSWORD)
    assert client.get("/submissions").status_code == 200
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/submissions").headers["location"] == "/login"


def wait_until_finished(engine, number, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.submission(engine, number)
        if job["status"] in ("scored", "failed", "error"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"submission {number} still {job['status']} after {timeout} s")


def test_scored_result_page_with_metrics_and_mail(site, tmp_path):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    port = free_port()
    controller = aiosmtpd.Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings, engine = site
        settings.smtp = SmtpSettings(host="127.0.0.1", port=port, sender="scorer@example.org")
        with TestClient(create_app(settings), follow_redirects=False) as client:
            csrf = login(client, "s001", PASSWORD)
            response = upload(client, csrf, good_zip(folder="my_model"), "my_model.zip",
                              training_accuracy="98.5", comment="first try")
            assert response.status_code == 303
            number = int(response.headers["location"].rsplit("/", 1)[1])
            job = wait_until_finished(engine, number)
            dashboard = client.get("/submissions").text
            page = client.get(f"/submissions/{number}").text
            after = client.get("/submissions").text
    finally:
        controller.stop()
    assert job["status"] == "scored" and job["accuracy"] == 1.0 and job["runs"] == 1
    assert "提出 #%d" % number in dashboard and "の採点が終わりました" in dashboard
    assert "の採点が終わりました" not in after  # the notice goes once the result was seen
    assert 'id="accuracy">100.00%' in page and 'id="training-accuracy">98.50%' in page
    assert page.count("<td style=") == 225 and ">20</td>" in page  # 15×15, 20 per class
    assert job["files"] == ["my_model/katakana.ipynb", "my_model/submission.py",
                            "my_model/weights.npz"]
    assert len(received) == 1 and received[0]["To"] == "s001@example.org"
    assert "100.00%" in received[0]["Subject"]
    assert f"http://testserver/submissions/{number}" in received[0].get_payload(decode=True
                                                                                ).decode()
    assert queue.submission(engine, number)["email_status"] == "sent to s001@example.org"


def test_crash_is_a_scored_failure_and_the_fourth_upload_is_refused(site):
    settings, engine = site
    with TestClient(create_app(settings), follow_redirects=False) as client:
        csrf = login(client, "s001", PASSWORD)
        numbers = []
        for data in [make_zip({"submission.py": CRASH}), good_zip(), good_zip()]:
            response = upload(client, csrf, data)
            assert response.status_code == 303, response.text
            numbers.append(int(response.headers["location"].rsplit("/", 1)[1]))
        refused = upload(client, csrf, good_zip())
        jobs = [wait_until_finished(engine, number) for number in numbers]
        crash_page = client.get(f"/submissions/{numbers[0]}").text
        dashboard = client.get("/submissions").text
    assert refused.status_code == 429
    opens = queue.quota(engine, "s001").opens_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert f"{opens:%Y-%m-%d %H:%M} (日本時間) から受け付けます" in refused.text
    assert [job["status"] for job in jobs] == ["failed", "scored", "scored"]
    assert jobs[0]["failure_kind"] == "crash" and "ValueError: no weights" in crash_page
    assert "実行中にエラーが起きました" in crash_page
    assert 'id="remaining">0<' in dashboard and len(queue.history(engine, "s001")) == 3


def test_concurrent_uploads_never_exceed_the_limit(site):
    settings, engine = site
    outcomes = []

    def enqueue():
        try:
            queue.enqueue(engine, "s002", b"zip", "a.zip", ["submission.py"])
            outcomes.append("queued")
        except queue.QuotaExceeded:
            outcomes.append("refused")

    threads = [threading.Thread(target=enqueue) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["queued"] * 3 + ["refused"] * 5


def test_a_job_left_running_by_a_dead_server_is_scored_once(site):
    settings, engine = site
    client, csrf = client_for(settings)
    number = int(upload(client, csrf, good_zip()).headers["location"].rsplit("/", 1)[1])
    job, _ = queue.claim(engine, settings.server_id)  # then the server "dies"
    assert job["id"] == number and queue.submission(engine, number)["status"] == "running"
    with TestClient(create_app(settings)):  # the restarted server queues it again
        done = wait_until_finished(engine, number)
    assert done["status"] == "scored" and done["runs"] == 2
    assert not queue.finish(engine, job, "failed", failure_kind="crash")  # the stale claim
    assert queue.quota(engine, "s001").used == 1
    stale = queue.submission(engine, number)
    assert stale["status"] == "scored" and stale["accuracy"] == 1.0


def test_jobs_of_a_server_that_stopped_beating_go_back_to_the_queue(site):
    settings, engine = site
    for _ in range(3):
        queue.enqueue(engine, "s001", b"zip", "a.zip", [])
    old = utc_now() - dt.timedelta(minutes=10)
    dead, _ = queue.claim(engine, "other:1", now=old)
    live, _ = queue.claim(engine, "other:2")
    assert queue.requeue_abandoned(engine, None, dt.timedelta(minutes=2)) == 1
    assert queue.submission(engine, dead["id"])["status"] == "queued"
    assert queue.submission(engine, live["id"])["status"] == "running"
    for _ in range(queue.MAX_RUNS - 1):  # a job that keeps killing its server is given up
        again, _ = queue.claim(engine, "other:1", now=old)
        assert again["id"] == dead["id"]
        queue.requeue_abandoned(engine, None, dt.timedelta(minutes=2))
    given_up = queue.submission(engine, dead["id"])
    assert given_up["status"] == "error" and given_up["failure_kind"] == "interrupted"
    assert queue.quota(engine, "s001").used == 2  # a server's failure costs the trainee nothing


def test_leaderboard_best_per_trainee_with_nicknames(site):
    settings, engine = site
    for account, accuracy in [("s001", 0.8), ("s001", 0.95), ("s002", 0.9), ("teacher", 1.0)]:
        number = queue.enqueue(engine, account, b"zip", "a.zip", [])
        job, _ = queue.claim(engine, "w")
        assert job["id"] == number
        queue.finish(engine, job, "scored", metrics={"accuracy": accuracy,
                                                      "cross_entropy": 1 - accuracy})
    client, _ = client_for(settings, account="s002")
    page = client.get("/leaderboard").text
    page = page[page.index('id="leaderboard"'):]
    rows = queue.leaderboard(engine)
    assert [(r["nickname"], r["accuracy"], r["submissions"]) for r in rows] == [
        ("カタカナ名人", 0.95, 2), ("s002", 0.9, 1)]  # the instructor's trial is left out
    assert page.index("カタカナ名人") < page.index("90.00%") and 'class="me"' in page


def test_instructor_sees_downloads_rescores_and_exports(site):
    settings, engine = site
    trainee, csrf = client_for(settings)
    data = good_zip()
    number = int(upload(trainee, csrf, data, training_accuracy="97").headers["location"]
                 .rsplit("/", 1)[1])
    with TestClient(create_app(settings), follow_redirects=False) as teacher:
        csrf = login(teacher, "teacher", PASSWORD)
        wait_until_finished(engine, number)
        assert f"/submissions/{number}" in teacher.get("/admin").text
        assert teacher.get(f"/submissions/{number}").status_code == 200
        download = teacher.get(f"/admin/submissions/{number}/download")
        assert download.content == data and "s001" in download.headers["content-disposition"]
        assert teacher.post(f"/admin/submissions/{number}/rescore",
                            data={"csrf": "bad"}).status_code == 403
        response = teacher.post(f"/admin/submissions/{number}/rescore", data={"csrf": csrf})
        assert response.status_code == 303
        rescored = wait_until_finished(engine, number)
        table = list(csv.DictReader(io.StringIO(teacher.get("/admin/submissions.csv").text)))
    assert rescored["status"] == "scored" and rescored["runs"] == 1
    assert queue.quota(engine, "s001").used == 1  # a rescore is not another submission
    assert [(r["id"], r["account"], r["status"], r["accuracy"], r["training_accuracy"])
            for r in table] == [(str(number), "s001", "scored", "1.0", "0.97")]


def test_account_page_sets_nickname_email_and_password(site):
    settings, engine = site
    client, csrf = client_for(settings, account="s002")
    bad = client.post("/account", data={"csrf": csrf, "nickname": "<script>", "email": ""})
    assert bad.status_code == 400 and users.get_account(engine, "s002")["nickname"] == ""
    wrong = client.post("/account", data={"csrf": csrf, "nickname": "ソ", "email": "",
                                          "current_password": "nope", "new_password": "x" * 9})
    assert wrong.status_code == 400 and "現在のパスワードが違います" in wrong.text
    ok = client.post("/account", data={"csrf": csrf, "nickname": "ソ", "email": "a@b.jp",
                                       "current_password": PASSWORD,
                                       "new_password": "new password"})
    assert ok.status_code == 200 and "保存しました" in ok.text
    account = users.get_account(engine, "s002")
    assert (account["nickname"], account["email"]) == ("ソ", "a@b.jp")
    assert users.authenticate(engine, "s002", "new password") is not None
    assert users.authenticate(engine, "s002", PASSWORD) is None
    assert account["password_hash"].startswith("$argon2id$")
    for bad in [dict(account_id="s003", password="short"),
                dict(account_id="../x", password="x" * 8),
                dict(account_id="s002", password="x" * 8)]:
        with pytest.raises(users.AccountError):
            users.add_account(engine, **bad)


@pytest.mark.slow  # five commands, each starting Python
def test_users_command_adds_and_lists_accounts(tmp_path):
    env = server_env(tmp_path, tmp_path / "absent.npz")
    added = dlcourse("users", "add", "s100", "--nickname", "アイ", "--password-stdin",
                     env=env, stdin="long enough\n")
    assert added.returncode == 0 and "added trainee s100" in added.stdout
    again = dlcourse("users", "add", "s100", "--password-stdin", env=env, stdin="long enough\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    generated = dlcourse("users", "add", "t1", "--instructor", "--generate", env=env)
    password = generated.stdout.rsplit(" ", 1)[1].strip()
    listed = dlcourse("users", "list", env=env).stdout
    assert "s100" in listed and "アイ" in listed and "instructor" in listed
    engine = connect(f"sqlite:///{tmp_path / 'state' / 'ledger.sqlite'}")
    assert users.authenticate(engine, "t1", password)["role"] == "instructor"
    missing = dlcourse("serve", "--port", "1", env=env)
    assert missing.returncode == 2 and "hidden test set is missing" in missing.stderr


def test_settings_bound_workers_by_cores_and_default_to_the_sqlite_ledger(tmp_path):
    from dlcourse.katakana.web.settings import core_count

    environ = {"DLCOURSE_KATAKANA_STATE": str(tmp_path), "DLCOURSE_KATAKANA_TEST": "t.npz",
               "DLCOURSE_KATAKANA_MAX_UPLOAD_MB": "5", "DLCOURSE_KATAKANA_MAX_FILES": "7"}
    settings = WebSettings.from_environment(port=9000, workers=999, environ=environ)
    assert settings.workers == core_count() >= 1
    assert settings.db_url == f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert settings.limits.max_upload_bytes == 5 * 2**20 and settings.limits.max_files == 7
    assert settings.server_id.endswith(":9000") and settings.base_url.endswith(":9000")
    shared = dict(environ, DLCOURSE_DB_URL="postgresql://u:p@127.0.0.1/ledger")
    assert WebSettings.from_environment(environ=shared).db_url.startswith("postgresql://")


def test_as_a_hub_service_login_goes_through_jupyterhub(site):
    from dlcourse.katakana.web.hub_auth import HubOAuth

    settings, engine = site
    settings.root_path = "/services/katakana"
    settings.hub = HubOAuth.from_environment({
        "JUPYTERHUB_API_TOKEN": "t", "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
        "JUPYTERHUB_CLIENT_ID": "service-katakana",
        "JUPYTERHUB_SERVICE_PREFIX": "/services/katakana/"})
    client = TestClient(create_app(settings, start_workers=False), follow_redirects=False)
    start = client.get("/services/katakana/login")
    assert start.status_code == 302
    assert start.headers["location"].startswith("/hub/api/oauth2/authorize?client_id=service-"
                                                "katakana&response_type=code&redirect_uri=%2F"
                                                "services%2Fkatakana%2Foauth_callback&state=")
    assert client.cookies.get("katakana_oauth_state") in start.headers["location"]
    forged = client.get("/services/katakana/oauth_callback?code=x&state=not-the-state")
    assert forged.status_code == 403 and "ログインをやり直してください" in forged.text
    assert client.post("/services/katakana/login", data={}).status_code == 405
    assert client.get("/submissions").status_code == 404  # everything lives under the prefix
    assert users.authenticate(engine, "s001", PASSWORD)  # password accounts stay as they are
