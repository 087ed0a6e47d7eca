"""Text tables of the results, for the terminal: reads typed results only, computes nothing.

``render`` is `forecast run`'s table; ``compare_table`` is `forecast compare`'s; the growth,
event, diagnostics and claims tables are shared by `fit`, `run` and `prior-check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .claims import bound_text
from .results import (
    ArmEvent,
    CompareStructural,
    CompareSummary,
    Diagnostics,
    Event,
    Growth,
    Interval,
    Reference,
    Residual,
    RunSummary,
    Shift,
    StructuralRange,
)
from .settings import FOCUS_YEAR, SHOWN_YEARS


def diag_line(d: Diagnostics) -> str:
    status = "OK" if d.ok else "WARNING: " + "; ".join(d.warnings)
    return (
        f"Sampler: max R-hat {d.max_rhat:.3f} · min ESS bulk {d.min_ess_bulk:.0f} / "
        f"tail {d.min_ess_tail:.0f} · {d.divergences} divergences · {status}"
    )


def pct(p: float) -> str:
    return f"{100 * p:5.1f}"


def month(date: str | None, never: str = "never") -> str:
    """An ISO date shown to the month (a forecast date is not known to the day; the JSON
    keeps the day), or ``never`` for "not by the horizon"."""
    return date[:7] if date else never


def events_table(events: Mapping[str, Event]) -> str:
    if not events:
        return "(no events)"
    first = next(iter(events.values()))
    years = [y for y in map(str, SHOWN_YEARS) if y in first.p_by_year]
    head = (
        f"{'event':<26} {'threshold':>10}  "
        + " ".join(f"{y:>5}" for y in years)
        + f"   {'median':<8}  {'80 % interval':<17}  not by {first.horizon}"
    )
    lines = [f"{'':<26} {'':>10}  P(by end of year), %", head, "-" * len(head)]
    max_se = 0.0
    for ev, e in events.items():
        q = e.quantiles
        max_se = max([max_se] + [v.mcse for v in e.p_by_year.values()])
        shown = e.threshold_shown or str(e.threshold)
        lines.append(
            f"{ev[:26]:<26} {shown:>10}  "
            + " ".join(pct(e.p_by_year[y].p) for y in years)
            + f"   {month(q['0.5']):<8}  {month(q['0.1']) + ' – ' + month(q['0.9']):<17}"
            + f"  {pct(e.p_not_by_horizon)} %"
        )
    lines.append(
        f"Monte Carlo standard errors of these probabilities are at most "
        f"{100 * max_se:.1f} points (each is in --json). Dates to the month (--json: the day)."
    )
    return "\n".join(lines)


def growth_text(g: Growth, page: bool = False) -> str:
    """One benchmark's growth in human units, median and 80 % interval: the years from 10 to
    90 % of its ceiling (bounded) or its doubling time and rate change (unbounded). For the
    terminal an ASCII arrow and dashes and the month of the doubling time; for the report
    ``page`` Unicode ones, the day, and the ceiling's interval too."""
    arrow, dash = ("→", "–") if page else ("->", "-")
    if g.family == "bounded":
        y, c = _interval(g.years_10_to_90_pct_of_ceiling), _interval(g.ceiling)
        ceiling = f"{100 * c.median:.0f} %"
        if page:
            ceiling += f" ({100 * c.q10:.0f}{dash}{100 * c.q90:.0f})"
        return (
            f"10{arrow}90 % of ceiling in {y.median:.2f} y "
            f"({y.q10:.2f}{dash}{y.q90:.2f}); ceiling {ceiling}"
        )
    d, a = _interval(g.doubling_time_months), _interval(g.rate_change_per_year)
    at = str(g.doubling_time_at)
    at = at if page else at[:7]
    return (
        f"doubling time {d.median:.1f} months ({d.q10:.1f}{dash}{d.q90:.1f}) at "
        f"{at}; rate change {a.median:+.2f}/y"
    )


def _interval(i: Interval | None) -> Interval:
    """A growth summary's interval that its family always carries."""
    if i is None:
        raise ValueError("a growth summary lacks an interval its family carries")
    return i


def growth_table(bench: Mapping[str, Growth]) -> str:
    lines = ["Growth rates (posterior median and 80 % interval):"]
    w = max([18, *map(len, bench)])
    for b, g in bench.items():
        lines.append(f"  {b:<{w}} n={g.n_observations:<2} {growth_text(g)}")
        if g.n_observations < 2:
            lines.append(f"  {'':<{w}}      rate from: {g.rate_source}")
    return "\n".join(lines)


def render(summary: RunSummary, reused: bool) -> str:
    p = summary.provenance
    s = p.sampler
    head = (
        f"forecast {summary.forecast_version} · data {p.data_hash[:8]} "
        f"({p.n_observations} rows) · priors {p.priors_hash[:8]} · seed {p.seed} · "
        f"{s.sampler} {s.chains}x{s.draws} · posterior {p.posterior_hash[:8]}"
        f"{' (reused)' if reused else ''}"
    )
    parts = [head]
    if summary.scenario is not None:
        sc = summary.scenario
        parts.append(f"Scenario: {sc.title} ({sc.path}, {sc.digest[:8]})\n  {sc.description}")
    parts.append(events_table(summary.events))
    seen = observed_text(summary.events)
    if seen:
        parts.append(seen)
    cav = caveats_text(summary.events)
    if cav:
        parts.append(cav)
    if summary.structural:
        parts.append(structural_text(summary.structural))
    comp = composite_text(summary)
    if comp:
        parts.append(comp)
    if summary.references:
        parts.append(references_text(summary.references))
    parts += [growth_table(summary.benchmarks), diag_line(summary.diagnostics)]
    return "\n\n".join(parts)


def observed_text(events: Mapping[str, Event]) -> str:
    """Events an observation already meets: dated by that observation (P = 1 from then)."""
    lines = [
        f"observed: {ev} is met by {e.observed.system} on {e.observed.date} "
        f"({e.observed.source}); every draw crosses by then, P = 1 from that date"
        for ev, e in events.items()
        if e.observed
    ]
    return "\n".join(lines)


def structural_text(ranges: Mapping[str, StructuralRange]) -> str:
    """--structural: each event's P(by the focus year) beside its range over the variants."""
    n = next(iter(ranges.values())).variants
    lines = [
        f"Structural range of P(by end of {FOCUS_YEAR}) over {n} variants "
        "(scenarios/structural.toml; `forecast structural` for the whole table):"
    ]
    for ev, r in ranges.items():
        c, g, d = r.central, r.range, r.depends_most_on
        dep = "-" if d is None else f"{d['variant']} ({d['shift']:+.2f})"
        lines.append(
            f"  {ev[:26]:<26} {c['p']:.2f} ± {c['mcse']:.3f}   range {g['p_low']:.2f} – "
            f"{g['p_high']:.2f}   depends most on {dep}"
        )
    return "\n".join(lines)


def caveats_text(events: Mapping[str, Event]) -> str:
    """What a reader should know before citing an event's date: each caveat once, with the
    events it applies to."""
    by_text: dict[str, list[str]] = {}
    for ev, e in events.items():
        for c in e.caveats or []:
            by_text.setdefault(c, []).append(ev)
    return "\n".join(f"caveat: {', '.join(evs)}: {c}" for c, evs in by_text.items())


def composite_text(summary: RunSummary) -> str:
    lines = []
    for ev, e in summary.events.items():
        if e.binding_shares is None:
            continue
        lines.append(
            f"{ev}: binding (last) condition, share of draws (median date of the condition):"
        )
        met = e.met_at_start or {}
        medians = e.condition_medians or {}
        start = f" ({summary.scenario.start})" if summary.scenario else ""
        for c, share in e.binding_shares.items():
            when = month(medians[c], "not by horizon")
            at_start = met.get(c, 0.0)
            note = (
                f"  (already met at the scenario's start{start} in {100 * at_start:.0f} %)"
                if at_start >= 0.005
                else ""
            )
            lines.append(f"  {100 * share:5.1f} %  {c:<36} {when}{note}")
    if summary.residual is not None:
        lines += _residual_lines(summary.residual)
    return "\n".join(lines)


def _residual_lines(res: Residual) -> list[str]:
    """The residual model's trajectories and its starting research throughput."""
    tr = res.trajectories
    years = [y for y in map(str, SHOWN_YEARS) if y in tr["rd_multiplier"].by_end_of_year]
    lines = ["Residual model, median (10-90 %) at the end of each year:"]
    lines.append(f"  {'':<22}" + "".join(f"{y:>20}" for y in years))
    for v, name in (
        ("engineering_speedup", "engineering speed-up"),
        ("research_throughput", "research throughput"),
        ("rd_multiplier", "R&D multiplier"),
    ):
        cells = []
        for y in years:
            q = tr[v].by_end_of_year[y]
            cells.append(f"{q.median:.3g} ({q.q10:.2g}-{q.q90:.2g})")
        lines.append(f"  {name:<22}" + "".join(f"{c:>20}" for c in cells))
    r0 = res.inputs["research_throughput_now"]
    lines.append(
        f"  AI research throughput / human now: {r0.median:.2g} ({r0.q10:.2g}-"
        f"{r0.q90:.2g}); weight given to the alignment-researcher result (Kalman gain): "
        f"{res.alignment_researchers_gain:.2f}"
    )
    return lines


def references_text(refs: Sequence[Reference]) -> str:
    lines = ["Published claims beside the engine:"]
    for ref in refs:
        r = ref.model_dump()  # a claim's own wording (read_as, a median's range) is extra
        read = f"\n    read as {bound_text(r)}" + (f": {r['read_as']}" if r.get("read_as") else "")
        if ref.between is not None:
            engine = parameter_text(ref)
        else:
            engine = f"P(by {ref.by}) = {r['engine_p']:.3f} ± {r['engine_mcse']:.3f}"
        if "engine_p_from" in r:  # a median claim: both ends of its range
            engine = (
                f"P(by {r['median_from']}) = {r['engine_p_from']:.3f} ± "
                f"{r['engine_mcse_from']:.3f}, {engine} (the median is inside when the first "
                "is below 0.5 and the second above)"
            )
        lines.append(
            f"  {ref.who}: {ref.claim}.{read}\n    engine: {engine} -> {ref.verdict} "
            f"(under {ref.under})"
        )
    return "\n".join(lines)


def months_text(median: float | None, interval: Sequence[float | None] | None) -> str:
    """A doubling time's median [80 % interval] in months ('never': a draw's rate is not
    positive, it never doubles)."""

    def m(x: float | None) -> str:
        return "never" if x is None else f"{x:.3g}"

    lo, hi = interval if interval is not None else (None, None)
    return f"{m(median)}{'' if median is None else ' months'} [{m(lo)}-{m(hi)}]"


def parameter_text(ref: Reference) -> str:
    """A parameter claim's numbers: the engine's median [80 % interval] and the shares of
    draws below, inside and above the claimed range."""
    assert ref.between is not None
    lo, hi = ref.between
    text = (
        f"doubling time {months_text(ref.engine_median_months, ref.engine_interval_months)} "
        f"(median [80 % interval]); P(< {lo:g}) = {ref.engine_p_below:.3f} ± "
        f"{ref.engine_mcse_below:.3f}, P(> {hi:g}) = {ref.engine_p_above:.3f} ± "
        f"{ref.engine_mcse_above:.3f}, P(in range) = {ref.p_in_range:.3f}"
    )
    if ref.engine_p_no_doubling:
        text += f"; {100 * ref.engine_p_no_doubling:.1f} % of draws never double (+inf)"
    return text


def compare_table(cmp: CompareSummary) -> str:
    labels = [a.label for a in cmp.arms]
    y = cmp.focus_year
    lines = [f"Comparing {', '.join(labels)}  (P by end of {y} ± MCSE; median date)"]
    for arm in cmp.arms:
        if arm.scenario:
            lines.append(f"  {arm.label}: {arm.scenario}")
            if arm.description:
                lines.append(f"    {arm.description}")
        if arm.assumes:
            what = ", ".join(f"{k} {v}" for k, v in arm.assumes.items())
            lines.append(f"    where the arms differ, {arm.label} assumes: {what}")
    lines.append("")
    same = []
    for ev, e in cmp.events.items():
        gaps = [v.per_draw for v in e.versus_first.values()]
        if all(g is not None and g.share_identical == 1.0 for g in gaps):
            same.append(ev)
            continue
        lines.append(f"{ev}: {e.title}")
        for lab in labels:
            lines += _arm_lines(lab, e.by_arm[lab])
        for lab, v in e.versus_first.items():
            lines.append(_shift_text(lab, labels[0], y, v))
        lines.append("")
    if same:
        lines.append(f"Identical in every arm, draw by draw: {', '.join(same)}.")
    if cmp.structural:
        lines += ["", gaps_text(cmp.structural, labels[0], y)]
    return "\n".join(lines).rstrip()


def _arm_lines(lab: str, a: ArmEvent) -> list[str]:
    """One arm's P by the focus year, median, 80 % interval and what binds it."""
    q = a.quantiles
    p = a.p_by_focus_year
    shown = "   n/a" if p is None else f"{p.p:.3f} ± {p.mcse:.3f}"
    lines = [
        f"  {lab:<28} P = {shown}   median "
        f"{month(q['0.5'], 'beyond horizon'):<14}   80 %: "
        f"{month(q['0.1'])} – {month(q['0.9'])}   "
        f"not by horizon {a.p_not_by_horizon:.3f}"
    ]
    if a.binding_shares:
        top = sorted(a.binding_shares.items(), key=lambda kv: -kv[1])
        shares = ", ".join(f"{c} {100 * s:.0f} %" for c, s in top if s >= 0.005)
        lines.append(f"  {'':<28} binding (met last): {shares}")
    return lines


def _shift_text(lab: str, first: str, y: int, v: Shift) -> str:
    """How one arm's event differs from the first arm's."""
    txt = f"  {lab} vs {first}: P({y}) {v.p_by_focus_year_shift:+.3f}"
    if v.median_shift_years is not None:
        txt += f", median shift {v.median_shift_years:+.2f} y"
    g = v.per_draw
    if g:
        gy = g.gap_years_never_at_horizon
        txt += (
            f"\n    per-draw gap on the same draws ('never' counted at the horizon): median "
            f"{gy.median:+.2f} y, 80 % {gy.q10:+.2f} to {gy.q90:+.2f} y; "
            f"{lab} earlier in {100 * g.share_second_earlier:.0f} % of draws, the only "
            f"one to cross in {100 * g.share_only_second_crosses:.0f} %"
        )
    return txt


def gaps_text(st: CompareStructural, first: str, year: int) -> str:
    """Whether each gap between readings survives every structural variant."""
    n = len(st.variants)
    lines = [f"Across the central model and {n} structural variants (scenarios/structural.toml):"]
    for gaps in st.gaps.values():
        for r, g in gaps.items():
            if g.holds:
                verdict = "holds in every variant"
            elif g.central_beyond_mc:
                verdict = "does NOT hold in every variant"
            else:
                verdict = "no gap beyond Monte Carlo error in the central model"
            lines.append(
                f"  {g.title}: P(by end of {year}) under {r} minus {first}: central "
                f"{g.central:+.2f}, from {g.low:+.2f} ({g.low_variant}) to "
                f"{g.high:+.2f} ({g.high_variant}): {verdict}"
            )
    if not st.fits_ok:
        lines.append("  warning: some variant fits missed their convergence checks")
    return "\n".join(lines)


def prior_check_text(res: dict) -> str:
    """`forecast prior-check`'s table: prior predictive intervals, then the dates."""
    lines = ["Prior predictive intervals of each observation (transformed scale):"]
    for o in res["observations"]:
        lines.append(
            f"  {o['benchmark']:<18} {o['date']:<16} observed {o['observed']:>8.3f}  "
            f"50% [{o['q25']:.2f}, {o['q75']:.2f}]  90% [{o['q05']:.2f}, {o['q95']:.2f}]"
            f"  {'inside 90%' if o['in_90'] else 'OUTSIDE 90%'}"
        )
    lines.append(
        f"share of observations inside the prior 50 % / 90 % intervals: "
        f"{res['share_in_50']:.2f} / {res['share_in_90']:.2f}\n"
    )
    lines.append("Threshold dates under the prior alone:")
    events = {
        ev: Event.model_validate({"threshold_shown": str(e["threshold"]), **e})
        for ev, e in res["events"].items()
    }
    lines.append(events_table(events))
    return "\n".join(lines)


def effect_text(effects: dict[str, float]) -> str:
    """'; moved most by A (0.55), no effect: B' for one event of a grid sweep."""
    if not effects:
        return ""
    moving = sorted((n for n, e in effects.items() if e >= 0.0005), key=lambda n: -effects[n])
    idle = [n for n, e in effects.items() if e < 0.0005]
    parts = []
    if moving:
        parts.append("moved most by " + ", ".join(f"{n} ({effects[n]:.2f})" for n in moving))
    if idle:
        parts.append("no effect: " + ", ".join(idle))
    return "; " + "; ".join(parts)
