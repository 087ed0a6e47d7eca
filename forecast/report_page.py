"""What each section of the report page shows, as plain values for the template
(``templates/report.html.j2``): the numbers of the typed report formatted into text and
table cells. Reads the report (:class:`forecast.results_report.ReportSummary`, report.json)
only; no markup is made here, so every string is escaped by the template."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .claims import bound_text
from .render_text import growth_text, months_text
from .results import CompareSummary, Reference
from .results_report import ReportSummary
from .settings import BRIEF_EVENTS
from .settings import SHOWN_YEARS as SHOW_YEARS

FIGURE_KINDS = {
    "cdf": "Event dates under each reading",
    "binding": "Binding conditions",
    "trajectory": "R&D multiplier",
    "fan": "Growth of each benchmark",
    "diagnostics": "Sampler diagnostics",
}


@dataclass
class Cell:
    """A table cell: ``text``, or ``code`` (monospace), or ``items`` (a list), or
    ``paras`` (paragraphs); ``cls`` its class."""

    text: str = ""
    code: str | None = None
    items: list[str] | None = None
    paras: list[str] | None = None
    cls: str | None = None


@dataclass
class Table:
    header: list[str]
    rows: list[list[Cell]]
    id: str | None = None


def table(header: list[str], rows: list[list[Any]], id: str | None = None) -> Table:
    """A table whose plain cells (str, int, None) become text cells."""
    return Table(
        header,
        [
            [c if isinstance(c, Cell) else Cell("" if c is None else str(c)) for c in r]
            for r in rows
        ],
        id,
    )


def pm(p: float, mcse: float) -> dict[str, str]:
    """A probability and its Monte Carlo standard error, as shown (three decimals)."""
    return {"p": f"{p:.3f}", "mcse": f"{mcse:.3f}"}


@dataclass
class HeadlineGroup:
    event: str
    title: str
    threshold: str
    note: str
    rows: list[dict] = field(default_factory=list)


@dataclass
class KeyEvent:
    """A headline event's P(by the focus year) under each reading, for the key above the table."""

    title: str
    items: list[dict] = field(default_factory=list)


def headline(report: ReportSummary, years: list[int], n_readings: int) -> dict:
    """The headline: per composite event the P(by the focus year) of each reading, and the
    table of P by year ± MCSE, median and 80 % interval per event and reading."""
    focus = report.focus_year
    groups: list[HeadlineGroup] = []
    key: dict[str, KeyEvent] = {}
    for h in report.headline:
        if not groups or groups[-1].event != h.event:
            same = h.identical_in_every_reading and n_readings > 1
            shown = h.threshold_shown
            groups.append(
                HeadlineGroup(
                    h.event,
                    h.title,
                    f" [{shown}]" if shown not in (None, "composite") else "",
                    " — identical in every reading (same draws)" if same else "",
                )
            )
        q = h.quantiles
        late = f"after {h.horizon[:4]} ({100 * h.p_not_by_horizon:.0f} % never)"
        by_year = [h.p_by_year[str(y)] for y in years]
        groups[-1].rows.append(
            {
                "reading": h.reading,
                "p": [dict(pm(p.p, p.mcse), focus=y == focus) for y, p in zip(years, by_year)],
                "median": q["0.5"] or late,
                "interval": f"{q['0.1'] or 'never'} – {q['0.9'] or 'never'}",
                "never": pm(h.p_not_by_horizon, h.p_not_by_horizon_mcse),
            }
        )
        fp = h.p_by_year.get(str(focus))
        if h.event in BRIEF_EVENTS and fp:
            key.setdefault(h.event, KeyEvent(h.title)).items.append(
                dict(pm(fp.p, fp.mcse), reading=h.reading, median=q["0.5"] or late)
            )
    columns = (
        ["event / reading"]
        + [f"P by end of {y}" for y in years]
        + ["median", "80 % interval", "P(not by horizon)"]
    )
    return {"columns": columns, "groups": groups, "key": list(key.values()), "focus": focus}


def _comparison(cmp: CompareSummary, first: str) -> list[str]:
    """One sentence per event and reading that differs from the first reading."""
    items = []
    for ev, e in cmp.events.items():
        for lab, v in e.versus_first.items():
            g = v.per_draw
            if g and g.share_identical == 1.0:
                continue
            txt = (
                f"{e.title} ({ev}): {lab} vs {first}: P(by end of {cmp.focus_year}) "
                f"{v.p_by_focus_year_shift:+.3f}"
            )
            if v.median_shift_years is not None:
                txt += f", median shift {v.median_shift_years:+.2f} y"
            if g:
                gy = g.gap_years_never_at_horizon
                txt += (
                    f"; per-draw gap ('never' at the horizon) median {gy.median:+.2f} y, 80 % "
                    f"{gy.q10:+.2f} to {gy.q90:+.2f} y; {lab} earlier in "
                    f"{100 * g.share_second_earlier:.0f} % of draws, the only one to cross in "
                    f"{100 * g.share_only_second_crosses:.0f} %"
                )
            items.append(txt)
    return items


def readings(report: ReportSummary) -> dict:
    """The readings' table, what differs between them, and each composite event's most
    frequent binding condition."""
    rs = report.readings
    tbl = table(
        ["reading", "title", "description", "file", "hash"],
        [[r.name, r.title, r.description, r.path, Cell(code=r.digest)] for r in rs],
        "readings-table",
    )
    cmp = report.comparison
    binding = []
    for n, comp in report.composite.items():
        for e in comp.values():
            if len(e.conditions) < 2:
                continue
            top = max(e.binding_shares, key=e.binding_shares.__getitem__)
            pct = f"{100 * e.binding_shares[top]:.0f}"
            binding.append({"reading": n, "title": e.title, "top": top, "pct": pct})
    return {
        "table": tbl,
        "compared": bool(cmp),
        "differences": _comparison(cmp, rs[0].name) if cmp else [],
        "binding": binding,
    }


def _claim_text(r: Reference) -> str:
    """The claim as its author made it, and how it is read when given in words (``read_as``,
    like the claim's bound, is an extra field of :class:`forecast.results.Reference`)."""
    read_as = (r.model_extra or {}).get("read_as")
    return r.claim + (f" (read as: {read_as})" if read_as else "")


def _engine_text(r: Reference) -> str:
    """The engine's number for a claim: P ± its Monte Carlo error, or a parameter claim's
    median [80 % interval] in months with P(in the claimed range)."""
    if r.between is None:
        return f"{r.engine_p:.3f} ± {r.engine_mcse:.3f}"
    return (
        f"{months_text(r.engine_median_months, r.engine_interval_months)}; "
        f"P(in range) = {r.p_in_range:.3f}"
    )


def claims(report: ReportSummary) -> Table | None:
    """Published claims beside the engine's number for them (a probability, per reading, or
    a doubling time in months, once: a growth parameter is the same under every reading)."""
    rows = []
    shown: set[str] = set()
    for n, refs in report.references.items():
        for r in refs:
            if r.between is not None:
                if r.id in shown:
                    continue
                shown.add(r.id)
            rows.append(
                [
                    r.who,
                    _claim_text(r),
                    n if r.between is None else "every reading",
                    Cell(_engine_text(r), cls="num"),
                    bound_text(r.model_dump()),
                    r.verdict,
                    r.under,
                ]
            )
    if not rows:
        return None
    return table(
        ["who", "claim", "reading", "engine", "claim as a number", "verdict", "under"],
        rows,
        "claims-table",
    )


@dataclass
class FigureGroup:
    kind: str
    title: str
    items: list[dict] = field(default_factory=list)


def figures(report: ReportSummary, images: dict[str, str]) -> list[FigureGroup]:
    """Figures grouped by kind in page order; ``images`` maps an id to its data URI (a
    figure without one keeps its heading but is left out)."""
    groups: list[FigureGroup] = []
    for f in report.figures:
        if not groups or groups[-1].kind != f.kind:
            groups.append(FigureGroup(f.kind, FIGURE_KINDS.get(f.kind, f.kind)))
        if f.id in images:
            groups[-1].items.append(dict(f.model_dump(), src=images[f.id]))
    return groups


def observations(report: ReportSummary) -> Table:
    rows = [
        [
            o.series,
            o.date or "—",
            o.system,
            Cell(o.figure, cls="num"),
            o.kind,
            o.variant or "",
            o.source,
            o.note,
            Cell(code=o.origin),
        ]
        for o in report.observations
    ]
    header = ["series", "date", "system", "figure", "kind", "variant", "source", "note", "row"]
    return table(header, rows, "observations-table")


def growth(report: ReportSummary) -> Table:
    """Per benchmark: family, number of observations and its growth in human units."""
    rows = [
        [b, g.family, g.n_observations, growth_text(g, page=True), g.rate_source]
        for b, g in report.benchmarks.items()
    ]
    return table(["benchmark", "family", "n", "growth", "rate from"], rows, "growth-table")


def assumptions(report: ReportSummary, names: list[str]) -> dict:
    """Priors with their reasons, scenario parameters per reading (a value that differs
    between readings highlighted), the evidence and the composite events."""
    pri = report.priors
    prows = [[Cell(code=r.key), r.setting, r.why] for r in pri.rows]
    srows = []
    for p in report.scenario_parameters:
        differs = len(set(p.values.values())) > 1
        whys = list(dict.fromkeys(p.why.values()))
        srows.append(
            [Cell(code=p.parameter), p.meaning, p.unit]
            + [Cell(p.values[n], cls="focus" if differs else None) for n in names]
            + [Cell(paras=whys) if len(whys) > 1 else whys[0]]
        )
    ev_rows = [
        [n, Cell(code=e.id), e.title, Cell(items=list(e.all_of)), e.why]
        for n, evs in report.scenario_events.items()
        for e in evs
    ]
    # the evidence table is free-form (dict[str, Any]): per reading, each entry's figures
    evid = [
        [n, k, ", ".join(f"{a} = {b}" for a, b in v.items() if a != "why"), v.get("why", "")]
        for n, ev in report.evidence.items()
        for k, v in ev.items()
    ]
    return {
        "priors_source": pri.source,
        "priors_hash": pri.hash,
        "priors": table(["key", "setting", "why"], prows, "priors-table"),
        "parameters": table(
            ["parameter", "meaning", "unit", *names, "why"], srows, "scenario-table"
        ),
        "evidence": table(["reading", "evidence", "figures", "why"], evid),
        "events": table(["reading", "id", "title", "all of", "why"], ev_rows),
    }


def diagnostics(report: ReportSummary) -> dict:
    """R-hat, ESS and divergences against their thresholds, and the sampler settings."""
    d = report.diagnostics
    t = d.thresholds
    checks = [
        ("max R-hat", f"{d.max_rhat:.4f}", f"≤ {t.max_rhat}", d.max_rhat_parameter,
         d.max_rhat <= t.max_rhat),
        ("min bulk ESS", f"{d.min_ess_bulk:.0f}", f"≥ {t.min_ess}", d.min_ess_bulk_parameter,
         d.min_ess_bulk >= t.min_ess),
        ("min tail ESS", f"{d.min_ess_tail:.0f}", f"≥ {t.min_ess}", d.min_ess_tail_parameter,
         d.min_ess_tail >= t.min_ess),
        ("divergences", str(d.divergences), f"= {t.divergences}", "",
         d.divergences <= t.divergences),
    ]  # fmt: skip
    rows = [
        [name, Cell(value, cls="num"), limit, worst, "ok" if ok else "MISSED"]
        for name, value, limit, worst, ok in checks
    ]
    header = ["check", "value", "threshold", "worst parameter", "status"]
    return {
        "d": d,
        "sampler": report.provenance.sampler,
        "table": table(header, rows, "diagnostics-table"),
    }


def provenance(report: ReportSummary, generated: str) -> list[tuple[str, str | None]]:
    """The provenance list: (label, value) pairs."""
    prov = report.provenance
    s = prov.sampler
    files = "; ".join(
        d.path + (f" ({d.sha256_16})" if d.sha256_16 else "") for d in prov.data_files
    )
    scen = "; ".join(f"{k}: {v.hash} ({v.path})" for k, v in prov.scenarios.items())
    return [
        ("forecast version", prov.versions["forecast"]),
        ("code commit", prov.code_commit or "unknown (not installed from a checkout)"),
        ("model version", prov.model_version),
        ("data hash", prov.data_hash),
        ("data as of", prov.data_as_of or "unknown"),
        ("forecast as of", prov.as_of or "all data (no --as-of)"),
        ("observations", str(prov.n_observations)),
        ("bundled data", "yes" if prov.bundled_data else "no"),
        ("data files", files or "none"),
        ("priors hash", prov.priors_hash),
        ("priors", prov.priors_source),
        ("variants", ", ".join(f"{k}={v}" for k, v in prov.variants.items()) or "none"),
        ("scenario hashes", scen),
        ("posterior hash", prov.posterior_hash),
        ("seed", str(prov.seed)),
        ("sampler", f"{s.sampler} {s.chains}×{s.draws} (tune {s.tune})"),
        ("horizon", prov.horizon),
        ("software", ", ".join(f"{k} {v}" for k, v in prov.versions.items())),
        ("generated", generated),
    ]


def context(report: ReportSummary, images: dict[str, str], generated: str) -> dict:
    """Everything the template reads: ``images`` maps a figure id to its data URI,
    ``generated`` is the time shown (UTC)."""
    from .report_trust import structural, track_record

    names = [r.name for r in report.readings]
    years = [y for y in SHOW_YEARS if y in report.report_years] or report.report_years[:5]
    claims_table = claims(report)
    sections = [
        ("brief", "Brief: the sentences to quote"),
        ("headline", "Headline: when each event happens"),
        ("readings", "The readings compared"),
        ("claims", "Published claims beside the engine"),
        ("structural", "What each headline depends on (structural variants)"),
        ("track-record", "How this engine has forecast before"),
        ("figures", "Figures"),
        ("observations", "Observations and their sources"),
        ("growth", "Growth rates (posterior median and 80 % interval)"),
        ("assumptions", "Priors and scenario parameters used"),
        ("diagnostics", "Sampler diagnostics"),
        ("provenance", "Provenance and how to reproduce"),
        ("notes", "Notes"),
    ]
    shown = {
        "claims": claims_table is not None,
        "notes": bool(report.notes),
        "structural": report.structural is not None,
    }
    return {
        "title": "forecast report: " + ", ".join(names),
        "lead": " vs ".join(r.title for r in report.readings),
        "prov": report.provenance,
        "generated": generated,
        "diag": report.diagnostics,
        "sections": [(sid, t) for sid, t in sections if shown.get(sid, True)],
        "brief": report.brief,
        "headline": headline(report, years, len(names)),
        "readings": readings(report),
        "claims": claims_table,
        "structural": structural(report.structural) if report.structural is not None else None,
        "track_record": track_record(report.track_record),
        "figures": figures(report, images),
        "n_observations": len(report.observations),
        "observations": observations(report),
        "growth": growth(report),
        "assumptions": assumptions(report, names),
        "diagnostics": diagnostics(report),
        "provenance": provenance(report, generated),
        "command": report.command or "",
        "notes": report.notes,
    }
