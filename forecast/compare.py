"""Side-by-side comparison of arms: readings/scenarios on the same posterior draws (common
random numbers, so per-draw gaps are not noise) or data files (separate posteriors,
compared by the shift in each event's median and P(by the focus year, forecast/data/settings.toml))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .results import CompareSummary, Interval, ProbMCSE, compare_summary
from .settings import FOCUS_YEAR
from .summary import iso_date

if TYPE_CHECKING:
    from .pipeline import Result


@dataclass
class Arm:
    label: str
    kind: str  # "scenario" | "data"
    result: Result


def gap_summary(a: np.ndarray, b: np.ndarray, horizon: float) -> dict:
    """Distribution of b - a in years over draws where both cross by the horizon, plus the
    shares where only one does, and the gap with 'never' set to the horizon (a bound: the
    true gap of such a draw is at least that large)."""
    both = np.isfinite(a) & np.isfinite(b)
    ca, cb = np.minimum(a, horizon), np.minimum(b, horizon)
    gc = cb - ca
    qc = np.quantile(gc, [0.1, 0.5, 0.9])
    g = b[both] - a[both]
    out = {
        "share_both_cross": round(float(both.mean()), 6),
        "share_only_first_crosses": round(float((np.isfinite(a) & ~np.isfinite(b)).mean()), 6),
        "share_only_second_crosses": round(float((~np.isfinite(a) & np.isfinite(b)).mean()), 6),
        "share_second_earlier": round(float((b < a).mean()), 6),
        "share_identical": round(float((b == a).mean()), 6),
        "gap_years_never_at_horizon": {
            "q10": round(float(qc[0]), 3),
            "median": round(float(qc[1]), 3),
            "q90": round(float(qc[2]), 3),
            "mean": round(float(gc.mean()), 3),
        },
    }
    if g.size:
        q = np.quantile(g, [0.1, 0.5, 0.9])
        out["gap_years"] = {
            "q10": round(float(q[0]), 3),
            "median": round(float(q[1]), 3),
            "q90": round(float(q[2]), 3),
            "mean": round(float(g.mean()), 3),
        }
    else:
        out["gap_years"] = None
    return out


def assumptions(arms: list[Arm]) -> dict[str, dict[str, str]]:
    """Per arm label, the residual-model inputs in which the scenario arms differ, each as
    its median and 80 % range over draws (canonical units), so a reader sees what each arm
    assumes that the others do not. Empty when fewer than two arms carry a scenario."""
    inputs = {
        a.label: a.result.run.residual.inputs for a in arms if a.result.run.residual is not None
    }
    if len(inputs) < 2:
        return {}
    first = next(iter(inputs.values()))
    differ = [k for k in first if any(v.get(k) != first[k] for v in inputs.values())]
    return {label: {k: _shown(v[k]) for k in differ if k in v} for label, v in inputs.items()}


def _shown(q: Interval) -> str:
    if q.q10 == q.q90:
        return f"{q.median:g}"
    return f"{q.median:g} (80 %: {q.q10:g}-{q.q90:g})"


def compare(arms: list[Arm]) -> CompareSummary:
    first = arms[0]
    assumes = assumptions(arms)
    by_event: dict[str, dict] = {}
    events = [e for e in first.result.run.events if all(e in a.result.run.events for a in arms)]
    out = {
        "arms": [
            {
                "label": a.label,
                "kind": a.kind,
                "scenario": a.result.run.scenario.title if a.result.run.scenario else None,
                "description": a.result.run.scenario.description if a.result.run.scenario else None,
                "data_hash": a.result.run.provenance.data_hash,
                "posterior_hash": a.result.run.provenance.posterior_hash,
                "diagnostics_ok": a.result.run.diagnostics.ok,
                **({"assumes": assumes[a.label]} if a.label in assumes else {}),
            }
            for a in arms
        ],
        "focus_year": FOCUS_YEAR,
        "events": {},
    }
    for ev in events:
        row: dict[str, dict[str, Any]] = {}
        for a in arms:
            e = a.result.run.events[ev]
            row[a.label] = {
                "p_by_focus_year": e.p_by_year.get(str(FOCUS_YEAR)),
                "quantiles": e.quantiles,
                "p_not_by_horizon": e.p_not_by_horizon,
                "binding_shares": e.binding_shares,
            }
        versus: dict[str, dict[str, Any]] = {}
        entry = {"title": first.result.run.events[ev].title, "by_arm": row, "versus_first": versus}
        ta = first.result.dates["crossing_year"].sel(event=ev).values
        for a in arms[1:]:
            tb = a.result.dates["crossing_year"].sel(event=ev).values
            paired = (
                first.result.run.provenance.posterior_hash == a.result.run.provenance.posterior_hash
            )
            med_a, med_b = (
                np.quantile(ta, 0.5, method="inverted_cdf"),
                np.quantile(tb, 0.5, method="inverted_cdf"),
            )
            shift: dict[str, Any] = {
                "median_shift_years": (
                    round(float(med_b - med_a), 3)
                    if np.isfinite(med_a) and np.isfinite(med_b)
                    else None
                ),
                "median_first": iso_date(med_a),
                "median_second": iso_date(med_b),
                "p_by_focus_year_shift": round(
                    _p(row[a.label]["p_by_focus_year"]) - _p(row[first.label]["p_by_focus_year"]),
                    6,
                ),
                "paired_draws": paired,
            }
            if paired:
                shift["per_draw"] = gap_summary(ta, tb, first.result.plan.horizon)
            versus[a.label] = shift
        by_event[ev] = entry
    out["events"] = by_event
    return compare_summary(out)


def _p(p: ProbMCSE | None) -> float:
    """P(by the focus year) of an arm's event; every event reports the focus year."""
    if p is None:
        raise ValueError(f"an event does not report P(by the end of {FOCUS_YEAR})")
    return p.p
