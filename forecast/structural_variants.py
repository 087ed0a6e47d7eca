"""Structural variants: the modelling choices the data cannot settle, as declared in
``scenarios/structural.toml`` (each with its reason), read and validated, and applied to the
central model's inputs (data, priors, forward walk, the series an event is read on) or
readings (residual parameters, evidence, the series a composite's condition is read on);
:mod:`forecast.structural` fits and forecasts them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ForecastError
from .history_series import event_series, registry
from .io import bundled_dir, read_toml
from .observations import Observation
from .pipeline import Inputs, inputs
from .priors import BenchmarkOverride, Normal, Priors, UncertainCeiling
from .scenario import Scenario, from_raw, with_changes
from .schema import message

FILE_NAME = "structural.toml"


class Variant(BaseModel):
    """One structural variant; the fields it leaves out keep the central model's choice."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    title: Annotated[str, Field(min_length=5)]
    why: Annotated[str, Field(min_length=10)]
    data: list[str] | None = None
    drop_series: list[str] = []
    widen: Annotated[float, Field(gt=0, le=10)] = 1.0
    pooling: Literal["partial", "none"] | None = None
    walk: bool = True
    level_walk: Annotated[float, Field(ge=0, le=10)] = 1.0
    walk_common: Annotated[float, Field(ge=0, le=1)] | None = None
    acceleration: Normal | None = None
    ceilings: dict[str, UncertainCeiling] = {}  # bounded benchmark or series -> its ceiling
    residual: dict[str, dict[str, Any]] = {}
    evidence: dict[str, dict[str, Any]] = {}
    # built-in event, or benchmark of event-series.toml's [conditions] -> the series it is read on
    read_on: dict[str, str] = {}

    @model_validator(mode="after")
    def _not_the_reading(self) -> Variant:
        if "elasticity" in self.residual:
            raise ValueError(
                "residual.elasticity is what the two readings differ in; a variant may change "
                "any other residual parameter"
            )
        return self

    def scenario(self, sc: Scenario | None, where: str) -> Scenario | None:
        """A reading with this variant's residual parameters, evidence fields and composite
        conditions read on other series (None stays None)."""
        conds = {k: s for k, s in self.read_on.items() if k in event_series().conditions}
        if sc is None or not (self.residual or self.evidence or conds):
            return sc
        try:
            if self.residual or self.evidence:
                sc = with_changes(sc, where, self.residual, self.evidence)
            return conditions_on(sc, conds, where) if conds else sc
        except ForecastError as e:
            raise ForecastError(f"variant {self.id!r}: {e.message}", where) from None


class VariantFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    variant: Annotated[list[Variant], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique(self) -> VariantFile:
        ids = [v.id for v in self.variant]
        dup = sorted({i for i in ids if ids.count(i) > 1} | ({"central"} & set(ids)))
        if dup:
            raise ValueError(f"variant ids must be unique and not 'central': {', '.join(dup)}")
        return self


def default_file() -> Path:
    """The shipped ``scenarios/structural.toml``."""
    return bundled_dir("scenarios", FILE_NAME) / FILE_NAME


def load_variants(path: str | Path | None = None) -> list[Variant]:
    """The variants of a file (default: the shipped ``scenarios/structural.toml``)."""
    p = Path(path) if path else default_file()
    raw = read_toml(p, "structural-variants TOML file")
    try:
        return VariantFile.model_validate(raw).variant
    except ValidationError as e:
        raise ForecastError(message(e, VariantFile), str(p)) from None


def conditions_on(sc: Scenario, series: dict[str, str], where: str) -> Scenario:
    """``sc`` with each composite condition on a benchmark of ``series`` (benchmark id ->
    series id) read on that series instead: ``metr-horizon >= 167h`` becomes
    ``metr-horizon-1.1-p80 >= 167h``. The residual model's own horizon
    (``residual.horizon_benchmark``) is left as it is."""
    raw = sc.spec.model_dump(exclude_none=True)
    for ev in raw["events"]:
        out = []
        for text in ev["all_of"]:
            lhs, op, rhs = text.partition(">=")
            out.append(f"{series[lhs.strip()]} >={rhs}" if op and lhs.strip() in series else text)
        ev["all_of"] = out
    return from_raw(raw, sc.path, where)


def check_read_on(rows: list[Observation], v: Variant, where: str) -> None:
    """Refuse a ``read_on`` key that is neither a built-in event nor a benchmark of
    event-series.toml's ``[conditions]``, and a series not in ``rows`` or of another
    dimension (duration, share, multiplier) than the key's benchmark."""
    emap = event_series()
    dims = {n: r.dimension for r in rows if r.kind == "ai" for n in (r.benchmark, r.series)}
    series = {r.series for r in rows if r.kind == "ai"}
    for key, s in v.read_on.items():
        if key in emap.events:
            bench = registry()[emap.events[key].series[0]].benchmark
        elif key in emap.conditions:
            bench = key
        else:
            raise ForecastError(
                f"variant {v.id!r}: read_on names {key!r}, which is not a built-in event or "
                f"a benchmark of event-series.toml's [conditions]; known: "
                f"{', '.join(sorted({*emap.events, *emap.conditions}))}",
                where,
            )
        if s not in series:
            raise ForecastError(
                f"variant {v.id!r}: read_on.{key} names {s!r}, which is not a series of the "
                f"data; known: {', '.join(sorted(series))}",
                where,
            )
        if bench in dims and dims[s] != dims[bench]:
            raise ForecastError(
                f"variant {v.id!r}: read_on.{key} names {s!r}, a {dims[s]}; {bench!r} is a "
                f"{dims[bench]}",
                where,
            )


def variant_priors(pr: Priors, v: Variant) -> Priors:
    """The central priors with the variant's prior and walk changes."""
    from .check import widen

    if v.widen != 1:
        pr = widen(pr, v.widen)
    if v.pooling:
        pr = pr.with_pooling(v.pooling)
    if v.acceleration is not None:
        pr = pr.model_copy(
            update={"unbounded": pr.unbounded.model_copy(update={"acceleration": v.acceleration})}
        )
    if v.ceilings:
        over = dict(pr.bounded.benchmarks)
        for name, c in v.ceilings.items():
            o = over.get(name, BenchmarkOverride())
            over[name] = o.model_copy(update={"ceiling": c, "why_ceiling": v.why})
        pr = pr.model_copy(update={"bounded": pr.bounded.model_copy(update={"benchmarks": over})})
    if not v.walk or v.level_walk != 1 or v.walk_common is not None:
        fams = {}
        for fam in ("bounded", "unbounded"):
            f = getattr(pr, fam)
            rd = f.rate_drift
            if rd is not None:
                common = rd.common_share if v.walk_common is None else v.walk_common
                rd = rd.model_copy(
                    update={"in_forecasts": rd.in_forecasts and v.walk}
                    | {"level_sigma": rd.level_sigma * v.level_walk, "common_share": common}
                )
                f = f.model_copy(update={"rate_drift": rd})
            fams[fam] = f
        pr = pr.model_copy(update=fams)
    return pr


def variant_inputs(base: Inputs, v: Variant, where: str) -> Inputs:
    """The central inputs with the variant's data and prior changes, and the series its
    built-in events are read on."""
    rows = base.rows
    if v.data is not None:
        rows = inputs(
            v.data, no_bundled=True, priors_dir=base.priors.source, settings=base.settings,
            as_of=base.as_of,
        ).rows  # fmt: skip
    known = {r.series for r in rows}
    for s in v.drop_series:
        if s not in known:
            raise ForecastError(
                f"variant {v.id!r}: drop_series names {s!r}, which is not in the data; known: "
                f"{', '.join(sorted(known))}",
                where,
            )
    rows = [r for r in rows if r.series not in set(v.drop_series)]
    bounded = {n for r in rows if r.bounded for n in (r.series, r.benchmark)}
    for name in v.ceilings:
        if name not in bounded:
            raise ForecastError(
                f"variant {v.id!r}: ceilings names {name!r}, which is not a bounded benchmark "
                f"or series of the data; known: {', '.join(sorted(bounded))}",
                where,
            )
    if not any(r.kind == "ai" for r in rows):
        raise ForecastError(f"variant {v.id!r} leaves no AI observation", where)
    check_read_on(rows, v, where)
    # the data unchanged by read_on: the fit is the central one (same cache key)
    events = {k: s for k, s in v.read_on.items() if k in event_series().events}
    return replace(
        base, rows=rows, priors=variant_priors(base.priors, v), read_on={**base.read_on, **events}
    )
