"""The one distribution grammar of the input files: which ``dist`` names exist, which
numbers each takes, what they must satisfy, how each reads in a table and (for scenario
parameters) how it is drawn from uniforms.

A priors file (``priors/*.toml``) and a scenario file (``scenarios/*.toml``) write a
distribution the same way: ``dist = "normal"``, ``mu = ...``, ``sigma = ...``; a fixed
value is ``value = ...`` without ``dist``. Priors use ``normal`` and ``halfnormal``
(:mod:`forecast.priors`, drawn by PyMC); scenario parameters use the rest
(:mod:`forecast.scenario`, drawn by :func:`ppf`). Sweep axes are grids (``values``, or
``low``/``high`` and a count: :mod:`forecast.sweep_design`), named like ``uniform``'s bounds.
Numbers are in the unit of the quantity they describe.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats

NUMBERS: dict[str | None, tuple[str, ...]] = {
    None: ("value",),  # a fixed value
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "lognormal": ("median", "sigma"),
    "normal": ("mu", "sigma"),
    "halfnormal": ("sigma",),
    "beta": ("alpha", "beta"),
}
ALL_NUMBERS = tuple(dict.fromkeys(k for ks in NUMBERS.values() for k in ks))
IN_UNIT: dict[str | None, tuple[str, ...]] = {  # the numbers in the quantity's unit
    None: ("value",),
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "lognormal": ("median",),  # sigma is on the log scale
    "normal": ("mu", "sigma"),
    "halfnormal": ("sigma",),
    "beta": (),  # a share in 0-1 whatever the unit
}


def check(dist: str | None, given: Mapping[str, float | None]) -> None:
    """A ValueError unless ``given`` (number name -> value or None) holds exactly the numbers
    ``dist`` takes, with low < high, positive loguniform bounds and a positive lognormal
    median (scales, alpha and beta are checked positive by the schemas)."""
    want = set(NUMBERS[dist])
    have = {k for k, v in given.items() if v is not None}
    if have != want:
        what = f"dist {dist!r}" if dist else "a fixed parameter"
        raise ValueError(
            f"{what} takes exactly {', '.join(sorted(want))}; got "
            f"{', '.join(sorted(have)) or 'nothing'}"
        )
    low, high = given.get("low"), given.get("high")
    if dist in ("uniform", "loguniform") and low is not None and high is not None:
        if not low < high:
            raise ValueError(f"low {low} must be below high {high}")
        if dist == "loguniform" and low <= 0:
            raise ValueError("loguniform needs low > 0")
    median = given.get("median")
    if dist == "lognormal" and median is not None and median <= 0:
        raise ValueError("lognormal needs median > 0")


def describe(dist: str | None, n: Mapping[str, float]) -> str:
    """A distribution as a table shows it, e.g. "normal(0, 0.3)", "uniform 0.1-0.5", "2"."""
    if dist is None:
        return f"{n['value']:g}"
    if dist in ("uniform", "loguniform"):
        return f"{dist} {n['low']:g}-{n['high']:g}"
    if dist == "lognormal":
        return f"lognormal(median {n['median']:g}, sigma {n['sigma']:g})"
    if dist == "normal":
        return f"normal({n['mu']:g}, {n['sigma']:g})"
    if dist == "halfnormal":
        return f"halfnormal({n['sigma']:g})"
    return f"beta({n['alpha']:g}, {n['beta']:g})"


def ppf(dist: str | None, n: Mapping[str, float], u: np.ndarray, low: float, high: float):
    """Inverse-CDF draws from uniforms ``u``; ``low``/``high``: the quantity's allowed range,
    to which a normal is truncated (the other kinds are checked inside it when loaded)."""
    if dist is None:
        return np.full(u.shape, n["value"])
    if dist == "uniform":
        return n["low"] + (n["high"] - n["low"]) * u
    if dist == "loguniform":
        lo, hi = np.log(n["low"]), np.log(n["high"])
        return np.exp(lo + (hi - lo) * u)
    if dist == "lognormal":
        return n["median"] * np.exp(n["sigma"] * stats.norm.ppf(u))
    if dist == "beta":
        return stats.beta.ppf(u, n["alpha"], n["beta"])
    if dist == "halfnormal":
        return stats.halfnorm.ppf(u, scale=n["sigma"])
    mu, sigma = n["mu"], n["sigma"]
    a, b = (low - mu) / sigma, (high - mu) / sigma
    return stats.truncnorm.ppf(u, a, b, loc=mu, scale=sigma)
