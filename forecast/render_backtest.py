"""Rendering a rolling-origin backtest: its text table, CSV/JSON files and figure.

Reads a :class:`forecast.backtest.BacktestResult` only (its typed result,
:class:`forecast.results_rolling.RollingSummary`); computes nothing new.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .backtest import LEVELS, METHODS, PIT_BINS, BacktestResult
from .results_rolling import BenchmarkScores, MethodPair, RollingSummary

OUT_FILES = ("backtest.json", "backtest-points.csv", "backtest-thresholds.csv")


def check_out(out: Path, force: bool) -> None:
    from .output import check_out_dir as guard

    guard(out, force, OUT_FILES)


POINT_COLUMNS = (
    *("cutoff", "benchmark", "date", "lead_years"),
    *("scale", "observed", "range", "naive_kind"),
)
SCORE_COLUMNS = ("pit", "crps", "log_score", "in_50", "in_80", "in_95", "q10", "median", "q90")
THRESHOLD_HEAD = (
    *("cutoff", "event", "benchmark", "threshold", "date", "lead_years", "crossed"),
    *("model_p", "model_brier", "naive_p", "naive_brier"),
)


def write(out: Path, res: BacktestResult) -> list[Path]:
    """Write backtest.json (the result, with the files written beside it), the two CSV tables
    and the figure (PNG + SVG) to ``out``."""
    from .io import write_csv, write_json

    r = res.result
    head = list(POINT_COLUMNS)
    for m in METHODS:
        head += [f"{m}_{c}" for c in SCORE_COLUMNS]
    rows = [
        [getattr(p, k) for k in POINT_COLUMNS]
        + [getattr(getattr(p, m), c) for m in METHODS for c in SCORE_COLUMNS]
        for p in r.points
    ]
    write_csv(out / "backtest-points.csv", head, rows)
    write_csv(
        out / "backtest-thresholds.csv",
        list(THRESHOLD_HEAD),
        [
            [
                *(b.cutoff, b.event, b.benchmark, b.threshold, b.date, b.lead_years, b.crossed),
                *(b.model.p, b.model.brier, b.naive.p, b.naive.brier),
            ]
            for b in r.threshold_scores
        ],
    )
    paths = [out / "backtest-points.csv", out / "backtest-thresholds.csv"]
    paths += figure(res, out / "backtest")
    files = [p.name for p in paths] + ["backtest.json"]
    write_json(out / "backtest.json", r.model_copy(update={"files": files}).as_json())
    return [*paths, out / "backtest.json"]


def _f(x, nd: int) -> str:
    return "inf" if x is None else f"{x:.{nd}f}"


def _cutoff_lines(s: RollingSummary) -> list[str]:
    lines = []
    for c in s.cutoffs:
        d = c.diagnostics
        lines.append(
            f"  cutoff {c.cutoff}: fitted on {c.n_train} points, scored {c.n_test} "
            f"({', '.join(c.scored)})" + ("" if d.ok else "  WARNING: " + "; ".join(d.warnings))
        )
        for b, why in c.skipped.items():
            lines.append(f"    skipped {b}: {why}")
    return lines


def _score_lines(s: RollingSummary) -> list[str]:
    lines = [
        f"{'':<20}{'':<20}{'cov 50%':>8}{'cov 80%':>8}{'cov 95%':>8}{'CRPS':>9}{'log score':>10}"
        "  PIT histogram (10 bins)"
    ]
    scopes: list[tuple[str, MethodPair | BenchmarkScores]] = [("all points", s.overall)]
    scopes += list(s.by_benchmark.items())
    for scope, data in scopes:
        for m in METHODS:
            v = getattr(data, m)
            kind = data.naive_kind if isinstance(data, BenchmarkScores) else "line"
            name = "model" if m == "model" else f"naive ({kind})"
            cov = v.coverage
            lines.append(
                f"{(scope if m == 'model' else ''):<20.19}{name:<20}{cov['50']:>8.2f}{cov['80']:>8.2f}"
                f"{cov['95']:>8.2f}{_f(v.crps, 3):>9}{_f(v.log_score, 2):>10}  "
                + " ".join(map(str, v.pit_histogram))
            )
    ref = s.coverage_reference_95
    if ref.level_80 is not None:
        lines.append(
            f"A calibrated forecast on {s.n_points} independent points would cover 80 % within "
            f"{ref.level_80[0]:.2f}-{ref.level_80[1]:.2f} in 95 % of backtests"
        )
    return lines


def text(s: RollingSummary) -> str:
    """The backtest as a plain-text report."""
    lines = [
        f"Backtest: {len(s.cutoffs)} cutoff(s), {s.n_points} later points scored ({s.scale})",
        "",
        *_cutoff_lines(s),
        "",
        *_score_lines(s),
    ]
    t = s.thresholds
    if t.n_pairs:
        lines.append("")
        lines.append(
            f"Threshold events: Brier score on P(crossed by each later observation date), "
            f"{t.n_pairs} (event, date) pairs: model {t.brier_model:.3f}, naive {t.brier_naive:.3f}"
        )
        for ev, v in (t.by_event or {}).items():
            lines.append(
                f"  {ev:<32} n={v.n_pairs:<4} model {v.brier_model:.3f}  naive {v.brier_naive:.3f}"
            )
    return "\n".join(lines)


def figure(res: BacktestResult, stem: Path) -> list[Path]:
    """Coverage, PIT histogram, CRPS by lead time, and the forecasts of the series with the
    most scored points, in one figure."""
    from .figures import DPI_TABLE, pyplot, save_figure

    plt = pyplot()
    s = res.result
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    _coverage_panel(axes[0, 0], s)
    _pit_panel(axes[0, 1], s)
    _crps_panel(axes[1, 0], s)
    _series_panel(axes[1, 1], res, plt.rcParams["axes.prop_cycle"].by_key()["color"])
    fig.tight_layout()
    return save_figure(fig, stem, DPI_TABLE)


def _coverage_panel(ax, s: RollingSummary) -> None:
    from scipy.stats import binom

    n = s.n_points
    xs = np.arange(len(LEVELS))
    for k, m in enumerate(METHODS):
        cov = [getattr(s.overall, m).coverage[f"{int(100 * lev)}"] for lev in LEVELS]
        ax.bar(xs + (k - 0.5) * 0.35, cov, width=0.35, label=m)
    for j, lev in enumerate(LEVELS):
        lo, hi = binom.ppf([0.025, 0.975], n, lev) / n
        ax.plot([j - 0.4, j + 0.4], [lev, lev], color="k", lw=1)
        ax.fill_between([j - 0.4, j + 0.4], lo, hi, color="0.8", alpha=0.6, zorder=0)
    ax.set_xticks(xs, [f"{int(100 * lev)} %" for lev in LEVELS])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of later points inside the interval")
    ax.set_title(f"Coverage ({n} points; line: nominal, grey: binomial 95 %)", fontsize=9)
    ax.legend(fontsize=8)


def _pit_panel(ax, s: RollingSummary) -> None:
    for m in METHODS:
        h = np.array(getattr(s.overall, m).pit_histogram, dtype=float)
        ax.step(
            np.arange(PIT_BINS + 1) / PIT_BINS,
            np.r_[h, h[-1]] / max(s.n_points, 1) * PIT_BINS,
            where="post",
            label=m,
        )
    ax.axhline(1, color="k", lw=0.8)
    ax.set_xlabel("PIT")
    ax.set_ylabel("density")
    ax.set_title("PIT histogram (flat = calibrated)", fontsize=9)
    ax.legend(fontsize=8)


def _crps_panel(ax, s: RollingSummary) -> None:
    for m, mk in zip(METHODS, ("o", "x")):
        crps = np.array([getattr(p, m).crps for p in s.points], dtype=float)
        ax.plot([p.lead_years for p in s.points], crps, mk, ms=4, label=m, alpha=0.7)
    ax.set_yscale("log")
    ax.set_xlabel("lead time (years after the cutoff)")
    ax.set_ylabel("CRPS (transformed scale)")
    ax.set_title(
        f"CRPS per point; mean model {_f(s.overall.model.crps, 3)}, "
        f"naive {_f(s.overall.naive.crps, 3)}",
        fontsize=9,
    )
    ax.legend(fontsize=8)


def _series_panel(ax, res: BacktestResult, colors: list[str]) -> None:
    """The forecasts of the series with the most scored points, from each cutoff."""
    from .check import inverse

    points = res.result.points
    counts: dict[str, int] = {}
    for p in points:
        counts[p.benchmark] = counts.get(p.benchmark, 0) + 1
    b = max(counts, key=lambda k: counts[k])
    ser = res.series[b]
    bounded = ser[0][2]
    sc = 100.0 if bounded else 1.0
    ax.plot([t for t, _, _ in ser], [v * sc for _, v, _ in ser], "k.", label="observed")
    cuts = list(dict.fromkeys(p.cutoff for p in points if p.benchmark == b))
    for k, cname in enumerate(cuts):
        ps = [p for p in points if p.benchmark == b and p.cutoff == cname]
        t = np.array([p.time for p in ps])
        col = colors[k % len(colors)]
        for m, off, fmt in (("model", 0.0, "-"), ("naive", 0.02, ":")):
            fc = [getattr(p, m) for p in ps]
            med = inverse(np.array([f.median for f in fc], dtype=float), bounded) * sc
            lo = inverse(np.array([f.q10 for f in fc], dtype=float), bounded) * sc
            hi = inverse(np.array([f.q90 for f in fc], dtype=float), bounded) * sc
            ax.errorbar(
                t + off,
                med,
                yerr=[med - lo, hi - med],
                fmt=fmt,
                color=col,
                lw=1,
                capsize=2,
                alpha=1.0 if m == "model" else 0.6,
                label=f"{m} from {cname}" if k < 3 else None,
            )
        ax.axvline(ps[0].time - ps[0].lead_years, color=col, lw=0.8, ls="--")
    if not bounded:
        ax.set_yscale("log")
    ax.set_title(
        f"{b}: 80 % predictive intervals from each cutoff (solid model, dotted naive)", fontsize=9
    )
    ax.legend(fontsize=6)
