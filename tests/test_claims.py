"""Published claims: both kinds of bound, their verdicts at the Monte Carlo error's edge,
and a claims file checked like every other input file."""

import pytest

from forecast import claims
from forecast.errors import ForecastError
from forecast.reading import load_references

from .conftest import write

AT_LEAST = {"id": "a", "event": "e", "by": "2028-12-31", "p_at_least": 0.6}
AT_MOST = {"id": "b", "event": "e", "by": "2026-12-31", "p_at_most": 0.1}


@pytest.mark.parametrize(
    "claim,p,se,verdict",
    [
        (AT_LEAST, 0.70, 0.01, "agrees"),  # 0.68 >= 0.6
        (AT_LEAST, 0.62, 0.01, "agrees"),  # 0.60 >= 0.6: on the edge
        (AT_LEAST, 0.61, 0.01, "within Monte Carlo error of the claim"),
        (AT_LEAST, 0.57, 0.01, "disagrees"),  # 0.59 < 0.6
        (AT_MOST, 0.05, 0.01, "agrees"),  # 0.07 <= 0.1
        (AT_MOST, 0.08, 0.01, "agrees"),  # 0.10 <= 0.1: on the edge
        (AT_MOST, 0.09, 0.01, "within Monte Carlo error of the claim"),
        (AT_MOST, 0.13, 0.01, "disagrees"),  # 0.11 > 0.1
        (AT_MOST, 0.10, 0.00, "agrees"),
    ],
)
def test_verdicts_of_both_bounds(claim, p, se, verdict):
    assert claims.verdict(claim, p, se) == verdict


MEDIAN = {"id": "m", "event": "e", "median_from": "2028-04-01", "by": "2028-09-30"}


@pytest.mark.parametrize(
    "p_from,p_by,se,verdict",
    [
        (0.40, 0.60, 0.01, "agrees"),  # the median is inside the range, beyond the errors
        (0.48, 0.60, 0.01, "agrees"),  # 0.50 <= 0.5: on the edge
        (0.49, 0.60, 0.01, "within Monte Carlo error of the claim"),
        (0.53, 0.90, 0.01, "disagrees"),  # the engine's median is before the range
        (0.10, 0.47, 0.01, "disagrees"),  # ... after it
        (0.10, 0.49, 0.01, "within Monte Carlo error of the claim"),
    ],
)
def test_verdicts_of_a_median_claim(p_from, p_by, se, verdict):
    assert claims.verdict(MEDIAN, p_by, se, p_from, se) == verdict


def test_bound_text():
    assert claims.bound_text(AT_LEAST) == "P >= 0.6 by 2028-12-31"
    assert claims.bound_text(AT_MOST) == "P <= 0.1 by 2026-12-31"
    assert claims.bound_text(MEDIAN) == "median between 2028-04-01 and 2028-09-30"
    given = {**AT_LEAST, "given_reading": "inspiration-binding"}
    assert (
        claims.bound_text(given) == "P >= 0.6 by 2028-12-31 if the reading is inspiration-binding"
    )


def test_shipped_claims_load_with_one_bound_each():
    refs = load_references()
    assert {"clark-2028", "meyer-ptb-parity", "clark-not-2026", "metr-100h-2026"} <= {
        c["id"] for c in refs
    }
    events = [c for c in refs if not claims.is_parameter(c)]  # claims on a doubling time aside
    assert all(sum(k in c for k in ("p_at_least", "p_at_most", "median_from")) == 1 for c in events)
    assert {"aifp-kokotajlo-coder", "aifp-lifland-coder"} <= {c["id"] for c in refs}
    # the reader's conditional reading: one half per reading, each judged under it alone
    given = {c["id"]: c.get("given_reading") for c in refs}
    assert given["comment-engineering-bound"] == "compressed-perspiration"
    assert given["comment-taste-bound"] == "inspiration-binding"
    # a claim in words says how it became a number
    assert all(c.get("read_as") for c in refs if c["id"] in ("clark-not-2026", "metr-100h-2026"))


@pytest.mark.parametrize(
    "extra,match",
    [
        ("p_at_least = 0.6\np_at_most = 0.9", "exactly one of p_at_least, p_at_most and"),
        ("", "exactly one of p_at_least, p_at_most and median_from"),
        ("median_from = '2028-01-01'", "median_from 2028-01-01 must be before by 2027-12-31"),
        ("median_from = 'mid-2027'", "median_from"),
        ("p_at_least = 1.5", "p_at_least"),
        ("p_at_least = 0.5\nconfidence = 'high'", "confidence"),
        (
            "p_at_least = 0.5\ngiven_reading = 'inspiration-bound'",
            "claims.0.given_reading.*no shipped scenario.*did you mean 'inspiration-binding'",
        ),
    ],
)
def test_bad_claims_are_user_errors_naming_the_file(tmp_path, extra, match):
    f = write(
        tmp_path / "refs.toml",
        f"""[[claims]]
id = "x"
who = "someone"
claim = "something will happen"
event = "metr-100h"
by = "2027-12-31"
{extra}
""",
    )
    with pytest.raises(ForecastError, match=match) as e:
        load_references(f)
    assert str(f) in str(e.value) and e.value.exit_code == 2
