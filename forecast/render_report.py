"""The report's page and files, from a :class:`forecast.report.Built` (the data) only.

``render_html`` fills ``templates/report.html.j2`` (Jinja2, autoescaped: benchmark names,
sources and scenario titles come from users) with the values of
:func:`forecast.report_page.context`, the CSS of ``templates/report.css`` inlined, every
figure embedded as a data URI: one self-contained file, no network requests, no
JavaScript. ``write`` draws the figures (:func:`forecast.figures.save_figure`; the
sampler-diagnostic ones are reused from the cache when the posterior is unchanged) and
writes every file atomically, the page last.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from .errors import ForecastError
from .io import dumps_json, write_bytes, write_csv, write_text
from .output import date_columns, date_values, inside, make_dir
from .report import FILES, PAGE, Built, check_out_dir
from .results_report import Figure, ReportSummary

if TYPE_CHECKING:
    from .figure_helper import Helper

TEMPLATES = Path(__file__).parent / "templates"
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@functools.cache
def _css() -> Markup:
    css = (TEMPLATES / "report.css").read_text("utf-8")
    if "</" in css:
        raise ValueError("report.css must not contain '</' (it is inlined in a <style> element)")
    return Markup(css)


def render_html(
    report: ReportSummary, images: dict[str, bytes], generated: str | None = None
) -> str:
    """The page: ``report`` is the typed report.json; ``images`` maps a figure id to its PNG
    bytes (embedded as data URIs); ``generated`` the time shown
    [default: now, UTC]."""
    from .report_page import context

    generated = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    uris = {k: "data:image/png;base64," + base64.b64encode(v).decode() for k, v in images.items()}
    ctx = context(report, uris, generated)
    page = _environment().get_template("report.html.j2").render(ctx, css=_css(), csp=CSP)
    return page.lstrip()


def headline_csv(report: ReportSummary) -> tuple[list[str], list[list]]:
    years = report.report_years
    p = report.provenance
    header = [
        *("reading", "event", "title", "benchmark", "threshold", "threshold_shown"),
        *date_columns(years),
        *("identical_in_every_reading", "scenario_hash", "data_hash", "priors_hash"),
        *("posterior_hash", "seed"),
    ]
    rows = [
        [
            *(h.reading, h.event, h.title, h.benchmark),
            "" if h.threshold is None else h.threshold,
            h.threshold_shown or "",
            *date_values(h, [str(y) for y in years]),
            h.identical_in_every_reading,
            p.scenarios[h.reading].hash,
            *(p.data_hash, p.priors_hash, p.posterior_hash, p.seed),
        ]
        for h in report.headline
    ]
    return header, rows


def headline_text(report: ReportSummary) -> str:
    """The terminal summary: P(by end of the focus year) ± MCSE and the median date per
    event and reading."""
    focus = str(report.focus_year)
    lines = [f"P(by end of {focus}) ± MCSE, median date:"]
    for h in report.headline:
        p = h.p_by_year.get(focus)
        if p is None:
            continue
        lines.append(
            f"  {h.event[:26]:<26} {h.reading[:26]:<26} {p.p:.3f} ± {p.mcse:.3f}   "
            f"{h.quantiles['0.5'] or 'not by horizon'}"
        )
    return "\n".join(lines)


def brief_markdown(report: ReportSummary) -> str:
    """brief.md: the brief's sentences, one bullet per event and reading, and the citation."""
    b = report.brief
    names = ", ".join(f"'{r.title}' ({r.reading})" for r in report.readings)
    out = [
        f"# Brief: AI-capability timelines, data as of {b.data_as_of}",
        "",
        f"Readings: {names}. Each probability is P(by the end of {b.focus_year}); the "
        "Monte Carlo error is sampling noise, the range across modelling choices is not"
        + ("." if b.structural else " (not computed here: build the report with --structural)."),
        "",
        *[f"- {line.sentence}" for line in b.lines],
        "",
        b.track_record
        or "How it has forecast before: not in this report (build it with --backtest, "
        "from `forecast backtest --protocol crossing --out bt/`).",
        "",
        f"Cite as: {b.citation}",
        "",
        f"Reproduce: `{report.command}`" if report.command else "",
    ]
    return "\n".join(out).rstrip() + "\n"


def _png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_cache(cache_dir: Path | None, kind: str, tree: Any, dpi: int) -> Path:
    """Where a figure's files are kept between runs: the diagnostic figures per posterior
    (``tree`` the posterior), the others per results tree (``tree`` the results); both keys
    cover every value drawn. ``cache_dir`` is the posterior cache [default: the user's]."""
    from .fit import default_cache_dir
    from .plots_diagnostics import figure_key, results_figure_key

    base = Path(cache_dir) if cache_dir else default_cache_dir()
    if kind == "diagnostics":
        return base / "figures" / f"diagnostics-{figure_key(tree, dpi)}"
    return base / "figures" / f"results-{results_figure_key(tree, dpi)}"


def hand_diagnostics(helper: Helper | None, posterior: Any, cache_dir: Path | None) -> None:
    """Have ``helper`` draw the posterior's uncached diagnostic figures now (they need
    nothing else), while this process runs the readings; a helper not yet started starts
    only if one is uncached."""
    from .plots import diagnostic_figures

    if helper is None:
        return
    caches = {
        f.id: figure_cache(cache_dir, "diagnostics", posterior, f.dpi)
        for f in diagnostic_figures(posterior)
    }
    helper.hand(None, posterior, [i for i, c in caches.items() if not _is_cached(c, i)], caches)


def _cached(cache: Path, fid: str, target: Path) -> list[Path] | None:
    """Copy a cached figure's PNG and SVG to ``target`` (a stem); None when not cached."""
    if not _is_cached(cache, fid):
        return None
    src = [cache / f"{fid}.{ext}" for ext in ("png", "svg")]
    out = []
    for p in src:
        dst = target.with_name(f"{target.name}{p.suffix}")
        write_bytes(dst, p.read_bytes())
        out.append(dst)
    return out


def _keep(cache: Path, paths: list[Path]) -> None:
    """Store a figure's files in the cache; a read-only cache only costs the next run time."""
    try:
        for p in paths:
            write_bytes(cache / p.name, p.read_bytes())
    except (OSError, ForecastError):
        shutil.rmtree(cache, ignore_errors=True)


def write_figures(
    built: Built, folder: Path, helper: Helper | None = None
) -> tuple[list[Figure], dict[str, bytes], list[Path]]:
    """Draw every figure of the report into ``folder`` (PNG and SVG, one at a time, each
    closed once saved), a share of the uncached ones in a second process
    (:mod:`forecast.figure_helper`: ``helper``, the report's, else one started here when
    worth it). Returns the figure list of report.json, the PNG bytes
    per id and the files written."""
    from .figure_helper import report_helper, split
    from .plots import report_figures

    figures = report_figures(built.results, built.posterior)
    groups: dict[tuple[str, int], Path] = {}
    caches: dict[str, Path] = {}
    for f in figures:
        kind = "diagnostics" if f.kind == "diagnostics" else "results"
        if (kind, f.dpi) not in groups:
            tree = built.posterior if kind == "diagnostics" else built.results
            groups[kind, f.dpi] = figure_cache(built.cache_dir, kind, tree, f.dpi)
        caches[f.id] = groups[kind, f.dpi]
    handed = helper.ids if helper else set()
    todo = [f.id for f in figures if f.id not in handed and not _is_cached(caches[f.id], f.id)]
    files: dict[str, list[Path]] = {}
    with contextlib.nullcontext(helper) if helper else report_helper() as h:
        if h is not None:
            h.hand(built.results, built.posterior, sorted(split(todo, h.load_s())), caches)
        theirs = h.ids if h else set()
        for f in figures:  # this process's share first, in page order
            if f.id not in theirs:
                files[f.id] = _figure_files(f, caches[f.id], inside(folder, f.id))
        if h is not None:
            h.wait()
        for f in figures:  # the helper's, from the cache (drawn here if it failed)
            if f.id in theirs:
                files[f.id] = _figure_files(f, caches[f.id], inside(folder, f.id))
    meta: list[Figure] = []
    images: dict[str, bytes] = {}
    written: list[Path] = []
    for f in figures:
        paths = files[f.id]
        png = paths[0].read_bytes()
        images[f.id] = png
        written += paths
        width, height = _png_size(png)
        meta.append(
            Figure(
                id=f.id,
                kind=f.kind,
                title=f.title,
                caption=f.caption,
                png=f"figures/{f.id}.png",
                svg=f"figures/{f.id}.svg",
                width=width,
                height=height,
            )
        )
    return meta, images, written


def _is_cached(cache: Path, fid: str) -> bool:
    return all((cache / f"{fid}.{ext}").is_file() for ext in ("png", "svg"))


def _figure_files(f: Any, cache: Path, stem: Path) -> list[Path]:
    """A figure's PNG and SVG at ``stem``: copied from ``cache``, or drawn and kept there."""
    from .figures import save_figure

    paths = _cached(cache, f.id, stem)
    if paths is None:
        paths = save_figure(f.draw(), stem, f.dpi)
        _keep(cache, paths)
    return paths


def write(
    out: Path,
    built: Built,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    helper: Helper | None = None,
) -> list[Path]:
    """Write the report's files into ``out`` (each atomically, the page last); ``progress``
    is told when the figures are drawn, ``helper`` draws a share of them
    (:func:`write_figures`). ``built.report`` gets the figures and becomes
    report.json (docs/schema/report.schema.json). Called on
    :func:`forecast.publish.publish`'s staging directory, whose ``figures/`` replaces the
    old one whole (so a figure of an event no longer reported does not linger)."""
    from .fit import save
    from .plots_results import save_results

    check_out_dir(out, force)
    folder = out / "figures"
    make_dir(folder, out)
    if progress:
        progress("drawing figures...")
    save_results(built.results, out / "results.nc")  # first, while a helper draws
    save(built.posterior, out / "posterior.nc")
    meta, images, _ = write_figures(built, folder, helper)
    built.report = report = built.report.model_copy(update={"figures": meta})
    page = render_html(report, images)
    write_text(out / "brief.md", brief_markdown(report))
    write_text(out / "report.json", dumps_json(report.as_json()))
    write_csv(out / "report.csv", *headline_csv(report))
    write_text(out / PAGE, page)
    return [out / f for f in FILES] + [folder]
