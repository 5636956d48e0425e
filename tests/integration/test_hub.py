"""The course's week on a real local JupyterHub, in a real browser.

The hub is ``dlcourse hub`` (``make hub``): local users, nbgrader's exchange in a shared
folder, configurable-http-proxy from npm, everything on 127.0.0.1. The trainee fetches
the assignment from the Assignments tab, fills a blank, runs its check, validates and
submits; the instructor collects, runs ``dlcourse autograde``, releases feedback and
sees the score in the formgrader; the trainee fetches the feedback.

Needs root (the hub creates its users), ``/usr/bin/python3`` and npm or
configurable-http-proxy; skips with a message without them. The hub's environment is
kept in ``$DLCOURSE_HUB_VENV`` (default ``/tmp/dlcourse-hub-venv``) between runs and
brought up to date when the project changes.
"""

import json
import os
import pwd
import shutil
import signal
import socket
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from browser_support import STEP_TIMEOUT_MS, reports_dir, running
from dlcourse import hub as hub_mod

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "01_perceptron"
#: trainee accounts the hub is set up with
TRAINEES = 2
TRAINEE, OTHER = "dlc_trainee1", "dlc_trainee2"


def _ports_free(port):
    for p in (port, port + 1, port + 2):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", p)) == 0:
                return False
    return True


def _base_port():
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < 65000 and _ports_free(port):
            return port
    raise RuntimeError("no three free ports in a row on 127.0.0.1")


@pytest.fixture(scope="module")
def postgres_gradebook():
    """A fresh PostgreSQL database when $DLCOURSE_TEST_PG_URL names a server, else None
    (the course's SQLite gradebook)."""
    url = os.environ.get("DLCOURSE_TEST_PG_URL")
    if not url:
        yield None
        return
    import sqlalchemy

    name = f"dlcourse_hub_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    yield url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def hub(postgres_gradebook):
    if os.geteuid() != 0:
        pytest.skip("hub test skipped: dlcourse hub needs root (it creates local users)")
    if not os.access(hub_mod.SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"hub test skipped: no {hub_mod.SYSTEM_PYTHON} for the hub's users")
    if not (shutil.which("configurable-http-proxy") or shutil.which("npm")):
        pytest.skip("hub test skipped: neither configurable-http-proxy nor npm is installed")
    state = Path(tempfile.mkdtemp(prefix="dlcourse-hub-", dir="/tmp"))
    saved = os.environ.get("DLCOURSE_DB_URL")
    if postgres_gradebook:
        os.environ["DLCOURSE_DB_URL"] = postgres_gradebook
    try:
        try:
            setup = hub_mod.prepare(state, trainees=TRAINEES, port=_base_port(), project=ROOT,
                                    venv=os.environ.get("DLCOURSE_HUB_VENV",
                                                        "/tmp/dlcourse-hub-venv"))
        finally:  # the gradebook URL reaches the instructor through hub.json only
            if saved is None:
                os.environ.pop("DLCOURSE_DB_URL", None)
            else:
                os.environ["DLCOURSE_DB_URL"] = saved
        log = reports_dir() / "hub" / "jupyterhub.log"
        log.unlink(missing_ok=True)
        with running(hub_mod.hub_command(setup), log, url=f"{setup.url}/hub/api",
                     env=hub_mod.hub_environment(setup), cwd=setup.state, timeout=120):
            yield setup
    except hub_mod.HubError as exc:
        pytest.fail(f"the hub could not be set up: {exc}")
    finally:
        _stop_proxy(state / "proxy.pid")
        _end_the_users_processes()
        shutil.rmtree(state, ignore_errors=True)


def _end_the_users_processes():
    """Servers and kernels a stopped hub left behind would keep the users busy (the next
    run could not move their homes): end them, and check that none is left."""
    names = [hub_mod.INSTRUCTOR] + [f"{hub_mod.TRAINEE_PREFIX}{i}" for i in range(1, TRAINEES + 1)]
    hub_mod.end_user_processes(names)
    assert hub_mod.user_processes(names) == [], "processes of the hub's users are still running"


def _stop_proxy(pid_file):
    """The proxy runs in its own session; the hub stops it on a clean exit, this makes
    sure of it."""
    try:
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    except (OSError, ValueError):
        pass


def instructor(setup, *cmd, where="course"):
    cwd = Path(setup.course) / ("grading" if where == "grading" else "")
    proc = hub_mod.run_as(setup, setup.instructor, list(cmd), cwd=cwd)
    assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def released(hub):
    instructor(hub, "dlcourse", "release", ASSIGNMENT)
    instructor(hub, "nbgrader", "release_assignment", ASSIGNMENT, "--force", where="grading")
    assert (Path(hub.exchange) / "dlbasics" / "outbound" / ASSIGNMENT).is_dir()
    return hub


def log_in(page, setup, user):
    page.goto(f"{setup.url}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", setup.password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=120_000)
    page.locator(".jp-LabShell").wait_for(timeout=60_000)


def open_assignment_list(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator("#released_assignments_list, #fetched_assignments_list").first.wait_for()


def answer_source():
    """The gates blank as the solution writes it (markers removed)."""
    nb = json.loads((ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in nb["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "answer_gates")
    return "".join(line for line in "".join(cell["source"]).splitlines(True)
                   if "### " not in line)


def grade_index(grade_id):
    """Position of the cell ``grade_id`` in the released notebook."""
    nb = json.loads((ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    return next(i for i, c in enumerate(nb["cells"])
                if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def select_cell(page, index):
    """Select cell ``index`` with the keyboard (JupyterLab renders only the cells near the
    one on screen, so cells are reached the way a trainee scrolls to them)."""
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputArea").click()
    page.keyboard.press("Escape")
    for _ in range(index):
        page.keyboard.press("j")


def fill_cell(page, index, source):
    select_cell(page, index)
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")


def memory_of(user):
    """RSS (MiB) of ``user``'s single-user server and of all their processes."""
    import psutil

    server = total = 0
    for proc in psutil.process_iter(["username", "cmdline", "memory_info"]):
        if proc.info["username"] == user and proc.info["memory_info"]:
            rss = proc.info["memory_info"].rss / 2**20
            total += rss
            if any("jupyterhub-singleuser" in part for part in proc.info["cmdline"] or []):
                server += rss
    return round(server, 1), round(total, 1)


def test_trainee_fetches_fills_checks_validates_and_submits(released, page, steps):
    setup = released
    started = time.monotonic()
    with steps("log in and start the trainee's server"):
        log_in(page, setup, TRAINEE)
        idle_server, _ = memory_of(TRAINEE)
    with steps("Assignments tab: fetch the released assignment"):
        open_assignment_list(page)
        row = page.locator("#released_assignments_list > .list_item", has_text=ASSIGNMENT)
        row.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list > .list_item", has_text=ASSIGNMENT)
        fetched.wait_for()
        steps.snap("assignment-fetched")
    with steps("open the fetched notebook"):
        fetched.locator("a.assignment-notebooks-link").click()
        fetched.locator(".nested_list_item a", has_text=ASSIGNMENT).click()
        page.locator(".jp-NotebookPanel .jp-RenderedMarkdown",
                     has_text="パーセプトロン").first.wait_for(timeout=60_000)
    with steps("fill the gates blank and run its check"):
        answer = grade_index("answer_gates")
        fill_cell(page, answer, answer_source())
        select_cell(page, 0)
        for _ in range(answer + 2):  # every cell from the top to the check, in order
            page.keyboard.press("Shift+Enter")
        check = page.locator(".jp-Notebook .jp-Cell").filter(has_text="真理値表のチェック")
        check.locator(".jp-OutputArea", has_text="OK: OR").wait_for(timeout=90_000)
        page.keyboard.press("Control+s")
        steps.snap("check-passed")
        kernel_server, kernel_total = memory_of(TRAINEE)
    with steps("Validate names the blank still open (XOR)"):
        page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
        dialog = page.locator(".jp-Dialog-content")
        dialog.wait_for(timeout=120_000)
        dialog.get_by_text("NotImplementedError").first.wait_for(timeout=120_000)
        steps.snap("validate-result")
        text = dialog.inner_text()
        assert "XOR" in text and "AND(" not in text.split("NotImplementedError")[0][-200:]
        page.keyboard.press("Escape")
    with steps("submit from the Assignments tab"):
        page.locator(".lm-TabBar-tab", has_text="Assignments").first.click()
        fetched = page.locator("#fetched_assignments_list > .list_item", has_text=ASSIGNMENT)
        fetched.get_by_role("button", name="Submit").click()
        page.locator("#submitted_assignments_list > .list_item",
                     has_text=ASSIGNMENT).first.wait_for(timeout=60_000)
        steps.snap("submitted")
    inbound = list((Path(setup.exchange) / "dlbasics" / "inbound").glob(f"{TRAINEE}+*"))
    assert inbound, "no submission in the exchange"
    record = {"idle_server_rss_mib": idle_server, "server_rss_with_kernel_mib": kernel_server,
              "all_processes_rss_mib": kernel_total, "seconds": time.monotonic() - started,
              "steps": steps.timings}
    (reports_dir() / "hub").mkdir(parents=True, exist_ok=True)
    (reports_dir() / "hub" / "trainee_memory.json").write_text(json.dumps(record, indent=1))
    print(f"trainee server RSS: idle {idle_server} MiB; with a kernel: server "
          f"{kernel_server} MiB, all of the user's processes {kernel_total} MiB")


def _gradebook_scores(setup):
    code = ("from nbgrader.api import Gradebook; from dlcourse.course import Course;"
            "import json; c = Course.find();"
            "gb = Gradebook(c.gradebook_url());"
            f"print(json.dumps({{s.student.id: s.score for s in "
            f"gb.assignment_submissions('{ASSIGNMENT}')}})); gb.close()")
    return json.loads(instructor(setup, "python", "-c", code).strip().splitlines()[-1])


def test_instructor_collects_autogrades_and_the_formgrader_shows_the_score(
        released, browser, page, steps):
    setup = released
    started = time.monotonic()
    # a second trainee hands in the untouched release from the command line
    for cmd in (["nbgrader", "fetch_assignment", ASSIGNMENT, "--course", "dlbasics"],
                ["nbgrader", "submit", ASSIGNMENT, "--course", "dlbasics"]):
        proc = hub_mod.run_as(setup, OTHER, cmd)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    instructor(setup, "nbgrader", "collect", ASSIGNMENT, "--update", where="grading")
    out = instructor(setup, "dlcourse", "autograde", ASSIGNMENT, "--no-progress")
    assert OTHER in out, out
    instructor(setup, "dlcourse", "feedback", ASSIGNMENT)
    instructor(setup, "nbgrader", "release_feedback", ASSIGNMENT, where="grading")
    scores = _gradebook_scores(setup)
    commands_seconds = time.monotonic() - started
    assert scores[OTHER] == 0
    if setup.db_url:  # the PostgreSQL gradebook, not the course's SQLite file
        assert setup.db_url.startswith("postgresql")
        assert not (Path(setup.course) / "grading" / "gradebook.db").exists()
    browser_trainee = TRAINEE in scores
    if browser_trainee:
        assert scores[TRAINEE] == 6, scores  # the gates blank: visible + hidden tests
    with steps("the instructor's lab has the formgrader"):
        log_in(page, setup, setup.instructor)
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
        page.keyboard.press("Escape")
        assert "Formgrader" in items, items
    with steps("the formgrader shows each submission's score"):
        page.goto(f"{setup.url}/user/{setup.instructor}/formgrader/gradebook/"
                  f"{ASSIGNMENT}/{ASSIGNMENT}")
        page.get_by_role("button", name="Show All Names").click()
        for student, score in scores.items():
            row = page.locator("tr", has_text=student)
            row.first.wait_for()
            assert f"{score:g} / " in row.first.inner_text().replace(".0 /", " /"), \
                row.first.inner_text()
        steps.snap("formgrader-scores")
    (steps.folder / "timings.json").write_text(json.dumps(
        {"commands_seconds": commands_seconds, "steps": steps.timings}, indent=1))
    if not browser_trainee:
        pytest.skip("the browser trainee's submission is missing (its test did not run): "
                    "feedback not checked")
    context = browser.new_context(locale="ja-JP", viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    trainee_page = context.new_page()
    try:
        with steps("the trainee fetches the feedback", page=trainee_page):
            log_in(trainee_page, setup, TRAINEE)
            open_assignment_list(trainee_page)
            row = trainee_page.locator("#submitted_assignments_list > .list_item",
                                       has_text=ASSIGNMENT).first
            row.get_by_role("button", name="Fetch Feedback").click()
            row.get_by_text("view feedback").first.wait_for(timeout=60_000)
            steps.snap("feedback-fetched", page=trainee_page)
        home = Path(pwd.getpwnam(TRAINEE).pw_dir)
        feedback = list((home / ASSIGNMENT / "feedback").rglob("*.html"))
        assert feedback, "no feedback file in the trainee's home"
        html = feedback[0].read_text(encoding="utf-8")
        assert "6" in html and "BEGIN HIDDEN" not in html and "_rng = np.random" not in html
    finally:
        context.close()
