"""``dlbasics-lab``: JupyterLab for trainees, on the course's notebooks.

Trainees see nbgrader's *Assignments* tab and the notebook toolbar's *Validate*; the
instructor's extensions (*Create Assignment*, *Formgrader*, the course list) are off.
The settings are the Jupyter config folder :data:`TRAINEE_CONFIG_DIR` shipped with this
package, which is put first on ``JUPYTER_CONFIG_PATH``; it holds exactly the files that
``jupyter labextension disable`` and ``jupyter server extension disable`` would write
(``labconfig/page_config.json``, ``jupyter_server_config.json``). A JupyterHub gives
trainee servers the same folder (see ``grading/hub/``).
"""

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["TRAINEE_CONFIG_DIR", "trainee_environment", "notebooks_dir", "main"]

#: Jupyter config folder of a trainee's JupyterLab.
TRAINEE_CONFIG_DIR = Path(__file__).resolve().parent / "jupyter"


def trainee_environment(environ=None):
    """A copy of ``environ`` (default: this process's) with the trainee Jupyter config
    first on ``JUPYTER_CONFIG_PATH``."""
    env = dict(os.environ if environ is None else environ)
    paths = [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    if str(TRAINEE_CONFIG_DIR) not in paths:
        paths.insert(0, str(TRAINEE_CONFIG_DIR))
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def notebooks_dir():
    """The course's ``notebooks/`` folder (beside ``lib/``), or None when this package is
    not installed from a course folder (e.g. a JupyterHub installs it elsewhere)."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    return folder if folder.is_dir() else None


def main(argv=None):
    """Start JupyterLab on ``notebooks/`` with the trainee settings; extra arguments go to
    ``jupyter lab`` (e.g. ``--port 8890``). Returns JupyterLab's exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    folder = notebooks_dir()
    if folder is None and not any(a.startswith(("--notebook-dir", "--ServerApp.root_dir"))
                                  for a in args):
        print("dlbasics-lab: no notebooks/ folder beside this library "
              f"({Path(__file__).resolve().parents[2]}); pass --notebook-dir=FOLDER",
              file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "jupyterlab"]
    if folder is not None:
        cmd.append(f"--ServerApp.root_dir={folder}")
    try:
        return subprocess.call(cmd + args, env=trainee_environment())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
