"""The typed result of `forecast sensitivity` (sensitivity.json, `forecast sensitivity
--json`): Sobol first-order (S1) and total (ST) indices of an event's P(by the end of the
focus year) and median date with respect to each axis of a sweep file
(:func:`forecast.sensitivity.sobol_indices`).

Indices are shares of variance (0 to 1 in theory; an estimate may stray outside by its
confidence half-width); ``*_conf`` are 95 % bootstrap half-widths. The outputs are named
``p_by_<focus year>`` and ``median_date_year`` (decimal years; draws not crossing by the
horizon count at the horizon).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .results_common import StrictResult, TopResult


class SobolIndex(StrictResult):
    S1: float = Field(description="first-order index")
    S1_conf: float = Field(ge=0)
    ST: float = Field(description="total index")
    ST_conf: float = Field(ge=0)


class SobolOutput(StrictResult):
    """An output that varies over the ranges: per axis its indices, the axes ranked by ST."""

    indices: dict[str, SobolIndex]
    ranking: list[str] = Field(description="axes by decreasing ST")
    warnings: list[str] = Field(description="why the sample may be too small to rank the axes")


class ConstantOutput(StrictResult):
    """An output no axis moves over the ranges (no variance to apportion)."""

    constant: Literal[True]
    value: float


class SensitivitySummary(TopResult):
    """The result of `forecast sensitivity`: sensitivity.json and `--json`."""

    sweep_file: str
    event: str
    seed: int
    posterior_hash: str
    n_base: int = Field(description="base samples N (a power of two)")
    n_evaluations: int = Field(description="cells evaluated: N x (axes + 2)")
    outputs: dict[str, SobolOutput | ConstantOutput]


def sensitivity_summary(d: dict) -> SensitivitySummary:
    """Validate a sensitivity result built as a dict into its type."""
    return SensitivitySummary.from_dict(d)
