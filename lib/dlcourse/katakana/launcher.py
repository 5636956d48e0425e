"""The scorer's side of the runner protocol: start :mod:`dlcourse.katakana.runner` in a
child process under CPU-time, memory and wall-clock limits, send it the images, read
back its probabilities or the reason it failed."""

import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np

from dlcourse.katakana.refusal import ScoringRefused

__all__ = ["BATCH_SIZE", "TIME_LIMIT_SECONDS", "MEMORY_LIMIT_BYTES", "run_submission"]

BATCH_SIZE = 500
#: Limits of the child process. A reference CNN needs well under 1 GiB and a few seconds.
TIME_LIMIT_SECONDS = int(os.environ.get("DLCOURSE_KATAKANA_TIME_LIMIT", "300"))
MEMORY_LIMIT_BYTES = int(os.environ.get("DLCOURSE_KATAKANA_MEMORY", str(4 * 2**30)))


def _limits(memory_bytes, cpu_seconds):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        os.setsid()
    return apply


def run_submission(folder, images, time_limit=None, memory_limit=None, batch_size=BATCH_SIZE):
    """Run a submission on ``images`` in a limited child process; returns (N, 15) probs.

    Raises ScoringRefused (kinds: timeout, memory, crash, forbidden import, forbidden file
    access, wrong shape, not finite, not probabilities, contract).
    """
    time_limit = time_limit or TIME_LIMIT_SECONDS
    memory_limit = memory_limit or MEMORY_LIMIT_BYTES
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(images), allow_pickle=False)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("DLCOURSE_KATAKANA")}
    env["OMP_NUM_THREADS"] = env.get("OMP_NUM_THREADS", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlcourse.katakana.runner", str(Path(folder).resolve()),
         str(batch_size)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        cwd=str(Path(folder).resolve()), env=env,
        preexec_fn=_limits(memory_limit, time_limit),
    )
    try:
        out, err = proc.communicate(buffer.getvalue(), timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        raise ScoringRefused("timeout", f"the submission did not finish within {time_limit} s "
                             "on the test set") from None
    err_text = err.decode("utf-8", "replace")
    if proc.returncode == 0:
        try:
            return np.load(io.BytesIO(out), allow_pickle=False)
        except ValueError as exc:
            raise ScoringRefused("crash", f"the scorer could not read the results: {exc}") from None
    marker = [line for line in err_text.splitlines() if line.startswith("DLCOURSE-ERROR: ")]
    if marker:
        info = json.loads(marker[-1][len("DLCOURSE-ERROR: "):])
        raise ScoringRefused(info["kind"], info["message"])
    if proc.returncode in (-9, -24) or "MemoryError" in err_text:
        kind = "timeout" if proc.returncode == -24 else "memory"
        raise ScoringRefused(kind, f"the submission was stopped by the {kind} limit "
                             f"(exit {proc.returncode})")
    tail = "\n".join(err_text.strip().splitlines()[-5:])
    raise ScoringRefused("crash", f"the submission's process died (exit {proc.returncode}): {tail}")
