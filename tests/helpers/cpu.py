"""Bounded work is measured in CPU seconds, never in wall-clock time.

On a shared or loaded machine the wall clock says how busy the machine is, not how much work a
check did; a bound meant to catch runaway work (a bomb, a span of centuries) is a bound on CPU.
"""

from __future__ import annotations

import resource


def cpu_seconds() -> float:
    """Return the CPU seconds (user + system) used so far by this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
