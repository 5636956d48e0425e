"""A bundled notebook in the trainee's JupyterLab (``dlbasics-lab``), in a real browser:
nbgrader's Validate and assignment list are there, the instructor's tools are not."""

import json
import os
import sys
from pathlib import Path

import pytest

from browser_support import free_port, running
from dlcourse.bundle import build_bundle

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def trainee_lab(tmp_path_factory):
    """The bundle's own dlbasics-lab (its library and Jupyter config) on a free port, with
    empty user-level Jupyter folders."""
    tmp = tmp_path_factory.mktemp("lab")
    bundle = build_bundle(tmp / "bundle", ROOT, make_zip=False)
    env = dict(os.environ, PYTHONPATH=str(bundle.path / "lib"), JUPYTER_PATH="",
               JUPYTER_CONFIG_PATH="")
    for var, name in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                      ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("HOME", "home")):
        (tmp / name).mkdir()
        env[var] = str(tmp / name)
    port, token = free_port(), "trainee-lab-test"
    cmd = [sys.executable, "-m", "dlbasics.lab", "--no-browser", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    url = f"http://127.0.0.1:{port}"
    with running(cmd, tmp / "lab.log", url=f"{url}/api/status?token={token}", env=env,
                 cwd=tmp, timeout=90):
        yield bundle, url, token


def test_bundled_notebook_offers_validate_and_no_instructor_tools(trainee_lab, page, steps):
    bundle, url, token = trainee_lab
    name = sorted(p.name for p in (bundle.path / "notebooks").iterdir())[0]
    with steps("open the first notebook"):
        page.goto(f"{url}/lab/tree/{name}/{name}.ipynb?token={token}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for()
        page.locator(".jp-RenderedMarkdown", has_text="パーセプトロン").first.wait_for()
    with steps("Validate is in the notebook toolbar"):
        validate = page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate",
                                                                           exact=True)
        validate.wait_for()
    with steps("the Nbgrader menu has the assignment list only"):
        page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        items = [t for t in page.locator(".lm-Menu-itemLabel").all_inner_texts() if t]
        steps.snap("nbgrader-menu")
        page.keyboard.press("Escape")
        assert "Assignment List" in items, items
        assert not {"Formgrader", "Course List"} & set(items), items
    with steps("no Create Assignment panel or command"):
        page.keyboard.press("Control+Shift+C")
        palette = page.locator(".lm-CommandPalette-input")
        palette.fill("assignment")
        commands = page.locator(".lm-CommandPalette-itemLabel").all_inner_texts()
        page.keyboard.press("Escape")
        assert not [c for c in commands if "Create Assignment" in c], commands
        assert page.get_by_text("Create Assignment").count() == 0
    with steps("the server has no formgrader"):
        status = page.request.get(f"{url}/formgrader?token={token}").status
        assert status == 404, status
    with steps("Validate runs the notebook and names the unanswered blanks"):
        validate.click()
        dialog = page.locator(".jp-Dialog-content")
        dialog.wait_for(timeout=120_000)
        page.get_by_text("NotImplementedError").first.wait_for(timeout=120_000)
        steps.snap("validate-result")
    (steps.folder / "timings.json").write_text(json.dumps(steps.timings, indent=1))
