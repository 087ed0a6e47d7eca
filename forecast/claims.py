"""Published claims (``scenarios/references.toml``): what each says, as a bound on the
engine's P(event by a date) or as a range of a growth parameter, and the verdict of the
engine's numbers with their Monte Carlo error.

An event claim names an ``event`` and is ``p_at_least`` (the claimant says the event is at
least this likely by ``by``), ``p_at_most`` (at most this likely: "not in 2026"), or
``median_from`` (the claimant's median date lies between ``median_from`` and ``by``:
P(by median_from) <= 0.5 <= P(by ``by``)). An event claim with ``given_reading`` is
conditional ("60 % if engineering binds"): it is judged only under the scenarios of that
reading of the research residual. A parameter claim names a ``series`` and a
``quantity`` (``doubling_time_months``: the doubling time of an unbounded series' fitted
curve) that lies ``between`` two values, either ``at`` a date (the instantaneous doubling
time) or ``over`` two dates (the average doubling time between them); its numbers are
:mod:`forecast.claims_parameter`'s and its verdict :func:`range_verdict`. A claim given in
words is turned into a number by ``read_as``, which says how, so a reader can disagree with
the reading rather than with the engine.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from .dates import period_bounds
from .errors import ForecastError
from .io import read_toml
from .schema import message

Probability = Annotated[float, Field(ge=0, le=1)]
CENTRAL = 0.8  # a parameter claim is held against the engine's central 80 % interval
TAIL = 1 - (1 - CENTRAL) / 2  # 0.9: a claimed range beyond the interval has this much on one side


def _a_day(text: str) -> str:
    try:
        period_bounds(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date; expected YYYY-MM-DD") from None
    return text


Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_a_day)]
Months = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class _Said(BaseModel):
    """Who said what: the part every claim has."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    who: Annotated[str, Field(min_length=3)]
    claim: Annotated[str, Field(min_length=10)]


class EventClaim(_Said):
    """A claim on P(event by a date)."""

    event: str
    by: str
    p_at_least: Probability | None = None
    p_at_most: Probability | None = None
    median_from: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = None
    given_reading: str | None = Field(
        None, description="the reading the claim is conditional on; judged under it alone"
    )
    read_as: str = ""

    @model_validator(mode="after")
    def _one_bound(self) -> EventClaim:
        given = [
            k for k in ("p_at_least", "p_at_most", "median_from") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError("a claim takes exactly one of p_at_least, p_at_most and median_from")
        if self.median_from is not None and not self.median_from < self.by:
            raise ValueError(f"median_from {self.median_from} must be before by {self.by}")
        return self


class ParameterClaim(_Said):
    """A claim that a growth parameter of a series lies ``between`` two values, ``at`` a date
    or on average ``over`` two dates (the first day's start to the last day's end)."""

    series: Annotated[str, Field(min_length=1)]
    quantity: Literal["doubling_time_months"]
    at: Day | None = None
    over: tuple[Day, Day] | None = None
    between: tuple[Months, Months]
    read_as: str = ""

    @model_validator(mode="after")
    def _one_time(self) -> ParameterClaim:
        if (self.at is None) == (self.over is None):
            raise ValueError("a claim on a growth parameter takes exactly one of at and over")
        if self.over is not None and not self.over[0] < self.over[1]:
            raise ValueError(f"over: {self.over[0]} must be before {self.over[1]}")
        if not self.between[0] < self.between[1]:
            raise ValueError(f"between: {self.between[0]:g} must be below {self.between[1]:g}")
        return self


def _kind(v: Any) -> str:
    """A claim naming a series or a quantity is a parameter claim; any other an event claim."""
    if isinstance(v, dict):
        return "ParameterClaim" if {"series", "quantity"} & set(v) else "EventClaim"
    return type(v).__name__


Claim = Annotated[
    Annotated[EventClaim, Tag("EventClaim")] | Annotated[ParameterClaim, Tag("ParameterClaim")],
    Discriminator(_kind),
]


class ClaimFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claims: list[Claim]

    @model_validator(mode="after")
    def _unique(self) -> ClaimFile:
        ids = [c.id for c in self.claims]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"claim ids must be unique: {', '.join(dup)}")
        return self


def load(
    path: Path,
    series: Mapping[str, bool] | None = None,
    readings: Collection[str] | None = None,
) -> list[dict]:
    """The claims of a file as dicts (the keys it gives), validated. With ``series`` (every
    series id a run may fit -> whether it is bounded), a parameter claim on a series not
    there, or on a bounded one (a share of tasks has no doubling time), is an error; with
    ``readings`` (the shipped readings), so is a conditional claim on another reading."""
    raw = read_toml(path, "reference-claims TOML file")
    try:
        claims = ClaimFile.model_validate(raw).claims
    except ValidationError as e:
        raise ForecastError(message(e, ClaimFile), str(path)) from None
    for i, c in enumerate(claims):
        if series is not None and isinstance(c, ParameterClaim):
            _check_series(c, series, f"claims.{i}.series", path)
        given = c.given_reading if isinstance(c, EventClaim) else None
        if readings is not None and given is not None and given not in readings:
            near = difflib.get_close_matches(given, list(readings), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ForecastError(
                f"key 'claims.{i}.given_reading': claim {c.id!r} is conditional on reading "
                f"{given!r}, which no shipped scenario has; expected one of "
                f"{', '.join(sorted(readings))}{hint}",
                str(path),
            )
    return [c.model_dump(exclude_none=True) for c in claims]


def _check_series(c: ParameterClaim, series: Mapping[str, bool], key: str, path: Path) -> None:
    if c.series not in series:
        near = difflib.get_close_matches(c.series, list(series), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise ForecastError(
            f"key {key!r}: claim {c.id!r} names series {c.series!r}, which is neither in the "
            f"observations nor in the bundled series{hint}",
            str(path),
        )
    if series[c.series]:
        raise ForecastError(
            f"key {key!r}: claim {c.id!r} names series {c.series!r}, a share of tasks; a "
            "doubling time needs an unbounded series (minutes, a multiplier)",
            str(path),
        )


def is_parameter(c: Mapping[str, Any]) -> bool:
    """A claim (a dict of :func:`load` or a reference) on a growth parameter, not an event."""
    return c.get("quantity") is not None


def bound(c: dict) -> tuple[str, float]:
    """(">=", "<=" or "median", the probability) of a claim; a median claim's is 0.5 at its
    range's end ``by``."""
    if "median_from" in c:
        return "median", 0.5
    return (">=", float(c["p_at_least"])) if "p_at_least" in c else ("<=", float(c["p_at_most"]))


def bound_text(c: dict) -> str:
    """The claim as a number: 'P >= 0.6 by 2028-12-31', 'median between 2028-04-01 and
    2028-09-30', or a parameter claim's 'doubling time 4-4.5 months at 2026-04-02'; a
    conditional claim's ends 'if the reading is compressed-perspiration'."""
    if is_parameter(c):
        lo, hi = c["between"]
        if c.get("at") is not None:
            return f"doubling time {lo:g}-{hi:g} months at {c['at']}"
        t0, t1 = c["over"]
        return f"average doubling time {lo:g}-{hi:g} months over {t0} to {t1}"
    given = f" if the reading is {c['given_reading']}" if c.get("given_reading") else ""
    if c.get("median_from") is not None:
        return f"median between {c['median_from']} and {c['by']}{given}"
    op, p = bound(c)
    return f"P {op} {p:g} by {c['by']}{given}"


def verdict(c: dict, p: float, se: float, p_from: float = 0.0, se_from: float = 0.0) -> str:
    """'agrees' or 'disagrees' when the engine's ``p`` (P by ``by``) is beyond the claim's
    bound by two Monte Carlo standard errors ``se``; else 'within Monte Carlo error of the
    claim'. A median claim also needs ``p_from`` (P by ``median_from``): it agrees when
    P(by median_from) < 0.5 < P(by ``by``) beyond two errors each, and disagrees when
    either is on the wrong side of 0.5 beyond two errors (the engine's median earlier or
    later than the claimed range)."""
    op, bar = bound(c)
    if op == "median":
        if p_from + 2 * se_from <= 0.5 <= p - 2 * se:
            return "agrees"
        if p_from - 2 * se_from > 0.5 or p + 2 * se < 0.5:
            return "disagrees"
        return "within Monte Carlo error of the claim"
    lo, hi = p - 2 * se, p + 2 * se
    if (op == ">=" and lo >= bar) or (op == "<=" and hi <= bar):
        return "agrees"
    if (op == ">=" and hi < bar) or (op == "<=" and lo > bar):
        return "disagrees"
    return "within Monte Carlo error of the claim"


def range_verdict(p_below: float, se_below: float, p_above: float, se_above: float) -> str:
    """The verdict on a claimed range [low, high] of a quantity, from P_below = P(quantity <
    low) and P_above = P(quantity > high) with their Monte Carlo standard errors.

    'agrees' when the range meets the engine's central 80 % interval beyond two errors:
    P_below + 2 se < 0.9 and P_above + 2 se < 0.9 (the interval's upper end is above low
    and its lower end below high); 'disagrees' when the interval lies wholly outside the
    range beyond two errors: P_below - 2 se > 0.9 (the whole interval below low) or
    P_above - 2 se > 0.9 (above high); else 'within Monte Carlo error of the claim'.
    """
    if p_below + 2 * se_below < TAIL and p_above + 2 * se_above < TAIL:
        return "agrees"
    if p_below - 2 * se_below > TAIL or p_above - 2 * se_above > TAIL:
        return "disagrees"
    return "within Monte Carlo error of the claim"
