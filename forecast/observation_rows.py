"""One row of an observation table: validated and converted to canonical units.

This module turns one CSV record (a dict of strings) into the fields of an ``Observation``:
every figure in the canonical unit of its dimension, a 0 % or 100 % result censored to an
interval at one task's worth, a published interval or standard error checked against its value.

Schema (CSV, UTF-8, header required, columns in any order; [optional] columns may be left
out of the header or left empty)::

    benchmark    id of the benchmark or metric, e.g. ``posttrainbench``; priors, thresholds
                 and human baselines are per benchmark
    [series]     the series: one benchmark x task set x grader x harness, e.g.
                 ``swe-bench-verified`` vs ``swe-bench-lite``; empty = the benchmark id,
                 or, for an AI row added to bundled data that hold no series of that name,
                 the series the benchmark is read on (forecast/data/event-series.toml: a
                 new ``swe-bench`` figure is a SWE-bench Verified one). Rows of different
                 series are different measurements (``forecast data`` lists the bundled ones)
    date         YYYY, YYYY-MM, YYYY-MM-DD or an interval START/END (empty for a human
                 baseline or a floor)
    system       the AI system (or the human group for a baseline)
    value        the published figure, in ``unit``; empty when a range is given
    [low, high]  a published range, in ``unit``; empty when ``value`` is given
    unit         fraction | percent | seconds | minutes | hours | multiplier
    kind         ai | human_baseline | floor (a reference level such as untrained base
                 models: neither data for the fit nor a threshold)
    [approximate] true when the source says "about" (~); widens the observation noise
    [variant]    empty, or the name of one of several numbers a source gives for one result
    [tasks]      the number of tasks in the series' task set (a whole number), for a share
    [ci_low, ci_high, ci_level]  a published confidence interval of ``value``, in ``unit``,
                 and its coverage (e.g. 0.95); METR's 95 % intervals are given this way
    [se]         a published standard error of ``value``, in ``unit`` (give it or a CI)
    [frontier]   true when the row is a running-maximum record of its series (set by the
                 bundled history table; see docs/data.md)
    [seed_row]   in the bundled history table: the seed figure (observations.csv:LINE) that
                 reports the same result; that seed row is then not used a second time
    source       where the figure was published
    [note]       free text

Every figure is converted to a canonical unit per dimension (see :mod:`forecast.units`).

Values at a bound are data, not errors. A share of 0 % or 100 % (an AI result exactly at 0
or 1) is censored at one task's worth: it enters as the interval (0, 1/n) or (1 - 1/n, 1) on
the fraction scale, n from ``tasks``, else from the bundled series of that id (SWE-bench
Verified 500, Lite 300, full 2294, Multimodal 517, Epoch's Verified runs 484, MLE-bench 75,
MLE-bench Lite 22); where n is unknown, at the published precision, half a unit in the last
digit given ("0" % -> (0, 0.5 %), "0.0" % -> (0, 0.05 %)). The interval enters the same
likelihood as a published range, P(low < y < high) on the logit scale (logit 0 = -inf).
A range may reach 0 % or 100 % (40-100 % enters as P(y > 40 %)); one of 0-100 % says nothing
and adds nothing to the fit. A human baseline or floor at a bound is kept as its value.
Durations and multipliers must be positive (their log scale has no bound to censor at).

A published interval (``ci_*``) or standard error (``se``) is kept as a known measurement
standard deviation of the figure on the model's scale (log for durations and multipliers,
logit for shares): sd = (T(ci_high) - T(ci_low)) / (2 z), z the normal quantile of
(1 + ci_level) / 2 (one-sided from the value when one end is at a bound), or se * T'(value)
by the delta method. It is meant to add in quadrature to the model's observation noise; the
asymmetry of an interval on that scale is not kept. Both are ignored for a censored row.

Bundled tables: ``frontier`` (the default data) is every bundled series' running-maximum
records, ``--data history`` every row of every series (the seed figures included),
``--data history:SERIES[,SERIES...]`` / ``frontier:SERIES[,...]`` some of them, ``seed`` the
seed figures alone; a path that exists is always read as a file. A seed figure
that a selected history row reports (``seed_row``) is used once, as the history row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date

from .dates import parse_period, to_year
from .errors import ForecastError
from .units import Unit, unit

KINDS = ("ai", "human_baseline", "floor")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FREE_TEXT = ("source", "note")  # whitespace (line breaks, tabs) in these is collapsed
NAN = math.nan


def finite_number(text: str, where: str, wrong: Callable[[str], str]) -> float:
    """``text`` as a finite float; otherwise a ForecastError at ``where`` whose message is
    ``wrong("a number")`` or ``wrong("a finite number")``."""
    try:
        x = float(text)
    except ValueError:
        raise ForecastError(wrong("a number"), where) from None
    if not math.isfinite(x):
        raise ForecastError(wrong("a finite number"), where)
    return x


def number(text: str, col: str, where: str) -> float:
    """The number in column ``col`` of a row."""
    return finite_number(
        text, where, lambda what: f"column {col!r} holds {text!r}; expected {what}"
    )


def boolean(text: str, col: str, where: str) -> bool:
    t = text.strip().lower()
    if t in ("", "false", "no", "0"):
        return False
    if t in ("true", "yes", "1"):
        return True
    raise ForecastError(f"column {col!r} holds {text!r}; expected true or false", where)


def check_in_range(x: float, u: Unit, col: str, where: str, zero_ok: bool = False) -> None:
    """Shares must lie in [0, 1] (bounds included); other dimensions must be positive."""
    if u.dimension == "share":
        if not 0 <= x <= 1:
            raise ForecastError(
                f"column {col!r} is {x / u.to_canonical:g} {u.name}, outside the "
                f"benchmark's range; expected 0-100 percent (0-1 as a fraction)",
                where,
            )
    elif not (x >= 0 if zero_ok else x > 0):
        raise ForecastError(f"column {col!r} is {x:g}; a {u.name} value must be positive", where)


def _tasks(text: str, u: Unit, where: str) -> int:
    """The ``tasks`` column: a positive whole number, for shares of tasks only (0 = not given)."""
    if not text:
        return 0
    x = number(text, "tasks", where)
    if x < 1 or x != int(x):
        raise ForecastError(
            f"column 'tasks' holds {text!r}; expected the number of tasks, a whole number >= 1",
            where,
        )
    if u.dimension != "share":
        raise ForecastError(
            f"column 'tasks' is given for a {u.name} value; a task count applies only to a "
            "share of tasks (percent or fraction)",
            where,
        )
    return int(x)


def censor(x: float, text: str, u: Unit, tasks: int | None) -> tuple[float, float, str]:
    """The interval (low, high), as fractions, of a share published exactly at 0 or 1.

    With ``tasks`` = n known: one task's worth, (0, 1/n) or (1 - 1/n, 1). Unknown: the
    published precision, half a unit in the last digit given ("0" % -> (0, 0.5 %),
    "0.0" % -> (0, 0.05 %)). Returns (low, high, "zero" | "full").
    """
    if tasks:
        width = 1.0 / tasks
    else:
        digits = text.split(".", 1)[1] if "." in text and "e" not in text.lower() else ""
        width = 0.5 * 10.0 ** -len(digits) * u.to_canonical
    return (0.0, width, "zero") if x == 0 else (1.0 - width, 1.0, "full")


def _interval(get: Callable[[str], str], u: Unit, value: float, where: str) -> dict:
    """``ci_low``/``ci_high``/``ci_level`` and ``se``: a published uncertainty of ``value``."""
    cl, ch, lv, se = get("ci_low"), get("ci_high"), get("ci_level"), get("se")
    out = {"ci_low": NAN, "ci_high": NAN, "ci_level": NAN, "se": NAN}
    if (cl or ch or lv) and se:
        raise ForecastError("both a confidence interval and 'se' are given; expected one", where)
    if se:
        out["se"] = number(se, "se", where) * u.to_canonical
        if out["se"] < 0:
            raise ForecastError(f"column 'se' is {se}; a standard error cannot be negative", where)
    if not (cl or ch or lv):
        return out
    if not (cl and ch):
        raise ForecastError("a confidence interval needs both 'ci_low' and 'ci_high'", where)
    if not lv:
        raise ForecastError(
            "column 'ci_level' is empty; expected the interval's coverage, e.g. 0.95", where
        )
    level = number(lv, "ci_level", where)
    if not 0 < level < 1:
        raise ForecastError(f"column 'ci_level' is {lv}; expected a coverage in (0, 1)", where)
    lo, hi = number(cl, "ci_low", where) * u.to_canonical, number(ch, "ci_high", where)
    hi *= u.to_canonical
    check_in_range(lo, u, "ci_low", where, zero_ok=True)
    check_in_range(hi, u, "ci_high", where, zero_ok=True)
    if math.isnan(value):
        raise ForecastError("a confidence interval needs a point 'value', not a range", where)
    if not lo <= value <= hi:
        raise ForecastError(
            f"the value is outside its confidence interval ({cl}-{ch}); expected "
            "ci_low <= value <= ci_high",
            where,
        )
    out.update(ci_low=lo, ci_high=hi, ci_level=level)
    return out


def _date(text: str, kind: str, where: str, today: date) -> tuple[float, float]:
    if text:
        t, t_sd = parse_period(text, where + ", column 'date'")
        if t - math.sqrt(3) * t_sd > to_year(today):
            raise ForecastError(f"column 'date' holds {text!r}, which is in the future", where)
        return t, float(t_sd)
    if kind == "ai":
        raise ForecastError(
            "column 'date' is empty; an AI result needs its publication date", where
        )
    return NAN, NAN


def _figure(get, u: Unit, kind: str, series: str, tasks: int, where: str) -> dict:
    """value / low / high in canonical units; a share at 0 or 1 becomes a censored interval."""
    v, lo, hi = get("value"), get("low"), get("high")
    if v and (lo or hi):
        raise ForecastError(
            "both 'value' and 'low'/'high' are given; expected one or the other", where
        )
    if v:
        x = number(v, "value", where) * u.to_canonical
        check_in_range(x, u, "value", where)
        if kind == "ai" and u.dimension == "share" and x in (0.0, 1.0):
            from .history_series import tasks_of

            low, high, side = censor(x, v, u, tasks or tasks_of(series))
            return {"value": NAN, "low": low, "high": high, "censored": side}
        return {"value": x, "low": NAN, "high": NAN, "censored": ""}
    if lo and hi:
        if kind != "ai":
            raise ForecastError(
                f"a {kind.replace('_', ' ')} needs a single 'value', not a range", where
            )
        low = number(lo, "low", where) * u.to_canonical
        high = number(hi, "high", where) * u.to_canonical
        check_in_range(low, u, "low", where)
        check_in_range(high, u, "high", where)
        if not low < high:
            raise ForecastError(f"range low {lo} is not below high {hi}", where)
        return {"value": NAN, "low": low, "high": high, "censored": ""}
    raise ForecastError("no figure: expected 'value', or both 'low' and 'high'", where)


def parse_row(
    raw: dict[str, str | None], columns: tuple[str, ...], where: str, today: date
) -> dict:
    """The fields of one Observation (without ``origin``) from one CSV record."""

    def get(c: str) -> str:
        return (raw.get(c) or "").strip()

    bench = get("benchmark")
    if not bench:
        raise ForecastError("column 'benchmark' is empty; expected a benchmark id", where)
    for c in columns:
        text = raw.get(c) or ""
        if c in FREE_TEXT and text:  # a quoted line break or tab in a note is text: one space
            text = raw[c] = " ".join(text.split())
        if CONTROL.search(text):
            raise ForecastError(f"column {c!r} contains a control character", where)
    kind = get("kind")
    if kind not in KINDS:
        raise ForecastError(
            f"column 'kind' holds {kind!r}; expected one of {', '.join(KINDS)}", where
        )
    u = unit(get("unit") or "<empty>", where + ", column 'unit'")
    t, t_sd = _date(get("date"), kind, where, today)
    series = get("series") or bench
    tasks = _tasks(get("tasks"), u, where)
    fig = _figure(get, u, kind, series, tasks, where)
    if fig["censored"]:  # the censoring interval carries the uncertainty: ci/se ignored
        spread = dict.fromkeys(("ci_low", "ci_high", "ci_level", "se"), NAN)
    else:
        spread = _interval(get, u, fig["value"], where)
    return {
        "benchmark": bench,
        "date": get("date"),
        "time": t,
        "time_sd": t_sd,
        "system": get("system"),
        **{k: fig[k] for k in ("value", "low", "high")},
        "unit": u.name,
        "dimension": u.dimension,
        "kind": kind,
        "approximate": boolean(get("approximate"), "approximate", where),
        "variant": get("variant"),
        "source": get("source"),
        "note": get("note"),
        "series": series,
        "tasks": tasks,
        **spread,
        "censored": fig["censored"],
        "frontier": boolean(get("frontier"), "frontier", where),
        "seed_row": get("seed_row"),
    }
