"""The typed result of `forecast structural` (structural.json, `forecast structural --json`):
every headline number under the central model and each structural variant, and the verdict
on each published claim across every variant and reading (:func:`forecast.structural.run`).

Probabilities are P(by the end of ``focus_year``), shares in [0, 1]; dates are months
(``YYYY-MM``), ``null`` (or ``"never"`` in a range) for "not by the horizon". An arm is a
variant id (``central``: the model as given), ``ID (READING)`` when the readings give it
different numbers. The report's ``structural`` section (report.json) is the same record
without ``schema_version``.
"""

from __future__ import annotations

from pydantic import Field

from .results_common import StrictResult, TopResult


class StructuralVariant(StrictResult):
    id: str
    title: str
    why: str


class StructuralFit(StrictResult):
    """One fit: the central model's or a variant's (cached fits are reused)."""

    id: str
    n_rows: int
    posterior_hash: str
    diagnostics_ok: bool
    max_rhat: float
    divergences: int
    reused: bool = Field(description="the fit came from the posterior cache")


class ArmNumbers(StrictResult):
    """An event's numbers under one arm."""

    p: float = Field(ge=0, le=1, description="P(by the end of the focus year)")
    mcse: float = Field(ge=0)
    median: str | None = Field(description="median month; null = not by the horizon")
    p_never: float = Field(ge=0, le=1, description="P(not by the horizon)")


class StructuralRangeOf(StrictResult):
    """The range of an event's P(by the focus year) and median over every arm."""

    p_low: float = Field(ge=0, le=1)
    low_variant: str
    p_high: float = Field(ge=0, le=1)
    high_variant: str
    median_earliest: str = Field(description="a month, or 'never'")
    median_latest: str = Field(description="a month, or 'never'")
    width: float = Field(ge=0, description="p_high - p_low")


class DependsMostOn(StrictResult):
    """The variant that moves the event's P(by the focus year) most from the central value."""

    variant: str
    p: float = Field(ge=0, le=1)
    shift: float = Field(description="the variant's P minus the central P")


class StructuralEvent(StrictResult):
    """One event (a composite event once per reading: ``EVENT [READING]``)."""

    title: str
    reading: str | None = Field(description="composite events: the reading; else null")
    central: ArmNumbers
    range: StructuralRangeOf
    depends_most_on: DependsMostOn | None = Field(description="null without variants")
    variants: dict[str, ArmNumbers] = Field(description="per arm, 'central' included")
    missing_in: list[str] = Field(description="variants in which the event is not defined")


class ArmVerdict(StrictResult):
    """The engine's number for a claim under one arm (a probability, or a parameter claim's
    doubling time in months), and its verdict there."""

    p: float | None
    mcse: float | None
    verdict: str
    median_months: float | None = Field(
        None, description="parameter claims: the median; null: no doubling"
    )
    interval_months: list[float | None] | None = Field(
        None, description="parameter claims: the 10 % and 90 % quantiles"
    )


class StructuralClaim(StrictResult):
    """A published claim's verdict across every variant and reading."""

    id: str
    who: str
    claim: str = Field(description="the claim as its author made it")
    event: str | None = Field(None, description="event claims: the event")
    by: str | None = Field(None, description="event claims: the date the claim is about")
    p_at_least: float | None = None
    p_at_most: float | None = None
    median_from: str | None = None
    given_reading: str | None = Field(
        None, description="event claims conditional on a reading: judged under it alone"
    )
    series: str | None = Field(None, description="parameter claims: the series")
    quantity: str | None = Field(None, description="parameter claims: 'doubling_time_months'")
    at: str | None = None
    over: list[str] | None = None
    between: list[float] | None = Field(None, description="parameter claims: the claimed range")
    read_as: str | None = None
    central: dict[str, ArmVerdict] = Field(
        description="per reading ('' without one, and for a parameter claim, which no reading "
        "changes), the central model's verdict"
    )
    verdict: str = Field(
        description="'agrees' or 'disagrees' when every arm does; else what it depends on"
    )
    flipped_by: list[str] = Field(description="arms whose verdict differs from the central one")
    arms: dict[str, ArmVerdict]


class StructuralBody(StrictResult):
    """A structural summary's content (report.json's ``structural`` section)."""

    focus_year: int
    seed: int
    readings: list[str | None] = Field(description="null: the growth models alone")
    variants: list[StructuralVariant] = Field(description="'central' first")
    fits: list[StructuralFit]
    events: dict[str, StructuralEvent]
    claims: list[StructuralClaim]


class StructuralSummary(StructuralBody, TopResult):
    """The result of `forecast structural`: structural.json and `forecast structural --json`."""


def structural_summary(d: dict) -> StructuralSummary:
    """Validate a structural summary built as a dict (:func:`forecast.structural.run`)."""
    return StructuralSummary.from_dict(d)
