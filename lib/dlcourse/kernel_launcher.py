"""The limited kernel's launcher: limits, its own user, hidden files, then ``ipykernel``.

The kernelspec ``dlcourse-limited`` (:mod:`dlcourse.kernelspec`) starts
``python -m dlcourse.kernel_launcher OPTIONS -- -f CONNECTION_FILE``; this process
prepares itself and then replaces itself with ``ipykernel``:

1. Resource limits (``setrlimit``; inherited by every child): address space
   (``RLIMIT_AS``: runaway memory becomes a ``MemoryError``), CPU seconds
   (``RLIMIT_CPU``: the kernel gets SIGXCPU), size of one written file, no core dumps,
   and, when it has its own user, a process count (fork bombs).
2. When the grader runs as root (the course's setup): a mount namespace in which the
   solutions, the grading folder (gradebook, every submission) and the repository's
   ``.git`` are covered by empty read-only tmpfs mounts, with the kernel's own working
   folder bind-mounted back, so ``../..`` and absolute paths lead nowhere.
3. Also as root: a user of its own, uid ``UID_BASE + pid`` (unique among running
   kernels, no passwd entry, no groups), so the kernel can write nothing the grader owns,
   cannot read another kernel's files or signal it, and cannot read the grader's memory
   or environment. Its home (a private folder under ``/tmp/dlcourse-sandbox``) holds a
   copy of the connection file, which only this uid can read.
4. Secrets are dropped from the environment (the gradebook URL, PostgreSQL and
   JupyterHub variables, anything named like a token, password or key).

Not done: network isolation (the kernel's ports must stay reachable on loopback), and
CPU or memory shares between kernels (the worker count bounds those).
"""

import ctypes
import glob
import os
import re
import resource
import shutil
import stat
import sys
from pathlib import Path

from dlcourse.kernel_users import SANDBOX_ROOT, UID_BASE, sandbox_uid

__all__ = ["SANDBOX_FAILED", "SandboxError", "build_mount_namespace", "launch", "main"]

#: Exit status of the launcher when it cannot build the sandbox it was asked for.
SANDBOX_FAILED = 77

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|(^|_)KEY($|_)|DB_URL|^PG|^JUPYTERHUB_",
                          re.IGNORECASE)

# mount(2) and unshare(2) flags (linux/fs.h, linux/sched.h)
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_SET_NO_NEW_PRIVS = 38


class SandboxError(RuntimeError):
    """The launcher could not build the sandbox it was asked for."""


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_char_p]
    return libc


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(f"{what} failed: {os.strerror(errno)}")


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _first_closed_ancestor(path):
    """The highest folder above ``path`` that other users cannot traverse, or None."""
    current = "/"
    for part in Path(path).parts[1:-1]:
        current = os.path.join(current, part)
        if not os.stat(current).st_mode & stat.S_IXOTH:
            return current
    return None


def build_mount_namespace(hidden, cwd, exposed=()):
    """In a new mount namespace, cover folders with empty read-only tmpfs mounts.

    - hidden: folders to cover (the solutions, the grading folder, ``.git``).
    - cwd: the kernel's working folder; when it lies in a covered folder it is
      bind-mounted back at its own path and the process moves into that mount, so
      ``..`` leads only to empty folders.
    - exposed: folders the kernel must reach although an ancestor is closed to other
      users (the Python installation under ``/root/.pyenv``): that ancestor is covered
      and the folder bind-mounted back.
    """
    covers = {folder: [] for folder in hidden if os.path.isdir(folder)}
    for path in exposed:
        closed = _first_closed_ancestor(path)
        if closed:
            covers.setdefault(closed, []).append(path)
    for folder, binds in covers.items():
        if _inside(cwd, folder):
            binds.append(cwd)
    if not covers:
        return
    libc = _libc()
    _check(libc.unshare(_CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None),
           "making mounts private")
    # handles on the real folders (in the new namespace), taken before the covers hide them
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY)
               for binds in covers.values() for path in binds}
    flags = _MS_NOSUID | _MS_NODEV
    for folder in sorted(covers, key=len):
        target = folder.encode()
        _check(libc.mount(b"tmpfs", target, b"tmpfs", flags, b"size=64k,mode=0755"),
               f"covering {folder}")
        for path in covers[folder]:
            os.makedirs(path, mode=0o755, exist_ok=True)
            source = f"/proc/self/fd/{handles[path]}".encode()
            _check(libc.mount(source, path.encode(), None, _MS_BIND | _MS_REC, None),
                   f"binding {path} back")
        _check(libc.mount(None, target, None, _MS_REMOUNT | _MS_RDONLY | flags, None),
               f"making the cover of {folder} read-only")
    for handle in handles.values():
        os.close(handle)
    os.chdir(cwd)


def _private_home(uid):
    """``/tmp/dlcourse-sandbox/UID`` owned by ``uid`` (mode 700); stale homes removed."""
    SANDBOX_ROOT.mkdir(mode=0o711, exist_ok=True)
    info = os.lstat(SANDBOX_ROOT)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0:
        raise SandboxError(f"{SANDBOX_ROOT} must be a folder owned by root")
    os.chmod(SANDBOX_ROOT, 0o711)
    for entry in SANDBOX_ROOT.iterdir():
        if entry.name.isdigit() and not os.path.exists(f"/proc/{int(entry.name) - UID_BASE}"):
            shutil.rmtree(entry, ignore_errors=True)
    home = SANDBOX_ROOT / str(uid)
    if home.exists() or home.is_symlink():
        shutil.rmtree(home) if home.is_dir() and not home.is_symlink() else home.unlink()
    home.mkdir(mode=0o700)
    os.chown(home, uid, uid)
    return home


def _copy_owned(source, target, uid):
    shutil.copyfile(source, target)
    os.chown(target, uid, uid)
    os.chmod(target, 0o600)


def _matplotlib_font_cache():
    """The grader's matplotlib font cache files (copied so kernels start fast)."""
    folders = [os.environ.get("MPLCONFIGDIR"),
               os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                            "matplotlib")]
    for folder in filter(None, folders):
        found = glob.glob(os.path.join(folder, "fontlist-*.json"))
        if found:
            return found
    return []


def _python_folders():
    """The folders the kernel needs: Python's installation, its virtual environment,
    and the folder holding the course library (an editable install)."""
    import dlbasics

    library = Path(dlbasics.__file__).resolve().parents[1]
    return sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
                   str(library)})


def _clean_environment(env):
    return {k: v for k, v in env.items() if not _SECRET_NAME.search(k)}


def _set_limits(args, own_user):
    mb = 1024 * 1024
    limits = [
        (resource.RLIMIT_AS, args.memory_mb * mb),
        (resource.RLIMIT_CPU, args.cpu_seconds),
        (resource.RLIMIT_FSIZE, args.file_size_mb * mb),
        (resource.RLIMIT_CORE, 0),
    ]
    if own_user:
        limits.append((resource.RLIMIT_NPROC, args.processes))
    for kind, value in limits:
        # soft and hard alike: the kernel cannot raise them again
        resource.setrlimit(kind, (value, value))


def _connection_file(kernel_args):
    for index, arg in enumerate(kernel_args):
        if arg == "-f" and index + 1 < len(kernel_args):
            return index + 1
        if arg.startswith("--f="):
            return index
    raise SandboxError("no connection file (-f FILE) in the kernel arguments")


def _parse(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dlcourse.kernel_launcher",
                                     description="start ipykernel in the grading sandbox")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--file-size-mb", type=int, default=256)
    parser.add_argument("--processes", type=int, default=256)
    parser.add_argument("--isolate", choices=("auto", "limits"), default="auto")
    parser.add_argument("--hide", action="append", default=[])
    if "--" not in argv:
        parser.error("kernel arguments must follow --")
    split = argv.index("--")
    args = parser.parse_args(argv[:split])
    return args, list(argv[split + 1:])


def launch(argv):
    """Prepare the sandbox and exec ipykernel (does not return on success)."""
    args, kernel_args = _parse(argv)
    own_user = args.isolate == "auto" and os.geteuid() == 0
    env = _clean_environment(os.environ)
    # The grader's own processes may silence warnings; student code must see them as stock
    # nbgrader would (a warning on stderr costs the cell its points).
    env.pop("PYTHONWARNINGS", None)
    if own_user:
        uid = sandbox_uid(os.getpid())
        cwd = os.getcwd()
        home = _private_home(uid)
        index = _connection_file(kernel_args)
        original = kernel_args[index].removeprefix("--f=")
        copy = home / "connection.json"
        _copy_owned(original, copy, uid)
        kernel_args[index] = str(copy) if kernel_args[index] == original else f"--f={copy}"
        mpl = home / "matplotlib"
        mpl.mkdir()
        os.chown(mpl, uid, uid)
        for font_cache in _matplotlib_font_cache():
            _copy_owned(font_cache, mpl / os.path.basename(font_cache), uid)
        env.update(HOME=str(home), MPLCONFIGDIR=str(mpl), IPYTHONDIR=str(home / "ipython"),
                   USER=f"sandbox{uid}", LOGNAME=f"sandbox{uid}")
        # the kernel may write in its own working folder when it is one the grader made
        if any(_inside(cwd, folder) for folder in args.hide):
            os.chown(cwd, uid, uid)
        build_mount_namespace(args.hide, cwd, exposed=_python_folders())
    _set_limits(args, own_user)
    # setuid programs cannot give the kernel back what it lost
    _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if own_user:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:
            raise SandboxError("the kernel still has the grader's user id")
    python = sys.executable
    os.execve(python, [python, "-m", "ipykernel_launcher", *kernel_args], env)


def main(argv=None):
    try:
        launch(list(sys.argv[1:] if argv is None else argv))
    except (SandboxError, OSError) as exc:
        print(f"dlcourse sandbox: cannot start the graded kernel: {exc}", file=sys.stderr)
        return SANDBOX_FAILED
    return SANDBOX_FAILED  # execve returned: cannot happen


if __name__ == "__main__":
    sys.exit(main())
