"""Scenario files: a reading of the research residual, its parameters, the horizon and
composite events, in TOML, validated against a schema with units.

Every residual parameter is a table with either ``value`` (fixed) or ``dist`` and its
parameters, an optional ``unit`` (converted to the parameter's canonical unit; a unit of
the wrong kind is an error) and a ``why`` naming the evidence behind it. Unknown keys,
wrong types, wrong units and out-of-range values are errors naming the file and key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import distributions, schema
from .errors import ForecastError
from .io import bundled_dir, read_toml

Why = Annotated[str, Field(min_length=10)]

# unit name -> (dimension, factor to the dimension's base: years for "time", fraction for "share")
UNIT_TABLE: dict[str, tuple[str, float]] = {
    "years": ("time", 1.0),
    "year": ("time", 1.0),
    "months": ("time", 1 / 12),
    "month": ("time", 1 / 12),
    "weeks": ("time", 7 / 365.25),
    "days": ("time", 1 / 365.25),
    "hours": ("time", 1 / 8766),
    "minutes": ("time", 1 / 525960),
    "seconds": ("time", 1 / 31557600),
    "fraction": ("share", 1.0),
    "percent": ("share", 0.01),
    "x": ("multiplier", 1.0),
    "multiplier": ("multiplier", 1.0),
    "per year": ("rate", 1.0),
    "/year": ("rate", 1.0),
    "1": ("dimensionless", 1.0),
    "dimensionless": ("dimensionless", 1.0),
}


@dataclass(frozen=True)
class ParamSpec:
    """What a residual parameter means, its dimension, canonical unit and allowed range."""

    dimension: str
    canonical: str
    low: float
    high: float
    meaning: str


# canonical units: time in years except the two horizons (minutes, to compare with METR)
PARAMS: dict[str, ParamSpec] = {
    "elasticity": ParamSpec(
        "dimensionless",
        "1",
        0.0,
        2.0,
        "elasticity of notable discoveries to the volume of attempts",
    ),
    "research_share": ParamSpec(
        "share",
        "fraction",
        1e-4,
        0.9999,
        "share of R&D effort that is research (choosing what to try)",
    ),
    "elasticity_ramp": ParamSpec(
        "time",
        "years",
        0.0,
        20.0,
        "time over which the elasticity rises from 0 at the start date to its value "
        "(0: from the start)",
    ),
    "research_growth": ParamSpec(
        "rate",
        "per year",
        0.0,
        5.0,
        "growth of AI research throughput with capability alone, apart from the volume of "
        "attempts (ln units per year; 0.14 = doubling every 5 years)",
    ),
    "compute_doubling": ParamSpec(
        "time", "years", 0.05, 20.0, "doubling time of compute available for research attempts"
    ),
    "attempts_per_year": ParamSpec(
        "rate", "per year", 1e-3, 1e12, "AI research attempts per year at the start date"
    ),
    "human_discoveries_per_year": ParamSpec(
        "rate",
        "per year",
        1e-6,
        1e9,
        "notable discoveries per year of the human research effort the AI is compared with",
    ),
    "automated_speed": ParamSpec(
        "multiplier",
        "x",
        1.0,
        1e6,
        "speed of AI on engineering work it can do, relative to a human",
    ),
    "automation_start": ParamSpec(
        "time",
        "minutes",
        1e-3,
        1e9,
        "METR horizon at which the automatable share of engineering is 0",
    ),
    "automation_full": ParamSpec(
        "time", "minutes", 1e-3, 1e9, "METR horizon at which all engineering work is automatable"
    ),
    "multiplier_cap": ParamSpec(
        "multiplier", "x", 1.0, 1e9, "upper bound on the overall R&D speed multiplier"
    ),
    "feedback": ParamSpec(
        "dimensionless",
        "1",
        0.0,
        2.0,
        "strength with which the R&D multiplier speeds up engineering growth",
    ),
}
TO_MINUTES = 525960.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Param(_Strict):
    """A fixed value or a distribution; numbers are in ``unit`` (default: canonical)."""

    value: float | None = None
    dist: Literal["uniform", "loguniform", "lognormal", "normal", "beta"] | None = None
    low: float | None = None
    high: float | None = None
    median: float | None = None
    sigma: Annotated[float, Field(gt=0)] | None = None
    mu: float | None = None
    alpha: Annotated[float, Field(gt=0)] | None = None
    beta: Annotated[float, Field(gt=0)] | None = None
    unit: str | None = None
    why: Why

    @model_validator(mode="after")
    def _shape(self):
        distributions.check(self.dist, {k: getattr(self, k) for k in distributions.ALL_NUMBERS})
        return self

    def numbers(self) -> dict[str, float]:
        """The numbers the distribution takes (:data:`forecast.distributions.NUMBERS`)."""
        return {k: float(getattr(self, k)) for k in distributions.NUMBERS[self.dist]}


OPTIONAL_DEFAULTS = {  # the optional residual parameters when a file leaves them out
    "research_growth": Param(
        value=0.0, why="Not given: research throughput grows only with the volume of attempts."
    ),
    "elasticity_ramp": Param(
        value=0.0, why="Not given: the elasticity applies from the start date."
    ),
}


class Residual(_Strict):
    elasticity: Param
    research_share: Param
    compute_doubling: Param
    attempts_per_year: Param
    human_discoveries_per_year: Param
    automated_speed: Param
    automation_start: Param
    automation_full: Param
    multiplier_cap: Param
    feedback: Param
    research_growth: Param | None = None  # absent: 0 (OPTIONAL_DEFAULTS)
    elasticity_ramp: Param | None = None  # absent: 0, the elasticity applies from the start
    horizon_benchmark: str = "metr-horizon"
    engineering_benchmark_for_feedback: list[str] | None = None


class Erdos(_Strict):
    attempts: Annotated[int, Field(gt=0)]
    notable: Annotated[int, Field(ge=0)]
    why: Why

    @model_validator(mode="after")
    def _counts(self):
        if self.notable > self.attempts:
            raise ValueError(f"notable {self.notable} exceeds attempts {self.attempts}")
        return self


class AlignmentResearchers(_Strict):
    ai_score: Annotated[float, Field(gt=0)]
    human_score: Annotated[float, Field(gt=0)]
    weight: Annotated[float, Field(ge=0, le=1)]
    sd_at_full_weight: Annotated[float, Field(gt=0)]
    why: Why


class Evidence(_Strict):
    erdos: Erdos
    alignment_researchers: AlignmentResearchers


class Event(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    title: str
    all_of: Annotated[list[str], Field(min_length=1)]
    why: Why


class File(_Strict):
    title: str
    reading: str
    description: str
    horizon: str
    start: str
    residual: Residual
    evidence: Evidence
    events: list[Event] = []


@dataclass(frozen=True)
class Scenario:
    path: str
    spec: File
    params: dict[str, Param]  # converted to canonical units
    digest: str

    @property
    def name(self) -> str:
        return Path(self.path).stem


def _convert(name: str, p: Param, where: str) -> Param:
    spec = PARAMS[name]
    if p.unit is None:
        return p
    if p.unit not in UNIT_TABLE:
        raise ForecastError(
            f"key 'residual.{name}.unit': unknown unit {p.unit!r}; expected a "
            f"{spec.dimension} unit such as {spec.canonical!r}",
            where,
        )
    dim, factor = UNIT_TABLE[p.unit]
    if dim != spec.dimension:
        raise ForecastError(
            f"key 'residual.{name}.unit': {p.unit!r} is a {dim} unit; "
            f"{name} ({spec.meaning}) is a {spec.dimension} in {spec.canonical!r}",
            where,
        )
    base = UNIT_TABLE[spec.canonical][1] if spec.canonical in UNIT_TABLE else 1.0
    f = factor / base
    upd = {k: getattr(p, k) * f for k in distributions.IN_UNIT[p.dist]}
    return p.model_copy(update={**upd, "unit": spec.canonical})


def _check_range(name: str, p: Param, where: str) -> None:
    spec = PARAMS[name]
    bounds = [
        getattr(p, k) for k in ("value", "low", "high", "median") if getattr(p, k) is not None
    ]
    if p.dist in ("normal", "beta"):
        if p.dist == "beta" and not (spec.low >= 0 and spec.high <= 1):
            raise ForecastError(f"key 'residual.{name}.dist': beta is for shares in 0-1", where)
        return  # normal is truncated to the allowed range when drawn
    for b in bounds:
        if not spec.low <= b <= spec.high:
            raise ForecastError(
                f"key 'residual.{name}': {b:g} {spec.canonical} is out of range; expected "
                f"{spec.low:g}-{spec.high:g} {spec.canonical} ({spec.meaning})",
                where,
            )


def load(path: str | Path) -> Scenario:
    """The scenario of a file, with the base it ``extends`` (if any) filled in."""
    path = Path(path)
    raw, bases = _extended(path, ())
    where = str(path) + (f" (extending {' -> '.join(map(str, bases))})" if bases else "")
    try:
        return from_raw(raw, path, where)
    except ForecastError as e:
        if "reading" in raw:
            raise
        raise ForecastError(
            f"{e.message}; a file without `reading`, like the shipped base.toml, is only a "
            "base that scenario files `extends`",
            where,
        ) from None


# the tables whose entries a scenario file replaces one by one in the base it extends
_MERGED_TABLES = ("residual", "evidence")


def _extended(path: Path, seen: tuple[Path, ...]) -> tuple[dict, list[Path]]:
    """The tables of ``path`` over those of the file it ``extends`` (recursively), and the
    chain of base files. A top-level key, a residual parameter, an evidence table and the
    ``events`` list given in a file replace the base's whole."""
    raw = read_toml(path, "scenario TOML file")
    name = raw.pop("extends", None)
    if name is None:
        return raw, []
    if not isinstance(name, str) or not name:
        raise ForecastError(
            "key 'extends': expected the base scenario's file (relative to this file) or a "
            'shipped name such as "base"',
            str(path),
        )
    try:
        base_path = resolve_near(path, name)
    except ForecastError:  # neither a file next to this one nor a shipped name
        base_path = path.parent / name
    if not base_path.is_file():
        raise ForecastError(
            f"key 'extends': no scenario file {name!r} next to this file or shipped", str(path)
        )
    if base_path.resolve() in seen or base_path.resolve() == path.resolve():
        raise ForecastError(f"key 'extends': {name!r} extends this file again (a cycle)", str(path))
    base, chain = _extended(base_path, (*seen, path.resolve()))
    merged = {**base, **{k: v for k, v in raw.items() if k not in _MERGED_TABLES}}
    for table in _MERGED_TABLES:
        if table in base or table in raw:
            merged[table] = {**base.get(table, {}), **raw.get(table, {})}
    return merged, [base_path, *chain]


def from_raw(raw: dict, path: str | Path, where: str) -> Scenario:
    """A scenario from the tables of a scenario file (``where`` names it in errors)."""
    try:
        spec = File.model_validate(raw)
    except ValidationError as e:
        raise ForecastError(schema.message(e, File), where) from None
    params = {}
    for name in PARAMS:
        p = _convert(name, getattr(spec.residual, name) or OPTIONAL_DEFAULTS[name], where)
        _check_range(name, p, where)
        params[name] = p
    start, full = params["automation_start"].value, params["automation_full"].value
    if start is not None and full is not None and not start < full:
        raise ForecastError("key 'residual.automation_full': must exceed automation_start", where)
    ids = [e.id for e in spec.events]
    if len(set(ids)) != len(ids):
        raise ForecastError("key 'events': an event id appears twice", where)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Scenario(str(path), spec, params, digest)


def with_changes(
    sc: Scenario, where: str, residual: dict[str, dict] | None = None,
    evidence: dict[str, dict] | None = None,
) -> Scenario:  # fmt: skip
    """``sc`` with residual parameters replaced by ``residual`` (parameter -> a table as in
    a scenario file: value or dist, optional unit, why) and fields of its evidence tables by
    ``evidence`` ({"alignment_researchers": {"weight": 1.0}}); the result is validated as a
    scenario file is, errors naming ``where``."""
    residual, evidence = residual or {}, evidence or {}
    unknown = sorted(set(residual) - set(PARAMS))
    if unknown:
        raise ForecastError(
            f"unknown residual parameter(s) {', '.join(map(repr, unknown))}; known: "
            f"{', '.join(PARAMS)}",
            where,
        )
    raw = sc.spec.model_dump(exclude_none=True)
    raw["residual"].update(residual)
    for table, fields in evidence.items():
        if table not in raw["evidence"]:
            raise ForecastError(
                f"unknown evidence table {table!r}; known: {', '.join(raw['evidence'])}", where
            )
        raw["evidence"][table].update(fields)
    return from_raw(raw, sc.path, where)


def default_dir() -> Path:
    """``scenarios/`` in a source checkout, or the copy bundled in an installed wheel."""
    return bundled_dir("scenarios", "")


def _shipped_files() -> list[tuple[Path, dict]]:
    """Each TOML file of ``scenarios/`` with its tables, in name order."""
    return [(f, read_toml(f, "scenario file")) for f in sorted(default_dir().glob("*.toml"))]


def shipped_readings() -> set[str]:
    """The readings of the research residual the shipped scenario files declare."""
    return {r for _, raw in _shipped_files() if isinstance(r := raw.get("reading"), str)}


def resolve_near(from_file: Path, name: str) -> Path:
    """A scenario named in another file: a path relative to that file, or a shipped
    scenario's name (``compressed-perspiration``), as ``--scenario`` accepts."""
    p = Path(name)
    near = p if p.is_absolute() else from_file.parent / p
    if not near.exists() and p.suffix == ".toml" and p.stem in shipped_scenarios():
        raise ForecastError(
            f"{near}: file not found (a path is read relative to this file); the shipped "
            f"scenario is named {p.stem!r}, without .toml",
            str(from_file),
        )
    if near.exists() or p.suffix == ".toml" or "/" in name:
        return near
    return resolve(name)


def shipped_scenarios() -> list[str]:
    """The shipped scenarios' names (files with a reading or a base they extend)."""
    return [f.stem for f, raw in _shipped_files() if "reading" in raw or "extends" in raw]


def resolve(name: str) -> Path:
    """A scenario path, or the name of a shipped scenario (``inspiration-binding``); a bare
    name that is neither is refused with the nearest shipped names."""
    import difflib

    p = Path(name)
    if p.exists() or p.suffix == ".toml" or "/" in name:
        return p
    cand = default_dir() / f"{name}.toml"
    if not cand.exists():
        shipped = shipped_scenarios()
        near = difflib.get_close_matches(name, shipped, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise ForecastError(
            f"no such file and no shipped scenario of that name; {hint}shipped: "
            f"{', '.join(shipped)} (or give the path of a scenario .toml file)",
            name,
        )
    try:
        return cand.relative_to(Path.cwd())
    except ValueError:
        return cand
