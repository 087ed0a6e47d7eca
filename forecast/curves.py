"""The growth curves of both model families, written once.

Bounded (a share of tasks, 0-1)::

    value(tau) = ceiling * logistic(level + rate * tau)

Unbounded (minutes, multiplier, ...)::

    value(tau) = exp(level + rate * expm1(g * tau) / g)     (g -> 0: exp(level + rate * tau))

``tau`` is time since the benchmark's reference date, in decimal years; ``rate`` is per
year (logit units for bounded, natural-log units for unbounded); ``g`` (``accel``) is the
relative change of the unbounded rate per year; ``ceiling`` is a fraction; values are in
the benchmark's canonical unit (fraction, minutes, multiplier).

Every expression used by both the PyMC model and the numpy forward code takes a math
namespace ``xp``: :data:`NUMPY` (the default; ``numpy`` itself is accepted too) or
``pytensor.tensor``. The namespace needs ``exp``, ``log``, ``expm1``, ``abs``, ``switch``,
``sigmoid``, ``softplus`` and ``log1mexp`` with PyTensor's meaning. Crossing times, first
passage on a grid and the logit/expit helpers are numpy only.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

NEVER = np.inf
SMALL_ACCEL = 1e-6  # |g| below this (per year): the constant-rate limit of the unbounded curve


def logit(p):
    """log(p / (1 - p)) of a share (fraction); +-inf at 1 and 0."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


def expit(z):
    """The logistic function 1 / (1 + exp(-z)): a logit back to a share (fraction)."""
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def transform(values, bounded: bool):
    """Canonical values to the likelihood's scale: logit of a share, log of anything else
    (-inf at 0, and +inf at a share of 1)."""
    if bounded:
        return logit(values)
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(values, dtype=float))


def inverse(z, bounded: bool):
    """The likelihood's scale back to canonical values (the inverse of :func:`transform`)."""
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore"):
        return expit(z) if bounded else np.exp(z)


def _log1mexp(x):
    """log(1 - exp(x)) for x <= 0, through expm1 (accurate as x -> 0-)."""
    return np.log(-np.expm1(x))


NUMPY = SimpleNamespace(
    exp=np.exp,
    log=np.log,
    expm1=np.expm1,
    abs=np.abs,
    switch=np.where,
    sigmoid=expit,
    softplus=lambda x: np.logaddexp(0.0, x),
    log1mexp=_log1mexp,
)
"""numpy under the names of ``pytensor.tensor`` that the curve expressions use."""


def _ns(xp: Any) -> Any:
    return NUMPY if xp is None or xp is np else xp


# ---------------------------------------------------------------- bounded family


def bounded_value(level, rate, ceiling, tau, xp: Any = None):
    """ceiling * logistic(level + rate * tau): the share (fraction) at ``tau`` years."""
    xp = _ns(xp)
    with np.errstate(over="ignore"):
        return ceiling / (1 + xp.exp(-(level + rate * tau)))


def bounded_transformed(level, rate, ceiling, tau, xp: Any = None):
    """(eta, slope) of the bounded curve on the logit scale at ``tau`` years.

    eta = logit(ceiling * logistic(x)), x = level + rate * tau, computed stably from
    log mu = log ceiling - softplus(-x). slope = d eta / d t = rate * (1 - mu / ceiling) /
    (1 - mu), in logit units per year: the local slope that scales the date-uncertainty
    term of the likelihood.
    """
    xp = _ns(xp)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        x = level + rate * tau
        log_mu = xp.log(ceiling) + (-xp.softplus(-x))
        eta = log_mu - xp.log1mexp(log_mu)
        slope = rate * xp.sigmoid(-x) / (1 - xp.exp(log_mu))
    return eta, slope


def logit_crossing(x, level, rate):
    """Years after the reference date at which level + rate * tau reaches ``x`` (logit units)."""
    return (x - level) / rate


def bounded_crossing(level, rate, ceiling, threshold: float) -> np.ndarray:
    """First tau (years) at which the bounded curve reaches ``threshold`` (fraction).

    ceiling * logistic(x) >= theta  <=>  theta < ceiling and x >= logit(theta / ceiling):
    +inf where theta >= ceiling, -inf where theta <= 0 (already reached).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = threshold / ceiling
        tau = np.where(ratio < 1, logit_crossing(logit(ratio), level, rate), NEVER)
        return np.where(threshold <= 0, -np.inf, tau)


# ---------------------------------------------------------------- unbounded family


def growth(accel, tau, xp: Any = None):
    """expm1(g * tau) / g: log-units grown per unit of rate after ``tau`` years; ``tau``
    itself where |g| < :data:`SMALL_ACCEL` (a constant rate)."""
    xp = _ns(xp)
    small = xp.abs(accel) < SMALL_ACCEL
    g_safe = xp.switch(small, 1.0, accel)
    with np.errstate(over="ignore"):
        return xp.switch(small, tau, xp.expm1(g_safe * tau) / g_safe)


def unbounded_transformed(level, rate, accel, tau, xp: Any = None):
    """(eta, slope) of the unbounded curve on the log scale at ``tau`` years.

    eta = level + rate * expm1(g tau) / g (natural-log units). slope is the rate at the
    reference date (per year, broadcasting against eta), not the local slope
    rate * exp(g tau): the local slope lets a strongly decelerating draw inflate the noise
    of early points without bound (a second mode on long series).
    """
    return level + rate * growth(accel, tau, xp), rate


def unbounded_value(level, rate, accel, tau, xp: Any = None):
    """exp(level + rate * expm1(g tau) / g): the metric (canonical unit) at ``tau`` years."""
    xp = _ns(xp)
    eta, _ = unbounded_transformed(level, rate, accel, tau, xp)
    with np.errstate(over="ignore"):
        return xp.exp(eta)


def unbounded_crossing(level, rate, accel, threshold: float) -> np.ndarray:
    """First tau (years) at which the unbounded curve reaches ``threshold`` (canonical unit).

    level + rate * expm1(g tau) / g >= log theta  <=>  tau >= log1p(g (log theta - level) /
    rate) / g; never (+inf) when the argument of log1p is <= -1 (a decelerating curve whose
    limit level - rate / g stays below log theta); (log theta - level) / rate when
    |g| < :data:`SMALL_ACCEL`.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gap = np.log(threshold) - level  # log-units still to grow
        small = np.abs(accel) < SMALL_ACCEL
        arg = accel * gap / rate
        tau_g = np.where(arg > -1, np.log1p(arg) / np.where(small, 1.0, accel), NEVER)
        return np.where(small, gap / rate, tau_g)


# ---------------------------------------------------------------- either family


def value(family: str, level, rate, ceiling, accel, tau, xp: Any = None):
    """The curve's value (canonical unit) at ``tau`` years after its reference date."""
    if family == "bounded":
        return bounded_value(level, rate, ceiling, tau, xp)
    return unbounded_value(level, rate, accel, tau, xp)


def transformed(family: str, level, rate, ceiling, accel, tau, xp: Any = None):
    """(eta, slope): the curve on the likelihood's scale and its slope per year (see
    :func:`bounded_transformed`, :func:`unbounded_transformed`)."""
    if family == "bounded":
        return bounded_transformed(level, rate, ceiling, tau, xp)
    return unbounded_transformed(level, rate, accel, tau, xp)


def crossing(family: str, level, rate, ceiling, accel, threshold: float) -> np.ndarray:
    """Closed-form first tau (years after the reference date) at which the curve reaches
    ``threshold`` (canonical unit); +inf if never. Curves increase in time (rate > 0), so
    a threshold is crossed at most once."""
    if family == "bounded":
        return bounded_crossing(level, rate, ceiling, threshold)
    return unbounded_crossing(level, rate, accel, threshold)


def first_passage(values: np.ndarray, grid: np.ndarray, threshold: float) -> np.ndarray:
    """First time on ``grid`` (decimal years, last axis of ``values``) at which ``values``
    >= ``threshold``; +inf where that never happens on the grid."""
    hit = values >= threshold
    first = np.argmax(hit, axis=-1)
    return np.where(hit.any(axis=-1), grid[first], NEVER)
