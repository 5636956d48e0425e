"""JupyterHub configuration of the course's local hub (``make hub`` / ``dlcourse hub``).

Everything it needs is in ``$DLCOURSE_HUB_STATE/hub.json``, written by
``dlcourse.hub.prepare``: the port (loopback only), the users, their shared password,
the hub's virtual environment, the exchange and the instructor's course. See
``grading/README.md`` ("JupyterHub") for what runs where.
"""

import os
from pathlib import Path

from dlcourse.hub import HubSetup, user_environment

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

STATE = Path(os.environ["DLCOURSE_HUB_STATE"])
SETUP = HubSetup.load(STATE)
VENV = Path(SETUP.venv)

# --- network: everything on 127.0.0.1 ---------------------------------------------
c.JupyterHub.bind_url = SETUP.url
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = SETUP.port + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{SETUP.port + 2}"
c.ConfigurableHTTPProxy.command = [SETUP.proxy]
c.ConfigurableHTTPProxy.should_start = True
c.Spawner.ip = "127.0.0.1"

# --- the hub's own files ------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server

# --- users: one password for the course's test accounts -----------------------------
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = SETUP.password
c.Authenticator.allowed_users = {SETUP.instructor, *SETUP.trainees}
c.Authenticator.admin_users = {SETUP.instructor}

# --- single-user servers: real local users, the hub's environment -------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.env_keep = []
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def course_environment(spawner):
    """The instructor gets the course's nbgrader config (formgrader on); trainees get the
    trainee Jupyter config (formgrader and Create Assignment off); both the exchange and
    the training data (dlcourse.hub.user_environment)."""
    spawner.environment.update(user_environment(SETUP, spawner.user.name))


c.Spawner.pre_spawn_hook = course_environment
