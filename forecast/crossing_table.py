"""The text table of a crossing-date backtest result (:func:`forecast.crossing_run.run`):
pooled, per series family and per series, coverage, median error (years), CRPS (years) and
Brier of the engine, the drifting engine and the straight lines. Reads results only."""

from __future__ import annotations

import json

SHORT = {
    "engine": "engine",
    "engine_drift": "e-drift",
    "engine_pooled": "pooled",
    "line": "line",
    "bayes_line": "bayes",
    "drifting_line": "d-line",
}
COLUMNS = {  # score -> the methods shown for it (those the result has)
    "coverage 50/80/95": ("engine", "engine_pooled", "drifting_line"),
    "median error, y": ("engine", "engine_pooled", "line"),
    "CRPS, y": ("engine", "engine_pooled", "bayes_line", "drifting_line"),
    "Brier": ("engine", "engine_pooled", "drifting_line"),
}


def _columns(methods: list[str]) -> dict[str, list[str]]:
    return {score: [m for m in ms if m in methods] for score, ms in COLUMNS.items()}


def _cells(p: dict) -> str:
    c = p["coverage"]
    return f"{c['50']:>5.2f}{c['80']:>5.2f}{c['95']:>5.2f}"


def _cell(score: str, p: dict | None) -> str:
    if score == "coverage 50/80/95":
        return f"{_cells(p):>16}" if p else f"{'-':>16}"
    if p is None:
        return f"{'-':>8}"
    key = {"median error, y": "median_error", "CRPS, y": "crps", "Brier": "brier"}[score]
    return f"{p[key]:>8.3f}" if key == "brier" else f"{p[key]:>8.2f}"


def _header(methods: list[str]) -> list[str]:
    top, sub = f"{'scope':<30}{'n':>4} ", f"{'':<30}{'':>4} "
    for score, ms in _columns(methods).items():
        width = (16 if score.startswith("coverage") else 8) * len(ms)
        top += f" {score:^{width}}"
        sub += " " + "".join(f"{SHORT[m]:>{16 if score.startswith('coverage') else 8}}" for m in ms)
    return [top, sub]


def _row(name: str, d: dict, methods: list[str]) -> str:
    n = d["engine"]["n"]
    out = f"{name:<30.29}{n:>4} "
    for score, ms in _columns(methods).items():
        out += " " + "".join(_cell(score, d.get(m)) for m in ms)
    return out


def _share(p: dict, level: str) -> str:
    iv, verdict = p["coverage_interval"][level], p.get("coverage_verdict", {}).get(level, "")
    return f"{p['coverage'][level]:.2f} [{iv[0]:.2f}-{iv[1]:.2f}] {verdict:<11}"


def _uncertainty(res: dict) -> list[str]:
    """Pooled and per family, the 50 and 80 % coverage of the fitted engines with their 95 %
    intervals (targets clustered by case) and where each stands against the protocol's band.
    Empty for a result written before the intervals were."""
    if "coverage_interval" not in res["pooled"]["engine"]:
        return []
    ms = [m for m in ("engine", "engine_pooled") if m in res["methods"]]
    lines = [
        "",
        "Coverage with its sampling uncertainty: 95 % intervals, targets clustered by case "
        "(bands: 50 % 0.40-0.60, 80 % 0.70-0.90;",
        "'consistent' = outside the band but its interval meets it, too few cases to tell):",
        f"  {'scope':<22}{'method':<9}{'cases':>5}   {'50 %':<29}{'80 %':<29}",
    ]
    scopes = [("pooled", res["pooled"]), *res["by_family"].items()]
    for name, d in scopes:
        for m in ms:
            p = d.get(m)
            if not p or "coverage_interval" not in p:
                continue
            lines.append(
                f"  {name:<22.21}{SHORT[m]:<9}{p['n_cases']:>5}   "
                f"{_share(p, '50'):<29}{_share(p, '80'):<29}".rstrip()
            )
    return lines


def table(res: dict) -> str:
    """The calibration table: pooled and per family (then per series), every method.
    ``engine``: each series fitted alone; ``pooled``: every bundled series as of the cutoff."""
    ms = res["methods"]
    lines = [
        f"Crossing-date backtest: {res['n_targets']} targets in {res['n_cases']} cases "
        "(targets pooled, each one unit)",
        "",
        *_header(ms),
        _row("pooled", res["pooled"], ms),
    ]
    lines += [_row(f"  {fam}", d, ms) for fam, d in res["by_family"].items()]
    lines += _uncertainty(res)
    lines += ["", "Per series:"]
    lines += [_row(f"  {s}", d, ms) for s, d in res["by_series"].items()]
    lines += ["", "Coverage 50/80/95 of every method (pooled), and targets with PIT 0 / PIT 1:"]
    for m in res["methods"]:
        p = res["pooled"][m]
        lines.append(f"  {m:<14}{_cells(p)}   PIT 0: {p['pit_0']:>3}   PIT 1: {p['pit_1']:>3}")
    drifts = {json.dumps(c.get("drift"), sort_keys=True) for c in res["cases"]}
    if "engine_drift" in res["methods"]:
        lines.append(f"engine_drift's rate drift: {'; '.join(sorted(drifts))}")
    for m in ("engine", "engine_drift", "engine_pooled"):
        if m not in res["methods"]:
            continue
        out = [o for o in res["whole_cases_outside"] if o["method"] == m]
        lines += ["", f"Cases with every target outside the {m} draws (PIT all 0 or all 1):"]
        lines += [f"  {o['case']}: PIT {o['pit']:g} on {o['n_targets']} targets" for o in out]
        lines += [] if out else ["  none"]
    bad = [c["case"] for c in res["cases"] if not c["engine_diagnostics"].get("ok", True)]
    if bad:
        lines.append(f"Engine fits missing the sampler thresholds: {', '.join(bad)}")
    bad = [
        c["case"]
        for c in res["cases"]
        if c.get("pooled") and not c["pooled"]["diagnostics"].get("ok", True)
    ]
    if bad:
        lines.append(f"Pooled fits missing the sampler thresholds: {', '.join(bad)}")
    for s, why in res["skipped"].items():
        lines.append(f"skipped {s}: {why}")
    return "\n".join(lines)
