"""Published claims (``scenarios/references.toml``): what each says, as a bound on the
engine's P(event by a date), and the verdict of a probability with its Monte Carlo error.

A claim is ``p_at_least`` (the claimant says the event is at least this likely by ``by``),
``p_at_most`` (at most this likely: "not in 2026"), or ``median_from`` (the claimant's median
date lies between ``median_from`` and ``by``: P(by median_from) <= 0.5 <= P(by ``by``)). A
claim given in words is turned into a number by ``read_as``, which says how, so a reader can
disagree with the reading rather than with the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ForecastError
from .io import read_toml
from .schema import message

Probability = Annotated[float, Field(ge=0, le=1)]


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    who: Annotated[str, Field(min_length=3)]
    claim: Annotated[str, Field(min_length=10)]
    event: str
    by: str
    p_at_least: Probability | None = None
    p_at_most: Probability | None = None
    median_from: Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = None
    read_as: str = ""

    @model_validator(mode="after")
    def _one_bound(self) -> Claim:
        given = [
            k for k in ("p_at_least", "p_at_most", "median_from") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError("a claim takes exactly one of p_at_least, p_at_most and median_from")
        if self.median_from is not None and not self.median_from < self.by:
            raise ValueError(f"median_from {self.median_from} must be before by {self.by}")
        return self


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


def load(path: Path) -> list[dict]:
    """The claims of a file as dicts (the keys it gives), validated."""
    raw = read_toml(path, "reference-claims TOML file")
    try:
        claims = ClaimFile.model_validate(raw).claims
    except ValidationError as e:
        raise ForecastError(message(e, ClaimFile), str(path)) from None
    return [c.model_dump(exclude_none=True) for c in claims]


def bound(c: dict) -> tuple[str, float]:
    """(">=", "<=" or "median", the probability) of a claim; a median claim's is 0.5 at its
    range's end ``by``."""
    if "median_from" in c:
        return "median", 0.5
    return (">=", float(c["p_at_least"])) if "p_at_least" in c else ("<=", float(c["p_at_most"]))


def bound_text(c: dict) -> str:
    """The claim as a probability statement: 'P >= 0.6 by 2028-12-31', or 'median between
    2028-04-01 and 2028-09-30'."""
    if "median_from" in c:
        return f"median between {c['median_from']} and {c['by']}"
    op, p = bound(c)
    return f"P {op} {p:g} by {c['by']}"


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
