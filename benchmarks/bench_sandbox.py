"""What the bubblewrap sandbox costs per graded notebook.

Grades the same solution notebook of one assignment (default ``01_perceptron``; ``00_toy``
is the small toy assignment of the tests, where the sandbox's share is largest) for N
students, once with the sandbox and once with ``--unsafe-no-sandbox`` (limits only),
alternating the two modes for R rounds in one run, with one worker (one notebook at a
time, so the two modes see the same machine). Each notebook's time is what the worker
measured for it (nbgrader's autograde of that notebook, kernel start to finish).
Prints the median per notebook of each mode and their difference in ms; then the same for
the kernel alone (start the ``dlcourse-limited`` kernel, run one cell, shut it down; K
times per mode, alternating), where the sandbox's cost is not hidden by grading noise.

    .venv/bin/python benchmarks/bench_sandbox.py [--assignment 01_perceptron]
        [--students 4] [--rounds 3]
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from dlcourse import simulated_submissions as simulate
from dlcourse.autograde import autograde, clear_grading_state
from dlcourse.course import Course
from dlcourse.demo import submit_simulated
from dlcourse.scratch_course import create_course


def grade(course, unsafe):
    """Seconds per notebook of one autograde run (one worker)."""
    clear_grading_state(course)
    report = autograde(course, workers=1, out=io.StringIO(), unsafe=unsafe)
    if report.grader_errors:
        raise SystemExit(f"grader errors: {report.grader_errors}")
    full = [r for r in report.rows if r.score == r.max_score]
    if len(full) != len(report.rows):
        raise SystemExit(f"a solution lost points: {[r.status for r in report.rows]}")
    return [result.seconds for result in report.results]


def kernel_round_trip(data_dir, unsafe):
    """Seconds to start the limited kernel, run ``1 + 1`` and shut it down."""
    from jupyter_client.manager import start_new_kernel

    from dlcourse.kernelspec import KERNEL_NAME, SandboxOptions, install_kernelspec

    install_kernelspec(data_dir, SandboxOptions(unsafe=unsafe))
    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name=KERNEL_NAME, startup_timeout=120,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        reply = client.execute_interactive("1 + 1", timeout=60, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    return time.perf_counter() - started


def kernel_overhead(rounds):
    """Median seconds per kernel round trip: {unsafe: median}."""
    times = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="bench-kernel-") as data_dir, \
            tempfile.TemporaryDirectory(prefix="bench-kernel-cwd-") as cwd:
        os.environ["JUPYTER_PATH"] = data_dir
        here = os.getcwd()
        os.chdir(cwd)
        try:
            for _ in range(rounds):
                for unsafe in (False, True):
                    times[unsafe].append(kernel_round_trip(data_dir, unsafe))
        finally:
            os.chdir(here)
    return {unsafe: statistics.median(values) for unsafe, values in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="01_perceptron")
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kernels", type=int, default=10,
                        help="kernel round trips per mode (default 10)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as scratch:
        source_dir = Course.find().source_dir
        if args.assignment == "00_toy":
            source_dir = Path(scratch) / "toy"
            simulate.write_toy_assignment(source_dir, args.assignment)
        course = create_course(Path(scratch) / "course", [args.assignment],
                               source_dir=source_dir)
        solution = nbformat.read(str(course.source_dir / args.assignment /
                                     f"{args.assignment}.ipynb"), as_version=4)
        for index in range(args.students):
            submit_simulated(course, args.assignment, f"student{index:02d}", solution)
        times = {True: [], False: []}
        for _ in range(args.rounds):
            for unsafe in (False, True):
                times[unsafe] += grade(course, unsafe)
    sandboxed = statistics.median(times[False]) * 1000
    unsandboxed = statistics.median(times[True]) * 1000
    print(f"{args.assignment}: {len(times[False])} notebooks per mode, {args.rounds} rounds "
          "alternating, one worker")
    print(f"  sandboxed (bwrap)        median {sandboxed:8.0f} ms per notebook")
    print(f"  --unsafe-no-sandbox      median {unsandboxed:8.0f} ms per notebook")
    print(f"  sandbox overhead         {sandboxed - unsandboxed:8.0f} ms per notebook "
          f"({sandboxed / unsandboxed:.2f}x)")
    kernel = kernel_overhead(args.kernels)
    print(f"kernel start + one cell + shutdown, {args.kernels} per mode, alternating:")
    print(f"  sandboxed (bwrap)        median {kernel[False] * 1000:8.0f} ms")
    print(f"  --unsafe-no-sandbox      median {kernel[True] * 1000:8.0f} ms")
    print(f"  sandbox overhead         {(kernel[False] - kernel[True]) * 1000:8.0f} ms per kernel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
