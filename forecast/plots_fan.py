"""Fan charts: a benchmark's observations and its fitted growth curve, drawn from the
report's results (:mod:`forecast.plots_results`)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import xarray as xr

from .figures import plain_text, plain_title, pyplot, year_ticks
from .plots_results import readings

FAN_QUANTILES = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
BAND = "#1f5fa8"
THRESHOLD = "#b22222"
BASELINE = "#555555"


def _display(dimension: str, values: np.ndarray) -> tuple[float, str, bool]:
    """(factor from canonical, unit label, log scale) for a benchmark's axis."""
    if dimension == "share":
        return 100.0, "% of tasks", False
    if dimension == "duration":
        big = np.nanmax(values) >= 60 if np.isfinite(values).any() else False
        return (1 / 60, "hours (log scale)", True) if big else (1.0, "minutes (log scale)", True)
    return 1.0, "multiplier (log scale)", True


def _source_list(oa: xr.Dataset, order: np.ndarray, dim: str) -> str:
    """The numbered observations printed under the chart, each with a letter naming its
    source, then each distinct source once (a series' rows mostly share one)."""
    from .units import fmt

    lines: list[str] = []
    letters: dict[str, str] = {}
    for k, j in enumerate(order, start=1):
        r = oa.isel(observation=int(j))
        rng = np.isnan(float(r["value"]))
        fig_txt = (
            f"{fmt(float(r['low']), dim)} – {fmt(float(r['high']), dim)}"
            if rng
            else f"{'~' if bool(r['approximate']) else ''}{fmt(float(r['value']), dim)}"
        )
        src = str(r["source"].item())
        letter = letters.setdefault(src, _letter(len(letters)))
        lines.append(f"[{k}] {r['date'].item()}  {r['system'].item()}: {fig_txt} ({letter})")
    if not lines:
        return "(no AI observations)"
    sources = [
        textwrap.fill(f"({letter}) {src}", 140, subsequent_indent="     ")
        for src, letter in letters.items()
    ]
    return "\n".join([textwrap.fill(x, 140, subsequent_indent="     ") for x in lines] + sources)


def _letter(n: int) -> str:
    """a, b, ..., z, aa, ab, ...: the label of the n-th distinct source (from 0)."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def _draw_observations(ax: Any, oa: xr.Dataset, order: np.ndarray, factor: float) -> None:
    """Observed points, numbered (the numbers refer to the source list under the axes),
    with their published ranges and date periods (± √3 sd of a uniform period) as bars."""
    for k, j in enumerate(order, start=1):
        r = oa.isel(observation=int(j))
        t, tsd = float(r["time"]), float(r["time_sd"])
        rng = np.isnan(float(r["value"]))
        y = (float(r["low"]) + float(r["high"])) / 2 if rng else float(r["value"])
        yerr = None
        if rng:
            yerr = [[(y - float(r["low"])) * factor], [(float(r["high"]) - y) * factor]]
        approx = bool(r["approximate"])
        ax.errorbar(
            [t],
            [y * factor],
            yerr=yerr,
            xerr=[[np.sqrt(3) * tsd]],
            fmt="o",
            mfc="white" if approx else "black",
            mec="black",
            ecolor="black",
            ms=5,
            capsize=3,
            zorder=5,
        )
        ax.annotate(str(k), (t, y * factor), textcoords="offset points", xytext=(4, 4), fontsize=7)


def _threshold_marks(
    results: xr.DataTree, benchmark: str, o: xr.Dataset, ai: np.ndarray
) -> tuple[dict[float, list[str]], dict[float, str]]:
    """(canonical value -> events with that threshold, human-baseline value -> source);
    thresholds from the first reading (they do not depend on it)."""
    r0 = next(iter(readings(results).values()))
    tb = r0["event_benchmark"].values.astype(str) == benchmark
    baseline = {float(v): str(s) for v, s in zip(o["value"].values[~ai], o["source"].values[~ai])}
    marks: dict[float, list[str]] = {}
    for ev, thr in zip(r0["event"].values[tb], r0["threshold"].values[tb]):
        if np.isfinite(thr):
            marks.setdefault(float(thr), []).append(str(ev))
    for v in baseline:
        marks.setdefault(v, [])
    return marks, baseline


def _label_thresholds(
    ax: Any,
    marks: dict[float, list[str]],
    baseline: dict[float, str],
    dim: str,
    factor: float,
    x: tuple[float, float],
) -> None:
    """Threshold labels at the right end, above the line, or below it when two are close."""
    from .units import fmt

    x0, horizon = x
    y_ax = lambda v: ax.transLimits.transform(ax.transScale.transform((x0, v * factor)))[1]  # noqa: E731
    last = None
    for v in sorted(marks, reverse=True):
        evs = marks[v]
        label = ", ".join(evs) + (f" ({fmt(v, dim)})" if evs else "")
        if v in baseline:
            label = (label + " = " if evs else "") + f"human baseline ({fmt(v, dim)})"
        below = last is not None and last - y_ax(v) < 0.06
        plain_text(
            ax,
            horizon - 0.01 * (horizon - x0),
            v * factor,
            label + " ",
            color=THRESHOLD if evs else BASELINE,
            fontsize=8,
            ha="right",
            va="top" if below else "bottom",
            bbox={"facecolor": "white", "alpha": 0.7, "lw": 0, "pad": 1},
        )
        last = y_ax(v)


def _legend_and_sources(ax: Any, lax: Any, wrapped: str, foot: float) -> None:
    from matplotlib.lines import Line2D

    h, lab = ax.get_legend_handles_labels()
    h += [
        Line2D([], [], marker="o", color="black", ls="none", ms=5),
        Line2D([], [], color=THRESHOLD, ls="--"),
    ]
    lab += ["observed (open: approximate; bars: range, date period)", "threshold"]
    lax.legend(
        h, lab, loc="upper center", ncol=4, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 1.0)
    )
    plain_text(
        lax,
        0.0,
        1 - 0.42 / foot,
        "Sources:\n" + wrapped,
        fontsize=7,
        va="top",
        ha="left",
        transform=lax.transAxes,
    )


def _series_named(obs: xr.Dataset, name: str) -> str:
    """The fitted series a benchmark or series id names (:mod:`forecast.series_choice`)."""
    from .errors import ForecastError
    from .series_choice import choose

    bench = obs["benchmark"].values.astype(str)
    ser = obs["series"].values.astype(str) if "series" in obs else bench
    ai = obs["kind"].values.astype(str) == "ai"
    by: dict[str, list[str]] = {}
    for b, s in zip(bench[ai], np.where(ser == "", bench, ser)[ai], strict=True):
        if s not in by.setdefault(b, []):
            by[b].append(s)
    found = choose(name, by, "fan chart")
    if found is None:
        raise ForecastError(f"no observations of {name!r}", "fan chart")
    return found[1]


def _rows_of(obs: xr.Dataset, series: str) -> np.ndarray:
    """Positions of the series' AI rows and of its benchmark's human baselines and floors."""
    kind = obs["kind"].values.astype(str)
    bench = obs["benchmark"].values.astype(str)
    ser = obs["series"].values.astype(str) if "series" in obs else bench
    ser = np.where(ser == "", bench, ser)
    of = set(bench[(ser == series) & (kind == "ai")]) or {series}
    return np.flatnonzero(
        ((ser == series) & (kind == "ai")) | ((kind != "ai") & np.isin(bench, list(of)))
    )


def fan_chart(results: xr.DataTree, benchmark: str, n_grid: int = 300) -> Any:
    """Observed points (with their ranges, date uncertainty and numbered sources), the
    posterior median and 50/80/95 % bands of the growth curve, and the thresholds on this
    benchmark as lines, out to the horizon (x: decimal year). The growth model alone: a
    scenario with feedback moves engineering benchmarks in effective time, which this chart
    does not show.
    """
    from .trajectories import value_at

    plt = pyplot()
    curves = results["curves"].to_dataset()
    obs = results["observations"].to_dataset()
    horizon = float(results.attrs["horizon_year"])
    benchmark = _series_named(obs, benchmark)
    o = obs.isel(observation=_rows_of(obs, benchmark))
    ai = o["kind"].values.astype(str) == "ai"
    dim = str(o["dimension"].values[0])
    t_obs = o["time"].values[ai]
    t0 = (
        float(np.nanmin(t_obs)) - 0.5
        if ai.any()
        else float(curves["t_ref"].sel(benchmark=benchmark)) - 1
    )
    grid = np.linspace(t0, horizon, n_grid)
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.minimum(value_at(curves, benchmark, grid), 1e30)
    q = np.quantile(v, FAN_QUANTILES, axis=0)
    lo_vals = np.concatenate([o["value"].values, o["low"].values, o["high"].values])
    factor, ylabel, log = _display(dim, lo_vals)

    oa = o.isel(observation=np.flatnonzero(ai))
    order = np.argsort(oa["time"].values, kind="stable")
    wrapped = _source_list(oa, order, dim)
    foot = 0.45 + 0.14 * (wrapped.count("\n") + 2)  # inches under the chart: legend, sources
    fig = plt.figure(figsize=(9, 4.6 + foot), layout="constrained")
    gs = fig.add_gridspec(2, 1, height_ratios=[4.6, foot])
    ax = fig.add_subplot(gs[0])
    lax = fig.add_subplot(gs[1])
    lax.axis("off")
    for (a, b), alpha, lab in (
        ((0, 6), 0.15, "95 %"),
        ((1, 5), 0.22, "80 %"),
        ((2, 4), 0.32, "50 %"),
    ):
        ax.fill_between(
            grid, q[a] * factor, q[b] * factor, color=BAND, alpha=alpha, lw=0, label=f"{lab} band"
        )
    ax.plot(grid, q[3] * factor, color=BAND, lw=1.8, label="posterior median")
    marks, baseline = _threshold_marks(results, benchmark, o, ai)
    for v, evs in marks.items():
        ax.axhline(v * factor, color=THRESHOLD if evs else BASELINE, lw=1, ls="--" if evs else ":")
    _draw_observations(ax, oa, order, factor)
    if log:
        ax.set_yscale("log")
        finite = lo_vals[np.isfinite(lo_vals)] * factor
        tops = [v * factor for v in marks] + list(finite)
        ax.set_ylim(min(tops) / 5, max(tops) * 30)
    else:
        ax.set_ylim(0, 100)
    ax.set_xlim(grid[0], horizon)
    year_ticks(ax)
    _label_thresholds(ax, marks, baseline, dim, factor, (grid[0], horizon))
    ax.set_xlabel("date")
    ax.set_ylabel(ylabel)
    plain_title(
        ax, f"{benchmark}: growth model, posterior median and bands to {results.attrs['horizon']}"
    )
    ax.grid(alpha=0.3)
    _legend_and_sources(ax, lax, wrapped, foot)
    return fig
