"""The brief: per headline event and reading, one plain sentence a policy reader can quote,
and the citation string that pins it (code, model, data, priors, posterior, seed).

:func:`brief` reads a report's typed content (:class:`forecast.results_report.ReportContent`,
with its ``structural`` part when the report was built with ``--structural``) and returns
a :class:`forecast.results_report.Brief`; nothing here prints or writes. The events are ``brief_events`` of
``forecast/data/settings.toml``; an event the report lacks is left out.
"""

from __future__ import annotations

import calendar
import re

from .results_report import Brief, BriefLine, HeadlineRow, ReportContent
from .results_structural import StructuralEvent
from .settings import BRIEF_EVENTS


def month_text(date: str | None) -> str | None:
    """'2031-06-21' -> 'June 2031' (None stays None)."""
    if not date:
        return None
    return f"{calendar.month_name[int(date[5:7])]} {date[:4]}"


def pct(p: float) -> str:
    """A probability as a whole percent; below 1 % or above 99 % as '< 1 %' / '> 99 %'."""
    if 0 < p < 0.005:
        return "< 1 %"
    if 0.995 < p < 1:
        return "> 99 %"
    return f"{100 * p:.0f} %"


def citation(report: ReportContent) -> str:
    """The exact string to cite a number of this report by."""
    p = report.provenance
    s = p.sampler
    d = report.diagnostics
    commit = (p.code_commit or "unknown")[:12] + (
        "+dirty" if (p.code_commit or "").endswith("+dirty") else ""
    )
    diag = "converged" if d.ok else "NOT converged: " + "; ".join(d.warnings or ["see diagnostics"])
    return (
        f"forecast {report.forecast_version} (commit {commit}), model {p.model_version}, "
        f"data {p.data_hash} as of {p.data_as_of}, priors {p.priors_hash}, posterior "
        f"{p.posterior_hash}, seed {p.seed}, {s.chains} x {s.draws} draws "
        f"({s.sampler}; R-hat max {d.max_rhat:.3f}, ESS min {d.min_ess_bulk:.0f}, "
        f"{d.divergences} divergences: {diag})"
    )


def _structural_event(report: ReportContent, event: str, reading: str) -> StructuralEvent | None:
    """The event's structural numbers (per reading for a composite event), if computed."""
    s = report.structural
    if s is None:
        return None
    return s.events.get(f"{event} [{reading}]") or s.events.get(event)


def _drivers(
    report: ReportContent, event: str, reading: str, structural: StructuralEvent | None
) -> list[str]:
    """What the number depends on: the condition that binds most often (composite events)
    and the structural variant that moves it most."""
    out = []
    comp = report.composite.get(reading, {}).get(event)
    if comp and comp.binding_shares:
        cond, share = max(comp.binding_shares.items(), key=lambda kv: kv[1])
        out.append(f"'{cond}' is the last condition met in {pct(share)} of draws")
    if structural and structural.depends_most_on:
        d = structural.depends_most_on
        out.append(f"the modelling choice that moves it most is '{d.variant}' ({d.shift:+.2f})")
    return out


def _sentence(line: BriefLine, focus: int, as_of: str | None) -> str:
    who = "in every reading" if line.reading is None else f"under '{line.reading_title}'"
    sr = line.structural_range
    rng = f"; {pct(sr.p_low)} to {pct(sr.p_high)} across the modelling choices tried" if sr else ""
    median = month_text(line.median)
    when = (
        f"median {median}, 80 % interval {month_text(line.q10) or 'after the horizon'} to "
        f"{month_text(line.q90) or 'after the horizon'}"
        if median
        else f"median after {line.horizon[:4]}"
    )
    text = (
        f"{line.title} by the end of {focus}: {pct(line.p)} {who} (Monte Carlo error "
        f"± {100 * line.mcse:.1f} points{rng}); {when}; {pct(line.p_never)} of draws "
        f"do not reach it by {line.horizon}."
    )
    if line.drivers:
        first = "; ".join(line.drivers)
        text += " " + first[0].upper() + first[1:] + "."
    for c in line.caveats:
        c = re.sub(r" \([^()]*\)", "", c).rstrip(".")
        text += f" Caveat: {c}."
    return text + f" Data as of {as_of}."


def brief(report: ReportContent) -> Brief:
    """Per headline event and reading: the numbers and one quotable sentence; an event that
    is the same draw for draw in every reading gets one line for all of them."""
    focus = report.focus_year
    titles = {r.name: r.title for r in report.readings}
    as_of = report.provenance.data_as_of
    lines = []
    by_event: dict[str, list[HeadlineRow]] = {}
    for h in report.headline:
        by_event.setdefault(h.event, []).append(h)
    for ev in BRIEF_EVENTS:
        rows = by_event.get(ev, [])
        if rows and rows[0].identical_in_every_reading and len(titles) > 1:
            rows = rows[:1]
            shared = True
        else:
            shared = False
        for h in rows:
            reading = h.reading
            st = _structural_event(report, ev, reading)
            p = h.p_by_year[str(focus)]
            caveats = [n.split(": ", 1)[1] for n in report.notes if n.startswith(f"{ev}: ")]
            line = BriefLine(
                event=ev,
                title=h.title,
                reading=None if shared else reading,
                reading_title=None if shared else titles.get(reading, reading),
                p=p.p,
                mcse=p.mcse,
                structural_range=None if st is None else st.range,
                median=h.quantiles["0.5"],
                q10=h.quantiles["0.1"],
                q90=h.quantiles["0.9"],
                p_never=h.p_not_by_horizon,
                horizon=h.horizon,
                drivers=_drivers(report, ev, reading, st),
                caveats=caveats[:1],
                sentence="",
            )
            lines.append(line.model_copy(update={"sentence": _sentence(line, focus, as_of)}))
    from .track_record import sentence

    record = report.track_record
    return Brief(
        focus_year=focus,
        data_as_of=as_of,
        track_record=sentence(record) if record else None,
        structural=report.structural is not None,
        lines=lines,
        citation=citation(report),
    )
