"""`forecast report` timings: cold (nothing cached), posterior cached, and warm.

    python benchmarks/report.py

cold      = an empty cache: the fit, both readings, every figure and the page
posterior = the posterior cached, the figures not (a new scenario or threshold set)
warm      = posterior and figures cached (the same report again, e.g. into another --out)
Targets (issue 14): cold under 30 s, warm under 5 s on 2 cores. Prints one line per
figure; nothing is asserted (speed targets live here, not in tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed_report(cache: Path, out: Path) -> float:
    env = {**os.environ, "FORECAST_CACHE": str(cache)}
    exe = Path(sys.executable).with_name("forecast")
    t0 = time.perf_counter()
    subprocess.run(
        [str(exe), "report", "--out", str(out), "--force", "-q"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "report"
        cold = timed_report(cache, out)
        shutil.rmtree(cache / "figures")
        posterior = timed_report(cache, out)
        warm = timed_report(cache, out)
    print(f"report cold (fit + figures + page): {cold:6.1f} s   target < 30 s")
    print(f"report, posterior cached:           {posterior:6.1f} s")
    print(f"report warm (figures cached too):   {warm:6.1f} s   target < 5 s")


if __name__ == "__main__":
    main()
