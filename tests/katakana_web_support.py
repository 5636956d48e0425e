"""Shared by the katakana website's tests: a tiny hidden test set, submissions as zips,
and a real server (``dlcourse katakana serve``) on a free loopback port.

The tiny test set fills each image with a grey level that encodes its label, so a
correct submission is a few lines of NumPy and scores in well under a second.
"""

import io
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import httpx2 as httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
REFERENCE_CNN = REPO / "grading" / "katakana" / "reference" / "cnn"

GOOD = textwrap.dedent("""
    import numpy as np
    from pathlib import Path

    LEVELS = np.load(Path(__file__).with_name("weights.npz"))["levels"]


    def preprocess(x_raw):
        return x_raw.astype(np.float32) / 255.0


    def predict(x):
        level = x.reshape(len(x), -1).mean(axis=1) * 255.0
        scores = -np.abs(level[:, None] - LEVELS[None, :])
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    """)

CRASH = "def preprocess(x):\n    return x\n\ndef predict(x):\n    raise ValueError('no weights')\n"


def write_test_set(path, per_class=20):
    labels = np.repeat(np.arange(15), per_class)
    images = (labels * 16 + 8).astype(np.uint8)[:, None, None, None] * np.ones(
        (1, 1, 28, 28), dtype=np.uint8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, x=images, t=labels.astype(np.int64))
    return path


def weights_bytes():
    buffer = io.BytesIO()
    np.savez(buffer, levels=np.arange(15) * 16.0 + 8)
    return buffer.getvalue()


def make_zip(entries):
    """Zip bytes from {name: bytes or str}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def good_zip(source=GOOD, folder=""):
    prefix = f"{folder}/" if folder else ""
    return make_zip({f"{prefix}submission.py": source, f"{prefix}weights.npz": weights_bytes(),
                     f"{prefix}katakana.ipynb": '{"cells": [], "nbformat": 4}'})


def folder_zip(folder):
    """A zip of a submission folder as a trainee makes it (the folder at the top)."""
    folder = Path(folder)
    return make_zip({f"{folder.name}/{p.name}": p.read_bytes()
                     for p in sorted(folder.iterdir()) if p.is_file()})


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dlcourse(*args, env, stdin=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "dlcourse.cli", "katakana", *args],
                          input=stdin, env=env, capture_output=True, text=True, timeout=timeout)


class Server:
    """``dlcourse katakana serve`` in a child process on 127.0.0.1:``port``."""

    def __init__(self, env, port, log_path, workers=2):
        self.env, self.port, self.log_path, self.workers = env, port, Path(log_path), workers
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self, timeout=60):
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dlcourse.cli", "katakana", "serve", "--port",
                 str(self.port), "--workers", str(self.workers), "--log-level", "warning"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-2000:]}")
            try:
                httpx.get(f"{self.url}/login", timeout=2)
                return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout} s")

    def kill(self):
        """The hard way: SIGKILL, as a crash or a power cut would."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def server_env(tmp_path, test_set, **extra):
    env = dict(os.environ, DLCOURSE_KATAKANA_STATE=str(tmp_path / "state"),
               DLCOURSE_KATAKANA_TEST=str(test_set), OPENBLAS_NUM_THREADS="1")
    env.pop("DLCOURSE_DB_URL", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def login(client, account, password):
    """Log ``client`` (an httpx.Client on the site) in; returns the page's CSRF token."""
    page = client.get("/login")
    response = client.post("/login", data={"account": account, "password": password,
                                           "csrf": csrf_of(page.text)})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/submissions").text)


def csrf_of(html):
    marker = 'name="csrf" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]
