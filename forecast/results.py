"""Typed results: what `forecast run` and `forecast compare` report, as pydantic models.

The JSON the CLI writes is the serialisation of these models (``model_dump(mode="json")``),
stamped with ``schema_version``; ``docs/schema/*.schema.json`` is their exported JSON Schema
(regenerate with ``python -m forecast.results docs/schema``; a test checks the committed files
are current and that real outputs validate against them).

Units: probabilities are shares in [0, 1]; dates are ISO strings (``YYYY-MM-DD``) or ``null``
for "not by the horizon"; thresholds are in the benchmark's canonical unit (fraction of tasks,
minutes, multiplier); durations say their unit in the field name.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from .results_base import SCHEMA_VERSION, Diagnostics, DiagnosticThresholds, StrictResult
from .results_check import CheckSummary, check_summary
from .results_crossing import CrossingSummary, crossing_summary
from .results_rolling import RollingSummary, rolling_summary
from .results_sbc import SbcSummary, sbc_summary
from .results_sensitivity import SensitivitySummary, sensitivity_summary
from .results_structural import StructuralSummary, structural_summary
from .results_sweep import SweepSummary, sweep_summary


class ProbMCSE(StrictResult):
    """A probability and its Monte Carlo standard error (from the effective sample size)."""

    p: float = Field(ge=0, le=1)
    mcse: float = Field(ge=0)


class Interval(StrictResult):
    """Posterior median and 10 % / 90 % quantiles of a quantity (unit given by the field)."""

    median: float
    q10: float
    q90: float


class Sampler(StrictResult):
    sampler: str
    chains: int
    draws: int
    tune: int
    target_accept: float


class ThresholdInfo(StrictResult):
    benchmark: str
    value: float = Field(description="threshold in the benchmark's canonical unit")
    shown: str = Field(description="the threshold as a person writes it, e.g. '51.1 %'")
    origin: str = Field(description="'built-in', 'command line' or the scenario file")


class Provenance(StrictResult):
    """Everything needed to reproduce a number: data, priors, model, posterior and seed."""

    code_commit: str | None = Field(
        description="git commit of the code when run from a checkout ('+dirty': local edits)"
    )
    data_as_of: str | None = Field(description="date of the latest AI observation used")
    as_of: str | None = Field(
        None, description="--as-of: only rows published before this date entered (null: all)"
    )
    data_hash: str
    data_files: list[str]
    bundled_data: bool
    n_observations: int
    priors_hash: str
    variants: dict[str, str]
    model_version: str
    posterior_hash: str
    seed: int
    sampler: Sampler
    horizon: str
    thresholds: dict[str, ThresholdInfo]
    scenario_hash: str | None = None


class ObservedFigure(StrictResult):
    """The first published figure that already meets a threshold: the event is observed."""

    date: str
    value: float = Field(description="the figure, canonical unit")
    system: str
    source: str


class Event(StrictResult):
    """One event's date distribution. Composite events add their conditions and binding shares."""

    title: str
    benchmark: str = Field(description="the benchmark, or 'composite'")
    threshold: float | None
    p_by_year: dict[str, ProbMCSE] = Field(description="P(crossed by the end of each year)")
    quantiles: dict[str, str | None] = Field(description="date quantiles; null = not by horizon")
    p_not_by_horizon: float = Field(ge=0, le=1)
    p_not_by_horizon_mcse: float = Field(ge=0)
    horizon: str
    conditions: list[str] | None = None
    binding_shares: dict[str, float] | None = Field(
        None, description="share of draws in which each condition is met last (sums to 1)"
    )
    condition_medians: dict[str, str | None] | None = None
    met_at_start: dict[str, float] | None = Field(
        None, description="share of draws in which each condition is already met at the start"
    )
    threshold_shown: str
    observed: ObservedFigure | None = Field(
        None, description="set when an observation already meets the threshold: P = 1 from its date"
    )
    caveats: list[str] | None = Field(
        None,
        description="what a reader should know before citing the date (a threshold "
        "beyond the range its benchmark measures reliably)",
    )

    def p_by(self, year: int | str) -> ProbMCSE:
        """P(crossed by the end of ``year``) with its MCSE."""
        return self.p_by_year[str(year)]


class Growth(StrictResult):
    """A benchmark's growth-rate posterior in human units."""

    family: str = Field(description="'bounded' (share of tasks) or 'unbounded' (log scale)")
    n_observations: int
    rate_source: str
    years_10_to_90_pct_of_ceiling: Interval | None = None
    ceiling: Interval | None = None
    rate_logit_per_year: Interval | None = None
    doubling_time_months: Interval | None = None
    doubling_time_at: str | None = None
    rate_change_per_year: Interval | None = None


class ScenarioInfo(StrictResult):
    path: str
    name: str
    title: str
    reading: str
    description: str
    digest: str
    start: str


class ResidualTrajectory(StrictResult):
    units: str
    by_end_of_year: dict[str, Interval]


class Residual(StrictResult):
    """The research-residual model's inputs and trajectories (quantiles over draws)."""

    inputs: dict[str, Interval]
    alignment_researchers_gain: float
    trajectories: dict[str, ResidualTrajectory]


class Reference(StrictResult):
    """A published claim set against the engine's number for the same thing: an event claim
    (``event``, ``by``) against the engine's probability, a parameter claim (``series``,
    ``quantity``, ``at`` or ``over``, ``between``) against the engine's doubling time."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    who: str
    claim: str
    event: str | None = Field(None, description="event claims: the event")
    by: str | None = Field(None, description="event claims: the date the claim is about")
    verdict: str
    engine_p: float | None = None
    engine_mcse: float | None = None
    under: str | None = None
    given_reading: str | None = Field(
        None, description="event claims conditional on a reading: judged under it alone"
    )
    series: str | None = Field(None, description="parameter claims: the series")
    quantity: str | None = Field(None, description="parameter claims: 'doubling_time_months'")
    at: str | None = Field(None, description="parameter claims: the instantaneous value's date")
    over: list[str] | None = Field(
        None, description="parameter claims: first and last day of an average"
    )
    between: list[float] | None = Field(None, description="parameter claims: the claimed range")
    engine_median_months: float | None = Field(
        None, description="parameter claims: the engine's median; null: no doubling"
    )
    engine_interval_months: list[float | None] | None = Field(
        None, description="parameter claims: the engine's 10 % and 90 % quantiles (null: none)"
    )
    engine_p_below: float | None = Field(None, ge=0, le=1, description="P(value < low)")
    engine_mcse_below: float | None = Field(None, ge=0)
    engine_p_above: float | None = Field(None, ge=0, le=1, description="P(value > high)")
    engine_mcse_above: float | None = Field(None, ge=0)
    p_in_range: float | None = Field(None, ge=0, le=1, description="P(low <= value <= high)")
    engine_p_no_doubling: float | None = Field(
        None, ge=0, le=1, description="share of draws whose rate is not positive (never double)"
    )


class StructuralRange(StrictResult):
    """One event's P(by the focus year) over the structural variants (forecast structural)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    central: dict[str, Any] = Field(description="p, mcse, median month, p_never of the model")
    range: dict[str, Any] = Field(description="p_low/p_high and the variants giving them")
    depends_most_on: dict[str, Any] | None
    variants: int


class RunSummary(StrictResult):
    """The result of `forecast run`: summary.json and `forecast run --json`."""

    schema_version: str = SCHEMA_VERSION
    forecast_version: str
    provenance: Provenance
    diagnostics: Diagnostics
    scenario: ScenarioInfo | None = None
    residual: Residual | None = None
    events: dict[str, Event]
    references: list[Reference]
    benchmarks: dict[str, Growth]
    notes: list[str]
    structural: dict[str, StructuralRange] | None = Field(
        None, description="--structural: per event, its range over scenarios/structural.toml"
    )

    def as_json(self) -> dict[str, Any]:
        """The JSON form written to disk: optional sections that do not apply are left out."""
        return self.model_dump(mode="json", exclude_unset=True)


class GapYears(StrictResult):
    q10: float
    median: float
    q90: float
    mean: float


class Gap(StrictResult):
    """Per-draw gap (second arm minus first, years) of one event between two arms."""

    share_both_cross: float
    share_only_first_crosses: float
    share_only_second_crosses: float
    share_second_earlier: float
    share_identical: float
    gap_years_never_at_horizon: GapYears
    gap_years: GapYears | None


class CompareArm(StrictResult):
    label: str
    kind: str = Field(description="'scenario' (same draws) or 'data' (separate posterior)")
    scenario: str | None
    description: str | None = Field(None, description="the scenario's one-line description")
    data_hash: str
    posterior_hash: str
    diagnostics_ok: bool
    assumes: dict[str, str] | None = Field(
        None, description="residual inputs in which the scenario arms differ: median (80 % range)"
    )


class ArmEvent(StrictResult):
    """One event in one arm of a comparison."""

    p_by_focus_year: ProbMCSE | None
    quantiles: dict[str, str | None]
    p_not_by_horizon: float
    binding_shares: dict[str, float] | None


class Shift(StrictResult):
    """How an arm's event differs from the first arm's (years; later minus first)."""

    median_shift_years: float | None = Field(description="null when a median is not by horizon")
    median_first: str | None
    median_second: str | None
    p_by_focus_year_shift: float
    paired_draws: bool = Field(description="same posterior draws: per-draw gaps are meaningful")
    per_draw: Gap | None = None


class CompareEvent(StrictResult):
    title: str
    by_arm: dict[str, ArmEvent]
    versus_first: dict[str, Shift]


class ReadingGap(StrictResult):
    """One reading's P(event by the focus year) minus the first reading's, across the
    structural variants (probability points, -1 to 1)."""

    title: str
    central: float
    low: float
    low_variant: str
    high: float
    high_variant: str
    central_beyond_mc: bool = Field(description="the central gap exceeds two MC errors")
    holds: bool = Field(
        description="in every variant the gap is beyond two MC errors on the central side"
    )
    n_variants: int


class CompareStructural(StrictResult):
    """`forecast compare --structural`: the readings' gap under every structural variant."""

    variants: list[str]
    fits_ok: bool
    gaps: dict[str, dict[str, ReadingGap]] = Field(description="event -> reading -> gap")


class CompareSummary(StrictResult):
    """The result of `forecast compare`: compare.json and `forecast compare --json`."""

    schema_version: str = SCHEMA_VERSION
    arms: list[CompareArm]
    focus_year: int
    events: dict[str, CompareEvent]
    structural: CompareStructural | None = None

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


__all__ = [
    "SCHEMA_VERSION", "CheckSummary", "CrossingSummary", "DiagnosticThresholds",
    "Diagnostics", "RollingSummary", "SbcSummary", "SensitivitySummary",
    "StructuralSummary", "SweepSummary", "check_summary", "compare_summary", "crossing_summary",
    "rolling_summary", "run_summary", "sbc_summary", "sensitivity_summary",
    "structural_summary", "sweep_summary",
]  # fmt: skip


def run_summary(d: dict[str, Any]) -> RunSummary:
    """Validate a run summary built as a dict (the computing modules' output) into its type."""
    return RunSummary.model_validate({"schema_version": SCHEMA_VERSION, **d})


def compare_summary(d: dict[str, Any]) -> CompareSummary:
    """Validate a comparison built as a dict into its type."""
    return CompareSummary.model_validate({"schema_version": SCHEMA_VERSION, **d})
