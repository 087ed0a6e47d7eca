"""Should the forward walk's scales ([rate_drift] sigma and level_sigma in priors/) be chosen
per prior family, and to what? A grid over (sigma, level_sigma) on the crossing-date
backtest's cached engine fits (forecast/drift_select.py; no refits: the walk acts only after
the last point).

    python benchmarks/drift_sigma.py [--workers 2] [--cache DIR] [--json FILE]
                                     [--sigmas 0.2 0.4 ...] [--level-sigmas 1 2 ...]
                                     [--walk-seed N] [--no-held-out]

Prints, per prior family (bounded, unbounded) of the bundled series' cases: the pooled CRPS
(years) and 80 % coverage of every grid point; the choice (lowest CRPS with pooled 80 %
coverage in 0.70-0.90, tuned on the very targets it is scored on) beside the priors'
current scales, pooled, per series family and per series; leave one group out within the
family (series family for bounded, series for unbounded: only METR's four series, which
share models and tasks, so weak evidence). Then the bounded choice and the current scales
on the held-out series of benchmarks/external-series.csv (never used to tune anything),
pooled and per benchmark, and that set's own grid (for reading only: choosing on it would
spend it). First it checks that at the priors' scales the walk reproduces the engine's
crossing-date draws exactly.

Uses the engine fits of benchmarks/calibration.py (same sampler settings, each series
alone; cached in the posterior cache, fitted when missing).
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import product
from pathlib import Path

HELD_OUT = Path(__file__).with_name("external-series.csv")
LOO_BY = {"bounded": "family", "unbounded": "series"}  # leave-one-out groups per prior family


def _fits(series, priors, settings, cache: Path, workers, bundled: bool):
    from forecast import crossing as cx
    from forecast.crossing_fits import Engine, engine_fits

    cases = [c for s in series for c in cx.cases(s)]
    say = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    engine = Engine(priors, settings, cache, workers=workers, progress=say, bundled=bundled)
    fits = engine_fits(cases, engine, ("alone",))
    return cases, {c.id: fits[c.id, "alone"] for c in cases}


def _check(cases, fits, current) -> str:
    """The walk at the priors' scales against the engine's own draws, target by target."""
    import numpy as np

    from forecast import crossing_run as cr
    from forecast import drift_select as ds

    n = same = 0
    worst = 0.0
    for c in cases:
        fit = fits[c.id]
        mine = ds.walk_draws(c, fit, *current[ds.prior_family(fit)])
        for a, b in zip(mine, cr.engine_draws(c, fit), strict=True):
            n += 1
            same += bool(np.array_equal(a, b))
            fa, fb = np.isfinite(a), np.isfinite(b)
            if not np.array_equal(fa, fb):
                worst = np.inf
            elif fa.any():
                worst = max(worst, float(np.max(np.abs(a[fa] - b[fa]))))
    return (
        f"{same} of {n} targets' draws identical to the engine's (max |difference| {worst:.3g} y)"
    )


def _grid(table: dict, field: str, sigmas, levels, marks: dict[str, str]) -> list[str]:
    out = [f"{'sigma':>7} |" + "".join(f"{lv:>8g}" for lv in levels) + "   <- level_sigma"]
    for sg in sigmas:
        cells = ""
        for lv in levels:
            k = f"{sg:g},{lv:g}"
            v = table["crps"][k] if field == "crps" else table["coverage"][k]["80"]
            cells += f"{v:>7.3f}" if field == "crps" else f"{v:>7.2f}"
            cells += marks.get(k, " ")
        out.append(f"{sg:>7g} |" + cells)
    return out


def _line(name: str, p: dict, extra: str = "") -> str:
    if not p.get("n"):
        return f"  {name:<32.31}   0"
    c = p["coverage"]
    return (
        f"  {name:<32.31}{p['n']:>4}  {c['50']:>5.2f}{c['80']:>5.2f}{c['95']:>5.2f}"
        f"  {p['median_error']:>6.2f}  {p['crps']:>6.3f}{extra}"
    )


def _head(title: str) -> str:
    return f"  {title:<32}{'n':>4}  {'cov 50/80/95':^15}  {'med.e':>6}  {'CRPS':>6}"


def _compare(cmp: dict, names=("current", "chosen")) -> list[str]:
    out = []
    for name in names:
        out.append(_line(f"pooled, {name}", cmp["pooled"][name]))
    for g, d in cmp["groups"].items():
        for name in names:
            out.append(_line(f"{g}, {name}", d[name]))
    return out


def _diff(name: str, d: dict) -> str:
    return (
        f"  {name}: CRPS {d['difference']:+.3f} y (cluster bootstrap over {d['clusters']} "
        f"{d['by']}s: sd {d['sd']:.3f}, lower in {d['share_better']:.0%} of resamples)"
    )


def _pt(d: dict) -> str:
    return f"sigma {d['sigma']:g}, level_sigma {d['level_sigma']:g}"


def report(res: dict, sigmas, levels) -> str:
    lines = [
        f"Walk at the priors' scales vs the engine (bundled): {res['check']['bundled']}",
    ]
    if res["check"].get("held_out"):
        lines.append(
            f"Walk at the priors' scales vs the engine (held-out): {res['check']['held_out']}"
        )
    lines.append(
        f"{res['n_points']} grid points x {res['n_cases']} bundled cases "
        f"({res['n_targets']} targets): {res['seconds_per_point']:.2f} s per point"
    )
    band = res["bundled"]["band_80"]
    for fam, f in res["bundled"]["families"].items():
        ch, cur = f["chosen"], f["current"]
        marks = {f"{cur['sigma']:g},{cur['level_sigma']:g}": "o"}
        marks[f"{ch['sigma']:g},{ch['level_sigma']:g}"] = "*"
        lines += [
            "",
            f"=== {fam} ({f['n']} bundled targets) ===",
            f"pooled CRPS (y); * chosen, o current ({_pt(cur)}):",
            *_grid(f["grid"], "crps", sigmas, levels, marks),
            "pooled 80 % coverage:",
            *_grid(f["grid"], "coverage", sigmas, levels, marks),
            f"chosen (lowest CRPS with 80 % coverage in {band[0]:.2f}-{band[1]:.2f}): {_pt(ch)}"
            + ("" if ch["admissible"] else "  [NO grid point in the band: nearest taken]")
            + ("  [on the grid's edge]" if ch["on_grid_edge"] else ""),
            f"lowest CRPS whatever the coverage: {_pt(f['lowest_crps'])}, "
            f"CRPS {f['lowest_crps']['crps']:.3f}, 80 % coverage "
            f"{f['lowest_crps']['coverage']['80']:.2f}",
            "",
            _head("bundled (tuned on these)"),
            *_compare(f["by_family"]),
            _head("per series"),
            *_compare(f["by_series"])[2:],
            _diff("chosen minus current", f["chosen_minus_current"]),
        ]
        loo = f["leave_one_out"]
        if loo:
            lines += [
                "",
                f"leave one {loo['by']} out within {fam}: each scored with the point chosen on "
                "the others",
                _head(f"held-out {loo['by']}"),
            ]
            for g, d in loo["by_group"].items():
                lines.append(_line(f"{g}, current", d["current"]))
                flag = "" if d["admissible"] else " (none in band)"
                lines.append(_line(f"{g}, chosen on others", d["held_out"], f"  {_pt(d)}{flag}"))
            lines.append(_line("pooled, current", loo["current"]))
            lines.append(_line("pooled, chosen on others", loo["pooled"]))
            lines.append(_diff("chosen on others minus current", loo["held_out_minus_current"]))
    ho = res.get("held_out")
    if ho:
        ch = res["bundled"]["families"]["bounded"]["chosen"]
        cur = res["bundled"]["families"]["bounded"]["current"]
        marks = {f"{cur['sigma']:g},{cur['level_sigma']:g}": "o"}
        marks[f"{ch['sigma']:g},{ch['level_sigma']:g}"] = "*"
        lines += [
            "",
            f"=== held-out ({HELD_OUT.name}, {ho['n_targets']} targets in {ho['n_cases']} cases, "
            "all bounded) ===",
            f"the bounded choice ({_pt(ch)}) beside the current ({_pt(cur)}):",
            _head("held-out"),
            *_compare(ho["compare"]),
            _diff("chosen minus current", ho["chosen_minus_current"]),
            "",
            "the held-out set's own grid, for reading only (choosing on it would spend it):",
            "pooled CRPS (y):",
            *_grid(ho["grid"], "crps", sigmas, levels, marks),
            "pooled 80 % coverage:",
            *_grid(ho["grid"], "coverage", sigmas, levels, marks),
        ]
    lines += ["", f"total {res['seconds']:.0f} s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=None, help="processes [one per core]")
    ap.add_argument("--cache", type=Path, default=None, help="posterior cache directory")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--target-accept", type=float, default=0.99)
    ap.add_argument("--seed", type=int, default=1, help="the fits' seed (as calibration.py)")
    ap.add_argument(
        "--walk-seed",
        type=int,
        default=None,
        help="the walk's run seed [the fits' seed, as the engine]; another gives other paths",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    ap.add_argument("--sigmas", type=float, nargs="+", default=None, help="sigma grid")
    ap.add_argument("--level-sigmas", type=float, nargs="+", default=None, help="level_sigma grid")
    ap.add_argument("--no-held-out", action="store_true", help=f"skip {HELD_OUT.name}")
    a = ap.parse_args(argv)

    import os

    from forecast import crossing_run as cr
    from forecast import drift_select as ds
    from forecast.fit import SamplerSettings, default_cache_dir
    from forecast.io import write_json
    from forecast.priors import load

    start = time.perf_counter()
    workers = a.workers or os.cpu_count() or 1
    priors = load(None)
    current = {}
    for fam in ds.FAMILIES:
        rd = getattr(priors, fam).rate_drift
        if rd is None:
            raise SystemExit(f"the {fam} priors have no [rate_drift]")
        if rd.level_sd:
            print(f"note: {fam} level_sd {rd.level_sd:g} is ignored (grid at 0)", file=sys.stderr)
        current[fam] = (rd.sigma, rd.level_sigma)
    sigmas = sorted(set(a.sigmas or ds.SIGMAS) | {p[0] for p in current.values()})
    levels = sorted(set(a.level_sigmas or ds.LEVEL_SIGMAS) | {p[1] for p in current.values()})
    points = list(product(sigmas, levels))
    settings = SamplerSettings(
        seed=a.seed, draws=a.draws, tune=a.tune, chains=a.chains, target_accept=a.target_accept
    )
    cache = a.cache or default_cache_dir()

    cases, fits = _fits(cr.bundled_series(), priors, settings, cache, workers, True)
    check = {"bundled": _check(cases, fits, current) if a.walk_seed is None else "skipped"}
    t = time.perf_counter()
    scores = ds.grid_scores(cases, fits, points, a.walk_seed, workers)
    per_point = (time.perf_counter() - t) / len(points)
    res: dict = {
        "current": {f: {"sigma": p[0], "level_sigma": p[1]} for f, p in current.items()},
        "sigmas": sigmas,
        "level_sigmas": levels,
        "walk_seed": a.walk_seed,
        "n_points": len(points),
        "n_cases": len(cases),
        "n_targets": len(scores[points[0]]),
        "seconds_per_point": per_point,
        "check": check,
        "bundled": ds.select(scores, current, LOO_BY),
    }
    if not a.no_held_out:
        ho_cases, ho_fits = _fits(cr.read_series(HELD_OUT), priors, settings, cache, workers, False)
        if a.walk_seed is None:
            check["held_out"] = _check(ho_cases, ho_fits, current)
        ho = ds.grid_scores(ho_cases, ho_fits, points, a.walk_seed, workers)
        ch = res["bundled"]["families"]["bounded"]["chosen"]
        named = {"current": current["bounded"], "chosen": (ch["sigma"], ch["level_sigma"])}
        keep = ds.of_family("bounded")
        res["held_out"] = {
            "n_cases": len(ho_cases),
            "n_targets": len(ho[points[0]]),
            "compare": ds.compare(ho, named, keep, "family"),
            "chosen_minus_current": ds.paired_bootstrap(
                ds.rows_at(ho, named["current"], keep), ds.rows_at(ho, named["chosen"], keep)
            ),
            "grid": ds.grid_table(ho, keep),
        }
    res["seconds"] = time.perf_counter() - start
    print(report(res, sigmas, levels))
    if a.json:
        write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
