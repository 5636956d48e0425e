"""The website as a JupyterHub service: a real JupyterHub (DummyAuthenticator) starts
``dlcourse katakana serve`` as a managed service under ``/services/katakana/``; a user
logged in to the hub reaches the site through the hub's OAuth, without a password of the
site's own, and hub admins are the site's instructors."""

import shutil
import sys
import textwrap
import time

import pytest

from katakana_web_support import csrf_of, free_port, good_zip, server_env, write_test_set

jupyterhub = pytest.importorskip("jupyterhub", reason="JupyterHub is not installed")
httpx = pytest.importorskip("httpx2")

from browser_support import running  # noqa: E402

HUB_PASSWORD = "hub-test-password"


def hub_config(tmp_path, port, service_port, env):
    service_env = {k: env[k] for k in ("DLCOURSE_KATAKANA_STATE", "DLCOURSE_KATAKANA_TEST",
                                       "PATH", "OPENBLAS_NUM_THREADS")}
    return textwrap.dedent(f"""
        c.JupyterHub.ip = "127.0.0.1"
        c.JupyterHub.port = {port}
        c.JupyterHub.hub_ip = "127.0.0.1"
        c.JupyterHub.hub_port = {free_port()}
        c.JupyterHub.authenticator_class = "dummy"
        c.DummyAuthenticator.password = {HUB_PASSWORD!r}
        c.Authenticator.allowed_users = {{"alice", "teach"}}
        c.Authenticator.admin_users = {{"teach"}}
        c.JupyterHub.db_url = "sqlite:///{tmp_path}/hub.sqlite"
        c.JupyterHub.cookie_secret_file = "{tmp_path}/cookie_secret"
        c.ConfigurableHTTPProxy.pid_file = "{tmp_path}/proxy.pid"
        c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
        c.JupyterHub.load_roles = [{{"name": "user", "scopes": ["self", "access:services"]}}]
        c.JupyterHub.services = [{{
            "name": "katakana", "url": "http://127.0.0.1:{service_port}",
            "oauth_no_confirm": True, "environment": {service_env!r},
            "command": [{sys.executable!r}, "-m", "dlcourse.cli", "katakana", "serve",
                        "--port", "{service_port}", "--workers", "1"],
        }}]
        """)


def hub_login(client, name):
    for _ in range(60):  # the proxy answers 404 until the hub has added its route
        page = client.get("/hub/login")
        if page.status_code == 200 and 'name="_xsrf"' in page.text:
            break
        time.sleep(1)
    xsrf = csrf_of(page.text.replace('name="_xsrf"', 'name="csrf"'))
    response = client.post(f"/hub/login?_xsrf={xsrf}", data={
        "username": name, "password": HUB_PASSWORD, "_xsrf": xsrf}, follow_redirects=False)
    # logged in: the hub sends the user on to spawn a notebook server (not needed here)
    assert response.status_code == 302, response.text[-500:]


def test_the_site_as_a_jupyterhub_service_uses_the_hubs_login(tmp_path):
    if not shutil.which("configurable-http-proxy"):
        pytest.skip("configurable-http-proxy is not installed (npm install -g "
                    "configurable-http-proxy)")
    env = server_env(tmp_path, write_test_set(tmp_path / "hidden.npz"))
    port, service_port = free_port(), free_port()
    (tmp_path / "jupyterhub_config.py").write_text(hub_config(tmp_path, port, service_port,
                                                              env))
    command = [sys.executable, "-m", "jupyterhub", "-f", str(tmp_path / "jupyterhub_config.py")]
    site = f"http://127.0.0.1:{port}/services/katakana"
    with running(command, tmp_path / "hub.log", url=f"http://127.0.0.1:{port}/hub/login",
                 timeout=90, cwd=tmp_path, env=env):
        seen = {}
        for name in ("alice", "teach"):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                              follow_redirects=True) as client:
                hub_login(client, name)
                page = _wait_for_site(client, f"{site}/")
                seen[name] = (str(page.url), page.text)
                if name == "alice":
                    csrf = csrf_of(page.text)
                    upload = client.post(f"{site}/submissions", data={"csrf": csrf}, files={
                        "file": ("s.zip", good_zip(), "application/zip")})
                    assert upload.status_code == 200 and "/services/katakana/submissions/1" in (
                        str(upload.url)), upload.text[-800:]
                    assert client.post(f"{site}/login", data={}).status_code == 405
                else:
                    assert client.get(f"{site}/admin").status_code == 200
    url, text = seen["alice"]
    assert url == f"{site}/submissions" and "ログアウト (alice)" in text
    assert 'href="/services/katakana/leaderboard"' in text and "講師用" not in text
    assert "ログアウト (teach)" in seen["teach"][1] and "講師用" in seen["teach"][1]


def _wait_for_site(client, url, attempts=60):
    """The hub starts the service itself: retry until it answers through the proxy."""
    for _ in range(attempts):
        page = client.get(url)
        if page.status_code == 200 and "/services/katakana/" in str(page.url):
            return page
        time.sleep(1)
    raise AssertionError(f"{url}: {page.status_code} {str(page.url)} {page.text[-500:]}")
