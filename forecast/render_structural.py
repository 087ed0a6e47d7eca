"""Text and files of a structural-uncertainty summary (:mod:`forecast.structural`)."""

from __future__ import annotations

from pathlib import Path

from .claims import bound_text
from .io import dumps_json, write_text
from .output import check_out_dir, make_dir
from .render_text import months_text
from .results_structural import StructuralBody, StructuralSummary


def _p(p: float | None) -> str:
    return "-" if p is None else f"{p:.2f}"


def text(s: StructuralBody) -> str:
    """The table a reader cites: per event, the central P(by the focus year) with its Monte
    Carlo error, the structural range with the variants at its ends, the median month's
    range, and the variant the number depends on most; then the claims' verdicts."""
    lines = [
        f"Structural uncertainty: P(by end of {s.focus_year}) under {len(s.variants) - 1} "
        f"variants of the model (scenarios/structural.toml), seed {s.seed}",
        "",
    ]
    w = max([len("event"), *(len(k) for k in s.events)])
    head = (
        f"{'event':{w}}  {'central ± MC error':>18}  {'structural range':>16}  "
        f"{'median (range over variants)':30}  depends most on"
    )
    lines += [head, "-" * len(head)]
    for key, e in s.events.items():
        c, r, d = e.central, e.range, e.depends_most_on
        med = f"{c.median or 'never'} ({r.median_earliest} .. {r.median_latest})"
        dep = "-" if d is None else f"{d.variant} ({d.shift:+.2f})"
        cen = f"{c.p:.2f} ± {c.mcse:.3f}"
        rng = f"{_p(r.p_low)} – {_p(r.p_high)}"
        lines.append(f"{key:{w}}  {cen:>18}  {rng:>16}  {med:30}  {dep}")
    lines.append("")
    lines.append(
        "The range is min–max over the central model and every variant; the Monte Carlo error is "
        "the central value's (each variant's is in --json). A range much wider than the error "
        "is a modelling choice, not sampling noise."
    )
    if s.claims:
        lines += ["", "Published claims, across every variant and reading:"]
        for cl in s.claims:
            cen = "; ".join(
                (
                    f"P = {v.p:.3f}"
                    if cl.between is None
                    else f"doubling time {months_text(v.median_months, v.interval_months)}"
                )
                + (f" under {r}" if r else "")
                for r, v in cl.central.items()
            )
            lines.append(f"  {cl.who}: {cl.claim} ({bound_text(cl.model_dump(exclude_none=True))})")
            lines.append(f"    central model: {cen}. Verdict: {cl.verdict}")
    bad = [f.id for f in s.fits if not f.diagnostics_ok]
    lines += [
        "",
        "Sampler: "
        + (
            "every fit passed its convergence checks"
            if not bad
            else f"checks missed in {', '.join(bad)}"
        ),
    ]
    lines += ["", "Variants:"]
    for v in s.variants[1:]:
        lines.append(f"  {v.id:24} {v.title}")
    return "\n".join(lines)


ARTIFACTS = ("structural.json",)


def check_out(out: Path, force: bool) -> None:
    check_out_dir(out, force, ARTIFACTS)


def write(out: Path, s: StructuralSummary) -> list[Path]:
    """``structural.json`` (the summary) in ``out``, written atomically."""
    make_dir(out)
    p = out / "structural.json"
    write_text(p, dumps_json(s.as_json()))
    return [p]
