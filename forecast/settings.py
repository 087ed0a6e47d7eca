"""Presentation settings in one place: the focus year, the years shown, the summary quantiles,
the brief's events.

Values live in ``forecast/data/settings.toml`` (bundled); this module only reads and checks them.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .io import bundled_toml


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    focus_year: int = Field(ge=2000, le=2200, description="headline year, e.g. P(by end of 2028)")
    shown_years: tuple[int, ...] = Field(min_length=1)
    summary_quantiles: tuple[float, ...] = Field(min_length=3)
    brief_events: tuple[str, ...] = Field(min_length=1, description="event ids of the brief")

    @field_validator("summary_quantiles")
    @classmethod
    def _quantiles(cls, q: tuple[float, ...]) -> tuple[float, ...]:
        if list(q) != sorted(q) or not all(0 < x < 1 for x in q) or 0.5 not in q:
            raise ValueError("must be increasing, inside (0, 1) and include the median 0.5")
        return q


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The bundled settings (read once)."""
    return bundled_toml("settings.toml", Settings)


FOCUS_YEAR: int = settings().focus_year
SHOWN_YEARS: tuple[int, ...] = settings().shown_years
QUANTILES: tuple[float, ...] = settings().summary_quantiles
BRIEF_EVENTS: tuple[str, ...] = settings().brief_events
