"""Answer cells of hostile submissions aimed at the sandbox (for ``00_toy``'s ``double``).

Each attacks, prints what it saw as one ``REPORT {json}`` line, then answers correctly,
so a submission the sandbox contains still gets full marks. ``MARKER`` is put into the
command line of every process an attack leaves behind, to find them afterwards.
"""

import json

REPORT = "REPORT "
ANSWER = "\n\ndef double(x):\n    return 2 * x\n"


def _cell(body, **values):
    head = "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())
    return ("import json, os, socket, subprocess, sys\n_report = {}\n" + head + body
            + "\nprint(" + repr(REPORT) + " + json.dumps(_report, default=str))" + ANSWER)


def scan_disk(decoy_text, known_paths):
    """Walk / for every *.ipynb and *.db; read each; try known paths directly."""
    return _cell('''
_found, _hits = [], []
for _folder, _dirs, _files in os.walk("/", onerror=lambda e: None):
    if _folder == "/":
        _dirs[:] = [d for d in _dirs if d not in ("proc", "sys")]
    for _name in _files:
        if _name.endswith((".ipynb", ".db")):
            _path = os.path.join(_folder, _name)
            _found.append(_path)
            try:
                with open(_path, "rb") as _fh:
                    if DECOY.encode() in _fh.read():
                        _hits.append(_path)
            except OSError:
                pass
_report["found"] = _found
_report["decoy_hits"] = _hits
_report["direct"] = {}
for _path in KNOWN:
    try:
        with open(_path, "rb") as _fh:
            _report["direct"][_path] = "read " + str(DECOY.encode() in _fh.read())
    except OSError as _exc:
        _report["direct"][_path] = "denied: " + type(_exc).__name__
_report["root"] = sorted(os.listdir("/"))
''', DECOY=decoy_text, KNOWN=list(known_paths))


def loopback_connect(port):
    """Connect to a TCP port the test listens on, by every loopback name."""
    return _cell('''
_report["connect"] = {}
for _host in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):
    try:
        socket.create_connection((_host, PORT), timeout=2).close()
        _report["connect"][_host] = "connected"
    except OSError as _exc:
        _report["connect"][_host] = "failed: " + type(_exc).__name__
_report["interfaces"] = [name for _, name in socket.if_nameindex()]
''', PORT=port)


def resolve_name():
    """Resolve host names (needs a name server or /etc/hosts)."""
    return _cell('''
_report["resolve"] = {}
for _name in ("pypi.org", "deb.debian.org", "localhost", socket.gethostname()):
    try:
        _report["resolve"][_name] = sorted({a[4][0] for a in socket.getaddrinfo(_name, 443)})
    except OSError as _exc:
        _report["resolve"][_name] = "failed: " + type(_exc).__name__
_report["etc"] = {p: os.path.exists(p) for p in ("/etc/resolv.conf", "/etc/hosts",
                                                 "/etc/passwd", "/etc/shadow")}
''')


def write_outside(targets, marker):
    """Create, overwrite and delete files everywhere it can name."""
    return _cell('''
import shutil
_report["writes"] = {}
for _path in TARGETS + ["../../" + MARKER, "/tmp/" + MARKER, os.path.expanduser("~/x")]:
    try:
        if os.path.isdir(_path):
            shutil.rmtree(_path)
            _report["writes"][_path] = "deleted"
        else:
            with open(_path, "ab") as _fh:
                _fh.write(b"vandalised " + MARKER.encode())
            _report["writes"][_path] = "written"
    except OSError as _exc:
        _report["writes"][_path] = "denied: " + type(_exc).__name__
''', TARGETS=list(targets), MARKER=marker)


def fork_children(marker):
    """Leave processes behind: a daemon (double fork + setsid) and detached sleepers."""
    return _cell('''
import time
_code = "import time\\nwhile True:\\n    time.sleep(1)  # " + MARKER
_pids = []
for _ in range(3):
    _pids.append(subprocess.Popen([sys.executable, "-c", _code], start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)
_child = os.fork()
if _child == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", _code])
    os._exit(0)
os.waitpid(_child, 0)
_report["pids"] = _pids
''', MARKER=marker)


def kill_parent():
    """Kill the parent, pid 1 and every process it may signal."""
    return _cell('''
import signal
_report["kill"] = {}
for _name, _pid in (("parent", os.getppid()), ("init", 1), ("everyone", -1)):
    try:
        os.kill(_pid, signal.SIGKILL)
        _report["kill"][_name] = "sent"
    except OSError as _exc:
        _report["kill"][_name] = "denied: " + type(_exc).__name__
''')


def delete_own_folder(autograded_folder):
    """Remove its working folder and the folder nbgrader grades it in."""
    return _cell('''
import shutil
_report["cwd"] = os.getcwd()
shutil.rmtree(os.getcwd(), ignore_errors=True)
_report["cwd_left"] = os.path.exists(_report["cwd"])
try:
    shutil.rmtree(FOLDER)
    _report["autograded"] = "deleted"
except OSError as _exc:
    _report["autograded"] = "denied: " + type(_exc).__name__
''', FOLDER=str(autograded_folder))


def markers():
    """nbgrader's marker text in a comment and in strings of an answer."""
    return _cell('''
# BEGIN HIDDEN TESTS (only a comment)
_report["text"] = ["### BEGIN SOLUTION", "END HIDDEN TESTS", "### END SOLUTION"]
''')


def report(notebook):
    """The REPORT dict printed by the notebook's hostile cell ({} when absent)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if REPORT in text:
                return json.loads(text.split(REPORT, 1)[1].splitlines()[0])
    return {}
