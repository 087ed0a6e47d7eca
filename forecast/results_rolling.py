"""The typed result of the rolling-origin backtest (`forecast backtest`, --protocol rolling):
backtest.json and `forecast backtest --json`.

Scores are on the likelihood's scale (logit of the share for bounded series, log of the metric
for unbounded ones); CRPS, log score and Brier: lower is better; ``null`` for a score that is
not finite. Coverage keys are the interval levels in percent ("50", "80", "95").
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .results_common import Diagnostics, StrictResult, TopResult


class RollingData(StrictResult):
    files: list[str]
    with_bundled: bool
    n_rows: int
    data_hash: str


class SamplerRecord(StrictResult):
    seed: int
    draws: int
    tune: int
    chains: int
    target_accept: float
    sampler: str


class RollingCutoff(StrictResult):
    """One forecast origin: the fit on the points before it and what was scored after it."""

    cutoff: str
    year: float = Field(description="the cutoff as a decimal year")
    n_train: int
    n_test: int
    scored: list[str] = Field(description="the series scored at this cutoff")
    skipped: dict[str, str] = Field(description="series not scored, and why")
    diagnostics: Diagnostics


class RollingScores(StrictResult):
    """One method's scores over a set of points."""

    n: int
    coverage: dict[str, float] = Field(description="share inside the central 50/80/95 %")
    crps: float | None
    log_score: float | None
    pit_histogram: list[int] = Field(description="PIT counts in ten equal bins")


class MethodPair(StrictResult):
    model: RollingScores
    naive: RollingScores


class BenchmarkScores(StrictResult):
    naive_kind: Literal["logistic", "log-linear"]
    model: RollingScores
    naive: RollingScores


class CoverageReference(StrictResult):
    """Central 95 % of the coverage a calibrated forecast gives on this many independent
    points, per level; empty when no point was scored."""

    level_50: list[float] | None = Field(None, alias="50")
    level_80: list[float] | None = Field(None, alias="80")
    level_95: list[float] | None = Field(None, alias="95")
    note: str | None = None


class ThresholdEvent(StrictResult):
    id: str
    benchmark: str
    threshold: float = Field(description="canonical unit")
    shown: str
    origin: str


class EventBrier(StrictResult):
    n_pairs: int
    brier_model: float
    brier_naive: float


class ThresholdSummary(StrictResult):
    """Brier scores of P(crossed by each later observation date), (event, date) pairs."""

    n_pairs: int
    events: list[ThresholdEvent]
    brier_model: float | None = None
    brier_naive: float | None = None
    by_event: dict[str, EventBrier] | None = None


class PointForecast(StrictResult):
    """One method's forecast of one later point."""

    pit: float | None
    crps: float | None
    log_score: float | None
    q10: float | None
    median: float | None
    q90: float | None
    in_50: bool
    in_80: bool
    in_95: bool


class RollingPoint(StrictResult):
    """A point after a cutoff, forecast from the fit before it."""

    cutoff: str
    benchmark: str
    date: str
    time: float = Field(description="decimal year")
    lead_years: float
    scale: Literal["logit", "log"]
    observed: float = Field(description="the observed value on the scale")
    range: bool
    value: float = Field(description="the observed value, canonical unit (ranges: midpoint)")
    naive_kind: Literal["logistic", "log-linear"]
    model: PointForecast
    naive: PointForecast


class ProbScore(StrictResult):
    p: float = Field(ge=0, le=1)
    brier: float


class ThresholdScore(StrictResult):
    """P(threshold crossed by a later observation date) against whether it was."""

    cutoff: str
    event: str
    benchmark: str
    threshold: float
    threshold_shown: str
    date: str
    lead_years: float
    crossed: bool
    model: ProbScore
    naive: ProbScore


class RollingSummary(TopResult):
    """The result of `forecast backtest --protocol rolling`: backtest.json and --json."""

    data: RollingData | None = Field(None, description="set by the command")
    priors_hash: str | None = Field(None, description="set by the command")
    sampler: SamplerRecord | None = Field(None, description="set by the command")
    methods: dict[str, str] = Field(description="what each method is")
    scale: str
    max_lead_years: float | None
    cutoffs: list[RollingCutoff]
    n_points: int
    overall: MethodPair
    coverage_reference_95: CoverageReference
    by_benchmark: dict[str, BenchmarkScores]
    by_cutoff: dict[str, MethodPair]
    thresholds: ThresholdSummary
    points: list[RollingPoint]
    threshold_scores: list[ThresholdScore]
    files: list[str] | None = Field(None, description="backtest.json: the files written beside it")


def rolling_summary(d: dict) -> RollingSummary:
    """Validate a rolling backtest built as a dict into its type."""
    return RollingSummary.from_dict(d)
