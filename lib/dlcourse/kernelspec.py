"""The limited kernel's kernelspec ``dlcourse-limited``: what it is and where it is written.

nbgrader starts kernels from a kernelspec. :func:`install_kernelspec` writes this one
under ``grading/.jupyter/kernels/`` each time the nbgrader config loads
(:mod:`dlcourse.nbgrader_settings`); it starts ``python -m dlcourse.kernel_launcher``
with the :class:`SandboxOptions` as arguments, which sets the limits and isolation up
and then replaces itself with ``ipykernel``.
"""

import json
import os
import sys
from pathlib import Path

from dlcourse.limits import DEFAULT_LIMITS

__all__ = ["KERNEL_NAME", "SandboxOptions", "kernelspec", "install_kernelspec"]

KERNEL_NAME = "dlcourse-limited"


class SandboxOptions:
    """Limits and isolation of graded kernels.

    - memory_mb: address-space cap of the kernel process (and of each child).
    - cpu_seconds: CPU time the kernel may use in total (all its cells).
    - file_size_mb: largest file the kernel may write.
    - processes: most processes/threads its user may have (only with its own user).
    - isolate: "auto" (own user and hidden files when the grader is root),
      "limits" (resource limits only).
    - hidden: folders covered by empty mounts (absolute paths).
    """

    def __init__(self, memory_mb=DEFAULT_LIMITS.memory_mb,
                 cpu_seconds=DEFAULT_LIMITS.cpu_seconds, file_size_mb=256, processes=256,
                 isolate="auto", hidden=()):
        if isolate not in ("auto", "limits"):
            raise ValueError(f"isolate must be 'auto' or 'limits', not {isolate!r}")
        self.memory_mb = int(memory_mb)
        self.cpu_seconds = int(cpu_seconds)
        self.file_size_mb = int(file_size_mb)
        self.processes = int(processes)
        self.isolate = isolate
        self.hidden = [str(Path(p).resolve()) for p in hidden]

    def argv(self):
        args = ["--memory-mb", str(self.memory_mb), "--cpu-seconds", str(self.cpu_seconds),
                "--file-size-mb", str(self.file_size_mb), "--processes", str(self.processes),
                "--isolate", self.isolate]
        for path in self.hidden:
            args += ["--hide", path]
        return args


def kernelspec(options, python=None):
    """The kernel.json dict of the limited kernel."""
    python = python or sys.executable
    return {
        "argv": [python, "-m", "dlcourse.kernel_launcher", *options.argv(),
                 "--", "-f", "{connection_file}"],
        "display_name": f"Python 3 (graded: {options.memory_mb} MB, {options.cpu_seconds} s CPU)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }


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
