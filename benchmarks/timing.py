"""Side-by-side timing shared by the benchmarks: interleaved rounds, medians, wall and CPU.

On a machine shared with other jobs, one candidate timed after another sees different
load. Here every round times each candidate in turn (a few calls each), so load changes
hit all of them alike; the figure of a candidate is the median over rounds of its time
per call, by the wall clock (``time.perf_counter``) and by this process's CPU time
(``time.process_time``, which adds up every thread: with 2 threads it is the CPU cost,
not the waiting time).
"""

import os
import statistics
import time
from contextlib import contextmanager

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def load_torch():
    """The torch module, or None (it is never a dependency: comparisons are then skipped)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def header(torch):
    """One line naming the libraries, BLAS, OPENBLAS_CORETYPE and the load average."""
    blas = [(i.get("internal_api"), i.get("architecture")) for i in threadpool_info()]
    torch_note = (f"PyTorch {torch.__version__}" if torch is not None else
                  "PyTorch not installed: no comparison column (it is never a dependency; "
                  "install it into .venv with pip install torch==2.13.0 to compare)")
    return (f"numpy {np.__version__}; BLAS {blas}; OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; {torch_note}; "
            f"load average {os.getloadavg()[0]:.2f}")


@contextmanager
def threads(count, torch=None):
    """Limit NumPy's BLAS (and PyTorch's intra-op pool) to ``count`` threads."""
    previous = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(count)
    with threadpool_limits(limits=count):
        yield
    if torch is not None:
        torch.set_num_threads(previous)


def interleaved(candidates, rounds, calls=1, warmup=1):
    """Median time per call of each candidate, timed in turn round after round.

    Inputs:
    - candidates: dict name -> callable without arguments.
    - rounds: how many rounds (the medians are over these).
    - calls: calls per candidate per round (their mean is one sample).
    - warmup: untimed calls of each candidate first.

    Returns dict name -> {"wall": seconds, "cpu": seconds}.
    """
    for func in candidates.values():
        for _ in range(warmup):
            func()
    samples = {name: {"wall": [], "cpu": []} for name in candidates}
    for _ in range(rounds):
        for name, func in candidates.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                func()
            samples[name]["wall"].append((time.perf_counter() - wall) / calls)
            samples[name]["cpu"].append((time.process_time() - cpu) / calls)
    return {name: {clock: statistics.median(values) for clock, values in by_clock.items()}
            for name, by_clock in samples.items()}


def ratio_cells(result, numerator, denominator):
    """'wall× / cpu×' of two candidates' medians."""
    a, b = result[numerator], result[denominator]
    return f"{a['wall'] / b['wall']:5.2f}× / {a['cpu'] / b['cpu']:5.2f}×"
