"""The one distribution grammar (forecast/distributions.py) shared by priors and scenarios."""

import re
import typing

import numpy as np
import pytest
from scipy import stats

from forecast import distributions as dist
from forecast import priors, scenario

U = np.linspace(0.005, 0.995, 199)


@pytest.mark.parametrize(
    ("kind", "numbers", "frozen"),
    [
        ("uniform", {"low": 0.1, "high": 0.5}, stats.uniform(0.1, 0.4)),
        ("loguniform", {"low": 0.1, "high": 10.0}, stats.loguniform(0.1, 10.0)),
        ("lognormal", {"median": 2.0, "sigma": 0.5}, stats.lognorm(0.5, scale=2.0)),
        ("beta", {"alpha": 2.0, "beta": 5.0}, stats.beta(2.0, 5.0)),
        ("halfnormal", {"sigma": 0.3}, stats.halfnorm(scale=0.3)),
        ("normal", {"mu": 0.2, "sigma": 0.1}, stats.norm(0.2, 0.1)),
    ],
)
def test_ppf_is_each_kinds_inverse_cdf(kind, numbers, frozen):
    got = dist.ppf(kind, numbers, U, -np.inf, np.inf)
    np.testing.assert_allclose(got, frozen.ppf(U), rtol=1e-9, atol=1e-12)


def test_a_normal_is_truncated_to_the_quantitys_range():
    got = dist.ppf("normal", {"mu": 0.0, "sigma": 1.0}, U, 0.0, 0.5)
    assert got.min() >= 0.0 and got.max() <= 0.5
    assert np.all(np.diff(got) > 0)  # still a quantile function


def test_a_fixed_value_is_the_same_in_every_draw():
    assert np.array_equal(dist.ppf(None, {"value": 3.0}, U, 0, 9), np.full(U.shape, 3.0))


@pytest.mark.parametrize(
    ("kind", "given", "says"),
    [
        ("normal", {"mu": 0.0}, "dist 'normal' takes exactly mu, sigma; got mu"),
        (None, {"value": 1.0, "low": 0.0}, "a fixed parameter takes exactly value; got low, value"),
        ("uniform", {"low": 2.0, "high": 1.0}, "low 2.0 must be below high 1.0"),
        ("loguniform", {"low": 0.0, "high": 1.0}, "loguniform needs low > 0"),
        ("lognormal", {"median": -1.0, "sigma": 1.0}, "lognormal needs median > 0"),
    ],
)
def test_check_names_what_is_wrong(kind, given, says):
    with pytest.raises(ValueError, match="^" + re.escape(says) + "$"):
        dist.check(kind, given)


def test_scenario_parameters_and_priors_speak_the_same_grammar():
    kinds = set(typing.get_args(scenario.Param.model_fields["dist"].annotation)) - {type(None)}
    flat = {a for k in kinds for a in (typing.get_args(k) or (k,))}
    for model in (priors.Normal, priors.HalfNormal):
        flat |= set(typing.get_args(model.model_fields["dist"].annotation))
    assert flat == set(dist.NUMBERS) - {None}
    for model in (priors.Normal, priors.HalfNormal):  # a prior's numbers are its kind's numbers
        (kind,) = typing.get_args(model.model_fields["dist"].annotation)
        assert set(dist.NUMBERS[kind]) <= set(model.model_fields)


def test_a_scenario_parameter_is_described_and_drawn_through_the_grammar():
    p = scenario.Param(dist="lognormal", median=2.0, sigma=0.5, why="a test parameter, in years")
    assert p.numbers() == {"median": 2.0, "sigma": 0.5}
    assert dist.describe(p.dist, p.numbers()) == "lognormal(median 2, sigma 0.5)"
    assert dist.describe("halfnormal", {"sigma": 0.3}) == "halfnormal(0.3)"


def test_every_kind_says_which_of_its_numbers_carry_the_unit():
    assert set(dist.IN_UNIT) == set(dist.NUMBERS)
    for kind, numbers in dist.IN_UNIT.items():
        assert set(numbers) <= set(dist.NUMBERS[kind])
