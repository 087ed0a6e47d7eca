"""The rate drift's sigma and level_sd chosen on the crossing-date backtest (see
forecast/drift_select.py): the CRPS of every grid point, the all-targets choice (tuned on
the targets: optimistic) and the leave-one-family-out choices with their held-out scores.

    python benchmarks/drift_sigma.py [--cache DIR] [--workers 2] [--json FILE]

Uses the same engine fits as benchmarks/calibration.py (cached; same sampler settings).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--sigmas", type=float, nargs="+", default=None, help="sigma grid")
    ap.add_argument("--level-sds", type=float, nargs="+", default=None, help="level_sd grid")
    a = ap.parse_args(argv)

    from forecast import crossing as cx
    from forecast import crossing_fits
    from forecast import crossing_run as cr
    from forecast import drift_select as ds
    from forecast.fit import SamplerSettings, default_cache_dir
    from forecast.io import write_json
    from forecast.priors import load

    cases = [c for s in cr.bundled_series() for c in cx.cases(s)]
    settings = SamplerSettings(  # as benchmarks/calibration.py, so its fits are reused
        seed=a.seed, draws=a.draws, tune=a.tune, chains=a.chains, target_accept=0.99
    )
    fits = crossing_fits.engine_fits(
        cases, load(None), settings, a.cache or default_cache_dir(), workers=a.workers
    )
    sigmas, levels = a.sigmas or ds.SIGMAS, a.level_sds or ds.LEVEL_SDS
    res = ds.choose(ds.grid_scores(cases, fits, a.seed, sigmas, levels))
    print("pooled CRPS (y) by sigma (rows) and level_sd (columns):")
    print(f"{'sigma':>6}" + "".join(f"{lv:>8g}" for lv in levels))
    for sg in sigmas:
        print(f"{sg:>6g}" + "".join(f"{res['grid_crps'][f'{sg:g},{lv:g}']:>8.3f}" for lv in levels))

    def line(name: str, p: dict, extra: str = "") -> str:
        c = p["coverage"]
        return (
            f"{name:<26}{p['n']:>4}  cov {c['50']:.2f} {c['80']:.2f} {c['95']:.2f}  "
            f"median error {p['median_error']:.2f} y  CRPS {p['crps']:.3f} y  {extra}"
        )

    at = res["all_targets"]
    print(
        "\n" + line("all targets (tuned)", at, f"sigma {at['sigma']:g} level_sd {at['level_sd']:g}")
    )
    lofo = res["leave_one_family_out"]
    print(line("leave one family out", lofo["pooled"]))
    for fam, p in lofo["by_family"].items():
        print(
            line(
                f"  {fam}",
                p,
                f"chosen on the others: sigma {p['sigma']:g} level_sd {p['level_sd']:g}",
            )
        )
    if a.json:
        write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
