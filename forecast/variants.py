"""Variants: where one source gives two numbers for one result (CORE-Bench's automated and
manually re-scored grades), which rows a fit uses."""

from __future__ import annotations

from .errors import ForecastError
from .observations import Observation


def mixed_series(rows: list[Observation]) -> set[str]:
    """The series holding rows of two or more variants (two readings of one result)."""
    in_series: dict[str, set[str]] = {}
    for r in rows:
        if r.variant:
            in_series.setdefault(r.series, set()).add(r.variant)
    return {s for s, v in in_series.items() if len(v) > 1}


def select_variants(rows: list[Observation], choice: dict[str, str]) -> list[Observation]:
    """Keep rows without a variant, and where one series holds two readings of its results
    (variants, e.g. an automated and a manual grade in one seed series) only the chosen one.
    Variants that sit in series of their own (the bundled history splits graders into
    series) are all kept: the model links them through the pooled priors.

    A benchmark whose series mix variants must have a choice (from the priors file or
    ``--variant BENCH=NAME``); an unknown choice is an error naming the offered variants.
    """
    mixed = mixed_series(rows)
    offered: dict[str, set[str]] = {}
    for r in rows:
        if r.variant and r.series in mixed:
            offered.setdefault(r.benchmark, set()).add(r.variant)
    for b, names in offered.items():
        if b not in choice:
            raise ForecastError(
                f"benchmark {b!r} has rows for variants {', '.join(sorted(names))}; choose one "
                f"with --variant {b}=NAME or 'variant' in its priors file"
            )
        if choice[b] not in names:
            raise ForecastError(
                f"variant {choice[b]!r} chosen for {b!r}, but its rows offer {', '.join(sorted(names))}"
            )
    return [
        r
        for r in rows
        if not r.variant or r.series not in mixed or choice.get(r.benchmark) == r.variant
    ]
