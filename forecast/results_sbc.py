"""The typed result of `forecast sbc` (sbc.json, `forecast sbc --json`): simulation-based
calibration of the growth models at the design of the data (:func:`forecast.sbc.run`).

Ranks are the true value's rank among ``n_ranks`` thinned posterior draws, counted on
``bins`` equal-width bins; ``p_value`` is a chi-square test of uniform counts, Bonferroni
over the parameters so that ``alpha`` is the family-wise false-alarm rate.
"""

from __future__ import annotations

from pydantic import Field

from .results_common import StrictResult, TopResult


class SbcDesign(StrictResult):
    """The design the data sets are simulated at (the observation table's)."""

    n_observations: int
    benchmarks: list[str]


class RankTest(StrictResult):
    """One parameter's rank histogram and its uniformity test."""

    counts: list[int] = Field(description="simulations per rank bin")
    chi2: float = Field(ge=0)
    p_value: float = Field(ge=0, le=1)
    uniform: bool = Field(description="p_value at or above alpha / number of parameters")


class SbcSummary(TopResult):
    """The result of `forecast sbc`: sbc.json and `forecast sbc --json`."""

    design: SbcDesign
    sims: int
    draws: int
    tune: int
    chains: int
    seed: int
    n_ranks: int
    bins: int
    test: str = Field(description="the test, in words")
    alpha: float = Field(gt=0, lt=1)
    uniform: bool = Field(description="every parameter's ranks pass")
    share_sims_with_divergences: float = Field(ge=0, le=1)
    parameters: dict[str, RankTest] = Field(description="per parameter label, e.g. 'name[series]'")


def sbc_summary(d: dict) -> SbcSummary:
    """Validate an SBC summary built as a dict into its type."""
    return SbcSummary.from_dict(d)
