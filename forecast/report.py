"""A citable report: one self-contained HTML page (figures embedded, no network requests,
no JavaScript) plus the JSON and CSV it was made from, the xarray results its figures are
drawn from, and the posterior.

``build`` computes everything (one posterior, every reading on the same draws);
``render_html`` turns the JSON-able report dict and the rendered figures into the page,
escaping every string (benchmark names, sources, scenario titles come from users);
``write`` writes the files atomically, the page last.
"""

from __future__ import annotations

import base64
import html
import platform
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .errors import ForecastError
from .io import dumps_json, file_hash, write_csv, write_text, write_with

DEFAULT_READINGS = ("inspiration-binding", "compressed-perspiration")
PAGE = "index.html"
FILES = (PAGE, "report.json", "report.csv", "results.nc", "posterior.nc")
SHOW_YEARS = (2026, 2027, 2028, 2030, 2035)
FOCUS_YEAR = 2028


# ---------------------------------------------------------------------------- HTML building


class Raw(str):
    """Trusted markup; every other string is escaped when it enters a tag."""


def esc(x) -> Raw:
    return x if isinstance(x, Raw) else Raw(html.escape("" if x is None else str(x), quote=True))


def tag(name: str, *children, **attrs) -> Raw:
    """``<name attrs>children</name>`` with every text child and attribute value escaped.
    Attribute names: a trailing ``_`` is dropped (``class_``), ``_`` inside becomes ``-``."""
    a = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{esc(v)}"'
        for k, v in attrs.items()
        if v is not None and v is not False
    )
    return Raw(f"<{name}{a}>" + "".join(esc(c) for c in children if c is not None) + f"</{name}>")


def join(parts) -> Raw:
    return Raw("".join(esc(p) for p in parts))


def table(header: list, rows: list[list], **attrs) -> Raw:
    head = tag("thead", tag("tr", *[tag("th", h, scope="col") for h in header]))
    body = tag(
        "tbody",
        *[
            tag(
                "tr",
                *[
                    c if isinstance(c, Raw) and c.startswith(("<td", "<th")) else tag("td", c)
                    for c in r
                ],
            )
            for r in rows
        ],
    )
    return tag("div", tag("table", head, body, **attrs), class_="scroll")


# ---------------------------------------------------------------------------- computing


@dataclass
class Built:
    report: dict
    results: object  # xr.DataTree (plots.results_tree)
    posterior: object  # xr.DataTree
    figures: list = field(default_factory=list)  # plots.Figure, open matplotlib figures


def check_out_dir(out: Path, force: bool) -> None:
    from .output import check_out_dir as guard

    guard(out, force, FILES)


def _scenario_arg(name: str) -> str:
    """How a scenario appears in the reproduce command: a shipped name stays a name, a file
    becomes its absolute path (so the command works from any directory)."""
    from .scenario import default_dir, resolve

    p = resolve(name)
    shipped = default_dir() / f"{name}.toml"
    if (
        "/" not in name
        and not name.endswith(".toml")
        and shipped.exists()
        and Path(p).resolve() == shipped.resolve()
    ):
        return name
    return str(Path(p).resolve())


def reproduce_command(
    *,
    scenarios,
    data=(),
    no_bundled=False,
    variants=(),
    priors_dir=None,
    seed=1,
    draws=1000,
    tune=1000,
    chains=4,
    sampler="nutpie",
    thresholds=(),
    horizon=None,
    out="report",
) -> str:
    """The command line that regenerates a report's numbers: every input that changes them
    (data files, priors, variants, seed, sampler settings, scenarios, thresholds, horizon)."""
    parts = ["forecast", "report"]
    for s in scenarios:
        parts += ["--scenario", _scenario_arg(s)]
    for d in data:
        parts += ["--data", str(Path(d).resolve())]
    if no_bundled:
        parts.append("--no-bundled")
    for v in variants:
        parts += ["--variant", v]
    if priors_dir:
        parts += ["--priors", str(Path(priors_dir).resolve())]
    parts += [
        "--seed",
        str(seed),
        "--draws",
        str(draws),
        "--tune",
        str(tune),
        "--chains",
        str(chains),
        "--sampler",
        sampler,
    ]
    for t in thresholds:
        parts += ["--threshold", t]
    if horizon:
        parts += ["--horizon", horizon]
    parts += ["--out", str(Path(out).resolve()), "--force"]
    return shlex.join(parts)


def build(
    inp,
    scenarios: list[str] = DEFAULT_READINGS,
    thresholds=(),
    horizon=None,
    cache_dir=None,
    refit=False,
    quiet=False,
    command: str | None = None,
    posterior=None,
) -> Built:
    """Fit once (or reuse), run every reading on the same draws, and assemble the report."""
    from . import plots
    from .compare import Arm, compare
    from .pipeline import forecast
    from .reading import load_references
    from .scenario import load, resolve

    if not scenarios:
        raise ForecastError("give at least one --scenario", "--scenario")
    loaded = [load(resolve(s)) for s in scenarios]
    names = [sc.name for sc in loaded]
    if len(set(names)) != len(names):
        raise ForecastError(f"two scenarios share the name {names!r}; rename a file", "--scenario")
    results = {}
    for sc in loaded:
        res = forecast(
            inp,
            list(thresholds),
            horizon,
            cache_dir,
            refit,
            quiet,
            posterior=posterior,
            scenario=sc,
        )
        posterior = res.posterior
        results[sc.name] = res
    claims = load_references()
    cmp = compare([Arm(n, "scenario", r) for n, r in results.items()]) if len(results) > 1 else None
    report = _report_dict(inp, loaded, results, cmp, command)
    tree = plots.results_tree(results, claims)
    return Built(report, tree, posterior)


def _report_dict(inp, scenarios, results: dict, cmp, command) -> dict:
    from .fit import _version
    from .scenario import PARAMS

    names = list(results)
    first = results[names[0]]
    s0 = first.summary
    years = list(next(iter(s0["events"].values()))["p_by_year"]) if s0["events"] else []
    events = list(dict.fromkeys(ev for r in results.values() for ev in r.summary["events"]))
    composite = {
        ev
        for r in results.values()
        for ev, e in r.summary["events"].items()
        if e["benchmark"] == "composite"
    }
    events.sort(key=lambda ev: ev not in composite)  # the readings' own events first
    identical = {}
    if cmp:
        for ev, e in cmp["events"].items():
            identical[ev] = all(
                (v.get("per_draw") or {}).get("share_identical") == 1.0
                for v in e["versus_first"].values()
            )
    headline = []
    for ev in events:
        for n in names:
            e = results[n].summary["events"].get(ev)
            if e is None:
                continue
            headline.append(
                {
                    "event": ev,
                    "reading": n,
                    "title": e["title"],
                    "benchmark": e["benchmark"],
                    "threshold": e["threshold"],
                    "threshold_shown": e.get("threshold_shown"),
                    "p_by_year": e["p_by_year"],
                    "quantiles": e["quantiles"],
                    "p_not_by_horizon": e["p_not_by_horizon"],
                    "p_not_by_horizon_mcse": e["p_not_by_horizon_mcse"],
                    "horizon": e["horizon"],
                    "identical_in_every_reading": identical.get(ev, len(names) == 1),
                }
            )
    readings = []
    for sc in scenarios:
        readings.append(
            {
                "name": sc.name,
                "title": sc.spec.title,
                "reading": sc.spec.reading,
                "description": sc.spec.description,
                "path": sc.path,
                "digest": sc.digest,
                "start": sc.spec.start,
                "horizon": sc.spec.horizon,
            }
        )
    obs = []
    from .units import fmt

    for r in inp.rows:
        fig = (
            f"{fmt(r.low, r.dimension)} – {fmt(r.high, r.dimension)}"
            if r.is_range
            else ("~" if r.approximate else "") + fmt(r.value, r.dimension)
        )
        obs.append(
            {
                "benchmark": r.benchmark,
                "date": r.date,
                "system": r.system,
                "figure": fig,
                "value": None if r.is_range else r.value,
                "low": None if not r.is_range else r.low,
                "high": None if not r.is_range else r.high,
                "unit": r.unit,
                "kind": r.kind,
                "approximate": r.approximate,
                "variant": r.variant,
                "source": r.source,
                "note": r.note,
                "origin": r.origin,
            }
        )
    params = []
    from .reading import _describe

    for p, spec in PARAMS.items():
        params.append(
            {
                "parameter": p,
                "meaning": spec.meaning,
                "unit": spec.canonical,
                "values": {sc.name: _describe(sc, p) for sc in scenarios},
                "why": {sc.name: sc.params[p].why for sc in scenarios},
            }
        )
    evidence = {sc.name: sc.spec.evidence.model_dump() for sc in scenarios}
    scen_events = {sc.name: [e.model_dump() for e in sc.spec.events] for sc in scenarios}
    prov = dict(s0["provenance"])
    prov["data_files"] = [
        {"path": str(Path(d).resolve()), "sha256_16": file_hash(d)} for d in inp.data_files
    ]
    prov["scenarios"] = {sc.name: {"path": sc.path, "hash": sc.digest} for sc in scenarios}
    prov.pop("scenario_hash", None)
    prov["priors_source"] = inp.priors.source
    prov["versions"] = {
        "forecast": __version__,
        "python": platform.python_version(),
        "pymc": _version("pymc"),
        "arviz": _version("arviz"),
        "nutpie": _version("nutpie"),
        "xarray": _version("xarray"),
        "matplotlib": _version("matplotlib"),
    }
    return {
        "report_format": 1,
        "forecast_version": __version__,
        "command": command,
        "focus_year": FOCUS_YEAR,
        "report_years": [int(y) for y in years],
        "readings": readings,
        "headline": headline,
        "comparison": cmp,
        "composite": {
            n: {
                ev: {
                    k: e[k] for k in ("title", "conditions", "binding_shares", "condition_medians")
                }
                for ev, e in results[n].summary["events"].items()
                if "binding_shares" in e
            }
            for n in names
        },
        "residual": {n: results[n].summary.get("residual") for n in names},
        "references": {n: results[n].summary["references"] for n in names},
        "benchmarks": s0["benchmarks"],
        "observations": obs,
        "priors": {
            "source": inp.priors.source,
            "hash": inp.priors.digest(),
            "rows": _prior_rows(inp.priors.model_dump(exclude={"source"})),
        },
        "scenario_parameters": params,
        "evidence": evidence,
        "scenario_events": scen_events,
        "diagnostics": s0["diagnostics"],
        "notes": list(dict.fromkeys(n for r in results.values() for n in r.notes)),
        "provenance": prov,
        "figures": [],
    }


def _prior_rows(d: dict, path: str = "") -> list[dict]:
    """Flatten the priors into (key, setting, why) rows: a ``why`` justifies the other
    settings of its table, a ``why_X`` the setting ``X``."""
    rows = []
    whys = {k: v for k, v in d.items() if k.startswith("why")}
    plain = {k: v for k, v in d.items() if not k.startswith("why") and not isinstance(v, dict)}
    paired = {k[4:] for k in whys if k != "why"}
    main = {k: v for k, v in plain.items() if k not in paired and v is not None}
    if "why" in whys and main:
        rows.append(
            {
                "key": path,
                "setting": ", ".join(f"{k} = {v}" for k, v in main.items()),
                "why": whys["why"],
            }
        )
    for k in sorted(paired):
        v = d.get(k)
        if v is None:
            continue
        setting = ", ".join(f"{a} = {b}" for a, b in v.items()) if isinstance(v, dict) else str(v)
        rows.append({"key": f"{path}.{k}".strip("."), "setting": setting, "why": whys[f"why_{k}"]})
    for k, v in d.items():
        if isinstance(v, dict) and k not in paired:
            rows += _prior_rows(v, f"{path}.{k}".strip("."))
    return rows


def headline_csv(report: dict) -> tuple[list[str], list[list]]:
    years = report["report_years"]
    p = report["provenance"]
    header = (
        [
            "reading",
            "event",
            "title",
            "benchmark",
            "threshold",
            "threshold_shown",
            "q10",
            "median",
            "q90",
            "p_not_by_horizon",
            "p_not_by_horizon_mcse",
            "horizon",
        ]
        + [f"p_by_{y}" for y in years]
        + [f"mcse_by_{y}" for y in years]
        + [
            "identical_in_every_reading",
            "scenario_hash",
            "data_hash",
            "priors_hash",
            "posterior_hash",
            "seed",
        ]
    )
    rows = []
    for h in report["headline"]:
        q = h["quantiles"]
        rows.append(
            [
                h["reading"],
                h["event"],
                h["title"],
                h["benchmark"],
                "" if h["threshold"] is None else h["threshold"],
                h["threshold_shown"] or "",
                q["0.1"] or "",
                q["0.5"] or "",
                q["0.9"] or "",
                h["p_not_by_horizon"],
                h["p_not_by_horizon_mcse"],
                h["horizon"],
            ]
            + [h["p_by_year"][str(y)]["p"] for y in years]
            + [h["p_by_year"][str(y)]["mcse"] for y in years]
            + [
                h["identical_in_every_reading"],
                p["scenarios"][h["reading"]]["hash"],
                p["data_hash"],
                p["priors_hash"],
                p["posterior_hash"],
                p["seed"],
            ]
        )
    return header, rows


# ---------------------------------------------------------------------------- the page

CSS = """
:root { --fg:#1b1b1b; --muted:#555; --line:#d8d8d8; --accent:#1f5fa8; --warn:#8a1c1c; --warnbg:#fdecea; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1240px; padding: 1.5rem 1.2rem 4rem; background: #fff; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; } h2 { font-size: 1.3rem; margin-top: 2.4rem;
     border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: 0; }
nav ol { columns: 2; font-size: .92rem; } nav a { color: var(--accent); }
.scroll { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .86rem; min-width: 60%; }
th, td { border-bottom: 1px solid var(--line); padding: .28rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f5f8; border-bottom: 2px solid #b9c2cf; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#headline-table td:first-child { white-space: nowrap; }
ul.key { font-size: 1.02rem; } ul.key li { margin: .2rem 0; }
td.focus { background: #eef4fb; font-weight: 600; }
tr.group td { background: #fafafa; font-weight: 600; border-top: 2px solid #b9c2cf; }
small.se { color: var(--muted); font-weight: normal; }
.warning { border: 2px solid var(--warn); background: var(--warnbg); color: var(--warn); padding: .7rem 1rem;
           margin: 1rem 0; font-weight: 600; }
.ok { border-left: 4px solid #2e7d32; background: #edf7ee; padding: .5rem 1rem; margin: 1rem 0; }
figure { margin: 1.2rem 0 2rem; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: .88rem; color: var(--muted); margin-top: .3rem; }
pre, code { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: .84rem; }
pre { background: #f5f5f5; padding: .7rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
td code { word-break: break-all; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; font-size: .9rem; }
dl.kv dt { font-weight: 600; } dl.kv dd { margin: 0; word-break: break-all; }
.muted { color: var(--muted); }
@media print { nav { display: none; } figure { break-inside: avoid; } }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _p(x: dict, focus=False) -> Raw:
    return tag(
        "td",
        f"{x['p']:.3f} ",
        tag("small", f"± {x['mcse']:.3f}", class_="se"),
        class_="num focus" if focus else "num",
    )


def _diag_block(d: dict, top: bool = False) -> Raw:
    if d.get("ok"):
        return tag(
            "div",
            "Sampler diagnostics: all thresholds met (max R-hat ≤ "
            f"{d['thresholds']['max_rhat']}, bulk and tail ESS ≥ {d['thresholds']['min_ess']}, "
            "no divergences).",
            class_="ok",
            id="diagnostics-ok",
        )
    return tag(
        "div",
        tag("strong", "WARNING: "),
        "the sampler's diagnostics missed their thresholds, so "
        "the numbers below may be unreliable (rerun with more --draws/--tune): ",
        tag("ul", *[tag("li", w) for w in d.get("warnings", [])]),
        class_="warning",
        id="diagnostics-warning" if top else "diagnostics-warning-detail",
        role="alert" if top else None,
    )


def render_html(report: dict, images: dict[str, bytes], generated: str | None = None) -> str:
    """The page: ``report`` is the JSON-able dict written as report.json; ``images`` maps a
    figure id to its PNG bytes (embedded as data URIs)."""
    generated = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    prov = report["provenance"]
    diag = report["diagnostics"]
    readings = report["readings"]
    names = [r["name"] for r in readings]
    years = [y for y in SHOW_YEARS if y in report["report_years"]] or report["report_years"][:5]
    focus = report["focus_year"]
    sections: list[tuple[str, str, Raw]] = []

    # headline
    head = (
        ["event / reading"]
        + [f"P by end of {y}" for y in years]
        + ["median", "80 % interval", "P(not by horizon)"]
    )
    rows = []
    last = None
    for h in report["headline"]:
        if h["event"] != last:
            last = h["event"]
            note = (
                " — identical in every reading (same draws)"
                if h["identical_in_every_reading"] and len(names) > 1
                else ""
            )
            thr = (
                f" [{h['threshold_shown']}]"
                if h.get("threshold_shown") not in (None, "composite")
                else ""
            )
            rows.append(
                Raw(
                    tag(
                        "tr",
                        tag(
                            "td",
                            tag("span", h["title"]),
                            thr,
                            " ",
                            tag("code", h["event"]),
                            tag("span", note, class_="muted"),
                            colspan=len(head),
                        ),
                        class_="group",
                    )
                )
            )
        q = h["quantiles"]
        cells = [tag("td", h["reading"])] + [_p(h["p_by_year"][str(y)], y == focus) for y in years]
        cells += [
            tag("td", q["0.5"] or "not by horizon", class_="num"),
            tag("td", f"{q['0.1'] or 'never'} – {q['0.9'] or 'never'}", class_="num"),
            tag(
                "td",
                f"{h['p_not_by_horizon']:.3f} ",
                tag("small", f"± {h['p_not_by_horizon_mcse']:.3f}", class_="se"),
                class_="num",
            ),
        ]
        rows.append(Raw(tag("tr", *cells)))
    head_tbl = tag(
        "div",
        tag(
            "table",
            tag("thead", tag("tr", *[tag("th", c, scope="col") for c in head])),
            tag("tbody", *rows),
            id="headline-table",
        ),
        class_="scroll",
    )
    key: dict[str, list] = {}
    for h in report["headline"]:
        p = h["p_by_year"].get(str(focus))
        if h["benchmark"] == "composite" and p:
            key.setdefault(h["event"], [h["title"]]).append(
                join(
                    [
                        f"{h['reading']}: ",
                        tag("strong", f"{p['p']:.3f}"),
                        f" ± {p['mcse']:.3f} (median "
                        f"{h['quantiles']['0.5'] or 'not by the horizon'})",
                    ]
                )
            )
    key_list = (
        tag(
            "ul",
            *[
                tag(
                    "li",
                    f"P({v[0]} by the end of {focus}) — ",
                    join([join([x, "; " if i < len(v) - 2 else ""]) for i, x in enumerate(v[1:])]),
                )
                for v in key.values()
            ],
            class_="key",
        )
        if key
        else ""
    )
    sections.append(
        (
            "headline",
            "Headline: when each event happens",
            join(
                [
                    key_list,
                    tag(
                        "p",
                        "P(event by the end of the year) ± its Monte Carlo standard error (from the effective "
                        "sample size of the indicator), the median date and the 80 % interval; 'never' means a share "
                        "of draws has not crossed by the horizon. Every reading uses the same posterior draws and "
                        f"common random numbers. The column for {focus} is highlighted.",
                    ),
                    head_tbl,
                ]
            ),
        )
    )

    # readings and their comparison
    parts = [
        tag(
            "p",
            "Each reading is a scenario file; they differ only where the parameter table below "
            "says so.",
        )
    ]
    parts.append(
        table(
            ["reading", "title", "description", "file", "hash"],
            [
                [r["name"], r["title"], r["description"], r["path"], tag("code", r["digest"])]
                for r in readings
            ],
            id="readings-table",
        )
    )
    cmp = report.get("comparison")
    if cmp:
        items = []
        for ev, e in cmp["events"].items():
            for lab, v in e["versus_first"].items():
                g = v.get("per_draw")
                if g and g["share_identical"] == 1.0:
                    continue
                txt = (
                    f"{e['title']} ({ev}): {lab} vs {names[0]}: P(by end of {cmp['focus_year']}) "
                    f"{v['p_by_focus_year_shift']:+.3f}"
                )
                if v["median_shift_years"] is not None:
                    txt += f", median shift {v['median_shift_years']:+.2f} y"
                if g:
                    gy = g["gap_years_never_at_horizon"]
                    txt += (
                        f"; per-draw gap ('never' at the horizon) median {gy['median']:+.2f} y, 80 % "
                        f"{gy['q10']:+.2f} to {gy['q90']:+.2f} y; {lab} earlier in "
                        f"{100 * g['share_second_earlier']:.0f} % of draws, the only one to cross in "
                        f"{100 * g['share_only_second_crosses']:.0f} %"
                    )
                items.append(tag("li", txt))
        parts.append(tag("h3", "What differs between the readings"))
        parts.append(
            tag("ul", *items) if items else tag("p", "No event differs between the readings.")
        )
    for n, comp in report["composite"].items():
        for e in comp.values():
            if len(e["conditions"]) < 2:
                continue
            top = max(e["binding_shares"], key=e["binding_shares"].get)
            parts.append(
                tag(
                    "p",
                    f"{n}: for {e['title']} the binding (last) condition is most often ",
                    tag("code", top),
                    f" ({100 * e['binding_shares'][top]:.0f} % of draws).",
                )
            )
    sections.append(("readings", "The readings compared", join(parts)))

    # claims
    crow = []
    for n, refs in report["references"].items():
        for r in refs:
            crow.append(
                [
                    r["who"],
                    r["claim"],
                    n,
                    tag("td", f"{r['engine_p']:.3f} ± {r['engine_mcse']:.3f}", class_="num"),
                    f"by {r['by']}",
                    r["verdict"],
                    r["under"],
                ]
            )
    if crow:
        sections.append(
            (
                "claims",
                "Published claims beside the engine",
                table(
                    ["who", "claim", "reading", "engine P", "date", "verdict", "under"],
                    crow,
                    id="claims-table",
                ),
            )
        )

    # figures
    figs = []
    kinds = {
        "cdf": "Event dates under each reading",
        "binding": "Binding conditions",
        "trajectory": "R&D multiplier",
        "fan": "Growth of each benchmark",
        "diagnostics": "Sampler diagnostics",
    }
    shown = None
    for f in report["figures"]:
        if f["kind"] != shown:
            shown = f["kind"]
            figs.append(tag("h3", kinds.get(f["kind"], f["kind"])))
        png = images.get(f["id"])
        if png is None:
            continue
        src = "data:image/png;base64," + base64.b64encode(png).decode()
        figs.append(
            tag(
                "figure",
                Raw(
                    f'<img src="{esc(src)}" alt="{esc(f["title"])}" '
                    f'width="{f["width"]}" height="{f["height"]}">'
                ),
                tag(
                    "figcaption",
                    tag("strong", f["title"] + ". "),
                    f["caption"],
                    " Files: ",
                    tag("a", f["png"], href=f["png"]),
                    ", ",
                    tag("a", f["svg"], href=f["svg"]),
                    ".",
                ),
                id=f"fig-{f['id']}",
                class_="figure",
            )
        )
    sections.append(("figures", "Figures", join(figs)))

    # observations
    obs_rows = [
        [
            o["benchmark"],
            o["date"] or "—",
            o["system"],
            tag("td", o["figure"], class_="num"),
            o["kind"],
            o["variant"] or "",
            o["source"],
            o["note"],
            tag("td", tag("code", o["origin"])),
        ]
        for o in report["observations"]
    ]
    sections.append(
        (
            "observations",
            "Observations and their sources",
            join(
                [
                    tag(
                        "p",
                        f"{len(obs_rows)} rows enter the fit (a source's other variants are left out; see "
                        "`forecast data`). Human baselines are thresholds, not data.",
                    ),
                    table(
                        [
                            "benchmark",
                            "date",
                            "system",
                            "figure",
                            "kind",
                            "variant",
                            "source",
                            "note",
                            "row",
                        ],
                        obs_rows,
                        id="observations-table",
                    ),
                ]
            ),
        )
    )

    # growth
    grow = []
    for b, g in report["benchmarks"].items():
        if g["family"] == "bounded":
            y = g["years_10_to_90_pct_of_ceiling"]
            c = g["ceiling"]
            txt = (
                f"10→90 % of ceiling in {y['median']:.2f} y ({y['q10']:.2f}–{y['q90']:.2f}); ceiling "
                f"{100 * c['median']:.0f} % ({100 * c['q10']:.0f}–{100 * c['q90']:.0f})"
            )
        else:
            d = g["doubling_time_months"]
            a = g["rate_change_per_year"]
            txt = (
                f"doubling time {d['median']:.1f} months ({d['q10']:.1f}–{d['q90']:.1f}) at "
                f"{g['doubling_time_at']}; rate change {a['median']:+.2f}/y"
            )
        grow.append([b, g["family"], g["n_observations"], txt, g["rate_source"]])
    sections.append(
        (
            "growth",
            "Growth rates (posterior median and 80 % interval)",
            table(["benchmark", "family", "n", "growth", "rate from"], grow, id="growth-table"),
        )
    )

    # priors and scenario parameters
    pri = report["priors"]
    prows = [[tag("td", tag("code", r["key"])), r["setting"], r["why"]] for r in pri["rows"]]
    srows = []
    for p in report["scenario_parameters"]:
        vals = list(p["values"].values())
        differs = len(set(vals)) > 1
        whys = list(dict.fromkeys(p["why"].values()))
        srows.append(
            [tag("td", tag("code", p["parameter"])), p["meaning"], p["unit"]]
            + [tag("td", p["values"][n], class_="focus" if differs else None) for n in names]
            + [tag("td", *[tag("p", w) for w in whys]) if len(whys) > 1 else whys[0]]
        )
    ev_rows = []
    for n, evs in report["scenario_events"].items():
        for e in evs:
            ev_rows.append(
                [
                    n,
                    tag("td", tag("code", e["id"])),
                    e["title"],
                    tag("td", tag("ul", *[tag("li", c) for c in e["all_of"]])),
                    e["why"],
                ]
            )
    evid = []
    for n, ev in report["evidence"].items():
        for k, v in ev.items():
            evid.append(
                [
                    n,
                    k,
                    ", ".join(f"{a} = {b}" for a, b in v.items() if a != "why"),
                    v.get("why", ""),
                ]
            )
    sections.append(
        (
            "assumptions",
            "Priors and scenario parameters used",
            join(
                [
                    tag(
                        "p",
                        f"Priors from {pri['source']} (hash ",
                        tag("code", pri["hash"]),
                        "). Every prior carries its justification.",
                    ),
                    table(["key", "setting", "why"], prows, id="priors-table"),
                    tag(
                        "h3",
                        "Scenario parameters (canonical units; a highlighted value differs between readings)",
                    ),
                    table(
                        ["parameter", "meaning", "unit", *names, "why"],
                        srows,
                        id="scenario-table",
                    ),
                    tag("h3", "Evidence entering the research residual"),
                    table(["reading", "evidence", "figures", "why"], evid),
                    tag("h3", "Composite events"),
                    table(["reading", "id", "title", "all of", "why"], ev_rows),
                ]
            ),
        )
    )

    # diagnostics
    t = diag["thresholds"]
    drows = [
        [
            "max R-hat",
            tag("td", f"{diag['max_rhat']:.4f}", class_="num"),
            f"≤ {t['max_rhat']}",
            diag.get("max_rhat_parameter", ""),
            "ok" if diag["max_rhat"] <= t["max_rhat"] else "MISSED",
        ],
        [
            "min bulk ESS",
            tag("td", f"{diag['min_ess_bulk']:.0f}", class_="num"),
            f"≥ {t['min_ess']}",
            diag.get("min_ess_bulk_parameter", ""),
            "ok" if diag["min_ess_bulk"] >= t["min_ess"] else "MISSED",
        ],
        [
            "min tail ESS",
            tag("td", f"{diag['min_ess_tail']:.0f}", class_="num"),
            f"≥ {t['min_ess']}",
            diag.get("min_ess_tail_parameter", ""),
            "ok" if diag["min_ess_tail"] >= t["min_ess"] else "MISSED",
        ],
        [
            "divergences",
            tag("td", str(diag["divergences"]), class_="num"),
            f"= {t['divergences']}",
            "",
            "ok" if diag["divergences"] <= t["divergences"] else "MISSED",
        ],
    ]
    s = prov["sampler"]
    sections.append(
        (
            "diagnostics",
            "Sampler diagnostics",
            join(
                [
                    _diag_block(diag),
                    tag(
                        "p",
                        f"{s['sampler']}, {s['chains']} chains × {s['draws']} draws after {s['tune']} tuning steps, "
                        f"target acceptance {s['target_accept']}; trace and rank plots are under Figures.",
                    ),
                    table(
                        ["check", "value", "threshold", "worst parameter", "status"],
                        drows,
                        id="diagnostics-table",
                    ),
                ]
            ),
        )
    )

    # provenance
    kv = [
        ("forecast version", prov["versions"]["forecast"]),
        ("model version", prov["model_version"]),
        ("data hash", prov["data_hash"]),
        ("observations", str(prov["n_observations"])),
        ("bundled data", "yes" if prov["bundled_data"] else "no"),
        (
            "data files",
            "; ".join(f"{d['path']} ({d['sha256_16']})" for d in prov["data_files"]) or "none",
        ),
        ("priors hash", prov["priors_hash"]),
        ("priors", prov["priors_source"]),
        ("variants", ", ".join(f"{k}={v}" for k, v in prov["variants"].items()) or "none"),
        (
            "scenario hashes",
            "; ".join(f"{k}: {v['hash']} ({v['path']})" for k, v in prov["scenarios"].items()),
        ),
        ("posterior hash", prov["posterior_hash"]),
        ("seed", str(prov["seed"])),
        ("sampler", f"{s['sampler']} {s['chains']}×{s['draws']} (tune {s['tune']})"),
        ("horizon", prov["horizon"]),
        ("software", ", ".join(f"{k} {v}" for k, v in prov["versions"].items())),
        ("generated", generated),
    ]
    dl = tag(
        "dl", *[Raw(tag("dt", k) + tag("dd", v)) for k, v in kv], class_="kv", id="provenance-list"
    )
    sections.append(
        (
            "provenance",
            "Provenance and how to reproduce",
            join(
                [
                    dl,
                    tag(
                        "p",
                        "This command regenerates every number on this page (same data files, priors, scenarios, "
                        "seed and sampler settings; the posterior is reused from the cache when the hashes match and "
                        "sampled again, with the same seed, when they do not):",
                    ),
                    tag("pre", tag("code", report["command"] or ""), id="reproduce"),
                    tag(
                        "p",
                        "Files beside this page: ",
                        tag("a", "report.json", href="report.json"),
                        " (everything on the page), ",
                        tag("a", "report.csv", href="report.csv"),
                        " (the headline table), ",
                        tag("a", "results.nc", href="results.nc"),
                        " (the xarray results the figures are drawn from), ",
                        tag("a", "posterior.nc", href="posterior.nc"),
                        " (the posterior), and figures/ (PNG and SVG).",
                    ),
                ]
            ),
        )
    )
    if report.get("notes"):
        sections.append(("notes", "Notes", tag("ul", *[tag("li", n) for n in report["notes"]])))

    titles = " vs ".join(r["title"] for r in readings)
    nav = tag(
        "nav",
        tag("ol", *[tag("li", tag("a", title, href=f"#{sid}")) for sid, title, _ in sections]),
    )
    body = join(
        [
            tag(
                "header",
                tag("h1", "AI-capability timelines: forecast report"),
                tag("p", titles, class_="lead"),
                tag(
                    "p",
                    f"forecast {prov['versions']['forecast']} · data {prov['data_hash'][:8]} · priors "
                    f"{prov['priors_hash'][:8]} · seed {prov['seed']} · posterior "
                    f"{prov['posterior_hash'][:8]} · generated {generated}",
                    class_="muted",
                ),
            ),
            _diag_block(diag, top=True) if not diag.get("ok") else "",
            nav,
        ]
        + [tag("section", tag("h2", title), content, id=sid) for sid, title, content in sections]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc('forecast report: ' + ', '.join(names))}</title>"
        f"<style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


# ---------------------------------------------------------------------------- writing


def render_figures(built: Built) -> dict[str, dict[str, bytes]]:
    """Draw every figure from the saved-format results, encode it (PNG, SVG) and close it;
    fills ``report['figures']``."""
    from . import plots

    plt = plots._plt()
    out: dict[str, dict[str, bytes]] = {}
    meta = []
    for f in plots.all_figures(built.results, built.posterior):
        try:
            data = plots.render(f.fig, f.dpi)
        finally:
            plt.close(f.fig)
        out[f.id] = data
        png = data["png"]
        px = (
            int.from_bytes(png[16:20], "big"),
            int.from_bytes(png[20:24], "big"),
        )  # the IHDR chunk
        meta.append(
            {
                "id": f.id,
                "kind": f.kind,
                "title": f.title,
                "caption": f.caption,
                "png": f"figures/{f.id}.png",
                "svg": f"figures/{f.id}.svg",
                "width": px[0],
                "height": px[1],
            }
        )
    built.report["figures"] = meta
    return out


def write(
    out: Path, built: Built, rendered: dict[str, dict[str, bytes]], force: bool = False
) -> list[Path]:
    """Write the report's files into ``out`` (each atomically, the page last)."""
    from . import plots
    from .fit import save

    check_out_dir(out, force)
    report = built.report
    images = {k: v["png"] for k, v in rendered.items()}
    page = render_html(report, images)
    header, rows = headline_csv(report)
    report_text = dumps_json(report)
    try:
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ForecastError(
            f"cannot create the output directory ({e.strerror})", str(out)
        ) from None
    written = []
    for fid, data in rendered.items():
        for ext, b in data.items():
            p = out / "figures" / f"{fid}.{ext}"
            write_with(p, lambda tmp, b=b: Path(tmp).write_bytes(b))
            written.append(p)
    keep = set(written)
    for old in (out / "figures").glob("*"):
        if old.suffix in (".png", ".svg") and old not in keep:
            old.unlink()  # a figure of a benchmark or event no longer in the report
    plots.save_results(built.results, out / "results.nc")
    save(built.posterior, out / "posterior.nc")
    write_text(out / "report.json", report_text)
    write_csv(out / "report.csv", header, rows)
    write_text(out / PAGE, page)
    return [
        out / PAGE,
        out / "report.json",
        out / "report.csv",
        out / "results.nc",
        out / "posterior.nc",
        out / "figures",
    ]
