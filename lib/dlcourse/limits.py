"""The limits of graded notebooks, each defined here once and read in one place.

:func:`current_limits` reads the environment overrides; the nbgrader settings
(:mod:`dlcourse.nbgrader_settings`) call it once per configuration and hand the values
to nbgrader (cell timeout, output lines) and to the limited kernel's kernelspec
(memory, CPU seconds). The grader's preprocessors read them back from that
configuration, never from here.

=====================  =======  ===============================  =========================
limit                  default  environment override             enforced by
=====================  =======  ===============================  =========================
cell timeout (s)       60       ``DLCOURSE_CELL_TIMEOUT``        nbgrader's Execute
kernel memory (MiB)    4096     ``DLCOURSE_KERNEL_MEMORY_MB``    ``RLIMIT_AS`` in the kernel
kernel CPU (s)         1800     ``DLCOURSE_KERNEL_CPU_SECONDS``  ``RLIMIT_CPU`` in the kernel
output lines per cell  1000     (none)                           nbgrader's LimitOutput
=====================  =======  ===============================  =========================
"""

import os
from dataclasses import dataclass

__all__ = ["Limits", "DEFAULT_LIMITS", "ENVIRONMENT", "current_limits"]


@dataclass(frozen=True)
class Limits:
    """What one graded notebook may use.

    - cell_timeout: seconds one cell may run (the slowest solution cell takes a few
      seconds, so this leaves a wide margin while ending endless loops quickly).
    - memory_mb: address-space cap of the kernel: far above what any exercise needs, far
      below the machine's memory, so a runaway allocation is a MemoryError in that kernel.
    - cpu_seconds: CPU seconds the kernel may use over the whole notebook.
    - output_max_lines: lines nbgrader keeps of one cell's output.
    """

    cell_timeout: int = 60
    memory_mb: int = 4096
    cpu_seconds: int = 1800
    output_max_lines: int = 1000


DEFAULT_LIMITS = Limits()

#: The environment variable that overrides each limit.
ENVIRONMENT = {
    "cell_timeout": "DLCOURSE_CELL_TIMEOUT",
    "memory_mb": "DLCOURSE_KERNEL_MEMORY_MB",
    "cpu_seconds": "DLCOURSE_KERNEL_CPU_SECONDS",
}


def current_limits(environ=None):
    """The limits in force: the defaults, with the environment's overrides.

    Raises ValueError naming the variable when an override is not a positive integer.
    """
    environ = os.environ if environ is None else environ
    values = {}
    for field_name, variable in ENVIRONMENT.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value <= 0:
            raise ValueError(f"{variable}={text!r}: expected a positive whole number")
        values[field_name] = value
    return Limits(**{**DEFAULT_LIMITS.__dict__, **values})
