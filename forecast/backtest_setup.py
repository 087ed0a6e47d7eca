"""What a rolling-origin backtest is made of: the series read from a file, the cutoffs, the
threshold events scored, and a fitter that caches one posterior per cutoff.
(The backtest itself is :mod:`forecast.backtest`.)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .dates import from_years, period_bounds
from .errors import ForecastError
from .io import read_input_file
from .observations import (
    COLUMNS,
    REQUIRED,
    Observation,
    ai_rows,
    check_table,
    parse_table,
    read_table,
)
from .posterior_meta import meta
from .priors import Priors

# quantiles of a series' values that become its automatic threshold events
AUTO_QUANTILES = (0.5, 0.75, 0.9)


# ---------------------------------------------------------------- input


def read_series(
    path: str | Path, unit: str | None = None, benchmark: str | None = None
) -> list[Observation]:
    """An observation file in the full schema, or a short one with at least ``date`` and
    ``value`` columns: then ``benchmark`` defaults to the file's stem (or ``benchmark``),
    ``unit`` to the option, ``kind`` to ai, ``system`` to the row number and ``source`` to
    the file. Every row is validated as in ``forecast data``."""
    path = Path(path)
    text = read_input_file(path, "CSV file (the full schema, or date and value columns)")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ForecastError(
            "the file is empty; expected a CSV header and rows", str(path)
        ) from None
    if all(c in header for c in REQUIRED):
        return read_table(path)
    if "date" not in header or not ({"value"} <= set(header) or {"low", "high"} <= set(header)):
        raise ForecastError(
            f"header {','.join(header)!r} has neither the full schema (forecast data "
            "--schema) nor a short one: expected at least columns date and value "
            "(optionally benchmark, unit, system, low, high, approximate)",
            str(path),
        )
    extra = [h for h in header if h not in COLUMNS]
    if extra:
        raise ForecastError(
            f"unknown column(s) {', '.join(map(repr, extra))}; expected only {','.join(COLUMNS)}",
            str(path),
        )
    if "unit" not in header and not unit:
        raise ForecastError(
            "the file has no 'unit' column; pass --unit (fraction, percent, seconds, "
            "minutes, hours or multiplier)",
            str(path),
        )
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for n, rec in enumerate(reader, start=2):
        if not any(x.strip() for x in rec):
            w.writerow([""] * len(COLUMNS))  # skipped by the parser; keeps line numbers
            continue
        d = dict(zip(header, rec))
        if len(rec) != len(header):
            raise ForecastError(f"{len(rec)} fields; expected {len(header)}", f"{path}:{n}")
        d.setdefault("benchmark", benchmark or path.stem)
        d.setdefault("unit", unit or "")
        d.setdefault("kind", "ai")
        d.setdefault("system", f"row {n}")
        d.setdefault("source", str(path))
        w.writerow([d.get(c, "") for c in COLUMNS])
    rows = parse_table(out.getvalue(), str(path))
    return check_table(rows)


# ---------------------------------------------------------------- cutoffs


@dataclass(frozen=True)
class Cutoff:
    text: str
    year: float  # points whose date is strictly before this decimal year are training data


def parse_cutoff(text: str) -> Cutoff:
    try:
        start, _ = period_bounds(text.strip())
    except ValueError:
        raise ForecastError(
            f"cannot read {text!r}; expected YYYY, YYYY-MM or YYYY-MM-DD", f"--cutoff {text}"
        ) from None
    return Cutoff(text.strip(), start)


def auto_cutoffs(rows: list[Observation], n: int) -> list[Cutoff]:
    """``n`` cutoffs spread between the dates by which 40 % and 90 % of the points were published,
    each halfway between two observation dates and leaving every usable series its later points."""
    times = np.unique(np.array([r.time for r in ai_rows(rows)]))
    if len(times) < 3:
        raise ForecastError(
            "fewer than three distinct observation dates: nothing to backtest", "--data"
        )
    mids = (times[:-1] + times[1:]) / 2
    pos = np.linspace(0.4, 0.9, n) if n > 1 else np.array([0.6])
    picks = sorted({round(p * (len(mids) - 1)) for p in pos})
    out = []
    for i in picks:
        text = str(from_years(np.array([mids[i]]))[0])
        c = parse_cutoff(text)
        if eligible(rows, c, None)[0]:
            out.append(c)
    if not out:
        raise ForecastError(
            "no automatic cutoff leaves a series with 2 points before it and 1 after it; "
            "give --cutoff DATE",
            "--data",
        )
    return out


def eligible(rows, cutoff: Cutoff, max_lead: float | None):
    """(series to score, {series: reason skipped}, training rows, test rows by series)."""
    ai = ai_rows(rows)
    bench = list(dict.fromkeys(r.benchmark for r in ai))
    ok, skipped, test = [], {}, {}
    for b in bench:
        tr = [r for r in ai if r.benchmark == b and r.time < cutoff.year]
        te = [
            r
            for r in ai
            if r.benchmark == b
            and r.time >= cutoff.year
            and (max_lead is None or r.time - cutoff.year <= max_lead)
        ]
        if len(tr) < 2 or len({r.time for r in tr}) < 2:
            skipped[b] = (
                f"{len(tr)} point(s) before the cutoff; at least 2 at different dates needed"
            )
        elif not te:
            skipped[b] = "no points after the cutoff" + (
                "" if max_lead is None else " within --max-lead"
            )
        else:
            ok.append(b)
            test[b] = te
    train = [r for r in ai if r.time < cutoff.year]
    return ok, skipped, train, test


# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Event:
    id: str
    benchmark: str
    value: float  # canonical unit
    shown: str
    origin: str


def events_for(rows: list[Observation], specs: list[str], builtins: bool = True) -> list[Event]:
    """Thresholds to score: built-ins whose benchmark has data, ``--threshold`` specs, and where a
    series has neither, automatic ones at the 50/75/90 % quantiles of its observed values."""
    from .thresholds import load_plan, parse_threshold
    from .units import fmt

    out: list[Event] = []
    if builtins:
        try:
            plan, _ = load_plan(rows, [], "2200")
            out += [Event(t.id, t.benchmark, t.value, t.shown, "built-in") for t in plan.thresholds]
        except ForecastError:
            pass  # no built-in threshold has data
    for s in specs:
        t = parse_threshold(s, rows)
        if any(e.id == t.id for e in out):
            raise ForecastError("given twice", f"--threshold {s!r}")
        out.append(Event(t.id, t.benchmark, t.value, t.shown, "--threshold"))
    have = {e.benchmark for e in out}
    for b in dict.fromkeys(r.benchmark for r in ai_rows(rows)):
        if b in have:
            continue
        rs = [r for r in ai_rows(rows) if r.benchmark == b]
        vals = np.array([r.midpoint for r in rs])
        for q in AUTO_QUANTILES:
            v = float(np.quantile(vals, q))
            out.append(Event(f"{b}>=q{int(100 * q)}", b, v, fmt(v, rs[0].dimension), "automatic"))
    return out


# ---------------------------------------------------------------- fitting


class CachedFitter:
    """Fit with :func:`forecast.fit.fit` (posterior cached under the data/priors/settings key)."""

    def __init__(self, priors: Priors, settings, cache_dir=None, refit=False, quiet=True):
        self.priors, self.settings = priors, settings
        self.cache_dir, self.refit, self.quiet = cache_dir, refit, quiet

    def __call__(self, rows: list[Observation]):
        from .fit import fit

        dt, _ = fit(
            rows,
            self.priors,
            self.settings,
            cache_dir=self.cache_dir,
            refit=self.refit,
            quiet=self.quiet,
        )
        return dt["posterior"].to_dataset(), dict(dt.attrs), meta(dt.attrs).diagnostics
