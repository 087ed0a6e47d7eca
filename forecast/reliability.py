"""Thresholds beyond what a benchmark measures reliably (``reliable_up_to`` in
``forecast/data/series.toml``: METR says its task suite is unreliable above ~16 hours).

A date for such a threshold extrapolates the fitted trend past the range the benchmark can
measure today; the output says so beside the event (its ``caveats``) rather than leaving a
reader to find it. Figures beyond the range get an extra sd in the likelihood
(:func:`forecast.history_series.beyond_reliable_sd`).
"""

from __future__ import annotations

from .events import parse_condition
from .history_series import reliable_limit
from .observations import Observation
from .scenario import Scenario
from .thresholds import Plan
from .units import fmt


def caveat(series: str, value: float, dimension: str = "duration") -> str | None:
    """The caveat of ``series >= value`` (canonical unit), None within the reliable range."""
    found = reliable_limit(series)
    if found is None or not value > found[0]:
        return None
    limit, source = found
    return (
        f"{series} >= {fmt(value, dimension)} is {value / limit:.0f}x the "
        f"{fmt(limit, dimension)} beyond which its authors call the benchmark unreliable "
        f"({source}): the date extrapolates the trend past what it measures today"
    )


def caveats(plan: Plan, scenario: Scenario | None, rows: list[Observation]) -> dict[str, list[str]]:
    """Per event id, the caveats of its thresholds (a composite: of its conditions)."""
    out: dict[str, list[str]] = {}
    for t in plan.thresholds:
        c = caveat(t.series, t.value, t.dimension)
        if c:
            out.setdefault(t.id, []).append(c)
    for ev in scenario.spec.events if scenario else []:
        for text in ev.all_of:
            cond = parse_condition(
                text, rows, f"{scenario.path if scenario else ''}: events.{ev.id}"
            )
            c = caveat(cond.target, cond.value) if cond.kind == "threshold" else None
            if c and c not in out.get(ev.id, []):
                out.setdefault(ev.id, []).append(c)
    return out
