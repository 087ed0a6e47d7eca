"""Calibration of crossing dates on generators that are not the growth model
(forecast/misspecified.py): per generator the 50/80/95 % coverage of the true crossing date,
the PIT histogram, the share of never-crossing draws and the time taken.

    python benchmarks/misspecified.py [--sims 400] [--seed 1] [--generator NAME ...]

The slow test tests/test_misspecified.py runs the same simulations (400 per generator, seed 1)
and asserts one-sided under-coverage at α = 0.001; this script prints the figures.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sims", type=int, default=400, help="simulations per generator")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--generator", action="append", default=[], help="only this generator")
    a = ap.parse_args(argv)

    import numpy as np

    from forecast import misspecified as ms
    from forecast.priors import load

    pr = load()
    gens = [g for g in ms.GENERATORS if not a.generator or g.name in a.generator]
    print(
        f"{'generator':<18}{'n':>5}  cov 50 / 80 / 95     P(never)  PIT histogram (10 bins)      s"
    )
    for g in gens:
        t0 = time.perf_counter()
        sims = ms.run(g, pr, a.sims, seed=a.seed)
        c = ms.coverage(sims)
        hist = np.histogram([s["pit"] for s in sims], bins=10, range=(0, 1))[0].tolist()
        never = float(np.mean([s["p_never"] for s in sims]))
        print(
            f"{g.name:<18}{len(sims):>5}  {c['50']:.2f} / {c['80']:.2f} / {c['95']:.2f}"
            f"   {never:8.3f}  {hist}  {time.perf_counter() - t0:5.0f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
