"""Property tests: the loaders either accept an input or raise ForecastError, nothing else.

Whatever text arrives as an observation table, a priors file or a --threshold spec, the
user must see a one-line ForecastError naming where the problem is, never an internal
error. Each property runs about 200 examples.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forecast.errors import ForecastError
from forecast.observations import COLUMNS, Observation, bundled, check_table, parse_table
from forecast.priors import BoundedPriors, load_file
from forecast.priors import load as load_priors
from forecast.thresholds import Threshold, parse_threshold
from forecast.units import SUFFIXES, UNITS

from ._scenarios import flat_text

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)
NAME = "prop.csv"

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- observation tables -------------------------------------------------------------------


def _parses_or_forecast_error(text: str) -> list[Observation] | None:
    try:
        rows = parse_table(text, NAME, today=TODAY)
    except ForecastError as e:
        assert str(e).startswith(NAME), f"error does not name the file: {e}"
        return None
    assert rows and all(isinstance(r, Observation) for r in rows)
    for r in rows:
        assert r.origin.startswith(NAME + ":")
        if r.is_range:
            assert r.low < r.high
        else:
            assert math.isfinite(r.value)
    # the table-wide checks must not crash on anything parse_table accepts
    with contextlib.suppress(ForecastError):
        check_table(rows)
    return rows


HEADER = ",".join(COLUMNS) + "\n"


@PROPERTY
@given(st.text(max_size=400))
@example("")
@example("\ufeff" + HEADER)
@example(HEADER + "toy,2025-01,a,40,,,percent,ai,,,src,\n")
@example(HEADER + '"unterminated,2025-01\n')
@example(HEADER + "toy,2025-01,a,40,,,percent,ai,,,src,\x00\n")
def test_parse_table_on_arbitrary_text(text):
    _parses_or_forecast_error(text)


@PROPERTY
@given(
    st.text(alphabet=st.sampled_from(list(',"\n\r ;\t') + list("abc0123456789-./%")), max_size=300)
)
def test_parse_table_on_csv_punctuation_after_a_valid_header(body):
    _parses_or_forecast_error(HEADER + body)


# per column: (valid cells, invalid or borderline cells)
_GOOD_NUMBERS = ["1", "40", "99.9", "0.5", "7", "1e2"]
_BAD_NUMBERS = [
    "0",
    "100",
    "140",
    "-5",
    "-0",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "1_000",
    " 7 ",
    "forty",
    "1,5",
    "0x10",
    "",
]
CELLS = {
    "benchmark": (["toy", "toy", "toy2", "metr-horizon"], ["", " ", "a b", "toy\x07"]),
    "date": (
        ["2025-01", "2025", "2025-06-30", "2026-01/2026-04", "2024-03"],
        [
            "",
            "2026-04/2026-01",
            "2025-13",
            "2025-02-30",
            "0000",
            "9999-12-31",
            "2999",
            "March 2025",
            "2025/",
            "/2025",
            "2025-1",
            "20250101",
            "2025-01-01/2025-01-01",
        ],
    ),
    "system": (["model-a", "model-b", "Modèle"], ["", "a\nb", "x\ty"]),
    "value": ([*_GOOD_NUMBERS, ""], _BAD_NUMBERS),
    "low": ([""] * 3 + ["10", "20"], _BAD_NUMBERS),
    "high": ([""] * 3 + ["30", "50"], _BAD_NUMBERS),
    "unit": (
        [
            "percent",
            "percent",
            "fraction",
            "minutes",
            "hours",
            "seconds",
            "multiplier",
            "Percent",
            " hours ",
        ],
        ["%", "h", "furlongs", ""],
    ),
    "kind": (["ai", "ai", "ai", "human_baseline"], ["AI", "robot", ""]),
    "approximate": (["true", "false", "yes", "no", "1", "0", ""], ["maybe", "TRUE ", "2"]),
    "variant": (["", "", "", "a", "b"], ["\x01"]),
    "source": (["src", "a, b"], ["", "\x7f"]),
    "note": (["", "n", '"quoted"'], ["\x00"]),
}


@st.composite
def tables(draw):
    cols = list(COLUMNS)
    if draw(st.booleans()):  # columns in another order, some optional ones dropped
        cols = draw(st.permutations(cols))
        cols = [
            c for c in cols if c not in ("approximate", "variant", "note") or draw(st.booleans())
        ]
    if draw(st.integers(0, 9)) == 0:  # occasionally a broken header
        cols = [*cols, draw(st.sampled_from(["score", "unit", "", "Benchmark"]))]
    free = st.text(max_size=12)

    def cell(c):
        good, bad = CELLS.get(c, ([""], [""]))
        k = draw(st.integers(0, 39))
        return draw(free) if k == 0 else draw(st.sampled_from(bad if k < 4 else good))

    rows = []
    for _ in range(draw(st.integers(0, 6))):
        raw = {c: cell(c) for c in cols}
        if raw.get("value") and draw(st.integers(0, 4)):  # mostly a value or a range, not both
            raw.update({c: "" for c in ("low", "high") if c in raw})
        row = [raw[c] for c in cols]
        cut = draw(st.integers(0, 19))
        if cut == 0:
            row = row[: draw(st.integers(0, len(row)))]
        elif cut == 1:
            row = row + draw(st.lists(free, min_size=1, max_size=3))
        rows.append(row)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(cols)
    for row in rows:
        if draw(st.integers(0, 9)) == 0:
            buf.write(draw(st.sampled_from(["", "\n", ",,,,,,,,,,,\n"])))
        w.writerow(row)
    return buf.getvalue()


@PROPERTY
@given(tables())
def test_parse_table_on_rows_of_valid_and_invalid_cells(text):
    _parses_or_forecast_error(text)


# --- priors files ---------------------------------------------------------------------------

BOUNDED = (ROOT / "priors" / "bounded.toml").read_text("utf-8")
BOUNDED_LINES = BOUNDED.splitlines()

TOML_VALUES = [
    "0",
    "-1",
    "0.7",
    "1e9",
    "inf",
    "-inf",
    "nan",
    "true",
    '"0.7"',
    '"wide"',
    '""',
    '"short"',
    '"a long enough justification sentence"',
    "[]",
    "[1, 2]",
    "{}",
    "{ low = 0.9, high = 1.0, alpha = 2.0, beta = 2.0 }",
    "{ low = 1.0, high = 0.9, alpha = 2.0, beta = 2.0 }",
    "{ low = 0.9 }",
    '"normal"',
    '"halfnormal"',
    '"partial"',
    '"none"',
    '"full"',
    "1979-05-27",
    "0.0",
    "1.0",
    "1.5",
    '"manual-rescore"',
    '"automated-grading"',
    '"nope"',
]
TOML_LINES = [
    "[pooling]",
    "[ceiling]",
    "[benchmarks.toy]",
    "[benchmarks.core-bench]",
    "[[level]]",
    "[growth_rate.mean]",
    "extra = 1",
    "why = 'x'",
    "variant = 'nope'",
    "why_variant = 'a long enough justification sentence'",
    "ceiling = 0.5",
    "why_ceiling = 'a long enough justification sentence'",
    "family = 'bounded'",
    "sigma = 1",
    "= 1",
    "[",
    "key = ",
    'x = """',
    "# comment",
    "",
]


def _loads_or_forecast_error(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    try:
        pr = load_file(path, BoundedPriors)
    except ForecastError as e:
        assert str(e).startswith(str(path)), f"error does not name the file: {e}"
        return
    assert isinstance(pr, BoundedPriors)


@st.composite
def mutated_bounded(draw):
    lines = list(BOUNDED_LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.integers(0, 4))
        line = lines[i]
        if op == 0 and "=" in line:  # another value for this key
            key = line.split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(TOML_VALUES))}"
        elif op == 1:
            del lines[i]
        elif op == 2:
            lines.insert(i, draw(st.sampled_from(TOML_LINES)))
        elif op == 3:  # another key for this value
            if "=" in line:
                key = draw(
                    st.sampled_from(
                        [
                            "mu",
                            "sigma",
                            "sd",
                            "why",
                            "dist",
                            "mode",
                            "value",
                            "variant",
                            "ceiling",
                            "family",
                            "unknown",
                            "Why",
                        ]
                    )
                )
                lines[i] = f"{key} ={line.split('=', 1)[1]}"
        else:  # random characters spliced in
            j = draw(st.integers(0, len(line)))
            lines[i] = line[:j] + draw(st.text(max_size=5)) + line[j:]
    return "\n".join(lines) + "\n"


@PROPERTY
@given(text=st.text(max_size=300))
@example(text="")
@example(text='family = "bounded"\n')
@example(text="[a]\n[a]\n")
def test_load_priors_on_arbitrary_text(tmp_path, text):
    _loads_or_forecast_error(tmp_path / "bounded.toml", text)


@PROPERTY
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from(TOML_LINES),
            st.builds(
                "{} = {}".format,
                st.sampled_from(["mu", "sigma", "why", "dist", "value", "family", "sd"]),
                st.sampled_from(TOML_VALUES),
            ),
        ),
        max_size=25,
    ).map("\n".join)
)
def test_load_priors_on_toml_like_text(tmp_path, text):
    _loads_or_forecast_error(tmp_path / "bounded.toml", text)


@PROPERTY
@given(text=mutated_bounded())
def test_load_priors_on_mutated_bounded_toml(tmp_path, text):
    _loads_or_forecast_error(tmp_path / "bounded.toml", text)


def _load_shipped_bounded(path: Path) -> BoundedPriors:
    """Load a bounded priors file that must be valid: a ForecastError here fails the test
    (unlike ``_loads_or_forecast_error``, which accepts a rejection)."""
    pr = load_file(path, BoundedPriors)
    assert isinstance(pr, BoundedPriors)
    return pr


def test_unmutated_bounded_toml_loads(tmp_path):
    """The shipped bounded priors load, with the values written in the file."""
    path = tmp_path / "bounded.toml"
    path.write_text(BOUNDED, encoding="utf-8")
    pr = _load_shipped_bounded(path)
    assert pr.family == "bounded"
    assert pr.observation_noise.sd == 0.2 and pr.pooling.mode == "partial"
    assert pr.growth_rate.mean.mu == 0.4 and pr.growth_rate.mean.sigma == 0.7
    assert pr.benchmarks["core-bench"].variant == "manual-rescore"
    # and the whole shipped directory (both families) loads
    assert load_priors(ROOT / "priors").variants() == {"core-bench": "manual-rescore"}


@pytest.mark.parametrize(
    "old,new",
    [
        ('family = "bounded"', 'family = "unbounded"'),  # wrong family
        ("sd = 0.2", "sd = -0.2"),  # out of range
        ('mode = "partial"', 'mode = "full"'),  # not an allowed value
        ('[growth_rate.mean]\ndist = "normal"', '[growth_rate.mean]\ndist = "normal"\nextra = 1'),
    ],
)
def test_the_shipped_priors_check_fails_on_a_broken_copy(tmp_path, old, new):
    """The check above can fail: on a broken copy of the shipped file it raises."""
    assert old in BOUNDED
    path = tmp_path / "bounded.toml"
    path.write_text(BOUNDED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ForecastError, match=str(path)):
        _load_shipped_bounded(path)


# --- threshold specs ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _rows():
    return bundled()


def _threshold_or_forecast_error(spec: str) -> None:
    try:
        t = parse_threshold(spec, _rows())
    except ForecastError as e:
        assert str(e).startswith(f"--threshold {spec!r}") or "nothing" in str(e), str(e)
        return
    assert isinstance(t, Threshold)
    assert t.benchmark in {r.benchmark for r in _rows()}


BENCHES = [*sorted({r.benchmark for r in bundled()}), "nosuch", "", " swe-bench ", "SWE-bench"]


@PROPERTY
@given(st.text(max_size=60))
@example("")
@example(">=")
@example("swe-bench>=")
@example("swe-bench>=e")
@example("swe-bench>=1e999%")
def test_parse_threshold_on_arbitrary_text(spec):
    _threshold_or_forecast_error(spec)


@PROPERTY
@given(
    st.builds(
        "{}{}{}{}{}".format,
        st.sampled_from(BENCHES),
        st.sampled_from([">=", " >= ", "=", ">", "=>", "<=", ">=>="]),
        st.one_of(
            st.sampled_from(["90", "0", "-3", "1e3", "1e999", ".", "1.2.3", "+-1", "e", "5E-1"]),
            st.text(alphabet="-+0123456789.eE", max_size=6),
        ),
        st.sampled_from(["", *list(SUFFIXES), *list(UNITS), "H", "Percent", "parsecs", "%%"]),
        st.sampled_from(["", " ", "\n", "x"]),
    )
)
def test_parse_threshold_on_spec_like_text(spec):
    _threshold_or_forecast_error(spec)


def test_a_threshold_at_the_human_baseline_reads_the_baseline_row():
    from forecast.observations import baselines

    t = parse_threshold("posttrainbench>=human_baseline", _rows())
    assert t.value == baselines(_rows())["posttrainbench"].value
    assert "human baseline" in t.title
    with pytest.raises(ForecastError, match="no human-baseline row for 'swe-bench'"):
        parse_threshold("swe-bench>=human_baseline", _rows())
    with pytest.raises(ForecastError, match="takes no unit"):
        parse_threshold("posttrainbench>=human_baseline%", _rows())


def test_a_misspelled_threshold_benchmark_gets_a_suggestion():
    with pytest.raises(ForecastError, match="did you mean 'posttrainbench'"):
        parse_threshold("postrainbench>=50%", _rows())


def test_threshold_value_is_finite():
    with pytest.raises(ForecastError):
        parse_threshold("metr-horizon>=1e999h", _rows())


# --- scenario and sweep files --------------------------------------------------------------

SCENARIO_LINES = flat_text(ROOT / "scenarios" / "inspiration-binding.toml").splitlines()
SWEEP_LINES = (ROOT / "scenarios" / "sweep-residual.toml").read_text().splitlines()
JUNK = st.sampled_from(
    [
        "",
        "x = 1",
        "elasticity = { value = -3, why = 'too low for the range.' }",
        'unit = "furlongs"',
        "[residual]",
        "[[events]]",
        "value = nan",
        'dist = "cauchy"',
        "low = 5",
        "high = -5",
        "= =",
        "why = 3",
        "values = []",
        "samples = 0",
        'design = "random"',
        '"unclosed',
    ]
)


def _mutations(lines):
    return st.lists(
        st.tuples(st.integers(0, len(lines) - 1), st.one_of(st.none(), JUNK)),
        min_size=1,
        max_size=4,
    )


def _apply(lines, muts):
    out = list(lines)
    for i, new in muts:
        if i < len(out):
            if new is None:
                del out[i]
            else:
                out[i] = new
    return "\n".join(out) + "\n"


@PROPERTY
@given(muts=_mutations(SCENARIO_LINES))
def test_scenario_loader_accepts_or_names_the_file(tmp_path_factory, muts):
    from forecast.scenario import load as load_scenario

    p = tmp_path_factory.mktemp("scen") / "mutated.toml"
    p.write_text(_apply(SCENARIO_LINES, muts))
    try:
        load_scenario(p)
    except ForecastError as e:
        assert str(e).startswith(str(p)), e


@PROPERTY
@given(muts=_mutations(SWEEP_LINES))
def test_sweep_loader_accepts_or_names_the_file(tmp_path_factory, muts):
    from forecast.sweep import load as load_sweep

    d = tmp_path_factory.mktemp("sweep")
    for name in ("compressed-perspiration.toml",):
        (d / name).write_text((ROOT / "scenarios" / name).read_text())
    p = d / "mutated.toml"
    text = _apply(SWEEP_LINES, muts)
    p.write_text(text)
    try:
        load_sweep(p)
    except ForecastError as e:
        assert str(e).startswith(str(p)) or "compressed-perspiration.toml" in str(e), e


def test_sweep_axis_with_values_and_low_is_a_user_error(tmp_path):
    from forecast.sweep import load as load_sweep

    p = tmp_path / "sweep.toml"
    p.write_text(
        f'title = "t"\nbase = "{ROOT / "scenarios" / "compressed-perspiration.toml"}"\n\n'
        '[axes.elasticity]\nvalues = [0.0, 1.0]\nlow = 0.5\nwhy = "both values and a low bound."\n'
    )
    with pytest.raises(ForecastError, match=r"axes\.elasticity"):
        load_sweep(p)
