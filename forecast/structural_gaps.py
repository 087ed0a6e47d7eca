"""The gap between two readings across the structural variants (`forecast compare
--structural`): from a structural summary (:func:`forecast.structural.run`) only."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results_structural import StructuralBody


def reading_gaps(s: StructuralBody, readings: list[str]) -> dict[str, dict[str, dict]]:
    """Per composite event and per reading after the first: P(by the focus year) under that
    reading minus under the first, in the central model and in every variant. A gap "holds"
    when in every variant it lies beyond two combined Monte Carlo errors on the central
    gap's side: then no modelling choice tried reverses which reading comes first (a
    central gap within its own MC error holds nowhere)."""
    first = readings[0]
    out: dict[str, dict[str, dict]] = {}
    for key, e in s.events.items():
        if e.reading != first:
            continue
        ev = key.split(" [")[0]
        for r in readings[1:]:
            other = s.events.get(f"{ev} [{r}]")
            if other is None:
                continue
            a, b = e.variants, other.variants
            gap = {v: round(b[v].p - a[v].p, 6) for v in a if v in b}
            err = {v: 2 * (a[v].mcse ** 2 + b[v].mcse ** 2) ** 0.5 for v in gap}
            lo, hi = min(gap, key=lambda v: gap[v]), max(gap, key=lambda v: gap[v])
            side = 1 if gap["central"] > 0 else -1
            out.setdefault(ev, {})[r] = {
                "title": e.title,
                "central": gap["central"],
                "low": gap[lo],
                "low_variant": lo,
                "high": gap[hi],
                "high_variant": hi,
                "central_beyond_mc": abs(gap["central"]) > err["central"],
                "holds": all(side * gap[v] > err[v] for v in gap),
                "n_variants": len(gap) - 1,
            }
    return out
