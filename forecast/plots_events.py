"""Event figures: the date CDF of an event under each reading, the binding condition of a
composite event, and the R&D-multiplier trajectory; each drawn from the report's results
(:mod:`forecast.plots_results`). Dates are decimal years."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import xarray as xr

from .figures import plain_text, plain_title, pyplot, year_ticks
from .plots_results import readings


def _identical_groups(series: dict[str, np.ndarray]) -> list[tuple[list[str], np.ndarray]]:
    """Readings whose draws give identical dates, grouped (they share one line)."""
    groups: list[tuple[list[str], np.ndarray]] = []
    for n, t in series.items():
        for g in groups:
            if g[1].shape == t.shape and np.array_equal(g[1], t):
                g[0].append(n)
                break
        else:
            groups.append(([n], t))
    return groups


def _focus_labels(
    ax: Any, marks: list[tuple[float, str, float]], focus: int, x_offset: float
) -> None:
    """P(by end of focus year) labels right of the dotted line, spread so they never overlap."""
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
            xytext=(focus + 1 + x_offset, y),
            textcoords="data",
            color=marks[k][1],
            fontsize=8,
            va="center",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
            arrowprops={"arrowstyle": "-", "color": marks[k][1], "lw": 0.6},
        )


def _draw_claims(ax: Any, results: xr.DataTree, event: str) -> None:
    """Published claims on this event: a bound as a star (date, probability), a median claim
    as a bar at P = 0.5 over its date range."""
    claims = results["claims"].to_dataset()
    for k, j in enumerate(np.flatnonzero(claims["event"].values.astype(str) == event)):
        c = claims.isel(claim=int(j))
        who = str(c["who"].item()).split(",")[0].split("(")[0].strip()
        x, y = float(c["by"]), float(c["p_bound"])
        if str(c["bound_op"].item()) == "median":  # the claimed median's range, at P = 0.5
            x0 = float(c["median_from"])
            ax.plot([x0, x], [y, y], color="black", lw=3, solid_capstyle="butt", zorder=6)
            text = f"{who}: median {c['median_from_text'].item()} – {c['by_text'].item()}"
        else:
            op = "≥" if str(c["bound_op"].item()) == ">=" else "≤"
            ax.plot([x], [y], marker="*", ms=13, color="black", ls="none", zorder=6)
            text = f"{who}: P {op} {y:.2f} by {c['by_text'].item()}"
        ax.annotate(
            text,
            (x, y),
            xytext=(8, -14 - 13 * k),  # one line lower per claim: two at P = 0.5 do not overlap
            textcoords="offset points",
            fontsize=8,
            ha="left",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1},
            annotation_clip=False,
        )


def event_cdf(results: xr.DataTree, event: str, n_grid: int = 600) -> Any:
    """The CDF of an event's date under each reading on one axis, P(by the end of the focus
    year) marked per reading, the reference claims drawn as points. Readings whose draws
    give identical dates for this event share one line."""
    plt = pyplot()
    focus = int(results.attrs["focus_year"])
    rd = {n: ds for n, ds in readings(results).items() if event in ds["event"].values}
    groups = _identical_groups(
        {n: ds["crossing_year"].sel(event=event).values for n, ds in rd.items()}
    )
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
    _focus_labels(ax, marks, focus, 0.03 * (horizon - grid[0]))
    ax.axvline(focus + 1, color="grey", lw=0.8, ls=":")
    _draw_claims(ax, results, event)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(grid[0], horizon)
    ax.set_xlabel(f"date (dotted line: end of {focus})")
    ax.set_ylabel("P(event by date)")
    plain_title(ax, title)
    ax.grid(alpha=0.3)
    year_ticks(ax)
    leg = ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    for t in leg.get_texts():
        t.set_parse_math(False)
    nb = "; ".join(f"{' = '.join(g[0])}: {m[2]:.2f}" for g, m in zip(groups, marks))
    plain_text(
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


def binding_shares(results: xr.DataTree, event: str) -> Any:
    """Per reading, the share of draws in which each condition of a composite event was
    the binding (last) one, as stacked horizontal bars summing to 100 %."""
    plt = pyplot()
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
                plain_text(
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
    plain_title(ax, f"{title}: binding condition per reading")
    leg = fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return fig


def rd_multiplier(results: xr.DataTree, level: float = 10.0) -> Any:
    """The overall R&D speed multiplier over time per reading: median, 50 % and 80 % bands."""
    plt = pyplot()
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
    year_ticks(ax)
    ax.set_xlabel("date")
    ax.set_ylabel("overall R&D speed vs human-only (log)")
    plain_title(ax, "R&D multiplier trajectory per reading")
    ax.grid(alpha=0.3, which="both")
    leg = ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    for t in leg.get_texts():
        t.set_parse_math(False)
    return fig
