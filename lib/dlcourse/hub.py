"""``dlcourse hub`` (``make hub``): the course on a local JupyterHub, on loopback.

One machine, run as root (it creates the course's local users):

- users ``dlc_instructor`` and ``dlc_trainee1`` .. ``dlc_traineeN`` (real Unix users, so
  nbgrader's exchange knows who submitted; homes under ``STATE/home``, mode 700), who log
  in with JupyterHub's ``DummyAuthenticator`` and one shared password (a test setup: a
  real course uses PAM, LDAP or OAuth instead; see ``grading/README.md``);
- the hub's own virtual environment ``STATE/venv`` made from a Python every user can run
  (``/usr/bin/python3``), with this project installed in it (extra ``hub``: JupyterHub,
  the PostgreSQL driver); ``configurable-http-proxy`` from npm (on ``PATH``, or installed
  into ``STATE/proxy``);
- nbgrader's exchange ``STATE/exchange`` (mode 1777) shared by everyone;
- the instructor's course ``~dlc_instructor/course`` (solutions, config, gradebook: only
  the instructor can read it), graded with the course's limited kernel; the gradebook
  is ``$DLCOURSE_DB_URL`` when set (e.g. PostgreSQL), else SQLite in the course;
- trainees' servers get the trainee Jupyter config of :mod:`dlbasics.lab` (no
  formgrader, no Create Assignment).

``grading/hub/jupyterhub_config.py`` reads ``STATE/hub.json`` written here.
"""

import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dlcourse.course import find_course_root
from dlcourse.nbgrader_settings import COURSE_ID

__all__ = ["HubError", "HubSetup", "INSTRUCTOR", "prepare", "run_as", "user_environment",
           "hub_command", "add_parser"]

INSTRUCTOR = "dlc_instructor"
TRAINEE_PREFIX = "dlc_trainee"
#: GECOS field of the users made here: users without it are never touched.
USER_MARK = "dlcourse hub"
#: The JupyterHub configuration, relative to the project (course root).
CONFIG_FILE = Path("grading") / "hub" / "jupyterhub_config.py"
SYSTEM_PYTHON = "/usr/bin/python3"
PROXY_PACKAGE = "configurable-http-proxy@5"


class HubError(RuntimeError):
    """The hub cannot be set up; the message says what to do."""


@dataclass
class HubSetup:
    state: str
    port: int
    venv: str
    proxy: str
    password: str
    instructor: str
    trainees: list
    exchange: str
    course: str
    project: str
    trainee_config: list = field(default_factory=list)
    db_url: str | None = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def load(cls, state):
        return cls(**json.loads((Path(state) / "hub.json").read_text(encoding="utf-8")))


def _run(cmd, what, timeout=900, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    if proc.returncode != 0:
        raise HubError(f"{what} failed ({' '.join(map(str, cmd))}):\n"
                       f"{(proc.stdout + proc.stderr)[-3000:]}")
    return proc


def user_processes(names):
    """PIDs of the running processes of the hub's users ``names`` (only users carrying
    :data:`USER_MARK` count; names that do not exist are skipped)."""
    return _processes_of(_marked_uids(names))


def _marked_uids(names):
    uids = set()
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        if entry.pw_gecos.split(",")[0] == USER_MARK:
            uids.add(entry.pw_uid)
    return uids


def _processes_of(uids):
    """PIDs of the running processes whose real user is one of ``uids``."""
    found = []
    for entry in Path("/proc").iterdir() if uids else ():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid in uids:
                    found.append(int(entry.name))
            except OSError:
                continue  # ended meanwhile
    return found


def end_user_processes(names, grace=5.0):
    """End every process of the hub's users ``names`` (servers and kernels left behind
    when the hub stopped uncleanly): SIGTERM, then SIGKILL after ``grace`` seconds.
    Returns the PIDs it found at the start."""
    uids = _marked_uids(names)  # looked up once, not on every poll
    signalled = _processes_of(uids)
    for sig in (signal.SIGTERM, signal.SIGKILL) if signalled else ():
        for pid in _processes_of(uids):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + grace
        while _processes_of(uids) and time.monotonic() < deadline:
            time.sleep(0.1)
    return signalled


def _ensure_user(name, home):
    """Create local user ``name`` with home ``home``, or point a user made here before at
    it; a user that exists without our mark is refused."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        _run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
              "--comment", USER_MARK, "--user-group", name], f"creating user {name}")
        entry = pwd.getpwnam(name)
    if entry.pw_gecos.split(",")[0] != USER_MARK:
        raise HubError(f"user {name} exists and was not made by dlcourse hub; not using it")
    if entry.pw_dir != str(home):
        # a hub of an earlier run that stopped uncleanly may have left processes behind
        end_user_processes([name])
        _run(["usermod", "--home", str(home), name], f"moving {name}'s home")
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    home.chmod(0o700)
    return entry


def _chown_tree(path, entry):
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def _everyone_can_run(path):
    path = Path(path).resolve()
    for folder in path.parents:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
    return bool(path.stat().st_mode & stat.S_IXOTH)


def _install_stamp(project):
    """What the hub's environment was made from: the project's pyproject and sources."""
    digest = hashlib.sha256()
    for path in sorted([project / "pyproject.toml", *(project / "lib").rglob("*.py"),
                        *(project / "lib").rglob("*.json")]):
        if "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_venv(venv, project, python=SYSTEM_PYTHON, out=sys.stdout):
    """``venv`` with ``project`` (extra ``hub``) installed, made or brought up to date."""
    venv = Path(venv)
    stamp_file = venv / ".dlcourse-hub-stamp"
    stamp = _install_stamp(project)
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return venv
    if not _everyone_can_run(python):
        raise HubError(f"{python} cannot be run by other users; install Debian's python3 "
                       "(apt-get install python3-venv) or pass --python")
    if not (venv / "bin" / "python").exists():
        print(f"hub: making {venv} (from {python})", file=out, flush=True)
        _run([python, "-m", "venv", str(venv)], "making the hub's virtual environment")
    print("hub: installing the project and JupyterHub into it (pip)", file=out, flush=True)
    # a copy of the sources: the checkout may live in a folder other users cannot read
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
          "--force-reinstall", "--no-deps", str(project)], "installing the project")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
          f"{project}[hub]"], "installing the project's hub dependencies")
    for folder, _, _ in os.walk(venv):
        os.chmod(folder, os.stat(folder).st_mode | 0o755)
    stamp_file.write_text(stamp)
    return venv


def ensure_proxy(state, out=sys.stdout):
    """The ``configurable-http-proxy`` command: on PATH, or installed with npm."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return found
    local = Path(state) / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if not local.exists():
        if not shutil.which("npm"):
            raise HubError("configurable-http-proxy is not installed and npm is missing: "
                           "install Node.js and run `npm install -g configurable-http-proxy`")
        print("hub: installing configurable-http-proxy (npm)", file=out, flush=True)
        _run(["npm", "install", "--prefix", str(local.parents[2]), PROXY_PACKAGE],
             "installing configurable-http-proxy")
    return str(local)


def _write_json(path, data, mode=0o644):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(mode)


def _instructor_course(home, entry, project, db_url):
    from dlcourse.scratch_course import create_course

    course = home / "course"
    if not (course / "grading" / "nbgrader_config.py").exists():
        create_course(course, source_dir=project / "solutions", db_url=db_url, release=False)
    _chown_tree(course, entry)
    return course


def prepare(state, trainees=3, port=8000, venv=None, project=None, python=SYSTEM_PYTHON,
            out=sys.stdout):
    """Set up (or bring up to date) everything the hub needs under ``state`` for the
    course of ``project`` (default: the course root found from the current folder);
    returns the :class:`HubSetup`. Needs root."""
    if os.geteuid() != 0:
        raise HubError("dlcourse hub must run as root: it creates the course's local users "
                       "and starts their servers under their own uids")
    state = Path(state).resolve()
    for folder in (p for p in state.parents if p.exists()):
        if not folder.stat().st_mode & stat.S_IXOTH:
            raise HubError(f"{folder} is private (mode {folder.stat().st_mode & 0o777:o}); "
                           "the hub's users could not reach their homes: choose another --state")
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)
    project = Path(project or find_course_root()).resolve()
    venv = ensure_venv(venv or state / "venv", project, python, out)
    proxy = ensure_proxy(state, out)
    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)
    previous = state / "hub.json"
    password = (HubSetup.load(state).password if previous.exists()
                else secrets.token_urlsafe(12))
    db_url = os.environ.get("DLCOURSE_DB_URL") or None
    home = state / "home"
    home.mkdir(exist_ok=True)
    home.chmod(0o755)
    names = [f"{TRAINEE_PREFIX}{i}" for i in range(1, trainees + 1)]
    course = _instructor_course(home / INSTRUCTOR, _ensure_user(INSTRUCTOR, home / INSTRUCTOR),
                                project, db_url)
    for name in names:
        _ensure_user(name, home / name)
    trainee_config = state / "trainee-jupyter"
    _write_json(trainee_config / "nbgrader_config.json",
                {"CourseDirectory": {"course_id": COURSE_ID},
                 "Exchange": {"root": str(exchange)}})
    lab_config = Path(_venv_python_path(venv, "import dlbasics.lab as m; "
                                              "print(m.TRAINEE_CONFIG_DIR)"))
    setup = HubSetup(state=str(state), port=port, venv=str(venv), proxy=proxy,
                     password=password, instructor=INSTRUCTOR, trainees=names,
                     exchange=str(exchange), course=str(course), project=str(project),
                     trainee_config=[str(trainee_config), str(lab_config)], db_url=db_url)
    _write_json(previous, asdict(setup), mode=0o600)
    return setup


def _venv_python_path(venv, code):
    return _run([str(Path(venv) / "bin" / "python"), "-c", code],
                "reading the hub's environment").stdout.strip()


def user_environment(setup, user):
    """The environment of ``user``'s processes on the hub (single-user server, and the
    commands the tests run as that user)."""
    entry = pwd.getpwnam(user)
    env = {"PATH": f"{setup.venv}/bin:/usr/local/bin:/usr/bin:/bin", "HOME": entry.pw_dir,
           "USER": user, "LOGNAME": user, "LANG": "C.UTF-8", "PYTHONWARNINGS": "ignore",
           "DLCOURSE_EXCHANGE": setup.exchange}
    if user == setup.instructor:
        env["JUPYTER_CONFIG_PATH"] = str(Path(setup.course) / "grading")
        if setup.db_url:
            env["DLCOURSE_DB_URL"] = setup.db_url
    else:
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(setup.trainee_config)
    return env


def run_as(setup, user, cmd, cwd=None, timeout=600):
    """Run ``cmd`` as hub user ``user`` with that user's environment; the CompletedProcess."""
    entry = pwd.getpwnam(user)
    return subprocess.run(cmd, cwd=cwd or entry.pw_dir, env=user_environment(setup, user),
                          user=entry.pw_uid, group=entry.pw_gid, extra_groups=[],
                          capture_output=True, text=True, timeout=timeout)


def hub_command(setup):
    """The command that starts JupyterHub for ``setup`` (run it in ``setup.state``)."""
    return [str(Path(setup.venv) / "bin" / "jupyterhub"), "-f",
            str(Path(setup.project) / CONFIG_FILE)]


def hub_environment(setup):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON"))}
    env.update(DLCOURSE_HUB_STATE=setup.state, PATH=f"{setup.venv}/bin:{env.get('PATH', '')}")
    return env


def _cmd_hub(args):
    try:
        setup = prepare(args.state, trainees=args.trainees, port=args.port,
                        project=find_course_root(args.course))
    except HubError as exc:
        print(f"dlcourse hub: {exc}", file=sys.stderr)
        return 2
    print(f"JupyterHub: {setup.url}  (loopback only)\n"
          f"  instructor: {setup.instructor}   trainees: {', '.join(setup.trainees)}\n"
          f"  password (every user): {setup.password}\n"
          f"  course: {setup.course}   exchange: {setup.exchange}\n"
          f"  gradebook: {'DLCOURSE_DB_URL' if setup.db_url else 'SQLite in the course'}\n"
          "Ctrl+C stops the hub and every user's server.", flush=True)
    if args.prepare_only:
        return 0
    try:
        return subprocess.call(hub_command(setup), cwd=setup.state, env=hub_environment(setup))
    except KeyboardInterrupt:
        return 0
    finally:
        left = end_user_processes([setup.instructor, *setup.trainees])
        if left:
            print(f"dlcourse hub: ended {len(left)} process(es) the users' servers left behind",
                  file=sys.stderr)


def add_parser(sub):
    """``dlcourse hub [--state DIR] [--port N] [--trainees N] [--prepare-only]``."""
    p = sub.add_parser("hub", help="a local JupyterHub on loopback with an instructor and "
                       "trainee accounts (make hub; needs root)")
    p.add_argument("--state", default="/srv/dlcourse-hub",
                   help="folder for the hub's environment, homes and exchange "
                   "(default /srv/dlcourse-hub)")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    p.add_argument("--trainees", type=int, default=3, help="trainee accounts (default 3)")
    p.add_argument("--prepare-only", action="store_true",
                   help="set everything up, print it, do not start the hub")
    p.set_defaults(func=_cmd_hub)
