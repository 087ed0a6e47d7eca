"""The typed result of `forecast check` (check.json, `forecast check --json`): predictive checks
of every observation, leave-one-out influence on each event, and prior sensitivity.

Predictive quantities are on the likelihood's scale (logit of the share for bounded
benchmarks, log of the metric for unbounded ones); dates are ISO strings, ``null`` for "not
by the horizon"; shifts are in years (dates) or probability points (P); ``null`` numbers are
not finite (undefined).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .results_common import Diagnostics, StrictResult, TopResult


class CheckSampler(StrictResult):
    sampler: str
    chains: int
    draws: int
    tune: int
    target_accept: float


class CheckProvenance(StrictResult):
    """The fit that was checked (the fields of the run's provenance a check depends on)."""

    data_hash: str
    data_files: list[str]
    bundled_data: bool
    n_observations: int
    priors_hash: str
    model_version: str
    posterior_hash: str
    seed: int
    sampler: CheckSampler
    horizon: str


class PredictiveInterval(StrictResult):
    """One observation under one predictive (prior or posterior): quantiles, PIT, membership."""

    q05: float | None
    q25: float | None
    q75: float | None
    q95: float | None
    pit: float | None = Field(description="predictive CDF at the observed value (ranges: midpoint)")
    in_50: bool
    in_90: bool


class LooPredictive(StrictResult):
    """One observation predicted by a fit without it (PSIS weights or a refit)."""

    pit: float | None = Field(description="null: the series' only point, nothing predicts it")
    in_50: bool | None
    in_90: bool | None
    pareto_k: float | None


class ObservationCheck(StrictResult):
    observation: str
    origin: str
    benchmark: str
    date: str
    scale: Literal["logit", "log"]
    observed: float = Field(description="the observed value on the likelihood's scale")
    range: bool
    prior: PredictiveInterval
    posterior: PredictiveInterval
    loo: LooPredictive


class Shares(StrictResult):
    """Share of the observations inside the central 50 % and 90 % predictive intervals."""

    share_in_50: float = Field(ge=0, le=1)
    share_in_90: float = Field(ge=0, le=1)
    n: int | None = Field(
        None, description="leave-one-out: the observations that could be left out"
    )


class PredictiveShares(StrictResult):
    prior: Shares
    posterior: Shares
    loo: Shares


class CalibratedRange(StrictResult):
    """Central 95 % of Binomial(n, level) / n: the shares a calibrated predictive gives."""

    in_50: list[float]
    in_90: list[float]


class Predictive(StrictResult):
    n_observations: int
    prior_samples: int
    scale: str
    shares: PredictiveShares
    calibrated_range_95: CalibratedRange
    note: str
    observations: list[ObservationCheck]


class LooEffect(StrictResult):
    """An event without one observation (P by the end of the check's year)."""

    median: str | None
    median_shift_years: float | None = Field(description="null when a median is not by horizon")
    p_by_year: float = Field(ge=0, le=1)
    p_shift: float


class LooObservation(StrictResult):
    observation: str
    origin: str
    pareto_k: float | None
    method: Literal["psis", "refit"]
    events: dict[str, LooEffect | None] = Field(
        description="per event; null when the event is not defined without the observation"
    )
    note: str | None = None
    diagnostics_ok: bool | None = Field(None, description="refits: the refit converged")


class MedianMover(StrictResult):
    """The observation whose removal moves an event's median date most."""

    observation: str
    method: Literal["psis", "refit"]
    median_without: str | None
    median_shift_years: float | None


class PMover(StrictResult):
    """The observation whose removal moves an event's P(by the year) most."""

    observation: str
    method: Literal["psis", "refit"]
    p_shift: float


class LooEvent(StrictResult):
    median: str | None
    median_mcse_years: float | None
    p_by_year: float = Field(ge=0, le=1)
    moves_median_most: MedianMover | None
    moves_p_most: PMover | None


class Loo(StrictResult):
    """Leave-one-out influence of each observation on each event."""

    method: Literal["auto", "psis", "exact"]
    k_max: float = Field(description="Pareto k above which PSIS is not trusted")
    year: int
    observations: list[LooObservation]
    events: dict[str, LooEvent]
    n_refits: int


class SensitivityEvent(StrictResult):
    """An event under scaled priors against the base priors."""

    median: str | None
    median_base: str | None
    median_shift_years: float | None
    median_shift_mcse_years: float | None
    p_by_year: float = Field(ge=0, le=1)
    p_by_year_base: float = Field(ge=0, le=1)
    p_shift: float
    p_shift_mcse: float


class SensitivityFit(StrictResult):
    factor: float = Field(description="every prior scale multiplied by this")
    priors_hash: str
    diagnostics: Diagnostics
    events: dict[str, SensitivityEvent]


class Sensitivity(StrictResult):
    year: int
    what: str
    fits: list[SensitivityFit]


class CheckSummary(TopResult):
    """The result of `forecast check`: check.json and `forecast check --json`."""

    provenance: CheckProvenance
    diagnostics: Diagnostics
    predictive: Predictive
    loo: Loo
    sensitivity: Sensitivity
    files: list[str] | None = Field(None, description="check.json: the files written beside it")


def check_summary(d: dict) -> CheckSummary:
    """Validate a check built as a dict into its type."""
    return CheckSummary.from_dict(d)
