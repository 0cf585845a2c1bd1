"""What the hostile-file suites share: bounded Hypothesis settings and a time/memory bound per call."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from typing import TypeVar

from hypothesis import HealthCheck, settings

T = TypeVar("T")

FUZZ = bool(os.environ.get("GANIME_FUZZ"))  # GANIME_FUZZ=1: many more, random examples
SECONDS, MEGABYTES = 5.0, 300  # per reader call


def fuzz_settings(examples: int, fuzz_examples: int = 400) -> settings:
    """Bounded and derandomised in ``make test``; ``fuzz_examples`` random ones with GANIME_FUZZ."""
    return settings(max_examples=fuzz_examples if FUZZ else examples, deadline=None,
                    derandomize=not FUZZ, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def bounded(fn: Callable[[], T], seconds: float = SECONDS, megabytes: int = MEGABYTES) -> T:
    """Run one reader call; fail when it takes over ``seconds`` or grows the peak RSS by ``megabytes``."""
    peak0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        return fn()
    finally:
        took = time.perf_counter() - t0
        grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak0) / 1024
        assert took < seconds, f"a reader took {took:.1f} s"
        assert grew_mb < megabytes, f"a reader grew memory by {grew_mb:.0f} MB"
