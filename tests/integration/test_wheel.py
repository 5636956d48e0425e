"""The project installed as a wheel (not editable), in a fresh environment outside the
checkout: the library's data travels inside it, and the instructor tools find a course
from the folder they are given, never from where they are installed.

The wheel is built from a copy of the sources (so no ``build/`` is left in the checkout)
and installed with ``--no-deps`` into a new venv; the dependencies (NumPy, ...) come from
this test's own environment, appended to the new one's path after its own
site-packages, so the wheel's ``dlbasics`` is the one imported.
"""

import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import dlbasics, dlcourse
    from dlbasics.datasets import get_data_dir, load_katakana
    x, t = load_katakana()
    with np.load(get_data_dir() / "pretrained" / "digits_mlp.npz") as weights:
        shapes = {k: list(weights[k].shape) for k in weights.files}
    print(json.dumps({"dlbasics": dlbasics.__file__, "dlcourse": dlcourse.__file__,
                      "x": list(x.shape), "t": list(t.shape), "classes": int(t.max()) + 1,
                      "weights": shapes}))
""")


def _run(args, **kw):
    result = subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)
    assert result.returncode == 0, f"{args[:4]} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "lib", source / "lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "mnist",
                                                  "fashion-mnist"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w",
          str(work / "dist"), str(source)])
    wheel = next((work / "dist").glob("dlbasics-*.whl"))
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--quiet", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"]).stdout.strip())
    # the dependencies: this environment's site-packages, after the wheel's own
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = work / "elsewhere"
    outside.mkdir()
    return wheel, venv, outside


def test_the_wheel_holds_the_package_data(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for data in ("dlbasics/data/katakana/katakana_train.npz",
                 "dlbasics/data/pretrained/digits_mlp.npz",
                 "dlcourse/katakana/runner.py", "dlcourse/preprocessors/crash_proof_execute.py"):
        assert data in names


def test_installed_library_loads_katakana_and_the_pretrained_weights(installed):
    import json

    _, venv, outside = installed
    result = _run([str(venv / "bin" / "python"), "-c", CHECK], cwd=outside,
                  env={"PATH": "/usr/bin:/bin", "HOME": str(outside)})
    info = json.loads(result.stdout)
    for package in ("dlbasics", "dlcourse"):
        assert Path(info[package]).is_relative_to(venv), info[package]
    assert info["x"] == [3000, 1, 28, 28] and info["t"] == [3000] and info["classes"] == 15
    assert info["weights"] == {"W1": [64, 50], "b1": [50], "W2": [50, 100], "b2": [100],
                               "W3": [100, 10], "b3": [10]}


def test_installed_command_finds_no_course_outside_one_and_says_so(installed):
    _, venv, outside = installed
    env = {"PATH": "/usr/bin:/bin", "HOME": str(outside)}
    result = subprocess.run([str(venv / "bin" / "dlcourse"), "grades"], cwd=outside, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "no course found" in result.stderr and "--course" in result.stderr
    result = subprocess.run([str(venv / "bin" / "dlcourse"), "--course", str(outside),
                             "grades"], cwd=outside, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "is not a course root" in result.stderr
