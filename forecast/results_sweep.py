"""The typed result of `forecast sweep` (sweep.json, `forecast sweep --json`): what was swept,
its provenance, and per event the range of P(by the end of the focus year) across cells.

The per-cell numbers are in sweep.nc and sweep.csv; this is their summary. Probabilities are
shares in [0, 1]; the focus year is ``focus_year`` in forecast/data/settings.toml and names the
keys (``p_by_2028_min``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .results_common import Diagnostics, StrictResult, TopResult
from .settings import FOCUS_YEAR


class SweepProvenance(StrictResult):
    """What the sweep ran on (also sweep.nc's attributes)."""

    forecast_version: str
    sweep_file: str
    sweep_hash: str
    design: str
    base_scenario: str
    scenario_hash: str
    data_hash: str
    priors_hash: str
    posterior_hash: str
    seed: int
    horizon: str


FOCUS_KEYS = {"p_min": f"p_by_{FOCUS_YEAR}_min", "p_max": f"p_by_{FOCUS_YEAR}_max"}


class SweepEvent(StrictResult):
    """One event across the cells. In JSON ``p_min`` and ``p_max`` are named by the focus
    year (``p_by_2028_min``, ``p_by_2028_max``)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=lambda name: FOCUS_KEYS.get(name, name)
    )

    p_min: float = Field(ge=0, le=1, description="lowest P(by the end of the focus year)")
    p_max: float = Field(ge=0, le=1, description="highest P(by the end of the focus year)")
    effect_by_axis: dict[str, float] | None = Field(
        None,
        description="grid designs: per axis, the largest change in P(by the focus year) along "
        "it with the other axes held fixed (0 = no effect)",
    )


class SweepSummary(TopResult):
    """The result of `forecast sweep`: sweep.json and `forecast sweep --json`."""

    title: str
    cells: int
    axes: list[str]
    design: Literal["grid", "latin-hypercube", "sobol"]
    provenance: SweepProvenance
    diagnostics: Diagnostics
    events: dict[str, SweepEvent] = Field(
        description="empty when the focus year is past the horizon"
    )


def sweep_summary(d: dict) -> SweepSummary:
    """Validate a sweep summary built as a dict into its type."""
    return SweepSummary.from_dict(d)
