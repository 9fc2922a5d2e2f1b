"""What a worker imports before any job: one list for the zygote and for the host's defaults.

The light tier imports LIGHT_PRELOAD; the heavy tier (see heavy) also imports HEAVY_PRELOAD,
and only jobs that import one of those are sent there. Standard library only at module
level: the host imports this module for its defaults too.
"""

from __future__ import annotations

LIGHT_PRELOAD = ("numpy",)
HEAVY_PRELOAD = (
    "pandas",
    "scipy",
    "scipy.optimize",
    "scipy.stats",
    "sklearn",
    "sklearn.linear_model",
    "sklearn.model_selection",
    "sklearn.metrics",
    "sklearn.preprocessing",
    "sympy",
)


def import_available(names: tuple[str, ...] | list[str]) -> None:
    """Import each module that is installed; a missing optional package only costs its jobs."""
    for name in names:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001, S112 - a missing optional package only costs its jobs
            continue


def warm_caches() -> None:
    """Fill caches every job would otherwise rebuild after its fork: pytest's failure reports
    call inspect.getmodule, whose first call maps the file of every loaded module (~100 ms)."""
    import inspect

    inspect.getmodule(object(), "/nonexistent/assay-warm-up.py")
