"""The project's set-up files agree with each other."""

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def requirement_map(requirements):
    """{normalised name: version spec} of requirement strings like 'numpy>=1.26'."""
    result = {}
    for req in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        result[name] = match.group(2).replace(" ", "")
    return result


def pyproject_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    return requirement_map(project["dependencies"] + project["optional-dependencies"]["dev"])


def conda_requirements():
    reqs = []
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        item = line.strip()
        if not item.startswith("- ") or item.endswith(":"):
            continue
        item = item[2:].strip()
        if item.startswith("-") or item in ("pip", "conda-forge"):
            continue  # pip options (-e ., --no-deps) and the pip package itself
        reqs.append(item)
    found = requirement_map(reqs)
    found.pop("python", None)
    return found


def test_environment_yml_names_the_same_packages_and_bounds():
    assert conda_requirements() == pyproject_requirements()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert commands[-1] == "make test"
    assert "make demo" in readme and "make test" in readme
    assert readme.index("make demo") < readme.index("make test") < readme.index("make lab")


def test_package_is_importable_with_every_module():
    import importlib

    for name in ["functions", "gradient", "layers", "im2col", "optimizers", "networks",
                 "trainer", "datasets", "metrics", "plot", "checks", "time_layers",
                 "names"]:
        module = importlib.import_module(f"dlbasics.{name}")
        for public in getattr(module, "__all__", []):
            obj = getattr(module, public)
            if callable(obj):
                assert obj.__doc__, f"dlbasics.{name}.{public} has no docstring"


def test_code_is_ruff_clean():
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    result = subprocess.run([ruff, "check", "lib", "tests", "benchmarks", "grading", "data"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_instructor_module_imports_and_says_what_it_holds():
    import importlib
    import pkgutil

    import dlcourse

    names = [info.name for info in pkgutil.walk_packages(dlcourse.__path__, "dlcourse.")]
    assert {"dlcourse.preprocessors.crash_proof_execute", "dlcourse.kernel_launcher",
            "dlcourse.kernelspec", "dlcourse.katakana.scoring"} <= set(names)
    for name in names:
        module = importlib.import_module(name)
        assert module.__doc__ and module.__doc__.strip(), f"{name} has no docstring"


def test_console_script_and_package_data_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"dlcourse": "dlcourse.cli:main",
                                             "dlbasics-lab": "dlbasics.lab:main"}
    patterns = project["tool"]["setuptools"]["package-data"]["dlbasics"]
    data = ROOT / "lib" / "dlbasics"
    for needed in ("data/katakana/katakana_train.npz", "data/pretrained/digits_mlp.npz",
                   "jupyter/jupyter_server_config.json", "jupyter/labconfig/page_config.json"):
        assert (data / needed).is_file()
        assert any(Path(needed).match(pattern) for pattern in patterns), needed
