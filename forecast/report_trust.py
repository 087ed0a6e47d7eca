"""The report page's sections on how far to trust its numbers: each headline's range over
the structural variants, and how the engine has forecast real histories (the track record).
Each returns what the template reads, from its section of the typed report only."""

from __future__ import annotations

from typing import Any

from .report_page import Cell, table
from .results_report import TrackFamily, TrackRecord
from .results_structural import StructuralBody


def structural(s: StructuralBody) -> dict:
    """The structural section: per event, central ± MC error, range, median months and the
    variant it depends on most; the claims' verdicts across variants and readings."""
    rows = []
    for key, e in s.events.items():
        c, r, d = e.central, e.range, e.depends_most_on
        rows.append(
            [
                key,
                Cell(f"{c.p:.2f} ± {c.mcse:.3f}", cls="num"),
                Cell(
                    f"{r.p_low:.2f} ({r.low_variant}) – {r.p_high:.2f} ({r.high_variant})",
                    cls="num",
                ),
                f"{c.median or 'never'} ({r.median_earliest} .. {r.median_latest})",
                "—" if d is None else f"{d.variant} ({d.shift:+.2f})",
            ]
        )
    header = [
        "event",
        f"P(by end of {s.focus_year}) ± MC error",
        "structural range (variant)",
        "median month (range)",
        "depends most on",
    ]
    variants = table(
        ["variant", "what it changes", "why"],
        [[v.id, v.title, v.why] for v in s.variants[1:]],
    )
    return {
        "events": table(header, rows, "structural-table"),
        "variants": variants,
        "claims": [f"{c.who}: {c.claim} — {c.verdict}" for c in s.claims],
        "fits_ok": all(f.diagnostics_ok for f in s.fits),
    }


def track_record(t: TrackRecord | None) -> dict[str, Any] | None:
    """The track-record section: per method and per family, coverage, errors and CRPS."""
    if t is None:
        return None

    def cov(c: dict[str, float]) -> Cell:
        return Cell(f"{c['50']:.2f} / {c['80']:.2f} / {c['95']:.2f}", cls="num")

    methods = table(
        ["method", "targets", "coverage 50 / 80 / 95 %", "median error (y)", "CRPS (y)"],
        [
            [
                m.what,
                m.n,
                cov(m.coverage),
                Cell(f"{m.median_error:.2f}", cls="num"),
                Cell(f"{m.crps:.2f}", cls="num"),
            ]
            for m in t.methods
        ],
        "track-record-table",
    )

    def held(f: TrackFamily, level: str) -> Cell:
        if f.coverage_interval is None:
            return Cell("-", cls="num")
        lo, hi = f.coverage_interval[level]
        verdict = (f.coverage_verdict or {}).get(level, "")
        return Cell(f"{lo:.2f}–{hi:.2f} {verdict}".strip(), cls="num")

    families = table(
        [
            "family",
            "targets",
            "coverage 50 / 80 / 95 %",
            "50 %: 95 % interval",
            "80 %: 95 % interval",
            "median error (y)",
        ],
        [
            [
                f.family,
                f.n,
                cov(f.coverage),
                held(f, "50"),
                held(f, "80"),
                Cell(f"{f.median_error:.2f}", cls="num"),
            ]
            for f in t.families
        ],
    )
    # the template reads the record's fields, with the two tables in place of its lists
    return {**dict(t), "methods": methods, "families": families}
