"""The katakana website in a real browser (Playwright + Debian's headless Chromium).

A trainee logs in, uploads the reference CNN as a zip, sees its accuracy on the real
hidden test set and the leaderboard; after three uploads the fourth is refused with the
time the next slot opens. Screenshots: ``reports/browser/<test>/``.
"""

import re

import pytest

from katakana_web_support import (
    GOOD,
    REFERENCE_CNN,
    REPO,
    Server,
    dlcourse,
    folder_zip,
    free_port,
    good_zip,
    server_env,
)

HIDDEN_TEST_SET = REPO / "grading" / "katakana" / "katakana_test.npz"
PASSWORD = "browser-test-pw"


@pytest.fixture()
def site(tmp_path):
    if not HIDDEN_TEST_SET.is_file():
        pytest.skip(f"no hidden test set at {HIDDEN_TEST_SET}")
    env = server_env(tmp_path, HIDDEN_TEST_SET)
    added = dlcourse("users", "add", "s001", "--nickname", "カタカナ名人", "--password-stdin",
                     env=env, stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    server = Server(env, free_port(), tmp_path / "server.log", workers=2).start()
    yield server
    server.stop()


def upload(page, path, training_accuracy=""):
    page.set_input_files("input[name=file]", str(path))
    page.fill("input[name=training_accuracy]", training_accuracy)
    page.click("text=アップロードして採点")


def test_trainee_uploads_the_reference_cnn_and_meets_the_daily_limit(site, page, steps,
                                                                      tmp_path):
    cnn_zip = tmp_path / "cnn.zip"
    cnn_zip.write_bytes(folder_zip(REFERENCE_CNN))
    fast_zip = tmp_path / "fast.zip"
    fast_zip.write_bytes(good_zip(GOOD))
    with steps("log in"):
        page.goto(f"{site.url}/")
        page.fill("input[name=account]", "s001")
        page.fill("input[name=password]", PASSWORD)
        page.click("button:has-text('ログイン')")
        page.wait_for_url("**/submissions")
        assert page.inner_text("#remaining") == "3"
    with steps("upload the reference CNN and see it scored"):
        upload(page, cnn_zip, "99.5")
        page.wait_for_url(re.compile(r".*/submissions/\d+$"))
        page.wait_for_selector("#accuracy", timeout=180_000)
        accuracy = float(page.inner_text("#accuracy").rstrip("%"))
        assert accuracy >= 97.0, accuracy
        assert page.inner_text("#training-accuracy") == "99.50%"
        assert page.locator("#confusion td").count() == 225
        steps.snap("result")
    with steps("see the leaderboard"):
        page.click("nav >> text=リーダーボード")
        row = page.locator("#leaderboard tbody tr").first
        assert "カタカナ名人" in row.inner_text() and f"{accuracy:.2f}%" in row.inner_text()
        steps.snap("leaderboard")
    with steps("two more uploads; a second tab still shows the form"):
        page.click("nav >> text=提出")
        upload(page, fast_zip)
        page.wait_for_url(re.compile(r".*/submissions/\d+$"))
        other = page.context.new_page()
        other.goto(f"{site.url}/submissions")
        page.goto(f"{site.url}/submissions")
        upload(page, fast_zip)
        page.wait_for_url(re.compile(r".*/submissions/\d+$"))
        page.goto(f"{site.url}/submissions")
        assert page.inner_text("#remaining") == "0"
        assert "今日の枠の提出はすべて使いました" in page.inner_text("#quota")
    with steps("the fourth upload is refused with the time it reopens", page=other):
        upload(other, fast_zip)
        alert = other.inner_text("[role=alert]")
        assert "3 回をすべて使いました" in alert and "(日本時間) から受け付けます" in alert, alert
        assert re.search(r"\d{4}-\d{2}-\d{2} 09:00 \(日本時間\)", alert), alert
        steps.snap("fourth refused", page=other)
    timings = ", ".join(f"{name}: {seconds:.1f} s" for name, seconds in steps.timings)
    print(f"browser steps: {timings}; screenshots in {steps.folder}")
