"""Refuse to start the sampler where it cannot start: a non-finite log-density or gradient at
the initial point would crash the native sampler (nutpie aborts the process with SIGSEGV), so
it is checked here first and reported as a user error naming the likely observations."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ForecastError
from .observations import Observation


def suspects(rows: list[Observation]) -> list[str]:
    """Observations that commonly make the starting point non-finite: dates far from the rest
    of their benchmark (over 30 years). (A range reaching 0 % or 100 % once did; it now
    enters by its open side, forecast/growth.py.)"""
    out = []
    ai = [r for r in rows if r.kind == "ai"]
    median_time = {
        b: float(np.median([q.time for q in ai if q.benchmark == b]))
        for b in {r.benchmark for r in ai}
    }
    for r in ai:
        if abs(r.time - median_time[r.benchmark]) > 30:
            out.append(f"{r.origin}: {r.benchmark} dated {r.date}, far from its other rows")
    return out


def check_start(model: Any, rows: list[Observation]) -> None:
    """Raise a ForecastError unless the model's log-density and gradient are finite at its
    initial point."""
    point = model.initial_point()
    # FAST_COMPILE: one evaluation does not repay an optimised compile (1.7 s vs 2.9 s)
    logp = float(model.compile_logp(mode="FAST_COMPILE")(point))
    grad = np.asarray(model.compile_dlogp(mode="FAST_COMPILE")(point))
    if np.isfinite(logp) and np.isfinite(grad).all():
        return
    terms = model.point_logps(point)
    bad = [k for k, v in terms.items() if not np.isfinite(v)]
    what = (
        f"the log-density is not finite ({', '.join(bad) or 'total'})"
        if not np.isfinite(logp)
        else "the log-density's gradient is not finite"
    )
    rows_txt = "; ".join(suspects(rows)) or "no single row stands out"
    raise ForecastError(
        f"the growth model cannot start sampling: {what} at the starting point. Likely "
        f"causes: {rows_txt}. Check the row's figures and its date."
    )
