"""The grading sandbox's view of the machine, built with bubblewrap (``bwrap``).

bubblewrap is the sandbox Flatpak uses (Debian package ``bubblewrap``). :func:`bwrap_argv`
turns a :class:`View` into its command line: a fresh, empty root in which only an
allowlist exists, each path at its own place:

- read-only: ``/usr`` (the C library, the dynamic linker, ``/bin/sh``), a few files of
  ``/etc`` (the linker cache, time zone, fonts), the Python installation and its
  packages, and the course library (``dlbasics``);
- read-write: the kernel's own folder (its working folder, home and Unix sockets);
- a private ``/tmp`` and ``/dev/shm``, bwrap's minimal ``/dev`` (null, zero, random,
  urandom, tty, pts), and a ``/proc`` that shows only the sandbox's own processes.

Nothing else of the disk exists inside: no other student, no ``solutions/``, no
``grading/``, no home folders, no world-readable copies in ``/tmp`` or elsewhere. The
sandbox also gets its own network namespace (only a loopback interface of its own, so
no TCP/UDP port of the machine and no name server is reachable), its own process, IPC
and host-name namespaces, and dies with its parent.

Folders are bound read-only by bwrap, which resolves them as the grader does, so the
kernel never needs to traverse the real path: a course under a mode-700 home folder
works. When the grader is root, the sandbox starts as root without capabilities other
than changing user, and ``setpriv`` gives the kernel its own uid before anything of it
runs; as an unprivileged user, bwrap builds the same view in a user namespace.
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

__all__ = ["INSTALL_HINT", "View", "library_folders", "python_folders", "system_paths",
           "default_view", "bwrap_argv", "find_tool", "problem"]

INSTALL_HINT = ("install bubblewrap: `apt-get install -y bubblewrap` on Debian or Ubuntu "
                "(`dnf install bubblewrap`, `pacman -S bubblewrap` elsewhere)")
#: Files and folders of /etc a Python kernel uses; the rest of /etc stays out of sight.
ETC_ALLOWLIST = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                 "/etc/fonts", "/etc/alternatives", "/etc/mime.types")
#: Capabilities the root sandbox keeps until setpriv changes user (and then drops all).
ROOT_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID", "CAP_DAC_READ_SEARCH")


@dataclass
class View:
    """What exists inside the sandbox.

    - read_only: host paths shown read-only at the same path.
    - writable: host folders shown read-write at the same path.
    - workdir: the working folder of the command (inside ``writable``).
    - env: the command's whole environment.
    - hidden: folders covered by an empty read-only tmpfs when a bound folder holds them.
    """

    read_only: list
    writable: list
    workdir: str
    env: dict = field(default_factory=dict)
    hidden: list = field(default_factory=list)


def find_tool(name):
    """Absolute path of a system program (``bwrap``, ``setpriv``, ``prlimit``) or None."""
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""),
                                                    "/usr/bin", "/bin", "/usr/sbin"]))


def library_folders(packages=("dlbasics",)):
    """Folders of the course library's packages (wherever they are installed)."""
    folders = []
    for name in packages:
        spec = find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the package {name} is not importable by the grader")
        folders += [os.path.realpath(p) for p in spec.submodule_search_locations]
    return folders


def python_folders(workdir=None):
    """The Python installation, the virtual environment and every folder on ``sys.path``
    (packages installed anywhere, ``.pth`` and ``PYTHONPATH`` entries), except the working
    folder and any folder holding it (``python -m`` puts the working folder first)."""
    import site
    import sysconfig

    found = {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    found.update(site.getsitepackages())
    found.update(sysconfig.get_path(key) for key in ("stdlib", "platstdlib", "purelib",
                                                      "platlib"))
    found.update(p for p in sys.path if p)
    cwd = os.path.realpath(workdir or os.getcwd())

    def holds_cwd(path):
        real = os.path.realpath(path)
        return cwd == real or cwd.startswith(real.rstrip("/") + "/")

    return sorted(p for p in found
                  if p and os.path.isabs(p) and os.path.isdir(p) and not holds_cwd(p))


def system_paths():
    """``/usr`` and the allowlisted files of ``/etc`` that exist here."""
    return ["/usr"] + [p for p in ETC_ALLOWLIST if os.path.exists(p)]


def default_view(kernel_dir, workdir, env, hidden=()):
    """The grading kernel's view: system, Python, library read-only; its folder writable."""
    read_only = system_paths() + python_folders(os.getcwd()) + library_folders()
    return View(read_only=read_only, writable=[str(kernel_dir)], workdir=str(workdir), env=env,
                hidden=list(hidden))


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _top_level_links():
    """(target, link) for /bin, /lib, /lib64, /sbin when they are symbolic links (merged
    /usr); real folders are bound read-only instead."""
    links, folders = [], []
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(name):
            links.append((os.readlink(name), name))
        elif os.path.isdir(name):
            folders.append(name)
    return links, folders


def _mounts(paths):
    """(source, target) pairs: each path at its own place, and at its real place when a
    symbolic link leads there; outer folders before inner ones."""
    pairs = set()
    for path in paths:
        absolute = os.path.abspath(path)
        real = os.path.realpath(path)
        pairs.add((real, real))
        if absolute != real:
            pairs.add((real, absolute))

    def covered(source, target):
        # already visible through an outer mount of the same folder
        return any(target != outer and target.startswith(outer.rstrip("/") + "/")
                   and source == outer_source + target[len(outer):]
                   for outer_source, outer in pairs)

    return sorted(((s, t) for s, t in pairs if not covered(s, t)),
                  key=lambda pair: (pair[1].count("/"), pair[1]))


def _parents(targets, skip=("/", "/tmp", "/dev", "/proc")):
    """Every folder above the mount points, outermost first (created mode 755: the real
    folders may be closed to the kernel's user, their stand-ins are not)."""
    parents = set()
    for target in targets:
        parts = Path(target).parts
        for end in range(2, len(parts)):
            parents.add(str(Path(*parts[:end])))
    return sorted((p for p in parents if p not in skip),
                  key=lambda p: (p.count("/"), p))


def bwrap_argv(bwrap, view, command, uid=None, setpriv=None):
    """The bwrap command line that runs ``command`` (a list) inside ``view``.

    - uid: when the grader is root, the uid the command runs as (``setpriv`` changes to
      it inside the sandbox, with no groups and no capabilities); None keeps the caller's
      user (unprivileged: bwrap uses a user namespace).
    """
    argv = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--hostname", "sandbox"]
    if uid is None:
        argv += ["--unshare-user", "--disable-userns"]
    else:
        argv += ["--cap-drop", "ALL"]
        for capability in ROOT_CAPABILITIES:
            argv += ["--cap-add", capability]
    links, top_folders = _top_level_links()
    read_only = _mounts(list(view.read_only) + top_folders)
    writable = _mounts(view.writable)
    argv += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
             "--perms", "1777", "--tmpfs", "/dev/shm"]
    for parent in _parents([t for _, t in read_only + writable]):
        argv += ["--perms", "0755", "--dir", parent]
    for source, target in read_only:
        argv += ["--ro-bind", source, target]
    for target, link in links:
        argv += ["--symlink", target, link]
    for folder in sorted(set(view.hidden)):
        if os.path.isdir(folder) and any(_inside(folder, t) for _, t in read_only):
            argv += ["--tmpfs", folder, "--remount-ro", folder]
    for source, target in writable:
        argv += ["--bind", source, target]
    argv += ["--chdir", view.workdir, "--clearenv"]
    for name, value in sorted(view.env.items()):
        argv += ["--setenv", name, value]
    argv.append("--")
    if uid is not None:
        argv += [setpriv or "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return argv + list(command)


def problem(as_root=None):
    """Why the sandbox cannot be built on this machine (a message saying what is missing
    and how to install it), or None when it can.

    It runs bwrap once with the grading view and ``true`` inside.
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    bwrap = find_tool("bwrap")
    if bwrap is None:
        return f"bwrap (bubblewrap) is not installed; {INSTALL_HINT}"
    tools = ("setpriv", "prlimit") if as_root else ("prlimit",)
    for tool in tools:
        if find_tool(tool) is None:
            return (f"{tool} is not installed; it comes with util-linux "
                    "(`apt-get install -y util-linux`)")
    true = find_tool("true") or "/bin/true"
    view = View(read_only=system_paths() + python_folders(), writable=[], workdir="/",
                env={"PATH": "/usr/bin:/bin"})
    argv = bwrap_argv(bwrap, view, [true], uid=65534 if as_root else None,
                      setpriv=find_tool("setpriv"))
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not be run ({exc}); {INSTALL_HINT}"
    if proc.returncode != 0:
        detail = " ".join(proc.stderr.split())[-400:] or f"exit status {proc.returncode}"
        hint = ("run the grader as root, or allow unprivileged user namespaces "
                "(`sysctl -w kernel.unprivileged_userns_clone=1` on Debian; on Ubuntu 24.04 an "
                "AppArmor profile for bwrap)") if not as_root else INSTALL_HINT
        return f"bwrap cannot build the sandbox here: {detail}; {hint}"
    return None
