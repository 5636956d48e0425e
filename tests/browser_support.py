"""Browser tests: headless Debian Chromium driven by Playwright for Python, and the local
servers they talk to. Generic: nothing here knows about Jupyter.

Fixtures (registered for every test by ``tests/conftest.py``):

- ``browser``: one Chromium for the test session. The test SKIPS, saying why, when
  Playwright is not installed or Chromium cannot be started; it never passes silently.
- ``page``: a fresh context and page (Japanese locale, bounded timeouts) per test.
- ``steps``: ``with steps("open the notebook"):`` runs one named step; when it fails, a
  screenshot ``reports/browser/TEST/NN-step.png`` is saved and the error names the step and
  the file. ``steps.snap("name")`` keeps a screenshot of a step that went well.

Helpers: :func:`free_port`, :func:`wait_for_http`, :func:`running` (a server process that
is always stopped, its output kept in a log file).

Chromium: ``$DLCOURSE_CHROMIUM`` or ``/usr/bin/chromium`` (Debian's ``chromium``; Playwright
cannot download its own browsers here). Screenshots go to ``$DLCOURSE_REPORTS_DIR`` or
``reports/`` at the repository root.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

__all__ = ["CHROMIUM_ARGS", "STEP_TIMEOUT_MS", "browser", "page", "steps", "free_port",
           "wait_for_http", "running", "reports_dir"]

ROOT = Path(__file__).resolve().parents[1]
#: Flags for a headless Chromium on a machine with a closed network, as root: no
#: background connections (update checks, sync, field trials), no sandbox (root).
CHROMIUM_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-features=Translate,OptimizationHints,MediaRouter",
                 "--metrics-recording-only", "--no-default-browser-check")
#: Longest wait of one browser action or assertion (ms).
STEP_TIMEOUT_MS = 20_000


def reports_dir():
    return Path(os.environ.get("DLCOURSE_REPORTS_DIR") or ROOT / "reports")


def chromium_path():
    return os.environ.get("DLCOURSE_CHROMIUM") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("browser test skipped: Playwright for Python is not installed "
                    "(pip install playwright)")
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        pytest.skip(f"browser test skipped: no Chromium at {executable} "
                    "(apt-get install chromium, or set DLCOURSE_CHROMIUM)")
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=executable,
                                           args=list(CHROMIUM_ARGS), timeout=60_000)
    except Error as exc:
        manager.stop()
        pytest.skip(f"browser test skipped: Chromium ({executable}) did not start: "
                    f"{str(exc).splitlines()[0]}")
    yield chromium
    chromium.close()
    manager.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                  viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(60_000)
    tab = context.new_page()
    yield tab
    context.close()


class Steps:
    """Named steps of one browser test, with a screenshot of the page when one fails."""

    def __init__(self, page, folder):
        self.page = page
        self.folder = folder
        self.count = 0
        self.timings = []

    def _path(self, name):
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60]
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{self.count:02d}-{slug}.png"

    def snap(self, name, page=None):
        """Keep a screenshot of the current page; returns its path."""
        path = self._path(name)
        (page or self.page).screenshot(path=str(path), full_page=False)
        return path

    @contextlib.contextmanager
    def __call__(self, name, page=None):
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            path = self._path(f"FAILED-{name}")
            try:
                (page or self.page).screenshot(path=str(path))
                where = f"screenshot: {path}"
            except Exception as shot_error:  # noqa: BLE001  (the page may be gone)
                where = f"no screenshot ({shot_error.__class__.__name__})"
            raise AssertionError(f"browser step {name!r} failed ({where}): {exc}") from exc
        finally:
            self.timings.append((name, time.monotonic() - started))


@pytest.fixture
def steps(page, request):
    folder = reports_dir() / "browser" / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for old in folder.glob("*.png"):
        old.unlink()
    return Steps(page, folder)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, timeout=60.0, process=None, log=None):
    """Wait until ``url`` answers (any HTTP status). Raises RuntimeError with the end of
    ``log`` when ``process`` exits first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    tail = Path(log).read_text(errors="replace")[-3000:] if log else ""
    state = (f"exited with {process.returncode}" if process is not None
             and process.poll() is not None else f"no answer after {timeout:.0f} s")
    raise RuntimeError(f"{url}: server {state}\n{tail}")


@contextlib.contextmanager
def running(cmd, log, url=None, timeout=60.0, **popen):
    """Start ``cmd`` in its own process group (output to ``log``), wait for ``url``, yield
    the process; on leaving, stop the whole group (SIGTERM, then SIGKILL after 10 s)."""
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, **popen)
    try:
        if url:
            wait_for_http(url, timeout, process, log)
        yield process
    finally:
        _stop_group(process)


def _stop_group(process):
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
