"""Doubling times of an unbounded series' fitted curve, per posterior draw.

The curve (:mod:`forecast.curves`) is ``log m(t) = level + rate * expm1(g * tau) / g``, with
``tau`` years after the series' reference date ``t_ref``, ``rate`` its growth rate there
(natural-log units per year) and ``g`` (``accel``) the relative change of that rate per year.

- the instantaneous doubling time at ``tau``: ``12 ln 2 / (rate * exp(g * tau))`` months;
- the average doubling time over ``[tau0, tau1]``: ``12 ln 2 * (tau1 - tau0) / (log m(tau1) -
  log m(tau0))`` months, the constant doubling time that grows the curve as much.

A draw whose growth rate at that date (or whose growth over the interval) is not positive
never doubles: its doubling time is +inf, and :func:`never_doubles` counts such draws (the
fitted rates are positive, ``rate = exp(log_rate)``, so a fit made by this package has none;
the rule is for a curve handed in from elsewhere). The posterior is taken as PyMC writes it:
``unbounded_rate`` and ``unbounded_accel`` with dims (chain, draw, unbounded).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from . import curves

MONTHS_PER_DOUBLING = 12 * np.log(2)  # months to double at a log growth of 1 per year


def instantaneous(rate, accel, tau):
    """Doubling time in months of the curve at ``tau`` years after its reference date:
    12 ln 2 / (rate * exp(g tau)); +inf where that rate is not positive."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        local = np.asarray(rate, dtype=float) * np.exp(np.asarray(accel, dtype=float) * tau)
        return np.where(local > 0, MONTHS_PER_DOUBLING / local, np.inf)


def average(rate, accel, tau0: float, tau1: float):
    """Average doubling time in months of the curve from ``tau0`` to ``tau1`` years after its
    reference date: 12 ln 2 (tau1 - tau0) / (log m(tau1) - log m(tau0)), log m from the closed
    form; +inf where the curve does not grow over the interval."""
    if not tau1 > tau0:
        raise ValueError(f"an interval needs tau1 > tau0 (got {tau0}, {tau1})")
    rate = np.asarray(rate, dtype=float)
    accel = np.asarray(accel, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        grown = rate * (curves.growth(accel, tau1) - curves.growth(accel, tau0))
        return np.where(grown > 0, MONTHS_PER_DOUBLING * (tau1 - tau0) / grown, np.inf)


def draws(
    posterior: xr.Dataset,
    t_ref: Mapping[str, float],
    series: str,
    at: float | None = None,
    over: tuple[float, float] | None = None,
) -> xr.DataArray:
    """The doubling time (months) of ``series`` in every posterior draw, dims (chain, draw):
    instantaneous ``at`` a decimal year, or the average ``over`` two decimal years (exactly
    one of them). ``t_ref``: each series' reference date (decimal year)."""
    if (at is None) == (over is None):
        raise ValueError("give exactly one of at and over")
    s = {"unbounded": series}
    rate, accel = posterior["unbounded_rate"].sel(s), posterior["unbounded_accel"].sel(s)
    rate, accel = rate.transpose("chain", "draw"), accel.transpose("chain", "draw")
    t0 = float(t_ref[series])
    if at is not None:
        months = instantaneous(rate.values, accel.values, at - t0)
    else:
        assert over is not None
        months = average(rate.values, accel.values, over[0] - t0, over[1] - t0)
    out = xr.DataArray(months, dims=("chain", "draw"), coords=rate.coords)
    out.attrs = {"units": "months", "series": series}
    return out


def never_doubles(months: xr.DataArray) -> float:
    """The share of draws that never double (+inf doubling time)."""
    return float(np.isinf(months.values).mean())
