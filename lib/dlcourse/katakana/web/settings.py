"""Everything the katakana website can be configured with, read once from the environment.

| variable | default | meaning |
|---|---|---|
| ``DLCOURSE_DB_URL`` | SQLite ``<state>/ledger.sqlite`` | the ledger (the gradebook's URL) |
| ``DLCOURSE_KATAKANA_STATE`` | ``grading/katakana`` | state folder (ledger, scratch space) |
| ``DLCOURSE_KATAKANA_TEST`` | ``grading/katakana/katakana_test.npz`` | the hidden test set |
| ``DLCOURSE_KATAKANA_WORKERS`` | number of cores | scoring workers (never more than the cores) |
| ``DLCOURSE_KATAKANA_MAX_UPLOAD_MB`` | 20 | largest accepted upload |
| ``DLCOURSE_KATAKANA_MAX_UNPACKED_MB`` | 100 | largest unpacked size of a zip |
| ``DLCOURSE_KATAKANA_MAX_FILES`` | 200 | most files in a zip |
| ``DLCOURSE_KATAKANA_BASE_URL`` | ``http://HOST:PORT`` | the site's address in e-mails |
| ``DLCOURSE_SMTP_*`` | no mail | see :mod:`.notify` |
| ``JUPYTERHUB_*`` | password login | set by JupyterHub for a service: its login, its prefix |
"""

import datetime as dt
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.katakana import launcher, paths
from dlcourse.katakana.web.db import ledger_url
from dlcourse.katakana.web.hub_auth import HubOAuth
from dlcourse.katakana.web.notify import SmtpSettings
from dlcourse.katakana.web.uploads import UploadLimits

__all__ = ["WebSettings", "core_count"]


def core_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class WebSettings:
    state_dir: Path
    db_url: str
    test_set: Path
    workers: int
    limits: UploadLimits
    smtp: SmtpSettings
    base_url: str
    server_id: str
    #: A running job whose heartbeat is older than this is taken to be abandoned.
    #: Path the site lives under ('' at the top; JupyterHub's service prefix as a service).
    root_path: str = ""
    #: JupyterHub's login (a :class:`HubOAuth`) when run as a JupyterHub service, else None.
    hub: object = None
    lease: dt.timedelta = dt.timedelta(minutes=2)
    poll_seconds: float = 1.0
    time_limit: int = field(default_factory=lambda: launcher.TIME_LIMIT_SECONDS)
    memory_limit: int = field(default_factory=lambda: launcher.MEMORY_LIMIT_BYTES)

    @classmethod
    def from_environment(cls, host="127.0.0.1", port=8765, db_url=None, workers=None,
                         environ=os.environ):
        state_dir = Path(environ.get("DLCOURSE_KATAKANA_STATE") or paths.state_dir())
        mib = 2**20
        limits = UploadLimits(
            max_upload_bytes=int(float(environ.get("DLCOURSE_KATAKANA_MAX_UPLOAD_MB", 20)) * mib),
            max_unpacked_bytes=int(float(environ.get("DLCOURSE_KATAKANA_MAX_UNPACKED_MB", 100))
                                   * mib),
            max_files=int(environ.get("DLCOURSE_KATAKANA_MAX_FILES", 200)))
        requested = workers or int(environ.get("DLCOURSE_KATAKANA_WORKERS", 0)) or core_count()
        return cls(
            state_dir=state_dir, db_url=ledger_url(state_dir, db_url, environ),
            test_set=Path(environ.get("DLCOURSE_KATAKANA_TEST") or paths.default_test_set()),
            workers=max(1, min(requested, core_count())), limits=limits,
            smtp=SmtpSettings.from_environment(environ),
            base_url=environ.get("DLCOURSE_KATAKANA_BASE_URL", f"http://{host}:{port}"),
            server_id=f"{socket.gethostname()}:{port}",
            root_path=environ.get("JUPYTERHUB_SERVICE_PREFIX", "").rstrip("/"),
            hub=HubOAuth.from_environment(environ))
