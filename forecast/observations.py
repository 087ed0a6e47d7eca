"""The observation table: one published data point per row, with its source.

Schema (CSV, UTF-8, header required, columns in any order)::

    benchmark    id of the benchmark or metric, e.g. ``posttrainbench``
    date         YYYY, YYYY-MM, YYYY-MM-DD or an interval START/END (empty for a human baseline)
    system       the AI system (or the human group for a baseline)
    value        the published figure, in ``unit``; empty when a range is given
    low, high    a published range, in ``unit``; empty when ``value`` is given
    unit         fraction | percent | seconds | minutes | hours | multiplier
    kind         ai | human_baseline
    approximate  true when the source says "about" (~); widens the observation noise
    variant      empty, or the name of one of several numbers a source gives for one result
    source       where the figure was published
    note         free text

Values are converted to a canonical unit per dimension (see :mod:`forecast.units`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import xarray as xr

from .dates import parse_period, to_year
from .errors import ForecastError
from .units import CANONICAL, unit

COLUMNS = (
    "benchmark",
    "date",
    "system",
    "value",
    "low",
    "high",
    "unit",
    "kind",
    "approximate",
    "variant",
    "source",
    "note",
)
REQUIRED = ("benchmark", "date", "system", "value", "low", "high", "unit", "kind", "source")
KINDS = ("ai", "human_baseline")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Observation:
    """One published figure. ``value``/``low``/``high`` are in the canonical unit.

    ``time`` is the publication date as a decimal year (mid-period) and ``time_sd``
    its uncertainty in years (period width / sqrt 12); both NaN for a human baseline.
    """

    benchmark: str
    date: str
    time: float
    time_sd: float
    system: str
    value: float
    low: float
    high: float
    unit: str
    dimension: str
    kind: str
    approximate: bool
    variant: str
    source: str
    note: str
    origin: str  # "file:row", for error messages and provenance

    @property
    def is_range(self) -> bool:
        return math.isnan(self.value)

    @property
    def bounded(self) -> bool:
        return self.dimension == "share"

    @property
    def midpoint(self) -> float:
        return self.value if not self.is_range else (self.low + self.high) / 2


def _number(text: str, col: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise ForecastError(f"column {col!r} holds {text!r}; expected a number", where) from None
    if not math.isfinite(x):
        raise ForecastError(f"column {col!r} holds {text!r}; expected a finite number", where)
    return x


def _bool(text: str, col: str, where: str) -> bool:
    t = text.strip().lower()
    if t in ("", "false", "no", "0"):
        return False
    if t in ("true", "yes", "1"):
        return True
    raise ForecastError(f"column {col!r} holds {text!r}; expected true or false", where)


def _check_in_range(x: float, dim: str, unit_name: str, exact: bool, col: str, where: str) -> None:
    if dim == "share":
        if not 0 <= x <= 1:
            raise ForecastError(
                f"column {col!r} is {x / unit(unit_name).to_canonical:g} {unit_name}, outside the "
                f"benchmark's range; expected 0-100 percent (0-1 as a fraction)",
                where,
            )
        if exact and not 0 < x < 1:
            raise ForecastError(
                f"column {col!r} is exactly at a bound of the benchmark ({x:g} as a fraction); the "
                "logit-scale model needs 0 < value < 100 %; give a range (low, high) instead",
                where,
            )
    elif not x > 0:
        raise ForecastError(f"column {col!r} is {x:g}; a {unit_name} value must be positive", where)


def _parse_row(raw: dict[str, str], where: str, today: date) -> Observation:
    get = lambda c: (raw.get(c) or "").strip()  # noqa: E731
    bench = get("benchmark")
    if not bench:
        raise ForecastError("column 'benchmark' is empty; expected a benchmark id", where)
    for c in COLUMNS:
        if _CONTROL.search(raw.get(c) or ""):
            raise ForecastError(f"column {c!r} contains a control character", where)
    kind = get("kind")
    if kind not in KINDS:
        raise ForecastError(
            f"column 'kind' holds {kind!r}; expected one of {', '.join(KINDS)}", where
        )
    u = unit(get("unit") or "<empty>", where + ", column 'unit'")
    dim = u.dimension

    if get("date"):
        t, t_sd = parse_period(get("date"), where + ", column 'date'")
        if t - math.sqrt(3) * t_sd > to_year(today):
            raise ForecastError(
                f"column 'date' holds {get('date')!r}, which is in the future", where
            )
    elif kind == "ai":
        raise ForecastError(
            "column 'date' is empty; an AI result needs its publication date", where
        )
    else:
        t, t_sd = math.nan, math.nan

    v, lo, hi = get("value"), get("low"), get("high")
    if v and (lo or hi):
        raise ForecastError(
            "both 'value' and 'low'/'high' are given; expected one or the other", where
        )
    if v:
        value = _number(v, "value", where) * u.to_canonical
        low = high = math.nan
        _check_in_range(value, dim, u.name, True, "value", where)
    elif lo and hi:
        if kind == "human_baseline":
            raise ForecastError("a human baseline needs a single 'value', not a range", where)
        low = _number(lo, "low", where) * u.to_canonical
        high = _number(hi, "high", where) * u.to_canonical
        value = math.nan
        _check_in_range(low, dim, u.name, False, "low", where)
        _check_in_range(high, dim, u.name, False, "high", where)
        if not low < high:
            raise ForecastError(f"range low {lo} is not below high {hi}", where)
    else:
        raise ForecastError("no figure: expected 'value', or both 'low' and 'high'", where)

    return Observation(
        benchmark=bench,
        date=get("date"),
        time=t,
        time_sd=float(t_sd),
        system=get("system"),
        value=value,
        low=low,
        high=high,
        unit=u.name,
        dimension=dim,
        kind=kind,
        approximate=_bool(get("approximate"), "approximate", where),
        variant=get("variant"),
        source=get("source"),
        note=get("note"),
        origin=where,
    )


def parse_table(text: str, name: str, today: date | None = None) -> list[Observation]:
    """Parse and validate an observation table given as CSV text; ``name`` labels errors."""
    today = today or date.today()
    if not text.strip():
        raise ForecastError("the file is empty; expected a CSV header and at least one row", name)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ForecastError(
            f"missing column(s) {', '.join(missing)}; expected header {','.join(COLUMNS)}", name
        )
    extra = [h for h in header if h not in COLUMNS]
    if extra:
        raise ForecastError(
            f"unknown column(s) {', '.join(map(repr, extra))}; expected only {','.join(COLUMNS)}",
            name,
        )
    if len(set(header)) != len(header):
        raise ForecastError("a column name appears twice in the header", name)
    reader.fieldnames = header
    rows: list[Observation] = []
    records = iter(reader)
    while True:
        try:
            raw = next(records)
        except StopIteration:
            break
        except csv.Error as e:
            raise ForecastError(
                f"not a readable CSV row ({e})", f"{name}:{reader.line_num + 1}"
            ) from None
        where = f"{name}:{reader.line_num}"  # the line, counting the header as 1
        if None in raw:
            raise ForecastError(
                f"{len(header) + len(raw[None])} fields; expected {len(header)}", where
            )
        if all(not (v or "").strip() for v in raw.values()):
            continue
        short = [c for c in header if raw.get(c) is None]
        if short:
            raise ForecastError(
                f"{len(header) - len(short)} fields; expected {len(header)} "
                f"(missing {', '.join(short)})",
                where,
            )
        rows.append(_parse_row(raw, where, today))
    if not rows:
        raise ForecastError("no data rows; expected at least one observation", name)
    return rows


def read_table(path: str | Path, today: date | None = None) -> list[Observation]:
    """Read and validate an observation CSV file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ForecastError("file not found", str(path)) from None
    except (IsADirectoryError, PermissionError) as e:
        raise ForecastError(f"cannot read the file ({e.strerror})", str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ForecastError(
            f"not UTF-8 text (byte {e.start}); expected a UTF-8 CSV file — re-export it as UTF-8",
            str(path),
        ) from None
    return parse_table(text, str(path), today)


BUNDLED_NAME = "observations.csv"


def bundled_text() -> str:
    return resources.files("forecast").joinpath("data", BUNDLED_NAME).read_text("utf-8")


def bundled() -> list[Observation]:
    """The observation table shipped with the package (figures from the published evidence)."""
    return parse_table(bundled_text(), f"<bundled>/{BUNDLED_NAME}")


def check_table(rows: list[Observation]) -> list[Observation]:
    """Table-wide checks: duplicates, one unit dimension per benchmark, one baseline per benchmark."""
    seen: dict[tuple, str] = {}
    dims: dict[str, tuple[str, str]] = {}
    for r in rows:
        key = (r.benchmark, r.date, r.system, r.variant, r.kind)
        if key in seen:
            raise ForecastError(
                f"duplicate of {seen[key]} (same benchmark, date, system, variant and kind)",
                r.origin,
            )
        seen[key] = r.origin
        if r.benchmark in dims and dims[r.benchmark][0] != r.dimension:
            d, o = dims[r.benchmark]
            raise ForecastError(
                f"benchmark {r.benchmark!r} is in unit {r.unit!r} ({r.dimension}) here but in a "
                f"{d} unit at {o}; expected one kind of unit per benchmark",
                r.origin,
            )
        dims.setdefault(r.benchmark, (r.dimension, r.origin))
    baselines: dict[str, str] = {}
    for r in rows:
        if r.kind == "human_baseline":
            if r.benchmark in baselines:
                raise ForecastError(
                    f"a second human baseline for {r.benchmark!r} (first at {baselines[r.benchmark]})",
                    r.origin,
                )
            baselines[r.benchmark] = r.origin
    return rows


def assemble(
    user_files: list[str | Path] = (), include_bundled: bool = True, today: date | None = None
) -> list[Observation]:
    """The table a run uses: the bundled rows (unless excluded) plus each user file's rows."""
    rows = bundled() if include_bundled else []
    for f in user_files:
        rows = rows + read_table(f, today)
    if not rows:
        raise ForecastError("no observations: --no-bundled was given without any --data file")
    return check_table(rows)


def select_variants(rows: list[Observation], choice: dict[str, str]) -> list[Observation]:
    """Keep rows without a variant, and for each benchmark only the chosen variant.

    A benchmark whose rows carry variants must have a choice (from the priors file or
    ``--variant BENCH=NAME``); an unknown choice is an error naming the offered variants.
    """
    offered: dict[str, set[str]] = {}
    for r in rows:
        if r.variant:
            offered.setdefault(r.benchmark, set()).add(r.variant)
    for b, names in offered.items():
        if b not in choice:
            raise ForecastError(
                f"benchmark {b!r} has rows for variants {', '.join(sorted(names))}; choose one "
                f"with --variant {b}=NAME or 'variant' in its priors file"
            )
        if choice[b] not in names:
            raise ForecastError(
                f"variant {choice[b]!r} chosen for {b!r}, but its rows offer {', '.join(sorted(names))}"
            )
    return [r for r in rows if not r.variant or choice.get(r.benchmark) == r.variant]


def ai_rows(rows: list[Observation]) -> list[Observation]:
    return [r for r in rows if r.kind == "ai"]


def baselines(rows: list[Observation]) -> dict[str, Observation]:
    return {r.benchmark: r for r in rows if r.kind == "human_baseline"}


def dimension_of(rows: list[Observation]) -> dict[str, str]:
    return {r.benchmark: r.dimension for r in rows}


def unit_of(rows: list[Observation]) -> dict[str, str]:
    """The published unit of each benchmark (its first row's), used for bare threshold values."""
    out: dict[str, str] = {}
    for r in rows:
        out.setdefault(r.benchmark, r.unit)
    return out


def table_hash(rows: list[Observation]) -> str:
    """A content hash of the rows a fit uses (order-independent, origin excluded)."""
    h = hashlib.sha256()
    for line in sorted(repr({k: v for k, v in asdict(r).items() if k != "origin"}) for r in rows):
        h.update(line.encode())
    return h.hexdigest()[:16]


def to_dataset(rows: list[Observation]) -> xr.Dataset:
    """The table as an xarray Dataset with dimension ``observation`` (canonical units)."""
    cols = {k: [getattr(r, k) for r in rows] for k in Observation.__dataclass_fields__}
    data = {}
    for k, v in cols.items():
        arr = np.asarray(v)
        if arr.dtype.kind in "U":
            arr = arr.astype(object)
        data[k] = ("observation", arr)
    return xr.Dataset(data, coords={"observation": np.arange(len(rows))})


def without_origin(r: Observation) -> Observation:
    return replace(r, origin="")


__all__ = [
    "CANONICAL",
    "COLUMNS",
    "Observation",
    "ai_rows",
    "assemble",
    "baselines",
    "bundled",
    "check_table",
    "parse_table",
    "read_table",
    "select_variants",
    "table_hash",
    "to_dataset",
]
