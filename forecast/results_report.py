"""The typed result of `forecast report`'s report.json: everything the page shows (the
headline per event and reading, the readings' comparison, composite events, residual
inputs, references, growth rates, observations, priors, scenario parameters, diagnostics,
provenance, the figures, the brief) and, when asked for, the structural section and the
track record (:func:`forecast.report.report_data`).

It reuses the run summary's records (:mod:`forecast.results`: ``Event``'s numbers,
``Residual``, ``Reference``, ``Growth``, ``Provenance``) and the comparison
(``CompareSummary``, with its own ``schema_version``); the structural section is
:class:`forecast.results_structural.StructuralBody`. :mod:`forecast.results` registers this
type, so those are imported at the end of this module and the models completed there:
either module can be imported first.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .results import (
    CompareSummary,
    Growth,
    ProbMCSE,
    Reference,
    Residual,
    Sampler,
    ThresholdInfo,
)
from .results_common import Diagnostics, StrictResult, TopResult
from .results_structural import StructuralBody, StructuralRangeOf


class ReportReading(StrictResult):
    name: str
    title: str
    reading: str
    description: str
    path: str
    digest: str
    start: str
    horizon: str


class HeadlineRow(StrictResult):
    """One event under one reading (the run summary's numbers for it)."""

    event: str
    reading: str
    title: str
    benchmark: str
    threshold: float | None
    threshold_shown: str | None
    p_by_year: dict[str, ProbMCSE]
    quantiles: dict[str, str | None] = Field(description="date quantiles; null = not by horizon")
    p_not_by_horizon: float = Field(ge=0, le=1)
    p_not_by_horizon_mcse: float = Field(ge=0)
    horizon: str
    identical_in_every_reading: bool = Field(description="the same draw for draw in every reading")


class CompositeEvent(StrictResult):
    title: str
    conditions: list[str]
    binding_shares: dict[str, float]
    condition_medians: dict[str, str | None]


class ObservationRow(StrictResult):
    """An observation entering the fit, with its figure as published."""

    benchmark: str
    series: str
    date: str
    system: str
    figure: str
    value: float | None = Field(description="null for a published range")
    low: float | None
    high: float | None
    unit: str
    kind: str
    approximate: bool
    variant: str | None
    source: str
    note: str | None
    origin: str


class PriorRow(StrictResult):
    key: str
    setting: str
    why: str


class ReportPriors(StrictResult):
    source: str | None
    hash: str
    rows: list[PriorRow]


class ScenarioParameter(StrictResult):
    """A residual-model parameter: meaning, canonical unit, value and reason per reading."""

    parameter: str
    meaning: str
    unit: str
    values: dict[str, str]
    why: dict[str, str]


class ScenarioEvent(StrictResult):
    id: str
    title: str
    all_of: list[str]
    why: str


class DataFile(StrictResult):
    path: str
    sha256_16: str | None = Field(description="null for a bundled table (the data hash covers it)")


class ScenarioFile(StrictResult):
    path: str
    hash: str


class ReportProvenance(StrictResult):
    """The first reading's provenance (the run summary's, :class:`forecast.results.Provenance`)
    with the data files' hashes, the scenario files, the priors' source and the versions."""

    code_commit: str | None = Field(description="git commit; '+dirty': local edits")
    versions: dict[str, str | None] = Field(description="forecast, Python and the libraries")
    data_as_of: str | None = Field(description="date of the latest AI observation used")
    as_of: str | None = None
    data_hash: str
    data_files: list[DataFile]
    bundled_data: bool
    n_observations: int
    variants: dict[str, str]
    priors_hash: str
    priors_source: str | None
    model_version: str
    sampler: Sampler
    seed: int
    posterior_hash: str
    scenarios: dict[str, ScenarioFile]
    horizon: str
    thresholds: dict[str, ThresholdInfo]


class Figure(StrictResult):
    id: str
    kind: str
    title: str
    caption: str
    png: str
    svg: str
    width: int
    height: int


class TrackMethod(StrictResult):
    method: str
    what: str
    n: int
    coverage: dict[str, float]
    median_error: float | None
    crps: float | None


class TrackFamily(StrictResult):
    family: str
    n: int
    coverage: dict[str, float]
    median_error: float | None
    coverage_interval: dict[str, list[float]] | None = Field(
        None, description="per level, the coverage's 95 % interval, targets clustered by case"
    )
    coverage_verdict: dict[str, str] | None = Field(
        None, description="per banded level: in band, consistent, too narrow or too wide"
    )


class TrackRecord(StrictResult):
    """How the engine has forecast before (a crossing backtest, forecast/track_record.py)."""

    path: str
    method: str
    n_targets: int
    n_cases: int
    coverage: dict[str, float] = Field(description="per interval level (%), the share held")
    coverage_80_sd: float
    coverage_interval: dict[str, list[float]] | None = Field(
        None, description="per level, the pooled coverage's 95 % interval, clustered by case"
    )
    median_error: float | None
    line_median_error: float | None
    crps: float | None
    baseline_crps: float | None
    methods: list[TrackMethod]
    families: list[TrackFamily]
    model_version: str | None
    code_commit: str | None
    seed: int | None
    same_model: bool
    fits_ok: bool


class BriefLine(StrictResult):
    """One quotable sentence on an event (under a reading, or null: the same in all)."""

    event: str
    title: str
    reading: str | None
    reading_title: str | None
    p: float = Field(ge=0, le=1)
    mcse: float = Field(ge=0)
    structural_range: StructuralRangeOf | None
    median: str | None
    q10: str | None
    q90: str | None
    p_never: float = Field(ge=0, le=1)
    horizon: str
    drivers: list[str]
    caveats: list[str]
    sentence: str


class Brief(StrictResult):
    """The brief (brief.md): one sentence per headline event and the citation string."""

    focus_year: int
    data_as_of: str | None
    track_record: str | None = Field(description="the sentence on the track record")
    structural: bool = Field(description="the report has the structural section")
    lines: list[BriefLine]
    citation: str


class ReportContent(TopResult):
    """report.json's content before its brief: :func:`forecast.report.build` validates it once
    complete, and computes the brief (:func:`forecast.brief.brief`) from it."""

    report_format: Literal[1]
    forecast_version: str
    command: str | None = Field(description="the command line that regenerates the numbers")
    focus_year: int
    report_years: list[int]
    readings: list[ReportReading]
    headline: list[HeadlineRow]
    comparison: CompareSummary | None = Field(description="null with a single reading")
    composite: dict[str, dict[str, CompositeEvent]] = Field(description="reading -> event")
    residual: dict[str, Residual | None]
    references: dict[str, list[Reference]]
    benchmarks: dict[str, Growth]
    observations: list[ObservationRow]
    priors: ReportPriors
    scenario_parameters: list[ScenarioParameter]
    evidence: dict[str, dict[str, Any]] = Field(description="per reading, its evidence table")
    scenario_events: dict[str, list[ScenarioEvent]]
    diagnostics: Diagnostics
    notes: list[str]
    provenance: ReportProvenance
    figures: list[Figure]
    structural: StructuralBody | None = Field(None, description="--structural")
    track_record: TrackRecord | None = Field(None, description="--backtest")


class ReportSummary(ReportContent):
    """report.json: what `forecast report` shows, number for number."""

    brief: Brief

    @classmethod
    def of(cls, content: ReportContent, brief: Brief) -> ReportSummary:
        """The content with its brief; its parts, typed already, are taken as they are (an
        optional section left out of the content stays out of the JSON)."""
        given = {k: getattr(content, k) for k in content.model_fields_set}
        return cls.model_validate({**given, "brief": brief})


def report_content(d: dict) -> ReportContent:
    """Validate a report's content built as a dict (:func:`forecast.report.report_data`)."""
    return ReportContent.from_dict(d)


for _model in (HeadlineRow, ReportProvenance, ReportContent, ReportSummary):
    _model.model_rebuild()
