"""The users of sandboxed kernels: uid ``UID_BASE + pid``, and the sweep of whatever such
a kernel left running once its notebook is graded (the kernel's process namespace
already ends them with it; this is a second net)."""

import glob
import os

__all__ = ["UID_BASE", "sandbox_uid", "kill_sandbox_processes"]

#: A kernel's uid is UID_BASE + its pid: unique while it runs, far above real accounts.
UID_BASE = 200_000


def sandbox_uid(kernel_pid):
    """The uid the launcher gives the kernel with pid ``kernel_pid`` (when running as root)."""
    return UID_BASE + int(kernel_pid)


def kill_sandbox_processes(uid):
    """SIGKILL every process whose real uid is ``uid`` (what a kernel left behind).

    Returns the number of processes signalled. Only uids of sandboxed kernels are swept.
    """
    if uid < UID_BASE or os.geteuid() != 0:
        return 0
    killed = 0
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status, encoding="ascii", errors="replace") as fh:
                uid_line = next(line for line in fh if line.startswith("Uid:"))
            if int(uid_line.split()[1]) == uid:
                os.kill(int(status.split("/")[2]), 9)
                killed += 1
        except (OSError, StopIteration, ValueError):
            continue
    return killed
