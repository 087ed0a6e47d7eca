"""Report figures, each a function of saved xarray results (matplotlib, Agg backend;
ArviZ plots for the sampler diagnostics).

The inputs are the two files ``forecast report`` writes beside its page:

* ``results.nc`` (:func:`results_tree`): a DataTree with the growth-curve parameters per
  draw (``/curves``), the observation table (``/observations``), the reference claims
  (``/claims``) and one group per reading (``/readings/reading-<i>``) holding the event
  dates per draw, the R&D-multiplier bands and the binding-condition shares;
* ``posterior.nc``: the fitted posterior (groups ``posterior``, ``sample_stats``).

Every figure function returns a matplotlib Figure; :func:`save` writes it as PNG and SVG
(atomically, without timestamps, so the same results give the same files) and
:func:`render` returns the encoded bytes. Strings from users (benchmark names, sources,
scenario titles) are drawn as plain text: mathtext is off for them.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .io import write_with

FOCUS_YEAR = 2028
FAN_QUANTILES = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
TRAJ_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
DPI = 110


def _plt():
    import sys

    import matplotlib

    if "ipykernel" not in sys.modules:  # in a notebook, keep its inline backend
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "forecast"  # stable ids inside SVG files
    return plt


# ---------------------------------------------------------------------------- results


def _str_coords(ds: xr.Dataset) -> xr.Dataset:
    """Object-dtype string arrays as fixed strings, so they survive netCDF."""
    for name in list(ds.variables):
        if ds[name].dtype == object:
            ds[name] = ds[name].astype(str)
    return ds


def results_tree(results: dict, claims: list[dict] = ()) -> xr.DataTree:
    """The xarray results the report's figures are drawn from.

    ``results`` maps a reading's name to a :class:`forecast.pipeline.Result`; all must come
    from one posterior (as ``forecast report`` makes them). ``claims`` are the reference
    claims (``scenarios/references.toml``) drawn on the date CDFs.
    """
    from .thresholds import parse_horizon

    names = list(results)
    first = results[names[0]]
    curves = first.curves.copy()
    curves = _str_coords(curves.assign_coords(family=curves["family"].astype(str)))
    obs = _str_coords(first.posterior["observations"].to_dataset().copy())
    tree: dict[str, xr.Dataset] = {"/curves": curves, "/observations": obs}
    known = set().union(*(set(map(str, r.dates["event"].values)) for r in results.values()))
    cl = [c for c in claims if c["event"] in known]
    tree["/claims"] = xr.Dataset(
        {
            "event": ("claim", np.array([c["event"] for c in cl], dtype=str)),
            "by": ("claim", np.array([parse_horizon(c["by"], c["id"]) for c in cl], dtype=float)),
            "by_text": ("claim", np.array([c["by"] for c in cl], dtype=str)),
            "p_at_least": ("claim", np.array([c["p_at_least"] for c in cl], dtype=float)),
            "who": ("claim", np.array([c["who"] for c in cl], dtype=str)),
            "claim_text": ("claim", np.array([c["claim"] for c in cl], dtype=str)),
        },
        coords={"claim": np.array([c["id"] for c in cl], dtype=str)},
    )
    horizons = []
    for i, name in enumerate(names):
        res = results[name]
        d = res.dates
        ds = xr.Dataset(
            {
                "crossing_year": (
                    ("draw", "event"),
                    d["crossing_year"].values,
                    {"units": "decimal year; inf = not by horizon"},
                )
            },
            coords={
                "draw": d["draw"].values,
                "chain": ("draw", d["chain"].values),
                "event": d["event"].values.astype(str),
                "event_benchmark": ("event", d["benchmark"].values.astype(str)),
                "threshold": ("event", d["threshold"].values.astype(float)),
                "title": ("event", d["title"].values.astype(str)),
            },
        )
        sc = res.summary.get("scenario", {})
        ds.attrs = {
            "name": name,
            "title": sc.get("title", name),
            "reading": sc.get("reading", ""),
            "digest": sc.get("digest", ""),
            "horizon": res.plan.horizon_text,
            "horizon_year": float(res.plan.horizon),
            "n_chain": int(d.attrs["n_chain"]),
        }
        horizons.append(float(res.plan.horizon))
        if res.trajectories is not None:
            q = res.trajectories["rd_multiplier"].quantile(list(TRAJ_QUANTILES), dim="draw")
            ds["rd_multiplier"] = q.rename({"time": "traj_time"}).assign_attrs(
                units="overall R&D speed vs human-only"
            )
            r = res.trajectories["research_throughput"].quantile(list(TRAJ_QUANTILES), dim="draw")
            ds["research_throughput"] = r.rename({"time": "traj_time"}).assign_attrs(
                units="AI notable-discovery rate / human rate"
            )
        comp = {ev: e for ev, e in res.summary["events"].items() if "binding_shares" in e}
        if comp:
            conds = list(dict.fromkeys(c for e in comp.values() for c in e["binding_shares"]))
            arr = np.full((len(comp), len(conds)), np.nan)
            for j, e in enumerate(comp.values()):
                for c, share in e["binding_shares"].items():
                    arr[j, conds.index(c)] = share
            ds["binding_share"] = (
                ("composite_event", "condition"),
                arr,
                {
                    "meaning": "share of draws in which the condition was the last to "
                    "hold (NaN: not a condition of that event)"
                },
            )
            ds = ds.assign_coords(
                composite_event=np.array(list(comp), dtype=str),
                condition=np.array(conds, dtype=str),
            )
        tree[f"/readings/reading-{i}"] = ds
    root = xr.Dataset()
    root.attrs = {
        "readings": json.dumps(names),
        "focus_year": FOCUS_YEAR,
        "horizon_year": max(horizons),
        "horizon": first.plan.horizon_text,
        "forecast_version": first.summary["forecast_version"],
        "posterior_hash": first.summary["provenance"]["posterior_hash"],
    }
    tree["/"] = root
    return xr.DataTree.from_dict(tree)


def readings(results: xr.DataTree) -> dict[str, xr.Dataset]:
    """Reading name -> its dataset, in the order given to the report."""
    groups = results["readings"].children
    out = {}
    for key in sorted(groups, key=lambda k: int(k.rsplit("-", 1)[1])):
        ds = groups[key].to_dataset()
        out[ds.attrs["name"]] = ds
    return out


def save_results(tree: xr.DataTree, path: Path) -> None:
    write_with(path, lambda tmp: tree.to_netcdf(tmp, engine="h5netcdf"))


def load_results(path: str | Path) -> xr.DataTree:
    with xr.open_datatree(path, engine="h5netcdf") as dt:
        return dt.load()


# ---------------------------------------------------------------------------- output


def render(fig, dpi: int = DPI) -> dict[str, bytes]:
    """PNG and SVG bytes of a figure, cropped to its content (the tight box is computed once
    for both formats), without creation dates (same results, same bytes)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    fig.draw(renderer)
    box = fig.get_tightbbox(renderer).padded(0.1)
    out = {}
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=dpi, bbox_inches=box, metadata=meta)
        out[ext] = buf.getvalue()
    return out


def _rasterize_lines(fig) -> None:
    """Lines of thousands of draws become images inside the SVG (small files, same look)."""
    for ax in fig.axes:
        for a in list(ax.lines) + list(ax.collections):
            a.set_rasterized(True)


def save(fig, path_stem: str | Path, dpi: int = DPI) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` atomically."""
    path_stem = Path(path_stem)
    paths = []
    for ext, data in render(fig, dpi).items():
        p = path_stem.with_name(path_stem.name + f".{ext}")
        write_with(p, lambda tmp, data=data: Path(tmp).write_bytes(data))
        paths.append(p)
    return paths


def slug(text: str) -> str:
    """A file-name-safe id for any user string (unique: a short hash is appended when needed)."""
    import hashlib

    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")[:40] or "x"
    if s != text:
        s += "-" + hashlib.sha256(text.encode()).hexdigest()[:6]
    return s


def _text(ax_or_fig, *args, **kw):
    """Plain text (no mathtext): user strings may hold '$'."""
    return ax_or_fig.text(*args, parse_math=False, **kw)


def _title(ax, text, **kw):
    ax.set_title(text, parse_math=False, **kw)


# ---------------------------------------------------------------------------- fan chart


def _year_ticks(ax):
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))


def _display(dimension: str, values: np.ndarray) -> tuple[float, str, bool]:
    """(factor from canonical, unit label, log scale) for a benchmark's axis."""
    if dimension == "share":
        return 100.0, "% of tasks", False
    if dimension == "duration":
        big = np.nanmax(values) >= 60 if np.isfinite(values).any() else False
        return (1 / 60, "hours (log scale)", True) if big else (1.0, "minutes (log scale)", True)
    return 1.0, "multiplier (log scale)", True


def fan_chart(results: xr.DataTree, benchmark: str, n_grid: int = 300):
    """Observed points (with their ranges, date uncertainty and numbered sources), the
    posterior median and 50/80/95 % bands of the growth curve, and the thresholds on this
    benchmark as lines, out to the horizon. The growth model alone: a scenario with
    feedback moves engineering benchmarks in effective time, which this chart does not show.
    """
    from matplotlib.lines import Line2D

    from .trajectories import value_at
    from .units import fmt

    plt = _plt()
    curves = results["curves"].to_dataset()
    obs = results["observations"].to_dataset()
    horizon = float(results.attrs["horizon_year"])
    sel = obs["benchmark"].values.astype(str) == benchmark
    o = obs.isel(observation=np.flatnonzero(sel))
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
    lines = []
    for k, j in enumerate(order, start=1):
        r = oa.isel(observation=int(j))
        rng = np.isnan(float(r["value"]))
        fig_txt = (
            f"{fmt(float(r['low']), dim)} – {fmt(float(r['high']), dim)}"
            if rng
            else f"{'~' if bool(r['approximate']) else ''}{fmt(float(r['value']), dim)}"
        )
        lines.append(
            f"[{k}] {r['date'].item()}  {r['system'].item()}: {fig_txt}  — {r['source'].item()}"
        )
    wrapped = (
        "\n".join(textwrap.fill(x, 140, subsequent_indent="     ") for x in lines)
        or "(no AI observations)"
    )
    n_lines = wrapped.count("\n") + 1
    foot = 0.45 + 0.14 * (n_lines + 1)  # inches under the chart: legend, then the source list
    fig = plt.figure(figsize=(9, 4.6 + foot), layout="constrained")
    gs = fig.add_gridspec(2, 1, height_ratios=[4.6, foot])
    ax = fig.add_subplot(gs[0])
    lax = fig.add_subplot(gs[1])
    lax.axis("off")
    col = "#1f5fa8"
    for (a, b), alpha, lab in (
        ((0, 6), 0.15, "95 %"),
        ((1, 5), 0.22, "80 %"),
        ((2, 4), 0.32, "50 %"),
    ):
        ax.fill_between(
            grid, q[a] * factor, q[b] * factor, color=col, alpha=alpha, lw=0, label=f"{lab} band"
        )
    ax.plot(grid, q[3] * factor, color=col, lw=1.8, label="posterior median")

    # thresholds on this benchmark (from the first reading; thresholds do not depend on it)
    r0 = next(iter(readings(results).values()))
    tb = r0["event_benchmark"].values.astype(str) == benchmark
    baseline = {float(v): str(s) for v, s in zip(o["value"].values[~ai], o["source"].values[~ai])}
    marks: dict[float, list[str]] = {}
    for ev, thr in zip(r0["event"].values[tb], r0["threshold"].values[tb]):
        if np.isfinite(thr):
            marks.setdefault(float(thr), []).append(str(ev))
    for v in baseline:
        marks.setdefault(v, [])
    for v, evs in marks.items():
        ax.axhline(v * factor, color="#b22222" if evs else "#555555", lw=1, ls="--" if evs else ":")
    # observations, numbered; the numbers refer to the source list under the axes
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
    if log:
        ax.set_yscale("log")
        finite = lo_vals[np.isfinite(lo_vals)] * factor
        tops = [v * factor for v in marks] + list(finite)
        ax.set_ylim(min(tops) / 5, max(tops) * 30)
    else:
        ax.set_ylim(0, 100)
    ax.set_xlim(grid[0], horizon)
    _year_ticks(ax)
    # threshold labels at the right end, above the line, or below it when two are close
    y_ax = lambda v: ax.transLimits.transform(ax.transScale.transform((grid[0], v * factor)))[1]  # noqa: E731
    last = None
    for v in sorted(marks, reverse=True):
        evs = marks[v]
        label = ", ".join(evs) + (f" ({fmt(v, dim)})" if evs else "")
        if v in baseline:
            label = (label + " = " if evs else "") + f"human baseline ({fmt(v, dim)})"
        below = last is not None and last - y_ax(v) < 0.06
        _text(
            ax,
            horizon - 0.01 * (horizon - grid[0]),
            v * factor,
            label + " ",
            color="#b22222" if evs else "#555555",
            fontsize=8,
            ha="right",
            va="top" if below else "bottom",
            bbox={"facecolor": "white", "alpha": 0.7, "lw": 0, "pad": 1},
        )
        last = y_ax(v)
    ax.set_xlabel("date")
    ax.set_ylabel(ylabel)
    _title(
        ax, f"{benchmark}: growth model, posterior median and bands to {results.attrs['horizon']}"
    )
    ax.grid(alpha=0.3)
    h, lab = ax.get_legend_handles_labels()

    h += [
        Line2D([], [], marker="o", color="black", ls="none", ms=5),
        Line2D([], [], color="#b22222", ls="--"),
    ]
    lab += ["observed (open: approximate; bars: range, date period)", "threshold"]
    lax.legend(
        h, lab, loc="upper center", ncol=4, fontsize=7, frameon=False, bbox_to_anchor=(0.5, 1.0)
    )
    _text(
        lax,
        0.0,
        1 - 0.42 / foot,
        "Sources:\n" + wrapped,
        fontsize=7,
        va="top",
        ha="left",
        transform=lax.transAxes,
    )
    return fig


# ---------------------------------------------------------------------------- date CDF


def event_cdf(results: xr.DataTree, event: str, n_grid: int = 600):
    """The CDF of an event's date under each reading on one axis, P(by the end of the focus
    year) marked per reading, the reference claims drawn as points. Readings whose draws
    give identical dates for this event share one line."""
    plt = _plt()
    focus = int(results.attrs["focus_year"])
    rd = {n: ds for n, ds in readings(results).items() if event in ds["event"].values}
    series = {n: ds["crossing_year"].sel(event=event).values for n, ds in rd.items()}
    groups: list[tuple[list[str], np.ndarray]] = []
    for n, t in series.items():
        for g in groups:
            if g[1].shape == t.shape and np.array_equal(g[1], t):
                g[0].append(n)
                break
        else:
            groups.append(([n], t))
    horizon = max(float(ds.attrs["horizon_year"]) for ds in rd.values())
    finite = np.concatenate([t[np.isfinite(t)] for _, t in groups])
    lo = float(np.quantile(finite, 0.005)) if finite.size else focus
    grid = np.linspace(min(lo, focus) - 0.5, horizon, n_grid)
    title = str(next(iter(rd.values()))["title"].sel(event=event).item())
    fig, ax = plt.subplots(figsize=(9, 4.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    marks = []
    for i, (names, t) in enumerate(groups):
        c = colors[i % len(colors)]
        cdf = (t[None, :] <= grid[:, None]).mean(axis=1)
        label = " = ".join(names) + (" (identical draws)" if len(names) > 1 else "")
        ax.plot(grid, cdf, color=c, lw=1.8, label=label)
        p = float((t <= focus + 1).mean())
        never = float((~np.isfinite(t)).mean())
        ax.plot([focus + 1], [p], "o", color=c, zorder=5)
        marks.append((p, c, never))
    # P(by end of focus year) labels right of the dotted line, spread so they never overlap
    order = sorted(range(len(marks)), key=lambda k: marks[k][0])
    ys: list[float] = []
    for k in order:
        ys.append(max(marks[k][0], ys[-1] + 0.08) if ys else marks[k][0])
    shift = max(0.0, (ys[-1] if ys else 0) - 0.9)
    ys = [y - shift for y in ys]
    for k, y in zip(order, ys):
        ax.annotate(
            f"P(by end of {focus}) = {marks[k][0]:.2f}",
            (focus + 1, marks[k][0]),
            xytext=(focus + 1 + 0.03 * (horizon - grid[0]), y),
            textcoords="data",
            color=marks[k][1],
            fontsize=8,
            va="center",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
            arrowprops={"arrowstyle": "-", "color": marks[k][1], "lw": 0.6},
        )
    ax.axvline(focus + 1, color="grey", lw=0.8, ls=":")
    claims = results["claims"].to_dataset()
    for j in np.flatnonzero(claims["event"].values.astype(str) == event):
        c = claims.isel(claim=int(j))
        who = str(c["who"].item()).split(",")[0].split("(")[0].strip()
        x, y = float(c["by"]), float(c["p_at_least"])
        ax.plot([x], [y], marker="*", ms=13, color="black", ls="none", zorder=6)
        ax.annotate(
            f"{who}: P ≥ {y:.2f} by {c['by_text'].item()}",
            (x, y),
            xytext=(8, -14),
            textcoords="offset points",
            fontsize=8,
            ha="left",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
            annotation_clip=False,
        )
    ax.set_ylim(0, 1.02)
    ax.set_xlim(grid[0], horizon)
    ax.set_xlabel(f"date (dotted line: end of {focus})")
    ax.set_ylabel("P(event by date)")
    _title(ax, title)
    ax.grid(alpha=0.3)
    _year_ticks(ax)
    leg = ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    for t in leg.get_texts():
        t.set_parse_math(False)
    nb = "; ".join(f"{' = '.join(g[0])}: {m[2]:.2f}" for g, m in zip(groups, marks))
    _text(
        fig,
        0.08,
        -0.01,
        textwrap.fill(
            f"Each curve ends at the horizon ({results.attrs['horizon']}); "
            f"the gap to 1 is P(not by horizon) — {nb}.",
            140,
        ),
        fontsize=7,
        va="top",
        color="#444444",
    )
    return fig


# ---------------------------------------------------------------------------- binding shares


def composite_events(results: xr.DataTree) -> list[str]:
    """Composite events with more than one condition, in order of first appearance."""
    out: list[str] = []
    for ds in readings(results).values():
        if "binding_share" not in ds:
            continue
        for ev in ds["composite_event"].values.astype(str):
            n = int(np.isfinite(ds["binding_share"].sel(composite_event=ev).values).sum())
            if n > 1 and ev not in out:
                out.append(ev)
    return out


def binding_shares(results: xr.DataTree, event: str):
    """Per reading, the share of draws in which each condition of a composite event was
    the binding (last) one, as stacked horizontal bars summing to 100 %."""
    plt = _plt()
    rd = {
        n: ds
        for n, ds in readings(results).items()
        if "binding_share" in ds and event in ds["composite_event"].values
    }
    conds = list(
        dict.fromkeys(
            c
            for ds in rd.values()
            for c, v in zip(
                ds["condition"].values.astype(str),
                ds["binding_share"].sel(composite_event=event).values,
            )
            if np.isfinite(v)
        )
    )
    fig, ax = plt.subplots(figsize=(9, 2.2 + 0.6 * len(rd)), layout="constrained")
    cmap = plt.get_cmap("tab10")
    names = list(rd)
    for i, n in enumerate(names):
        row = rd[n]["binding_share"].sel(composite_event=event)
        left = 0.0
        for k, c in enumerate(conds):
            v = float(row.sel(condition=c)) if c in row["condition"].values else np.nan
            if not np.isfinite(v) or v <= 0:
                continue
            ax.barh(i, 100 * v, left=100 * left, color=cmap(k % 10), edgecolor="white")
            if v >= 0.06:
                _text(
                    ax,
                    100 * (left + v / 2),
                    i,
                    f"{100 * v:.0f} %",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                    fontweight="bold",
                )
            left += v
    # a legend entry for every condition, even those binding in no draw
    from matplotlib.patches import Patch

    handles = [Patch(color=cmap(k % 10), label=c) for k, c in enumerate(conds)]
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    for lab in ax.get_yticklabels():
        lab.set_parse_math(False)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of draws in which the condition was the last to hold, %")
    title = str(next(iter(rd.values()))["title"].sel(event=event).item()) if rd else event
    _title(ax, f"{title}: binding condition per reading")
    leg = fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return fig


# ---------------------------------------------------------------------------- R&D multiplier


def rd_multiplier(results: xr.DataTree, level: float = 10.0):
    """The overall R&D speed multiplier over time per reading: median, 50 % and 80 % bands."""
    plt = _plt()
    rd = {n: ds for n, ds in readings(results).items() if "rd_multiplier" in ds}
    fig, ax = plt.subplots(figsize=(9, 4.8))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    top = level
    for i, (n, ds) in enumerate(rd.items()):
        c = colors[i % len(colors)]
        m = ds["rd_multiplier"]
        t = m["traj_time"].values
        qv = {float(qq): m.sel(quantile=qq).values for qq in m["quantile"].values}
        ax.fill_between(t, qv[0.1], qv[0.9], color=c, alpha=0.15, lw=0)
        ax.fill_between(t, qv[0.25], qv[0.75], color=c, alpha=0.3, lw=0)
        ax.plot(t, qv[0.5], color=c, lw=1.8, label=f"{n}: median, 50 % and 80 % bands")
        top = max(top, float(np.nanmax(qv[0.9])))
    ax.axhline(level, color="#b22222", lw=1, ls="--")
    ax.annotate(
        f"{level:g}x",
        (1, level),
        xycoords=("axes fraction", "data"),
        xytext=(-4, 3),
        textcoords="offset points",
        ha="right",
        color="#b22222",
        fontsize=8,
    )
    ax.set_yscale("log")
    ax.set_ylim(0.9, top * 1.5)
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    _year_ticks(ax)
    ax.set_xlabel("date")
    ax.set_ylabel("overall R&D speed vs human-only (log)")
    _title(ax, "R&D multiplier trajectory per reading")
    ax.grid(alpha=0.3, which="both")
    leg = ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return fig


# ---------------------------------------------------------------------------- diagnostics


def _free(posterior: xr.DataTree) -> list[str]:
    names = json.loads(posterior.attrs.get("free_parameters", "[]"))
    return [n for n in names if n in posterior["posterior"].data_vars] or list(
        posterior["posterior"].data_vars
    )


def trace_plot(posterior: xr.DataTree):
    """Trace and marginal density of every fitted (free) parameter, one line per chain
    (ArviZ ``plot_trace_dist``); the elements of a vector parameter share a panel."""
    _plt()
    import arviz_plots as azp

    names = _free(posterior)
    pc = azp.plot_trace_dist(
        posterior,
        var_names=names,
        backend="matplotlib",
        figure_kwargs={"figsize": (12, 1.7 * len(names)), "layout": "constrained"},
    )
    fig = pc.viz["figure"].item()
    _rasterize_lines(fig)
    fig.suptitle("Trace and density of the fitted parameters (one line style per chain)")
    return fig


def rank_plot(posterior: xr.DataTree):
    """Fractional-rank Δ-ECDF per chain of every fitted parameter element (ArviZ
    ``plot_rank``); chains targeting the same posterior stay near zero."""
    _plt()
    import arviz_plots as azp

    names = _free(posterior)
    n = sum(
        int(
            np.prod(
                [
                    posterior["posterior"][v].sizes[d]
                    for d in posterior["posterior"][v].dims
                    if d not in ("chain", "draw")
                ]
            )
        )
        for v in names
    )
    rows = -(-n // 4)
    pc = azp.plot_rank(
        posterior,
        var_names=names,
        backend="matplotlib",
        col_wrap=4,
        figure_kwargs={"figsize": (13, 2.6 * rows), "layout": "constrained"},
        visuals={"title": {"size": 9}},
    )
    fig = pc.viz["figure"].item()
    _rasterize_lines(fig)
    fig.suptitle(
        "Rank plots: chains should be indistinguishable (p-values of the multi-chain test)"
    )
    return fig


# ---------------------------------------------------------------------------- all of them


@dataclass
class Figure:
    id: str
    kind: str
    title: str
    caption: str
    fig: object
    dpi: int = DPI


def all_figures(results: xr.DataTree, posterior: xr.DataTree) -> list[Figure]:
    """Every figure of the report, in page order (the caller closes them)."""
    out: list[Figure] = []
    names = json.loads(results.attrs["readings"])
    focus = results.attrs["focus_year"]
    r0 = next(iter(readings(results).values()))
    events = list(
        dict.fromkeys(
            e for ds in readings(results).values() for e in ds["event"].values.astype(str)
        )
    )
    for ev in events:
        title = str(r0["title"].sel(event=ev).item()) if ev in r0["event"].values else ev
        out.append(
            Figure(
                f"cdf-{slug(ev)}",
                "cdf",
                f"When: {title}",
                f"Cumulative probability of '{ev}' by date under each reading "
                f"({', '.join(names)}); the dot and label give P(by the end of {focus}); "
                "stars are published claims.",
                event_cdf(results, ev),
            )
        )
    for ev in composite_events(results):
        title = str(r0["title"].sel(event=ev).item()) if ev in r0["event"].values else ev
        out.append(
            Figure(
                f"binding-{slug(ev)}",
                "binding",
                f"Binding condition: {title}",
                f"For '{ev}', the share of draws in which each condition was the last to "
                "hold, per reading (a condition not met by the horizon shares the credit).",
                binding_shares(results, ev),
            )
        )
    if any("rd_multiplier" in ds for ds in readings(results).values()):
        out.append(
            Figure(
                "rd-multiplier",
                "trajectory",
                "R&D multiplier per reading",
                "The overall R&D speed multiplier (Amdahl over engineering and research) "
                "over time: median and 50 %/80 % bands over draws, per reading.",
                rd_multiplier(results),
            )
        )
    for b in results["curves"]["benchmark"].values.astype(str):
        out.append(
            Figure(
                f"fan-{slug(b)}",
                "fan",
                f"Growth: {b}",
                f"'{b}': observations with their published ranges and date periods "
                "(numbers refer to the sources listed under the chart), posterior median "
                "and 50/80/95 % bands of the growth model, thresholds as dashed lines.",
                fan_chart(results, b),
            )
        )
    out.append(
        Figure(
            "diagnostics-trace",
            "diagnostics",
            "Sampler diagnostics: traces",
            "Trace and density per chain of every fitted parameter.",
            trace_plot(posterior),
            80,
        )
    )
    out.append(
        Figure(
            "diagnostics-rank",
            "diagnostics",
            "Sampler diagnostics: rank plots",
            "Fractional-rank plots per chain; a chain that wanders off the others "
            "shows as a curve leaving the band near zero.",
            rank_plot(posterior),
            80,
        )
    )
    return out
