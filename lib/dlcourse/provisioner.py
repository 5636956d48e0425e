"""The kernel provisioner of the ``dlcourse-limited`` kernel: a private folder per kernel.

jupyter_client starts a kernel through a provisioner named in its kernelspec. This one
(entry point ``dlcourse-sandbox`` in ``jupyter_client.kernel_provisioners``) gives every
kernel a fresh folder of its own, ``/tmp/dlcourse-sandbox[-UID]/kernel-XXXXXXXX/``, and
switches the connection to jupyter_client's ``ipc`` transport with the Unix sockets in
that folder: the sandbox binds only this folder into the kernel's view and gives the
kernel no network, so the grader and the kernel talk through these sockets and nothing
else. The launcher (:mod:`dlcourse.kernel_launcher`) fills the folder (``work/``, the
kernel's working folder; ``home/``); the folder is removed when the kernel is cleaned up.

If the launcher cannot build the sandbox it writes why into ``launch-error.txt`` there
(:meth:`SandboxProvisioner.launch_error`), so the grader can say it.
"""

import os
import shutil
import stat
import tempfile
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

__all__ = ["PROVISIONER_NAME", "LAUNCH_ERROR_FILE", "kernels_root", "SandboxProvisioner"]

PROVISIONER_NAME = "dlcourse-sandbox"
LAUNCH_ERROR_FILE = "launch-error.txt"
#: Unix socket paths must stay below 108 bytes, so the folders live right under /tmp.
_ROOT = "/tmp"


def kernels_root():
    """Where kernel folders are made: ``/tmp/dlcourse-sandbox`` (root; mode 711) or
    ``/tmp/dlcourse-sandbox-UID`` (anyone else; mode 700). Refuses one that is not a
    folder owned by the grader (someone else could then read connection keys)."""
    uid = os.geteuid()
    root = Path(_ROOT) / ("dlcourse-sandbox" if uid == 0 else f"dlcourse-sandbox-{uid}")
    mode = 0o711 if uid == 0 else 0o700
    root.mkdir(mode=mode, exist_ok=True)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
        raise RuntimeError(f"{root} must be a folder owned by uid {uid}; remove it and retry")
    os.chmod(root, mode)
    return root


class SandboxProvisioner(LocalProvisioner):
    """``LocalProvisioner`` with a private folder and ``ipc`` transport per kernel."""

    kernel_dir = None
    #: The launch error of the last kernel cleaned up in this process (a worker grades
    #: one notebook at a time, so the grader reads it right after a failed start).
    last_launch_error = ""

    async def pre_launch(self, **kwargs):
        km = self.parent
        if self.kernel_dir is None:
            self.kernel_dir = Path(tempfile.mkdtemp(prefix="kernel-", dir=kernels_root()))
        if km is not None:
            km.transport = "ipc"
            km.cache_ports = False
            km.connection_file = str(self.kernel_dir / "connection.json")
            km.ip = str(self.kernel_dir / "kernel")
        return await super().pre_launch(**kwargs)

    def launch_error(self):
        """What the launcher wrote when it could not build the sandbox ('' if nothing)."""
        if self.kernel_dir is None:
            return ""
        try:
            return (self.kernel_dir / LAUNCH_ERROR_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    async def cleanup(self, restart=False):
        await super().cleanup(restart=restart)
        if not restart and self.kernel_dir is not None:
            error = self.launch_error()
            if error:
                SandboxProvisioner.last_launch_error = error
            shutil.rmtree(self.kernel_dir, ignore_errors=True)
            self.kernel_dir = None
