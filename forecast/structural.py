"""Structural uncertainty: the headline numbers under modelling choices the data cannot settle.

A variant (``scenarios/structural.toml``) changes one choice of the central model: the data
(seed figures alone, a series left out), the priors (scales x2 or x0.5, no pooling), the
forward walk, or a residual-model parameter of every reading (the readings' elasticity
itself excepted: that is what the readings differ in). Each is fitted once (cached like any fit) and forecast with the same seed and
readings. Every headline number is then reported three ways: its central value (the model as
given), the structural range across variants (which variant gives each end), and its Monte
Carlo error. A verdict on a published claim is "agrees" or "disagrees" only when every
variant under every reading gives it; otherwise it "depends on" the variants that flip it. A
claim on a growth parameter (a doubling time) is the same under every reading, so it has one
verdict per variant.
Probabilities are P(by the end of the focus year); dates are to the month.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .dask_client import map_jobs
from .fit import cache_key
from .pipeline import Inputs, fit_posterior, forecast
from .results import Reference, RunSummary
from .results_structural import StructuralBody, StructuralSummary, structural_summary
from .scenario import Scenario
from .settings import FOCUS_YEAR
from .structural_variants import FILE_NAME, Variant, variant_inputs


def _month(date: str | None) -> str | None:
    return None if date is None else date[:7]


def _arm_numbers(summary: RunSummary, reading: str | None, year: int) -> dict[str, dict]:
    """Per event key: P(by the focus year) and its MCSE, the median month, P(never)."""
    out = {}
    for ev, e in summary.events.items():
        composite = e.threshold_shown == "composite"
        key = f"{ev} [{reading}]" if composite and reading else ev
        p = e.p_by(year)
        out[key] = {
            "title": e.title,
            "reading": reading if composite else None,
            "p": p.p,
            "mcse": p.mcse,
            "median": _month(e.quantiles["0.5"]),
            "p_never": e.p_not_by_horizon,
        }
    return out


def run(
    base: Inputs,
    variants: Sequence[Variant],
    scenarios: Sequence[Scenario | None],
    thresholds: Sequence[str] = (),
    horizon: str | None = None,
    cache_dir: Path | None = None,
    refit: bool = False,
    progress: Callable[[str], None] | None = None,
    where: str = FILE_NAME,
    year: int = FOCUS_YEAR,
    workers: int | None = None,
    scheduler: str | None = None,
) -> StructuralSummary:
    """Fit and forecast the central model and every variant under every reading: the
    structural summary (see the module docstring), typed; ``.as_json()`` is structural.json.
    Fits not yet cached are made first, in parallel on Dask (:func:`prefit`)."""
    arms = [("central", base, list(scenarios))] + [
        (v.id, variant_inputs(base, v, where), [v.scenario(sc, where) for sc in scenarios])
        for v in variants
    ]
    made = prefit([inp for _, inp, _ in arms], cache_dir, refit, workers, scheduler, progress)
    numbers: dict[str, dict[str, dict]] = {}
    verdicts: dict[str, dict[str, dict]] = {}
    fits = []
    for i, (name, inp, readings) in enumerate(arms):
        if progress:
            progress(f"[{i + 1}/{len(arms)}] {name}: fit and forecast")
        key = cache_key(inp.rows, inp.priors, inp.settings)
        post, reused = fit_posterior(inp, cache_dir, refit and not made, quiet=True)
        reused = reused and key not in made  # a fit prefit() just made is not a reused one
        per_reading: dict[str | None, dict[str, dict]] = {}
        for sc in readings:
            res = forecast(inp, thresholds, horizon, cache_dir, posterior=post, scenario=sc)
            reading = sc.name if sc is not None else None
            per_reading[reading] = _arm_numbers(res.run, reading, year)
            for ref in res.run.references:
                claim = ref.model_dump(mode="json", exclude_unset=True)
                # a growth parameter is the same under every reading: one verdict per variant
                on = "" if ref.between is not None else reading or ""
                verdicts.setdefault(ref.id, {"claim": claim})["|".join([name, on])] = _arm(ref)
        for arm, nums in _split_by_reading(name, per_reading).items():
            numbers.setdefault(arm, {}).update(nums)
        diag = res.run.diagnostics
        fits.append(
            {
                "id": name,
                "n_rows": len(inp.rows),
                "posterior_hash": res.run.provenance.posterior_hash,
                "diagnostics_ok": diag.ok,
                "max_rhat": diag.max_rhat,
                "divergences": diag.divergences,
                "reused": reused,
            }
        )
    return structural_summary(
        {
            "focus_year": year,
            "seed": base.settings.seed,
            "readings": [sc.name if sc else None for sc in scenarios],
            "variants": [{"id": "central", "title": "the model as given", "why": ""}]
            + [{"id": v.id, "title": v.title, "why": v.why} for v in variants],
            "fits": fits,
            "events": _events(numbers),
            "claims": [_claim(c) for c in verdicts.values()],
        }
    )


def prefit(
    arms: Sequence[Inputs],
    cache_dir: Path | None,
    refit: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> set[str]:
    """Fit every distinct input set not yet cached (:func:`forecast.dask_client.map_jobs`:
    on Dask, or in this process for one fit or ``workers`` 1); each fit lands in the cache,
    where :func:`run` finds it. A fit's numbers do not depend on where it ran. Returns the
    cache keys of the fits made."""
    from .fit import default_cache_dir, posterior_path

    cache = cache_dir or default_cache_dir()
    todo: dict[str, Inputs] = {}
    for inp in arms:
        k = cache_key(inp.rows, inp.priors, inp.settings)
        if refit or not posterior_path(cache, k).exists():
            todo.setdefault(k, inp)
    if todo and progress:
        progress(f"fitting {len(todo)} variant(s), in parallel on Dask when more than one")
    jobs = [(inp, cache, refit) for inp in todo.values()]
    map_jobs(_fit_into_cache, jobs, workers, scheduler, progress)
    return set(todo)


def _fit_into_cache(inp: Inputs, cache: Path, refit: bool) -> None:
    fit_posterior(inp, cache, refit, quiet=True)


def event_ranges(s: StructuralBody) -> dict[str, dict]:
    """Per event of a structural summary run under one reading (or none), keyed by event id:
    its central value, structural range and the variant it depends on most (what
    `forecast run --structural` adds to the run summary)."""
    keep = {"central", "range", "depends_most_on"}
    return {
        key.split(" [")[0]: {
            **e.model_dump(mode="json", include=keep),
            "variants": len(e.variants) - 1,
        }
        for key, e in s.events.items()
    }


def _split_by_reading(
    name: str, per_reading: dict[str | None, dict[str, dict]]
) -> dict[str, dict[str, dict]]:
    """An arm's numbers under the arm's name; a single-benchmark event that the readings
    forecast differently (a variant with feedback on: effective time runs at each reading's
    R&D multiplier) under "NAME (READING)" once per reading instead, so that no reading's
    value hides another's."""
    out: dict[str, dict[str, dict]] = {name: {}}
    keys = dict.fromkeys(k for nums in per_reading.values() for k in nums)
    for key in keys:
        vals = {r: nums[key] for r, nums in per_reading.items() if key in nums}
        first = next(iter(vals.values()))
        same = all((v["p"], v["median"]) == (first["p"], first["median"]) for v in vals.values())
        if same:
            out[name][key] = first
        else:
            for r, v in vals.items():
                out.setdefault(f"{name} ({r})", {})[key] = v
    return out


def _events(numbers: dict[str, dict[str, dict]]) -> dict[str, dict]:
    """Per event: central value, each variant's, the range and the variant it depends on most."""
    out = {}
    for key, c in numbers["central"].items():
        per = {a: n[key] for a, n in numbers.items() if key in n}
        others = {a: v for a, v in per.items() if a != "central"}
        ps = {a: v["p"] for a, v in per.items()}
        lo = min(ps, key=lambda a: ps[a])
        hi = max(ps, key=lambda a: ps[a])
        months = sorted(v["median"] or "never" for v in per.values())
        most = max(others, key=lambda a: abs(others[a]["p"] - c["p"]), default=None)
        out[key] = {
            "title": c["title"],
            "reading": c["reading"],
            "central": {k: c[k] for k in ("p", "mcse", "median", "p_never")},
            "range": {
                "p_low": ps[lo],
                "low_variant": lo,
                "p_high": ps[hi],
                "high_variant": hi,
                "median_earliest": months[0],
                "median_latest": months[-1],
                "width": round(ps[hi] - ps[lo], 6),
            },
            "depends_most_on": None
            if most is None
            else {"variant": most, "p": others[most]["p"], "shift": _shift(others[most], c)},
            "variants": {
                a: {k: v[k] for k in ("p", "mcse", "median", "p_never")} for a, v in per.items()
            },
            "missing_in": sorted(  # arms, not "ARM (READING)" splits (ids have no spaces)
                a for a in numbers if " (" not in a and a not in {k.split(" (")[0] for k in per}
            ),
        }
    return out


def _shift(v: dict, c: dict) -> float:
    return round(v["p"] - c["p"], 6)


def _arm(ref: Reference) -> dict:
    """A claim's numbers and verdict under one arm: P and its MCSE, or a parameter claim's
    median and 80 % interval (months)."""
    out: dict[str, object] = {"p": ref.engine_p, "mcse": ref.engine_mcse, "verdict": ref.verdict}
    if ref.between is not None:
        out |= {
            "median_months": ref.engine_median_months,
            "interval_months": ref.engine_interval_months,
        }
    return out


def _claim(c: dict) -> dict:
    """A claim's verdict across every (variant, reading): "agrees" or "disagrees" only when
    every arm does; "depends on the reading" when each reading is unanimous but they differ;
    else "depends on" the variants whose verdict differs from the central model's under the
    same reading."""
    claim = c["claim"]
    arms = {k: v for k, v in c.items() if k != "claim"}
    by_reading: dict[str, dict[str, dict]] = {}
    for k, v in arms.items():
        name, reading = k.split("|", 1)
        by_reading.setdefault(reading, {})[name] = v
    kinds = {v["verdict"] for v in arms.values()}
    flips = []
    if len(kinds) == 1:
        overall = kinds.pop()
    elif all(len({v["verdict"] for v in r.values()}) == 1 for r in by_reading.values()):
        overall = "depends on the reading: " + "; ".join(
            f"{next(iter(r.values()))['verdict']} under {reading}"
            for reading, r in by_reading.items()
        )
    else:
        parts = []
        for reading, r in by_reading.items():
            base = r.get("central", next(iter(r.values())))["verdict"]
            names = sorted(n for n, v in r.items() if v["verdict"] != base)
            flips += [_arm_label(f"{n}|{reading}") for n in names]
            if names:
                under = f" under {reading}" if reading else ""
                parts.append(f"{', '.join(names)}{under} (central: {base})")
        overall = "depends on " + "; ".join(parts)
    central = {reading: r["central"] for reading, r in by_reading.items() if "central" in r}
    return {
        "id": claim["id"],
        "who": claim.get("who", ""),
        "claim": claim.get("claim", ""),
        **{k: claim[k] for k in CLAIM_KEYS if k in claim},
        "central": central,
        "verdict": overall,
        "flipped_by": flips,
        "arms": {_arm_label(k): v for k, v in arms.items()},
    }


CLAIM_KEYS = (
    "event", "by", "p_at_least", "p_at_most", "median_from", "given_reading", "series",
    "quantity", "at", "over", "between", "read_as",
)  # fmt: skip


def _arm_label(key: str) -> str:
    name, reading = key.split("|", 1)
    return f"{name} ({reading})" if reading else name
