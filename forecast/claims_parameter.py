"""Published claims on a growth parameter set against the posterior: a series' doubling time
(:mod:`forecast.doubling`) beside the claimed range, with the verdict of
:func:`forecast.claims.range_verdict`.

The numbers are the fitted curve's, the same in every reading of the research residual (a
scenario does not change the growth posterior). A date after the series' last observation
is read on the fitted curve extrapolated (the forward walk that dates thresholds is not
applied), and the reference says so in ``under``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from . import doubling
from .claims import is_parameter, range_verdict
from .dates import period_bounds
from .history_series import registry
from .observations import Observation, ai_rows
from .summary import iso_date, prob_with_mcse
from .units import UNITS


def known_series(rows: Sequence[Observation]) -> dict[str, bool]:
    """Every series a claim may name -> whether it is bounded (a share of tasks): the series
    of ``rows``' AI observations and the bundled series (``forecast/data/series.toml``)."""
    known = {sid: UNITS[spec.unit].bounded for sid, spec in registry().items()}
    known.update({r.series: r.bounded for r in ai_rows(list(rows))})
    return known


def when(c: Mapping) -> tuple[float | None, tuple[float, float] | None]:
    """(at, over) of a parameter claim in decimal years: ``at`` the start of its day, ``over``
    from the start of its first day to the end of its last."""
    if c.get("at") is not None:
        return period_bounds(c["at"])[0], None
    t0, t1 = c["over"]
    return None, (period_bounds(t0)[0], period_bounds(t1)[1])


def _r(x: float, nd: int = 6) -> float | None:
    """A JSON number: rounded; None for +inf (no doubling)."""
    return round(float(x), nd) if np.isfinite(x) else None


def reference(c: Mapping, months: xr.DataArray, t_last: float | None) -> dict:
    """One claim's reference entry from its doubling-time draws ``months`` (chain, draw)."""
    n_chain = months.sizes["chain"]
    flat = months.transpose("chain", "draw").values.reshape(-1)  # chain-major, as the MCSE needs
    low, high = c["between"]
    ind = np.stack([flat < low, flat > high, (flat >= low) & (flat <= high)], axis=1)
    p, se = prob_with_mcse(ind, n_chain)
    q10, q50, q90 = np.quantile(flat, [0.1, 0.5, 0.9], method="inverted_cdf")
    at, over = when(c)
    last, last_text = (over[1], c["over"][1]) if over is not None else (at, c["at"])
    under = f"the fitted growth curve of {c['series']}"
    if t_last is not None and last is not None and last > t_last:
        under += (
            f"; {last_text} is after its last observation ({iso_date(t_last)}): the curve "
            "extrapolated, without the forward walk"
        )
    return {
        **c,
        "verdict": range_verdict(float(p[0]), float(se[0]), float(p[1]), float(se[1])),
        "under": under,
        "engine_median_months": _r(q50, 3),
        "engine_interval_months": [_r(q10, 3), _r(q90, 3)],
        "engine_p_below": round(float(p[0]), 6),
        "engine_mcse_below": round(float(se[0]), 6),
        "engine_p_above": round(float(p[1]), 6),
        "engine_mcse_above": round(float(se[1]), 6),
        "p_in_range": round(float(p[2]), 6),
        "engine_p_no_doubling": round(doubling.never_doubles(months), 6),
    }


def references(
    posterior: xr.Dataset,
    t_ref: Mapping[str, float],
    t_last: Mapping[str, float],
    claims: Sequence[Mapping],
) -> list[dict]:
    """The engine's doubling time beside each parameter claim on a series this posterior fits
    (others, like an event claim on an event the run lacks, are left out), with a verdict."""
    fitted = (
        set(map(str, posterior["unbounded"].values)) if "unbounded" in posterior.dims else set()
    )
    out = []
    for c in claims:
        if not is_parameter(c) or c["series"] not in fitted:
            continue
        at, over = when(c)
        months = doubling.draws(posterior, t_ref, c["series"], at=at, over=over)
        out.append(reference(c, months, t_last.get(c["series"])))
    return out
