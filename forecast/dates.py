"""Dates as decimal years (float, years since 0000) and back to numpy datetime64.

Model time is a decimal year: 2026.0 is 2026-01-01T00:00, 2026.5 is mid-year.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np

from .errors import ForecastError

_DAY = np.timedelta64(1, "D")


def to_year(d: date | np.datetime64) -> float:
    """A date as a decimal year."""
    d = np.datetime64(d, "D")
    year = d.astype("datetime64[Y]")
    start = year.astype("datetime64[D]")
    end = (year + np.timedelta64(1, "Y")).astype("datetime64[D]")
    return float(year.astype(int) + 1970 + (d - start) / (end - start))


def from_years(t: np.ndarray) -> np.ndarray:
    """Decimal years to datetime64[D]; non-finite values become NaT."""
    t = np.asarray(t, dtype=float)
    out = np.full(t.shape, np.datetime64("NaT", "D"), dtype="datetime64[D]")
    ok = np.isfinite(t) & (t > 1000) & (t < 10000)
    year = np.floor(t[ok]).astype(int)
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    end = (year - 1969).astype("datetime64[Y]").astype("datetime64[D]")
    days = np.floor((t[ok] - year) * (end - start).astype(float)).astype("timedelta64[D]")
    out[ok] = start + days
    return out


def end_of_year(year: int) -> float:
    """The instant the given year ends (decimal year ``year + 1``)."""
    return float(year + 1)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAYRE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def period_bounds(text: str) -> tuple[float, float]:
    """The [start, end) of a date written as YYYY, YYYY-MM or YYYY-MM-DD, in decimal years."""
    if m := _YEAR.match(text):
        y = int(m[1])
        return float(y), float(y + 1)
    if m := _MONTH.match(text):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise ValueError(text)
        start = np.datetime64(f"{y:04d}-{mo:02d}", "M")
        return to_year(start.astype("datetime64[D]")), to_year(
            (start + np.timedelta64(1, "M")).astype("datetime64[D]")
        )
    if m := _DAYRE.match(text):
        d = date(int(m[1]), int(m[2]), int(m[3]))
        t = to_year(d)
        return t, to_year(np.datetime64(d) + _DAY)
    raise ValueError(text)


def parse_period(text: str, where: str | None = None) -> tuple[float, float]:
    """Parse a publication date into (midpoint, standard deviation) in decimal years.

    Accepts ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or an ISO interval ``START/END``.
    A date known only to a period is taken as uniform over it: the midpoint, and a
    standard deviation of width / sqrt(12).
    """
    text = text.strip()
    try:
        if "/" in text:
            a, b = text.split("/", 1)
            start, _ = period_bounds(a.strip())
            _, end = period_bounds(b.strip())
            if end <= start:
                raise ForecastError(f"date interval {text!r} ends before it starts", where)
        else:
            start, end = period_bounds(text)
    except ValueError:
        raise ForecastError(
            f"cannot read date {text!r}; expected YYYY, YYYY-MM, YYYY-MM-DD or START/END", where
        ) from None
    return (start + end) / 2, (end - start) / np.sqrt(12)
