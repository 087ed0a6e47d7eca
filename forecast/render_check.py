"""Rendering of the model checks and of simulation-based calibration: text reports, the
CSV and JSON files, and the figures. Reads results only (:class:`forecast.check.CheckResult`,
:class:`forecast.sbc.SBCResult`); computes nothing of its own but figure bands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import scoring
from .check import CheckResult
from .curves import inverse
from .io import write_csv, write_json
from .results_check import CheckSummary
from .trajectories import transformed_at


def _predictive_text(s: CheckSummary) -> list[str]:
    p = s.predictive
    sh = p.shares
    lines = [
        f"Predictive checks ({p.n_observations} observations; share inside the central "
        "50 % / 90 % intervals):"
    ]
    for name in ("prior", "posterior", "loo"):
        x = getattr(sh, name)
        lines.append(
            f"  {name + (' (leave-one-out)' if name == 'loo' else ''):<22} "
            f"{x.share_in_50:.2f} / {x.share_in_90:.2f}"
        )
    e = p.calibrated_range_95
    lines.append(
        f"  a calibrated model gives 95 % of the time: {e.in_50[0]:.2f}-{e.in_50[1]:.2f} / "
        f"{e.in_90[0]:.2f}-{e.in_90[1]:.2f}"
    )
    out90 = [o.observation for o in p.observations if not o.posterior.in_90]
    if out90:
        lines.append(f"  outside the posterior 90 % interval: {', '.join(out90)}")
    return lines


def _loo_text(s: CheckSummary) -> list[str]:
    lo = s.loo
    lines = [
        "",
        f"Leave-one-out influence ({lo.method}: {lo.n_refits} refits, the rest by PSIS; "
        f"P by end of {lo.year}):",
    ]
    for ev, v in lo.events.items():
        m, mp = v.moves_median_most, v.moves_p_most
        if m is None or mp is None:
            lines.append(
                f"  {ev:<24} median {v.median or 'not by horizon'}: no observation can be left out"
            )
            continue
        sh = m.median_shift_years
        shtxt = f"{sh:+.2f} y" if sh is not None else f"-> {m.median_without or 'not by horizon'}"
        mc = v.median_mcse_years
        lines.append(
            f"  {ev:<24} median {v.median or 'not by horizon':<10}"
            f"{'' if mc is None else f' (MCSE {mc:.2f} y)'} moved most by "
            f"{m.observation} ({shtxt}, {m.method}); P {v.p_by_year:.2f}, "
            f"moved most by {mp.observation} ({mp.p_shift:+.2f})"
        )
    ks = [o for o in lo.observations if o.pareto_k is None or o.pareto_k > lo.k_max]
    if ks:
        lines.append(
            f"  Pareto k > {lo.k_max} (importance sampling unreliable"
            f"{', refitted' if lo.method != 'psis' else ', NOT refitted: use --loo auto'}): "
            + ", ".join(f"{o.observation} {o.pareto_k}" for o in ks)
        )
    return lines


def _sensitivity_text(s: CheckSummary) -> list[str]:
    lines: list[str] = []
    se = s.sensitivity
    for f in se.fits:
        lines.append("")
        lines.append(
            f"Prior sensitivity: prior scales x{f.factor:g} (median shift; P by end of "
            f"{se.year}, base priors -> scaled, ± MCSE):"
        )
        for ev, v in f.events.items():
            sh = v.median_shift_years
            shtxt = (
                f"{sh:+.2f} ± {v.median_shift_mcse_years or 0:.2f} y"
                if sh is not None
                else f"{v.median_base or 'never'} -> {v.median or 'never'}"
            )
            lines.append(
                f"  {ev:<24} {shtxt:<26} P {v.p_by_year_base:.2f} -> {v.p_by_year:.2f} "
                f"({v.p_shift:+.2f} ± {v.p_shift_mcse:.2f})"
            )
        if not f.diagnostics.ok:
            lines.append("  WARNING (widened fit): " + "; ".join(f.diagnostics.warnings))
    return lines


def text(s: CheckSummary) -> str:
    """The check's result as a plain-text report."""
    return "\n".join(_predictive_text(s) + _loo_text(s) + _sensitivity_text(s))


OUT_FILES = ("check.json", "check-observations.csv", "check-loo.csv", "check-sensitivity.csv")


def check_out(out: Path, force: bool) -> None:
    from .output import check_out_dir as guard

    guard(out, force, OUT_FILES)


INTERVAL_COLUMNS = ("q05", "q25", "q75", "q95", "pit", "in_50", "in_90")


def _observations_csv(path: Path, s: CheckSummary) -> None:
    head = ["observation", "origin", "scale", "observed", "range"]
    for name in ("prior", "posterior"):
        head += [f"{name}_{k}" for k in INTERVAL_COLUMNS]
    head += ["loo_pit", "loo_in_50", "loo_in_90", "pareto_k"]
    rows = []
    for o in s.predictive.observations:
        r = [o.observation, o.origin, o.scale, o.observed, o.range]
        for x in (o.prior, o.posterior):
            r += [getattr(x, k) for k in INTERVAL_COLUMNS]
        r += [o.loo.pit, o.loo.in_50, o.loo.in_90, o.loo.pareto_k]
        rows.append(r)
    write_csv(path, head, rows)


def _loo_csv(path: Path, s: CheckSummary) -> None:
    lrows = [
        [o.observation, o.pareto_k, o.method, ev]
        + (
            ["", "", "", ""]
            if v is None
            else [v.median or "not by horizon", v.median_shift_years, v.p_by_year, v.p_shift]
        )
        for o in s.loo.observations
        for ev, v in o.events.items()
    ]
    write_csv(
        path,
        [
            *("observation", "pareto_k", "method", "event", "median_without"),
            *("median_shift_years", f"p_by_{s.loo.year}_without", "p_shift"),
        ],
        lrows,
    )


def _sensitivity_csv(path: Path, s: CheckSummary) -> None:
    srows = [
        [
            *(f.factor, ev, v.median_base or "not by horizon", v.median or "not by horizon"),
            *(v.median_shift_years, v.p_by_year_base, v.p_by_year, v.p_shift, v.p_shift_mcse),
        ]
        for f in s.sensitivity.fits
        for ev, v in f.events.items()
    ]
    write_csv(
        path,
        [
            *("factor", "event", "median_base", "median_widened", "median_shift_years"),
            *("p_base", "p_widened", "p_shift", "p_shift_mcse"),
        ],
        srows,
    )


def write(out: Path, cr: CheckResult) -> list[Path]:
    """Write check.json, the three CSV tables and the three figures (PNG + SVG) to ``out``."""

    s = cr.result
    paths = [out / "check-observations.csv", out / "check-loo.csv", out / "check-sensitivity.csv"]
    _observations_csv(paths[0], s)
    _loo_csv(paths[1], s)
    _sensitivity_csv(paths[2], s)
    paths += predictive_figure(cr, out / "check-predictive")
    paths += loo_figure(cr, out / "check-loo")
    paths += sensitivity_figure(cr, out / "check-sensitivity")
    files = [p.name for p in paths] + ["check.json"]
    write_json(out / "check.json", s.model_copy(update={"files": files}).as_json())
    return [*paths, out / "check.json"]


def _bands(c, b, grid, noise, bounded, max_draws=800):
    eta, _ = transformed_at(c, b, grid)
    step = max(1, eta.shape[0] // max_draws)
    eta = eta[::step]
    fin = np.isfinite(eta).all(axis=1)
    eta = eta[fin]
    sd = np.full_like(eta, noise)
    q = scoring.mixture_quantiles(eta, sd, (0.05, 0.25, 0.5, 0.75, 0.95))
    return inverse(q, bounded)


def predictive_figure(cr: CheckResult, stem: Path) -> list[Path]:
    from .figures import DPI_TABLE, pyplot, save_figure

    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    ob = cr.ob
    benches = list(dict.fromkeys(ob.benchmark))
    ncol = min(3, len(benches))
    nrow = int(np.ceil(len(benches) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.4 * nrow), squeeze=False)
    for ax, b in zip(axes.ravel(), benches):
        idx = np.flatnonzero(ob.benchmark == b)
        bounded = bool(ob.bounded[idx[0]])
        fam = "bounded" if bounded else "unbounded"
        noise = getattr(cr.priors, fam).observation_noise.sd
        t0, t1 = ob.time[idx].min() - 0.5, ob.time[idx].max() + 1.0
        grid = np.linspace(t0, t1, 80)
        scale = 100.0 if bounded else 1.0
        pr = _bands(cr.prior, b, grid, noise, bounded) * scale
        po = _bands(cr.post, b, grid, noise, bounded) * scale
        ax.fill_between(grid, pr[0], pr[4], color="0.85", label="prior predictive 90 %")
        ax.fill_between(
            grid, po[0], po[4], color="tab:blue", alpha=0.2, label="posterior predictive 90 %"
        )
        ax.fill_between(grid, po[1], po[3], color="tab:blue", alpha=0.35, label="50 %")
        ax.plot(grid, po[2], color="tab:blue", lw=1)
        for i in idx:
            r = ob.rows[i]
            if r.is_range:
                ax.plot([r.time, r.time], [r.low * scale, r.high * scale], color="k", lw=2)
            else:
                inside = cr.result.predictive.observations[i].posterior.in_90
                ax.plot(
                    r.time,
                    r.value * scale,
                    "o" if inside else "X",
                    color="k" if inside else "tab:red",
                    ms=5 if inside else 8,
                )
        if bounded:
            ax.set_ylim(0, 100)
            ax.set_ylabel("% of tasks")
        else:
            ax.set_yscale("log")
            vals = np.array([ob.rows[i].midpoint for i in idx])
            ax.set_ylim(vals.min() / 30, vals.max() * 30)
            ax.set_ylabel("minutes" if ob.rows[idx[0]].dimension == "duration" else "multiplier")
        ax.set_title(f"{b} (n={len(idx)})", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(benches) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=6, loc="upper left")
    sh = cr.result.predictive.shares
    fig.suptitle(
        f"Predictive checks: share inside 50/90 % - prior {sh.prior.share_in_50:.2f}/"
        f"{sh.prior.share_in_90:.2f}, posterior {sh.posterior.share_in_50:.2f}/"
        f"{sh.posterior.share_in_90:.2f}, LOO {sh.loo.share_in_50:.2f}/"
        f"{sh.loo.share_in_90:.2f} (red X: outside posterior 90 %)",
        fontsize=9,
    )
    fig.tight_layout()
    return save_figure(fig, stem, DPI_TABLE)


def loo_figure(cr: CheckResult, stem: Path) -> list[Path]:
    from .figures import DPI_TABLE, pyplot, save_figure

    plt = pyplot()
    s = cr.result.loo
    events = list(s.events)
    labels = [o.observation + ("*" if o.method == "refit" else "") for o in s.observations]
    m = cr.loo_matrix
    fig, ax = plt.subplots(figsize=(1.1 * len(events) + 4, 0.32 * len(labels) + 1.8))
    lim = np.nanmax(np.abs(m)) if np.isfinite(m).any() else 1.0
    im = ax.imshow(np.nan_to_num(m, nan=0.0), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = s.observations[i].events[events[j]]
            txt = (
                "n/a"
                if v is None
                else (f"{m[i, j]:+.2f}" if np.isfinite(m[i, j]) else (v.median or "never")[:7])
            )
            ax.text(j, i, txt, ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(events)), events, rotation=30, ha="right", fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    fig.colorbar(im, ax=ax, label="shift of the median date without the observation (years)")
    ax.set_title(
        "Leave-one-out influence on each event's median (* = refitted, else PSIS)", fontsize=9
    )
    fig.tight_layout()
    return save_figure(fig, stem, DPI_TABLE)


def sensitivity_figure(cr: CheckResult, stem: Path) -> list[Path]:
    from .figures import DPI_TABLE, pyplot, save_figure

    plt = pyplot()
    se = cr.result.sensitivity
    events = list(se.fits[0].events) if se.fits else []
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(events) + 1.5))
    y = np.arange(len(events))
    base = [se.fits[0].events[e].p_by_year_base for e in events] if se.fits else []
    ax.plot(base, y, "o", color="k", label="base priors")
    for k, f in enumerate(se.fits):
        p = [f.events[e].p_by_year for e in events]
        err = [2 * f.events[e].p_shift_mcse for e in events]
        ax.errorbar(p, y + 0.15 * (k + 1), xerr=err, fmt="s", ms=4, label=f"scales x{f.factor:g}")
    ax.set_yticks(y, events, fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(f"P(by end of {se.year}) (bars: ±2 MCSE of the shift)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title("Prior sensitivity", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, stem, DPI_TABLE)
