"""JupyterHub's login for the site when it runs as a JupyterHub service.

JupyterHub starts a managed service with ``JUPYTERHUB_API_TOKEN``, ``JUPYTERHUB_API_URL``,
``JUPYTERHUB_CLIENT_ID``, ``JUPYTERHUB_OAUTH_CALLBACK_URL`` and
``JUPYTERHUB_SERVICE_PREFIX`` in its environment (an external service is given the same
variables by the instructor). The site then sends trainees through the hub's OAuth
authorization (``/hub/api/oauth2/authorize``), exchanges the code for a token and asks the
hub who the user is. The account is created on first login (no password of its own);
hub admins and members of the group ``instructors`` are instructors.
"""

import json
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass

import sqlalchemy as sa

from dlcourse.katakana.web.db import accounts, iso, utc_now, writing

__all__ = ["HubOAuth", "HubError", "provision", "INSTRUCTOR_GROUP", "NO_PASSWORD"]

INSTRUCTOR_GROUP = "instructors"
#: The password hash of an account that only logs in through JupyterHub (never verifies).
NO_PASSWORD = "!jupyterhub"


class HubError(RuntimeError):
    """The hub did not answer as expected."""


@dataclass(frozen=True)
class HubOAuth:
    api_url: str
    api_token: str
    client_id: str
    callback_url: str
    authorize_url: str

    @classmethod
    def from_environment(cls, environ=os.environ):
        """The hub's settings, or None when the site is not a JupyterHub service."""
        if not environ.get("JUPYTERHUB_API_TOKEN") or not environ.get("JUPYTERHUB_API_URL"):
            return None
        prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX", "/").rstrip("/")
        base = environ.get("JUPYTERHUB_BASE_URL", "/").rstrip("/")
        return cls(api_url=environ["JUPYTERHUB_API_URL"].rstrip("/"),
                   api_token=environ["JUPYTERHUB_API_TOKEN"],
                   client_id=environ.get("JUPYTERHUB_CLIENT_ID", ""),
                   callback_url=environ.get("JUPYTERHUB_OAUTH_CALLBACK_URL",
                                            f"{prefix}/oauth_callback"),
                   authorize_url=f"{base}/hub/api/oauth2/authorize")

    def login_redirect(self, state):
        query = urllib.parse.urlencode({"client_id": self.client_id, "response_type": "code",
                                        "redirect_uri": self.callback_url, "state": state})
        return f"{self.authorize_url}?{query}"

    def _call(self, request):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise HubError(f"JupyterHub did not answer {request.full_url}: {exc}") from None

    def user_for_code(self, code):
        """The hub's user model ({'name', 'admin', 'groups', ...}) for an OAuth code."""
        form = urllib.parse.urlencode({
            "client_id": self.client_id, "client_secret": self.api_token, "code": code,
            "grant_type": "authorization_code", "redirect_uri": self.callback_url}).encode()
        token = self._call(urllib.request.Request(
            f"{self.api_url}/oauth2/token", data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"}))["access_token"]
        return self._call(urllib.request.Request(
            f"{self.api_url}/user", headers={"Authorization": f"token {token}"}))


def provision(engine, user):
    """Create or update the account of a hub user; returns its id."""
    role = "instructor" if user.get("admin") or INSTRUCTOR_GROUP in user.get(
        "groups", []) else "trainee"
    name = user["name"]
    with writing(engine) as conn:
        if conn.execute(sa.select(accounts.c.id).where(accounts.c.id == name)).first():
            conn.execute(accounts.update().where(accounts.c.id == name).values(role=role))
        else:
            conn.execute(accounts.insert().values(
                id=name, password_hash=NO_PASSWORD, nickname="", email="", role=role,
                created_at=iso(utc_now())))
    return name
