"""The limited kernel's launcher: its folder, then ipykernel inside bubblewrap.

The kernelspec ``dlcourse-limited`` (:mod:`dlcourse.kernelspec`) starts
``python -m dlcourse.kernel_launcher OPTIONS -- -f CONNECTION_FILE`` in the folder nbgrader
runs the notebook in. The connection file lies in the kernel's own folder, made by the
provisioner (:mod:`dlcourse.provisioner`). This process prepares that folder and then
replaces itself with ``bwrap`` (:mod:`dlcourse.bwrap`), which runs ipykernel:

1. The kernel's folder: ``work/`` (its working folder) gets a copy of the files of the
   folder nbgrader runs the notebook in, **without any notebook**: nbgrader writes the
   submission there with the hidden tests restored before it executes it, so the
   kernel's working folder never holds hidden-test text. ``home/`` holds its IPython
   and matplotlib settings.
2. The view (bwrap): the system, the Python installation and the course library
   read-only, its own folder writable, a private ``/tmp``, a minimal ``/dev``, no
   network (own network namespace), its own process namespace (nothing it starts
   outlives it).
3. Its own user when the grader is root: uid ``UID_BASE + pid`` (:mod:`dlcourse.
   kernel_users`; no passwd entry, no groups, no capabilities, ``no_new_privs``).
4. Resource limits (``prlimit``, soft and hard, inherited by every child): address space
   (runaway memory becomes a ``MemoryError``), CPU seconds (SIGXCPU), size of one written
   file, no core dumps, a process count (fork bombs).
5. Secrets are dropped from the environment (the gradebook URL, PostgreSQL and
   JupyterHub variables, anything named like a token, password or key).

There is no fallback: when the sandbox cannot be built the kernel does not start and
the reason goes into the kernel folder's ``launch-error.txt`` (the grader reports it).
``--unsafe-no-sandbox`` skips steps 2 and 3 and keeps the limits.
"""

import glob
import json
import os
import re
import resource
import shutil
import sys
from pathlib import Path

from dlcourse import bwrap
from dlcourse.kernel_users import sandbox_uid
from dlcourse.provisioner import LAUNCH_ERROR_FILE, PROVISIONER_NAME

__all__ = ["SANDBOX_FAILED", "SandboxError", "launch", "main"]

#: Exit status of the launcher when it cannot build the sandbox it was asked for.
SANDBOX_FAILED = 77
#: The copy of the notebook's folder given to the kernel has at most this many files.
WORK_COPY_MAX_FILES = 2000

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|CREDENTIAL|(^|_)KEY($|_)|DB_URL|^PG|^JUPYTERHUB_",
                          re.IGNORECASE)


class SandboxError(RuntimeError):
    """The launcher could not build the sandbox it was asked for."""


def _connection_file(kernel_args):
    for index, arg in enumerate(kernel_args):
        if arg == "-f" and index + 1 < len(kernel_args):
            return index + 1
        if arg.startswith("--f="):
            return index
    raise SandboxError("no connection file (-f FILE) in the kernel arguments")


def _kernel_folder(connection):
    """The kernel's own folder (the connection file's), checked to be set up by the
    provisioner: ipc transport with the sockets inside it."""
    try:
        info = json.loads(connection.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SandboxError(f"cannot read the connection file {connection}: {exc}") from None
    folder = connection.parent
    ip = str(info.get("ip", ""))
    if info.get("transport") != "ipc" or os.path.dirname(ip) != str(folder):
        raise SandboxError(
            f"the kernel was not started by the {PROVISIONER_NAME!r} provisioner (it needs "
            "ipc sockets in a folder of its own); start it from the dlcourse-limited "
            "kernelspec, and reinstall the course if the provisioner is missing")
    return folder


def _copy_working_files(source, target, max_bytes):
    """Copy ``source``'s files (no notebooks, no checkpoints; links as links) to ``target``."""
    files, size = [], 0
    for folder, dirs, names in os.walk(source):
        dirs[:] = [d for d in dirs if d != ".ipynb_checkpoints"]
        for name in names:
            if name.endswith(".ipynb"):
                continue
            path = os.path.join(folder, name)
            files.append(path)
            if not os.path.islink(path):
                size += os.path.getsize(path)
        if len(files) > WORK_COPY_MAX_FILES or size > max_bytes:
            raise SandboxError(f"the notebook's folder {source} holds more than "
                               f"{WORK_COPY_MAX_FILES} files or {max_bytes >> 20} MiB")
    for path in files:
        destination = os.path.join(target, os.path.relpath(path, source))
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        if os.path.islink(path):
            os.symlink(os.readlink(path), destination)
        else:
            shutil.copyfile(path, destination)
            os.chmod(destination, os.stat(path).st_mode & 0o755)


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


def _kernel_environment(env, home, uid):
    """The grader's environment without secrets, with the kernel's own home."""
    env = {k: v for k, v in env.items() if not _SECRET_NAME.search(k)}
    # The grader's own processes may silence warnings; student code must see them as stock
    # nbgrader would (a warning on stderr costs the cell its points).
    env.pop("PYTHONWARNINGS", None)
    # ipykernel would watch this pid, which means nothing in the sandbox's process
    # namespace (and stop at once); bwrap --die-with-parent ends the kernel with the grader
    env.pop("JPY_PARENT_PID", None)
    name = f"sandbox{uid}" if uid is not None else env.get("USER", "student")
    env.update(HOME=str(home), MPLCONFIGDIR=str(home / "matplotlib"),
               IPYTHONDIR=str(home / "ipython"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_CONFIG_HOME=str(home / "config"), TMPDIR="/tmp", USER=name, LOGNAME=name)
    return env


def _chown_tree(folder, uid):
    for path, dirs, files in os.walk(folder):
        for name in [path] + [os.path.join(path, n) for n in dirs + files]:
            os.lchown(name, uid, uid)


def _limits(args):
    """prlimit arguments: soft and hard alike, so the kernel cannot raise them again."""
    mb = 1024 * 1024
    return [f"--as={args.memory_mb * mb}", f"--cpu={args.cpu_seconds}",
            f"--fsize={args.file_size_mb * mb}", "--core=0", f"--nproc={args.processes}"]


def _set_limits_here(args):
    mb = 1024 * 1024
    for kind, value in ((resource.RLIMIT_AS, args.memory_mb * mb),
                        (resource.RLIMIT_CPU, args.cpu_seconds),
                        (resource.RLIMIT_FSIZE, args.file_size_mb * mb),
                        (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(kind, (value, value))


def _parse(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dlcourse.kernel_launcher",
                                     description="start ipykernel in the grading sandbox")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--file-size-mb", type=int, default=256)
    parser.add_argument("--processes", type=int, default=256)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--unsafe-no-sandbox", action="store_true")
    if "--" not in argv:
        parser.error("kernel arguments must follow --")
    split = argv.index("--")
    args = parser.parse_args(argv[:split])
    return args, list(argv[split + 1:])


def launch(args, kernel_args, folder):
    """Prepare ``folder`` and exec the sandboxed kernel (does not return on success)."""
    uid = sandbox_uid(os.getpid()) if os.geteuid() == 0 and not args.unsafe_no_sandbox \
        else None
    home, work = folder / "home", folder / "work"
    (home / "matplotlib").mkdir(parents=True)
    work.mkdir()
    _copy_working_files(os.getcwd(), work, args.file_size_mb << 20)
    for font_cache in _matplotlib_font_cache():
        shutil.copyfile(font_cache, home / "matplotlib" / os.path.basename(font_cache))
    env = _kernel_environment(os.environ, home, uid)
    kernel = [sys.executable, "-m", "ipykernel_launcher", *kernel_args]
    if args.unsafe_no_sandbox:
        _set_limits_here(args)
        os.chdir(work)
        os.execve(sys.executable, kernel, env)
    tools = {name: bwrap.find_tool(name) for name in ("bwrap", "prlimit", "setpriv")}
    for name in ("bwrap", "prlimit") + (("setpriv",) if uid is not None else ()):
        if tools[name] is None:
            raise SandboxError(f"{name} is not installed; {bwrap.INSTALL_HINT}")
    if uid is not None:
        _chown_tree(folder, uid)
    view = bwrap.default_view(folder, work, env, hidden=args.hide)
    argv = bwrap.bwrap_argv(tools["bwrap"], view, [tools["prlimit"], *_limits(args), "--", *kernel],
                            uid=uid, setpriv=tools["setpriv"])
    os.execv(argv[0], argv)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    folder = None
    try:
        args, kernel_args = _parse(argv)
        index = _connection_file(kernel_args)
        folder = _kernel_folder(Path(kernel_args[index].removeprefix("--f=")))
        launch(args, kernel_args, folder)
    except (SandboxError, OSError, RuntimeError) as exc:
        message = f"dlcourse sandbox: cannot start the graded kernel: {exc}"
        print(message, file=sys.stderr)
        if folder is not None:
            try:
                (folder / LAUNCH_ERROR_FILE).write_text(message + "\n", encoding="utf-8")
            except OSError:
                pass
        return SANDBOX_FAILED
    return SANDBOX_FAILED  # exec returned: cannot happen


if __name__ == "__main__":
    sys.exit(main())
