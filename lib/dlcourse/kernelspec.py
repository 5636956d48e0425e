"""The limited kernel's kernelspec ``dlcourse-limited``: what it is and where it is written.

nbgrader starts kernels from a kernelspec. :func:`install_kernelspec` writes this one
under ``grading/.jupyter/kernels/`` each time the nbgrader config loads
(:mod:`dlcourse.nbgrader_settings`). It names the provisioner
:mod:`dlcourse.provisioner` (a private folder and ``ipc`` sockets per kernel) and starts
``python -m dlcourse.kernel_launcher`` with the :class:`SandboxOptions` as arguments,
which builds the bubblewrap sandbox (:mod:`dlcourse.bwrap`) and runs ``ipykernel`` in it.

:func:`sandbox_problem` says whether that can work on this machine; there is no fallback:
``--unsafe-no-sandbox`` (``DLCOURSE_UNSAFE_NO_SANDBOX=1``) is the only way round, and
every grading record of such a run says so.
"""

import json
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

from dlcourse import bwrap
from dlcourse.limits import DEFAULT_LIMITS
from dlcourse.provisioner import PROVISIONER_NAME

__all__ = ["KERNEL_NAME", "UNSAFE_ENV", "SandboxOptions", "kernelspec", "install_kernelspec",
           "unsafe_requested", "sandbox_problem"]

KERNEL_NAME = "dlcourse-limited"
#: Set to 1 to grade without the sandbox (the grading records say so).
UNSAFE_ENV = "DLCOURSE_UNSAFE_NO_SANDBOX"


def unsafe_requested(environ=None):
    """Was grading without the sandbox asked for (``DLCOURSE_UNSAFE_NO_SANDBOX=1``)?"""
    return (os.environ if environ is None else environ).get(UNSAFE_ENV, "") not in ("", "0")


class SandboxOptions:
    """Limits and isolation of graded kernels.

    - memory_mb: address-space cap of the kernel process (and of each child).
    - cpu_seconds: CPU time the kernel may use in total (all its cells).
    - file_size_mb: largest file the kernel may write (also the largest copy of the
      notebook's folder it gets).
    - processes: most processes/threads the kernel's user may have.
    - unsafe: no bubblewrap and no own user (limits only).
    - hidden: folders covered by empty read-only mounts should an allowlisted folder hold
      them (absolute paths).
    """

    def __init__(self, memory_mb=DEFAULT_LIMITS.memory_mb,
                 cpu_seconds=DEFAULT_LIMITS.cpu_seconds, file_size_mb=256, processes=256,
                 unsafe=False, hidden=()):
        self.memory_mb = int(memory_mb)
        self.cpu_seconds = int(cpu_seconds)
        self.file_size_mb = int(file_size_mb)
        self.processes = int(processes)
        self.unsafe = bool(unsafe)
        self.hidden = [str(Path(p).resolve()) for p in hidden]

    def argv(self):
        args = ["--memory-mb", str(self.memory_mb), "--cpu-seconds", str(self.cpu_seconds),
                "--file-size-mb", str(self.file_size_mb), "--processes", str(self.processes)]
        for path in self.hidden:
            args += ["--hide", path]
        return args + (["--unsafe-no-sandbox"] if self.unsafe else [])


def kernelspec(options, python=None):
    """The kernel.json dict of the limited kernel."""
    python = python or sys.executable
    mode = "NO SANDBOX" if options.unsafe else "sandboxed"
    return {
        "argv": [python, "-m", "dlcourse.kernel_launcher", *options.argv(),
                 "--", "-f", "{connection_file}"],
        "display_name": (f"Python 3 (graded, {mode}: {options.memory_mb} MB, "
                         f"{options.cpu_seconds} s CPU)"),
        "language": "python",
        # bwrap does not pass SIGINT on: interrupts go as messages on the control channel
        "interrupt_mode": "message",
        "metadata": {"debugger": False,
                     "kernel_provisioner": {"provisioner_name": PROVISIONER_NAME,
                                            "config": {}}},
    }


_PROBLEM = {}


def sandbox_problem(unsafe=False):
    """Why graded kernels cannot start here (what is missing and how to install it), or
    None. Checked once per process."""
    if unsafe not in _PROBLEM:
        names = {ep.name for ep in entry_points(group="jupyter_client.kernel_provisioners")}
        if PROVISIONER_NAME not in names:
            _PROBLEM[unsafe] = (
                f"the kernel provisioner {PROVISIONER_NAME!r} is not registered with "
                "jupyter_client; reinstall the course (`make install`, or `pip install -e .` "
                "in the checkout)")
        else:
            _PROBLEM[unsafe] = None if unsafe else bwrap.problem()
    return _PROBLEM[unsafe]


def install_kernelspec(data_dir, options):
    """Write ``DATA_DIR/kernels/dlcourse-limited/kernel.json`` (only when it changed).

    Returns the data dir, to be put on ``JUPYTER_PATH``.
    """
    target = Path(data_dir) / "kernels" / KERNEL_NAME / "kernel.json"
    text = json.dumps(kernelspec(options), indent=1) + "\n"
    try:
        current = target.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    return Path(data_dir)
