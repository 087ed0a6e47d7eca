"""How this engine has forecast before: a crossing-date backtest read for the report.

``forecast backtest --protocol crossing --out bt/`` writes ``bt/crossing.json``: on every
bundled public series, each later frontier record is a threshold whose actual crossing date
is known, forecast from the points before a cutoff (docs/calibration.md). :func:`load`
reads and validates that file; :func:`summary` picks what the report and the brief show:
per method the interval coverage, the median error and the CRPS, per benchmark family the
engine's coverage, and whether the backtest was made with this report's growth model.
Nothing here prints or writes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ForecastError
from .io import read_input_file

if TYPE_CHECKING:
    from .results_report import TrackRecord

SHOWN = {
    "engine_pooled": "engine, every bundled series as of the cutoff (what `forecast run --as-of` says)",
    "engine": "engine, the case's own series alone",
    "line": "least-squares line on the logit/log scale",
    "drifting_line": "line with a drifting slope (the calibration baseline)",
}


def load(path: str | Path) -> dict:
    """A crossing backtest's result: ``path`` is crossing.json or a directory holding it."""
    from pydantic import ValidationError

    from .results import crossing_summary

    p = Path(path)
    if p.is_dir():
        p = p / "crossing.json"
    made_by = "`forecast backtest --protocol crossing --out DIR`"
    text = read_input_file(p, f"crossing-date backtest result (make it with {made_by})")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ForecastError(f"cannot read a crossing backtest result ({e})", str(p)) from None
    if not isinstance(raw, dict) or "crossing" not in str(raw.get("protocol", "")):
        raise ForecastError(
            "not a crossing-date backtest result (forecast backtest --protocol crossing)", str(p)
        )
    try:
        res = crossing_summary({k: v for k, v in raw.items() if k != "schema_version"})
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(map(str, err["loc"]))
        raise ForecastError(f"key {loc!r}: {err['msg']}", str(p)) from None
    return {"path": str(p), **res.as_json()}


def binomial_sd(p: float, n: int) -> float:
    """The sampling sd of a coverage share over ``n`` independent targets."""
    return math.sqrt(p * (1 - p) / n) if n else float("nan")


def summary(crossing: dict, model_version: str) -> dict:
    """What the report shows of a crossing backtest (see the module doc)."""
    pooled = crossing["pooled"]
    head = "engine_pooled" if "engine_pooled" in pooled else "engine"
    methods = [m for m in SHOWN if m in pooled]
    rows = [
        {
            "method": m,
            "what": SHOWN[m],
            "n": pooled[m]["n"],
            "coverage": pooled[m]["coverage"],
            "median_error": pooled[m]["median_error"],
            "crps": pooled[m]["crps"],
        }
        for m in methods
    ]
    families = [
        {
            "family": f,
            "n": s[head]["n"],
            "coverage": s[head]["coverage"],
            "median_error": s[head]["median_error"],
            "coverage_interval": s[head].get("coverage_interval"),
            "coverage_verdict": s[head].get("coverage_verdict"),
        }
        for f, s in crossing["by_family"].items()
        if head in s
    ]
    h = pooled[head]
    made_with = crossing.get("model_version")
    return {
        "path": crossing["path"],
        "method": head,
        "n_targets": crossing["n_targets"],
        "n_cases": crossing["n_cases"],
        "coverage": h["coverage"],
        "coverage_80_sd": round(binomial_sd(0.8, h["n"]), 4),
        "coverage_interval": h.get("coverage_interval"),
        "median_error": h["median_error"],
        "line_median_error": pooled["line"]["median_error"] if "line" in pooled else None,
        "crps": h["crps"],
        "baseline_crps": pooled["drifting_line"]["crps"] if "drifting_line" in pooled else None,
        "methods": rows,
        "families": families,
        "model_version": made_with,
        "code_commit": crossing.get("code_commit"),
        "seed": crossing.get("seed"),
        "same_model": made_with == model_version,
        "fits_ok": all(c["engine_diagnostics"]["ok"] for c in crossing["cases"]),
    }


def _uncertainty(t: TrackRecord) -> str:
    """How far the 80 % coverage could be from its own value by chance, in words."""
    if t.coverage_interval is None:  # a backtest written before the intervals were
        return f"± {100 * t.coverage_80_sd:.0f} points from the sample size alone"
    lo, hi = t.coverage_interval["80"]
    return f"95 % interval {100 * lo:.0f}–{100 * hi:.0f} % with the records of one cutoff counted together"


def sentence(t: TrackRecord) -> str:
    """The brief's line on the track record."""
    cov = t.coverage
    text = (
        f"How it has forecast before: on {t.n_targets} frontier records of the bundled public "
        f"series, each forecast from the data before a cutoff, its 80 % intervals held the actual "
        f"date {100 * cov['80']:.0f} % of the time (target 80 %, {_uncertainty(t)}), its 50 % "
        f"intervals {100 * cov['50']:.0f} % and its "
        f"95 % intervals {100 * cov['95']:.0f} %; its median missed by {t.median_error:.2f} "
        "years on average"
    )
    if t.line_median_error is not None:
        text += f" (a straight-line fit: {t.line_median_error:.2f} years)"
    text += "."
    if not t.same_model:
        text += (
            f" Caveat: the backtest was made with model {t.model_version or 'unknown'}, not "
            "this report's; rerun `forecast backtest --protocol crossing`."
        )
    return text
