"""Prior specifications: one TOML file per benchmark family in ``priors/``.

``bounded.toml`` covers share-of-tasks benchmarks, ``unbounded.toml`` log-scale metrics.
Every prior carries a ``why`` sentence; the files are validated strictly (unknown keys,
wrong types and out-of-range values are errors naming the file and key).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)

from .errors import ForecastError
from .io import bundled_dir, read_toml
from .schema import message

Why = Annotated[str, Field(min_length=10, description="one-sentence justification")]
Positive = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Normal(_Strict):
    dist: Literal["normal"]
    mu: float = 0.0
    sigma: Positive
    why: Why


class HalfNormal(_Strict):
    dist: Literal["halfnormal"]
    sigma: Positive
    why: Why


class LearnedScale(_Strict):
    """The noise scale as a parameter: scale = ``sd`` x LogNormal(0, ``sigma``) (per family)."""

    sigma: Positive
    why: Why


class Noise(_Strict):
    """Observation noise on the transformed scale (logit / log). ``sd``: the scale of a
    point figure (fixed, or the median of the learned scale when ``learned`` is given);
    approximate figures get ``sd_approximate / sd`` times it. ``likelihood``: normal, or
    Student-t with ``nu`` degrees of freedom (heavier tails)."""

    sd: Positive
    why: Why
    sd_approximate: Positive
    why_approximate: Why
    learned: LearnedScale | None = None
    likelihood: Literal["normal", "student_t"] = "normal"
    nu: Annotated[float, Field(ge=1)] = 4.0
    why_likelihood: Why | None = None

    @model_validator(mode="after")
    def _justified(self):
        if self.likelihood != "normal" and not self.why_likelihood:
            raise ValueError("a Student-t likelihood needs a 'why_likelihood' sentence")
        return self


class Pooling(_Strict):
    mode: Literal["partial", "none"]
    why: Why


class GrowthRate(_Strict):
    mean: Normal
    spread: HalfNormal


class RateDrift(_Strict):
    """Random walk on the log growth rate after a series' last observation
    (:mod:`forecast.drift`): ``sigma`` per sqrt(year), ``level_sd`` on the transformed scale
    (logit / log), ``level_sigma`` (a random walk on the level after the last point) per
    sqrt(year) on it. Always used by the crossing-date backtest's ``engine_drift``; with
    ``in_forecasts`` the fitted posterior carries ``sigma`` and ``level_sigma`` per draw and
    every crossing date (:func:`forecast.trajectories.crossing_time`) follows the walk.
    ``common_share`` (0..1): the share of each walk innovation's variance that is a shock
    common to every series in the same calendar month (forecasts only; see
    :mod:`forecast.drift`). ``level_spread``: the log sd of each draw's level-walk scale
    around ``level_sigma``, its median (0: one fixed scale)."""

    sigma: Annotated[float, Field(ge=0)]
    level_sd: Annotated[float, Field(ge=0)] = 0.0
    level_sigma: Annotated[float, Field(ge=0)] = 0.0
    level_spread: Annotated[float, Field(ge=0)] = 0.0
    common_share: Annotated[float, Field(ge=0, le=1)] = 0.0
    in_forecasts: bool = False
    why: Why


def _ceiling_kind(v: object) -> str:
    """Which ceiling a priors file's [ceiling] table (or a parsed one) describes."""
    if isinstance(v, dict):
        return "<fixed>" if "value" in v else "<uncertain>"
    return "<fixed>" if isinstance(v, FixedCeiling) else "<uncertain>"


class FixedCeiling(_Strict):
    value: Annotated[float, Field(gt=0, le=1)]
    why: Why


class UncertainCeiling(_Strict):
    """ceiling = low + (high - low) * Beta(alpha, beta), as a fraction of tasks."""

    low: Annotated[float, Field(gt=0, le=1)]
    high: Annotated[float, Field(gt=0, le=1)]
    alpha: Positive
    beta: Positive

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"ceiling low {self.low} must be below high {self.high}")
        return self


class DefaultCeiling(UncertainCeiling):
    """The default ceiling of a bounded series without an override: an uncertain ceiling
    with its justification."""

    why: Why


class BenchmarkOverride(_Strict):
    variant: str | None = None
    why_variant: Why | None = None
    ceiling: UncertainCeiling | Annotated[float, Field(gt=0, le=1)] | None = None
    why_ceiling: Why | None = None

    @model_validator(mode="after")
    def _justified(self):
        if self.variant is not None and not self.why_variant:
            raise ValueError("'variant' needs a 'why_variant' sentence")
        if self.ceiling is not None and not self.why_ceiling:
            raise ValueError("'ceiling' needs a 'why_ceiling' sentence")
        return self


class BoundedPriors(_Strict):
    family: Literal["bounded"]
    observation_noise: Noise
    pooling: Pooling
    growth_rate: GrowthRate
    level: Normal
    # a table with `value` is a fixed ceiling, any other an uncertain one: choosing the
    # branch first keeps the error message about the key the file actually has
    ceiling: Annotated[
        Annotated[FixedCeiling, Tag("<fixed>")] | Annotated[DefaultCeiling, Tag("<uncertain>")],
        Discriminator(_ceiling_kind),
    ]
    rate_drift: RateDrift | None = None
    benchmarks: dict[str, BenchmarkOverride] = {}


class UnboundedPriors(_Strict):
    family: Literal["unbounded"]
    observation_noise: Noise
    pooling: Pooling
    growth_rate: GrowthRate
    acceleration: Normal
    level: Normal
    rate_drift: RateDrift | None = None
    benchmarks: dict[str, BenchmarkOverride] = {}


class Priors(_Strict):
    bounded: BoundedPriors
    unbounded: UnboundedPriors
    source: str = ""  # the directory they were read from

    def ceiling(self, *names: str) -> tuple[float, float, float, float]:
        """(low, high, alpha, beta) of a bounded series' ceiling; low == high when fixed.
        ``names``: the series, then its benchmark; the first with an override wins,
        otherwise the family's default ``[ceiling]``."""
        over = self.bounded.benchmarks
        o = next((over[n] for n in names if n in over and over[n].ceiling is not None), None)
        c = o.ceiling if o is not None else self.bounded.ceiling
        if isinstance(c, UncertainCeiling):  # DefaultCeiling included
            return c.low, c.high, c.alpha, c.beta
        v = c.value if isinstance(c, FixedCeiling) else c
        assert v is not None  # a fixed ceiling always has its value (validated on load)
        return float(v), float(v), 1.0, 1.0

    def variants(self) -> dict[str, str]:
        out = {}
        for fam in (self.bounded, self.unbounded):
            out.update({b: o.variant for b, o in fam.benchmarks.items() if o.variant})
        return out

    def digest(self) -> str:
        """Content hash of the priors (the source path excluded, and ``rate_drift`` unless
        it is ``in_forecasts``: otherwise it enters no fit, so the posterior cache keyed on
        this hash stays valid)."""
        ex: dict = {"source": True}
        for fam in ("bounded", "unbounded"):
            rd = getattr(self, fam).rate_drift
            if rd is None or not rd.in_forecasts:
                ex[fam] = {"rate_drift": True}
        body = self.model_dump(exclude=ex)
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    def with_pooling(self, mode: str) -> Priors:
        b = self.bounded.model_copy(
            update={"pooling": self.bounded.pooling.model_copy(update={"mode": mode})}
        )
        u = self.unbounded.model_copy(
            update={"pooling": self.unbounded.pooling.model_copy(update={"mode": mode})}
        )
        return self.model_copy(update={"bounded": b, "unbounded": u})


FILES = {
    "bounded": ("bounded.toml", BoundedPriors),
    "unbounded": ("unbounded.toml", UnboundedPriors),
}


def default_dir() -> Path:
    """``priors/`` in a source checkout, or the copy bundled in an installed wheel."""
    return bundled_dir("priors", "bounded.toml", "pass --priors DIR")


def load_file(path: Path, schema: type[BaseModel]) -> BaseModel:
    raw = read_toml(path, "priors TOML file")
    try:
        return schema.model_validate(raw)
    except ValidationError as e:
        raise ForecastError(message(e, schema), str(path)) from None


def load(directory: str | Path | None = None) -> Priors:
    """Load and validate ``bounded.toml`` and ``unbounded.toml`` from a priors directory."""
    d = Path(directory) if directory else default_dir()
    if not d.is_dir():
        raise ForecastError(
            "not a directory; expected a folder with bounded.toml and unbounded.toml", str(d)
        )
    bounded_file, bounded_schema = FILES["bounded"]
    unbounded_file, unbounded_schema = FILES["unbounded"]
    bounded = load_file(d / bounded_file, bounded_schema)  # type: ignore[arg-type]
    unbounded = load_file(d / unbounded_file, unbounded_schema)  # type: ignore[arg-type]
    assert isinstance(bounded, BoundedPriors) and isinstance(unbounded, UnboundedPriors)
    return Priors(bounded=bounded, unbounded=unbounded, source=str(d))
