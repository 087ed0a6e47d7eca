"""Write examples/synthetic-series.csv: two synthetic series with known truth, for the
backtest tests and for trying `forecast backtest` (the numbers are made up, not published).

* ``synthetic-horizon`` (unbounded, minutes): log h(t) = log 1 min + r (expm1(g tau)/g),
  tau = t - 2022, r = ln 2 / (7 months) per year, g = 0.1 per year; 24 points from
  2019-06 to 2026-06 with log-normal noise, sd 0.3.
* ``synthetic-bench`` (bounded, percent): 90 % * logistic(1.6 (t - 2024.3)); 14 points
  from 2022-01 to 2026-06 with logit-normal noise, sd 0.2.

Run: python examples/make_synthetic.py  (seed 7; rewrites the CSV byte for byte).
"""

from pathlib import Path

import numpy as np

HEADER = "benchmark,date,system,value,low,high,unit,kind,approximate,variant,source,note\n"


def month(t: float) -> str:
    y = int(np.floor(t))
    m = int(np.floor((t - y) * 12)) + 1
    return f"{y:04d}-{m:02d}"


def main() -> None:
    rng = np.random.default_rng(7)
    lines = []
    t = np.sort(rng.uniform(2019.45, 2026.45, 24))
    r, g = np.log(2) / (7 / 12), 0.1
    tau = np.array([int(month(x)[:4]) + (int(month(x)[5:]) - 0.5) / 12 for x in t]) - 2022
    logh = r * np.expm1(g * tau) / g + rng.normal(0, 0.3, len(t))
    seen = set()
    for x, v in zip(t, np.exp(logh)):
        d = month(x)
        if d in seen:
            continue
        seen.add(d)
        lines.append(
            f"synthetic-horizon,{d},model {len(seen)},{v:.4g},,,minutes,ai,false,,"
            "synthetic (examples/make_synthetic.py),\n"
        )
    t = np.sort(rng.uniform(2022.0, 2026.45, 14))
    seen = set()
    for x in t:
        d = month(x)
        if d in seen:
            continue
        seen.add(d)
        tm = int(d[:4]) + (int(d[5:]) - 0.5) / 12
        mu = 0.9 / (1 + np.exp(-1.6 * (tm - 2024.3)))
        z = np.log(mu) - np.log1p(-mu) + rng.normal(0, 0.2)
        v = 100 / (1 + np.exp(-z))
        lines.append(
            f"synthetic-bench,{d},agent {len(seen)},{v:.2f},,,percent,ai,false,,"
            "synthetic (examples/make_synthetic.py),\n"
        )
    Path(__file__).with_name("synthetic-series.csv").write_text(
        HEADER + "".join(lines), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
