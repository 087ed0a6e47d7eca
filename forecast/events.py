"""Composite events: "all of these conditions hold", dated when the last one does.

A condition is one of::

    BENCH >= VALUE[unit]        e.g. "metr-horizon >= 167h", "posttrainbench >= 51.1%"
    BENCH >= human_baseline     the benchmark's human-baseline row
    BENCH >= P% of ceiling      saturation: within reach of the draw's own ceiling
    research_throughput >= X    AI notable-discovery rate / human rate (residual model)
    rd_multiplier >= X          overall R&D speed multiplier (residual model)

Engineering conditions are dated in closed form on each draw's curve (through the
feedback map from effective to real time when feedback is on); residual conditions on
the monthly grid of the residual model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .curves import logit, logit_crossing
from .errors import ForecastError
from .observations import Observation, baselines
from .residual import effective_to_real, first_time
from .series_choice import read_on
from .thresholds import parse_threshold
from .trajectories import crossing_time

RESIDUAL = ("research_throughput", "rd_multiplier")
_COND = re.compile(r"^\s*(?P<lhs>[^<>=]+?)\s*>=\s*(?P<rhs>.+?)\s*$")
_CEIL = re.compile(r"^(?P<p>[0-9.]+)\s*%\s+of\s+ceiling$")


@dataclass(frozen=True)
class Condition:
    text: str
    kind: str  # "threshold" | "ceiling_share" | "residual"
    target: str  # the series it is read on, or the residual quantity
    value: float  # canonical threshold, share of ceiling, or residual level


def parse_condition(text: str, rows: list[Observation], where: str) -> Condition:
    m = _COND.match(text)
    if not m:
        raise ForecastError(f"condition {text!r}: expected 'NAME >= VALUE'", where)
    lhs, rhs = m["lhs"], m["rhs"]
    if lhs in RESIDUAL:
        try:
            v = float(rhs.rstrip("x"))
        except ValueError:
            raise ForecastError(f"condition {text!r}: {rhs!r} is not a number", where) from None
        if not v > 0 or not np.isfinite(v):
            raise ForecastError(f"condition {text!r}: expected a positive level", where)
        return Condition(text, "residual", lhs, v)
    found = read_on(lhs, rows, where)
    if found is None:
        benches = {r.benchmark for r in rows if r.kind == "ai"}
        raise ForecastError(
            f"condition {text!r}: no observations of {lhs!r}; known: "
            f"{', '.join(sorted(benches | set(RESIDUAL)))}",
            where,
        )
    bench, series = found
    if rhs == "human_baseline":
        base = baselines(rows)
        if bench not in base:
            raise ForecastError(f"condition {text!r}: {bench!r} has no human-baseline row", where)
        return Condition(text, "threshold", series, base[bench].value)
    if c := _CEIL.match(rhs):
        share = float(c["p"]) / 100
        if not 0 < share < 1 or next(r for r in rows if r.benchmark == bench).dimension != "share":
            raise ForecastError(
                f"condition {text!r}: 'P% of ceiling' needs a bounded benchmark and 0 < P < 100",
                where,
            )
        return Condition(text, "ceiling_share", series, share)
    try:
        t = parse_threshold(f"{lhs}>={rhs.replace(' ', '')}", rows)
    except ForecastError as e:
        raise ForecastError(f"condition {text!r}: {e}", where) from None
    return Condition(text, "threshold", series, t.value)


def condition_dates(cond: Condition, curves: xr.Dataset, traj: xr.Dataset | None) -> np.ndarray:
    """Decimal-year date each draw meets the condition (+inf never)."""
    if cond.kind == "residual":
        if traj is None:
            raise ForecastError(f"condition {cond.text!r} needs a scenario's residual model")
        return first_time(traj[cond.target].values, traj["time"].values, cond.value)
    if cond.kind == "ceiling_share":
        # theta / ceiling = share  <=>  x = logit(share): the ceiling-relative crossing
        s = curves.sel(benchmark=cond.target)
        tau = logit_crossing(logit(cond.value), s["level"].values, s["rate"].values)
        t_eff = float(s["t_ref"].item()) + tau
    else:
        t_eff = crossing_time(curves, cond.target, cond.value)
    if traj is None:
        return t_eff
    return effective_to_real(traj["effective_time"].values, traj["time"].values, t_eff)


def composite(dates: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """The composite date (the last condition's date; +inf if any is not met by the horizon)
    and each condition's share of being binding per draw, shape (draw, condition).

    A met-by-horizon draw credits its last condition; a draw in which k conditions are not
    met by the horizon credits each of them 1/k, so shares sum to 1 over conditions."""
    d = np.where(dates <= horizon, dates, np.inf)
    when = d.max(axis=1)
    credit = np.zeros_like(d)
    never = ~np.isfinite(d)
    n_never = never.sum(axis=1)
    met = n_never == 0
    credit[met, np.argmax(d[met], axis=1)] = 1.0
    credit[~met] = never[~met] / n_never[~met, None]
    return when, credit
