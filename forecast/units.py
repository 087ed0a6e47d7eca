"""Units of observations and thresholds.

Every observation is stored in its published unit and converted to a canonical
unit per dimension: bounded scores to a fraction of tasks (0-1), durations to
minutes, speed-ups to a multiplier.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ForecastError


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str  # "share" (bounded) | "duration" | "multiplier"
    to_canonical: float  # canonical = value * to_canonical

    @property
    def bounded(self) -> bool:
        return self.dimension == "share"


UNITS: dict[str, Unit] = {
    "fraction": Unit("fraction", "share", 1.0),
    "percent": Unit("percent", "share", 0.01),
    "seconds": Unit("seconds", "duration", 1 / 60),
    "minutes": Unit("minutes", "duration", 1.0),
    "hours": Unit("hours", "duration", 60.0),
    "multiplier": Unit("multiplier", "multiplier", 1.0),
}

CANONICAL = {"share": "fraction", "duration": "minutes", "multiplier": "multiplier"}

# Suffixes accepted in threshold specs such as ``metr-horizon>=167h``.
SUFFIXES = {
    "%": "percent",
    "h": "hours",
    "min": "minutes",
    "m": "minutes",
    "s": "seconds",
    "x": "multiplier",
}


def unit(name: str, where: str | None = None) -> Unit:
    try:
        return UNITS[name.strip().lower()]
    except KeyError:
        raise ForecastError(
            f"unknown unit {name!r}; expected one of {', '.join(UNITS)}", where
        ) from None


def fmt(value: float, dimension: str) -> str:
    """Format a canonical value for people: percent, hours/minutes, or a multiplier."""
    if dimension == "share":
        return f"{100 * value:.1f} %"
    if dimension == "duration":
        return f"{value / 60:.4g} h" if value >= 60 else f"{value:.3g} min"
    return f"{value:.3g}x"
