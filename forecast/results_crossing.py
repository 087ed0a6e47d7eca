"""The typed result of `forecast backtest --protocol crossing` (crossing.json): per target
and method the actual date's PIT and errors, per case its fits, and the pooled scores."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from .results_base import SCHEMA_VERSION, Diagnostics, StrictResult


class MethodScores(StrictResult):
    """One method's scores pooled over targets (years for errors and CRPS)."""

    n: int
    coverage: dict[str, float] = Field(description="share of targets inside the central 50/80/95 %")
    median_error: float = Field(description="mean |median - actual| in years (never = 10 y)")
    crps: float = Field(description="mean CRPS of the date distribution, years")
    brier: float = Field(description="Brier score of P(crossed within a year of the cutoff)")
    pit_0: int = Field(description="targets dated before every draw")
    pit_1: int = Field(description="targets dated after every draw")
    pit_histogram: list[int]
    n_cases: int | None = Field(None, description="cases (series x cutoff) the targets come from")
    coverage_interval: dict[str, list[float]] | None = Field(
        None,
        description="per level, the coverage share's 95 % interval, targets clustered by case "
        "(Wilson on n / design effect; forecast/coverage.py)",
    )
    coverage_verdict: dict[str, str] | None = Field(
        None,
        description="per level with a band (50: 0.40-0.60, 80: 0.70-0.90): in band, consistent "
        "(its interval meets the band), too narrow or too wide",
    )


class TargetScore(StrictResult):
    """One method's forecast of one target: the actual date's PIT and its errors."""

    pit: float = Field(ge=0, le=1)
    median: float | None = Field(description="median crossing date, decimal year; null = never")
    median_error: float
    p_never: float
    p_within_year: float
    brier: float
    crps: float
    in_50: bool
    in_80: bool
    in_95: bool


class CrossingTarget(StrictResult):
    """A later frontier record used as a threshold whose actual crossing date is known."""

    case: str
    series: str
    family: str
    cutoff: str
    target_date: str
    target_model: str
    target_value: float = Field(description="the level, canonical unit (fraction, minutes)")
    unit: str
    lead_years: float
    engine: TargetScore
    engine_drift: TargetScore | None = None
    engine_pooled: TargetScore | None = None
    line: TargetScore
    bayes_line: TargetScore
    drifting_line: TargetScore


class PooledFit(StrictResult):
    """A case's fit on every bundled series as it stood at the cutoff (engine_pooled)."""

    read_on: str
    n_rows: int = Field(description="observation rows in the fit, all dated before the cutoff")
    n_series: int
    diagnostics: Diagnostics
    cached: bool


class CrossingCase(StrictResult):
    """One series cut at one cutoff: the training points and the engine's fit."""

    model_config = ConfigDict(extra="allow", frozen=True)

    case: str
    series: str
    family: str
    frontier_index: int
    cutoff: str
    n_training: int
    n_targets: int
    training_max: float
    read_on: str = Field(description="the series id the engine's crossing dates are read on")
    engine_diagnostics: Diagnostics
    engine_cached: bool
    pooled: PooledFit | None = Field(
        None, description="engine_pooled's fit: every bundled series as of the cutoff"
    )


class CrossingSummary(StrictResult):
    """The result of `forecast backtest --protocol crossing` (crossing.json)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    schema_version: str = SCHEMA_VERSION
    protocol: str
    model_version: str | None = Field(
        None, description="the growth model's version the fits were made with (fit.MODEL_VERSION)"
    )
    code_commit: str | None = Field(None, description="the code's git commit, when from a checkout")
    seed: int | None = None
    methods: list[str]
    n_targets: int
    n_cases: int
    pooled: dict[str, MethodScores]
    by_family: dict[str, dict[str, MethodScores]]
    by_series: dict[str, dict[str, MethodScores]]
    cases: list[CrossingCase]
    targets: list[CrossingTarget]

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


def crossing_summary(d: dict[str, Any]) -> CrossingSummary:
    """Validate a crossing-date backtest result into its type."""
    return CrossingSummary.model_validate({"schema_version": SCHEMA_VERSION, **d})
