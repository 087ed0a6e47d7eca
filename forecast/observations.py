"""The observation table: one published data point per row, with its source.

The CSV schema (``forecast data --schema``) is described in :mod:`forecast.observation_rows`,
which validates one row; this module reads whole tables, checks them as a whole and combines
the bundled data (the history table's frontier records) with ``--data`` files and other
bundled selections (``history``, ``frontier:SERIES``, ``seed``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from statistics import NormalDist

from .curves import transform
from .errors import ForecastError
from .io import env_limit, read_input_file
from .observation_rows import KINDS, parse_row
from .units import CANONICAL

# What one published figure says (after its benchmark), and the optional details of a
# public-series row (after its series): grouped so the history table can order the same
# columns its own way (history_build.HISTORY_COLUMNS).
FIGURE_COLUMNS = (
    "date",
    "system",
    "value",
    "low",
    "high",
    "unit",
    "kind",
    "approximate",
    "variant",
)
DETAIL_COLUMNS = ("tasks", "ci_low", "ci_high", "ci_level", "se", "frontier", "seed_row")
BASIC = ("benchmark", *FIGURE_COLUMNS, "source", "note")
OPTIONAL = ("series", *DETAIL_COLUMNS)
COLUMNS = BASIC + OPTIONAL
REQUIRED = ("benchmark", "date", "system", "value", "unit", "kind", "source")
NAN = math.nan


@dataclass(frozen=True)
class Observation:
    """One published figure. ``value``/``low``/``high`` are in the canonical unit.

    ``time`` is the publication date as a decimal year (mid-period) and ``time_sd``
    its uncertainty in years (period width / sqrt 12); both NaN for a human baseline.
    A share published at exactly 0 or 1 has ``censored`` "zero" or "full", ``value`` NaN and
    ``low``/``high`` its censoring interval (fractions). ``ci_low``/``ci_high`` (canonical
    unit, coverage ``ci_level``) or ``se`` (canonical unit) are a published uncertainty of
    ``value``; NaN when none. ``series`` defaults to ``benchmark``; ``tasks`` 0 = not given.
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
    series: str = ""
    tasks: int = 0
    ci_low: float = NAN
    ci_high: float = NAN
    ci_level: float = NAN
    se: float = NAN
    censored: str = ""  # "" | "zero" | "full"
    frontier: bool = False
    seed_row: str = ""  # "observations.csv:LINE" of the seed figure this row reports

    def __post_init__(self) -> None:
        if not self.series:
            object.__setattr__(self, "series", self.benchmark)

    @property
    def is_range(self) -> bool:
        return math.isnan(self.value)

    @property
    def bounded(self) -> bool:
        return self.dimension == "share"

    @property
    def period_end(self) -> float:
        """End of the publication period, decimal year (``time`` its middle, width sqrt 12 sd)."""
        return self.time + self.time_sd * 3**0.5

    @property
    def midpoint(self) -> float:
        return self.value if not self.is_range else (self.low + self.high) / 2

    @property
    def figure(self) -> float:
        """The published figure: the value, 0 or 1 when censored, a range's midpoint."""
        if self.censored:
            return 0.0 if self.censored == "zero" else 1.0
        return self.midpoint

    @property
    def known_sd(self) -> float:
        """The published uncertainty as a standard deviation on the model's scale (logit for
        shares, log otherwise), from ``ci_*`` or ``se``, combined with the extra sd of a
        figure beyond its series' reliable range (``history_series.beyond_reliable_sd``);
        NaN when there is neither."""
        from .history_series import beyond_reliable_sd

        sd = self._published_sd()
        unbounded_ai = not self.bounded and self.kind == "ai"
        extra = beyond_reliable_sd(self.series, self.value) if unbounded_ai else 0.0
        if extra == 0:
            return sd
        return math.hypot(0.0 if math.isnan(sd) else sd, extra)

    def _published_sd(self) -> float:
        if self.is_range:
            return NAN

        def tf(x: float) -> float:
            return float(transform(x, self.bounded))

        if not math.isnan(self.ci_low):
            z = NormalDist().inv_cdf((1 + self.ci_level) / 2)
            a, b, m = tf(self.ci_low), tf(self.ci_high), tf(self.value)
            if math.isfinite(a) and math.isfinite(b):
                return (b - a) / (2 * z)
            if math.isfinite(b) or math.isfinite(a):
                return (b - m) / z if math.isfinite(b) else (m - a) / z
            return NAN
        if not math.isnan(self.se):
            v = self.value
            return self.se / (v * (1 - v)) if self.bounded else self.se / v
        return NAN


MAX_ROWS_ENV = "FORECAST_MAX_ROWS"
DEFAULT_MAX_ROWS = 20_000


def max_rows() -> int:
    """The most observation rows one table may hold (``FORECAST_MAX_ROWS``, default 20,000)."""
    return env_limit(MAX_ROWS_ENV, DEFAULT_MAX_ROWS, int, "a whole number of rows")


def parse_table(text: str, name: str, today: date | None = None) -> list[Observation]:
    """Parse and validate an observation table given as CSV text; ``name`` labels errors."""
    today = today or date.today()
    limit = max_rows()
    if not text.strip():
        raise ForecastError("the file is empty; expected a CSV header and at least one row", name)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ForecastError(
            f"missing column(s) {', '.join(missing)}; expected header {','.join(BASIC)} "
            f"(optional: {','.join(OPTIONAL)})",
            name,
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
                f"{len(header) + len(raw[None])} fields; expected {len(header)}",
                where,
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
        rows.append(Observation(**parse_row(raw, COLUMNS, where, today), origin=where))
        if len(rows) > limit:
            raise ForecastError(
                f"more than {limit:,} observation rows (the bundled history holds about 550); a "
                "fit's time and memory grow with the rows (100,000 rows: ~2 minutes, ~1 GB). "
                f"Set {MAX_ROWS_ENV} to a larger number to fit it anyway",
                name,
            )
    if not rows:
        raise ForecastError("no data rows; expected at least one observation", name)
    return rows


def read_table(path: str | Path, today: date | None = None) -> list[Observation]:
    """Read and validate an observation CSV file."""
    path = Path(path)
    text = read_input_file(path, "CSV file in the observation schema")
    return parse_table(text, str(path), today)


BUNDLED_NAME = "observations.csv"


def bundled_text() -> str:
    return resources.files("forecast").joinpath("data", BUNDLED_NAME).read_text("utf-8")


def bundled() -> list[Observation]:
    """The seed figures shipped with the package (from the published evidence)."""
    return parse_table(bundled_text(), f"<bundled>/{BUNDLED_NAME}")


def seed_ref(r: Observation) -> str:
    """``observations.csv:LINE`` of a seed row (its key in a history row's ``seed_row``)."""
    return r.origin.removeprefix("<bundled>/")


def check_table(rows: list[Observation]) -> list[Observation]:
    """Table-wide checks: duplicates, one unit dimension per benchmark, one baseline per benchmark."""
    seen: dict[tuple, str] = {}
    dims: dict[str, tuple[str, str]] = {}
    for r in rows:
        key = (r.series, r.date, r.system, r.variant, r.kind)
        if key in seen:
            raise ForecastError(
                f"duplicate of {seen[key]} (same series, date, system, variant and kind)",
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
    user_files: list[str | Path] | tuple = (),
    include_bundled: bool = True,
    today: date | None = None,
) -> list[Observation]:
    """The table a run uses: the bundled data (unless excluded: the frontier records of every
    bundled series, seed figures included) plus each ``--data`` entry's rows, a file or a
    bundled table (``history[:SERIES,...]``, ``frontier[:SERIES,...]``, ``seed``).

    Bundled tables are merged row by row (a row in two selections is kept once), and a seed
    figure named by a history row's ``seed_row`` is dropped: that result is kept once.
    """
    from .history import DEFAULT_TABLE, is_table_name, table_rows

    names = [DEFAULT_TABLE] if include_bundled else []
    names += [str(f) for f in user_files if is_table_name(f)]
    tables: dict[str, Observation] = {}
    for name in names:
        for r in table_rows(name):
            tables.setdefault(r.origin, r)
    files: list[Observation] = []
    for f in user_files:
        if not is_table_name(f):
            files += read_table(f, today)
    if not tables and not files:
        raise ForecastError("no observations: --no-bundled was given without any --data file")
    from .series_choice import default_series

    rows = list(tables.values())
    files = default_series(files, {r.series for r in rows})
    reported = {r.seed_row for r in rows + files if r.seed_row}
    return check_table([r for r in rows if seed_ref(r) not in reported] + files)


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


def without_origin(r: Observation) -> Observation:
    return replace(r, origin="")


__all__ = [
    "CANONICAL",
    "COLUMNS",
    "DETAIL_COLUMNS",
    "FIGURE_COLUMNS",
    "KINDS",
    "Observation",
    "ai_rows",
    "assemble",
    "baselines",
    "bundled",
    "check_table",
    "parse_table",
    "read_table",
]
