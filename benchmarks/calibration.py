"""Calibration on real histories: the crossing-date protocol (docs/calibration.md) on the
bundled public series, the table of `forecast backtest --protocol crossing`.

    python benchmarks/calibration.py [--series NAME ...] [--workers 2] [--cache DIR]
                                     [--draws 1000 --tune 1000 --chains 4] [--json FILE]
                                     [--no-pooled] [--held-out [series|horizons]]

With --held-out the same protocol runs on series that are not bundled, each fitted alone:
benchmarks/external-series.csv (the default; six bounded benchmarks: GPQA Diamond, MATH
Level 5, OTIS Mock AIME, FrontierMath, WeirdML, SimpleBench; never used to choose a prior or
the forward walk) or, with `--held-out horizons`, benchmarks/external-horizons.csv (METR's
cross-domain 50 % time horizons of ten other benchmarks: the unbounded family's held-out
check, on which the acceleration prior's centre was chosen between 0 and +0.3). Every row
names its source.

Prints, pooled over targets and per series family: the 50/80/95 % coverage of the engine
fitted on each series alone (engine), of the engine fitted on every bundled series as it
stood at the cutoff (engine_pooled) and of the drifting line; the median error (years) of
both engines and the least-squares line; the CRPS (years) of both engines, the flat-prior
Bayesian line and the drifting line; the Brier score of P(crossed within a year of the
cutoff); and the number of targets; then per series, every method's coverage (engine_drift
too: the alone fit with a drifting rate, forecast/drift.py), PIT extremes and the cases
whose targets all fell outside the engine's draws.
Targets (calibration.md): 80 % coverage 0.70-0.90, 50 % 0.40-0.60, median error no worse
than the line's, CRPS below the drifting line's. Nothing is asserted; the engine fits are
cached, so a second run only re-scores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HELD_OUT = {
    "series": Path(__file__).with_name("external-series.csv"),
    "horizons": Path(__file__).with_name("external-horizons.csv"),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--series", action="append", default=[], help="only this series")
    ap.add_argument("--workers", type=int, default=None, help="Dask workers [one per core]")
    ap.add_argument("--cache", type=Path, default=None, help="posterior cache directory")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--target-accept", type=float, default=0.99)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--no-pooled",
        action="store_true",
        help="skip engine_pooled (each case fitted on every bundled series as of its cutoff)",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the full result here")
    ap.add_argument(
        "--held-out",
        nargs="?",
        const="series",
        choices=sorted(HELD_OUT),
        default=None,
        help="held-out series that are not bundled, each fitted alone: 'series' (the default "
        f"with no value) the bounded benchmarks of {HELD_OUT['series'].name}, 'horizons' "
        f"METR's cross-domain time horizons of {HELD_OUT['horizons'].name}",
    )
    a = ap.parse_args(argv)

    from forecast import crossing_run as cr
    from forecast import crossing_table
    from forecast.fit import SamplerSettings, default_cache_dir
    from forecast.io import write_json
    from forecast.priors import load

    series = cr.read_series(HELD_OUT[a.held_out]) if a.held_out else cr.bundled_series()
    if a.series:
        series = [s for s in series if s.name in a.series]
    settings = SamplerSettings(
        seed=a.seed, draws=a.draws, tune=a.tune, chains=a.chains, target_accept=a.target_accept
    )
    t0 = time.perf_counter()
    res = cr.run(
        series,
        load(None),
        settings,
        a.cache or default_cache_dir(),
        workers=a.workers,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
        pooled=not (a.no_pooled or a.held_out),
        bundled=not a.held_out,
    )
    took = time.perf_counter() - t0
    print(crossing_table.table(res))
    cases = res["cases"]
    n_pooled = sum(1 for c in cases if c.get("pooled"))
    cached = sum(c["engine_cached"] for c in cases)
    cached += sum(c["pooled"]["cached"] for c in cases if c.get("pooled"))
    print(
        f"\n{len(cases)} series-alone and {n_pooled} pooled engine fits ({cached} cached), "
        f"{a.chains} chains x {a.draws} draws (tune {a.tune}, target_accept {a.target_accept}), "
        f"seed {a.seed}: {took:.0f} s"
    )
    if a.json:
        write_json(a.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
