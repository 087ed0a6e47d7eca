"""A posterior's metadata, decoded in one place.

netCDF attributes must be flat strings and numbers, so a saved posterior carries its
structured metadata (reference dates, observation counts, pooling, diagnostics, ...) as JSON
strings (written by :func:`forecast.fit.provenance`); :func:`meta` reads them back once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .results_base import Diagnostics


@dataclass(frozen=True)
class PosteriorMeta:
    """Decoded metadata of a fitted posterior. Dates are decimal years."""

    t_ref: dict[str, float]  # reference date of each series' curve
    t_last: dict[str, float]  # date of each series' latest observation
    n_observations: dict[str, int]
    pooling: dict[str, str]  # family -> "partial" | "none"
    variants: dict[str, str]
    diagnostics: dict[str, Any]  # forecast.results.Diagnostics as a dict
    free_parameters: list[str]


def _json(attrs: Mapping[Any, Any], key: str, default: str) -> Any:
    value = attrs.get(key, default)
    return json.loads(value) if isinstance(value, str) else value


def diagnostics(attrs: Mapping[Any, Any]) -> Diagnostics:
    """The posterior's convergence checks, typed (what --strict and the diagnostics line read)."""
    from .results_base import Diagnostics

    return Diagnostics.model_validate(meta(attrs).diagnostics)


def meta(attrs: Mapping[Any, Any]) -> PosteriorMeta:
    """The metadata of a posterior from its attributes (``DataTree.attrs``)."""
    from .trajectories import reference_times

    return PosteriorMeta(
        t_ref=reference_times(attrs),
        t_last={str(k): float(v) for k, v in _json(attrs, "t_last", "{}").items()},
        n_observations={str(k): int(v) for k, v in _json(attrs, "n_observations", "{}").items()},
        pooling=_json(attrs, "pooling", "{}"),
        variants=_json(attrs, "variants", "{}"),
        diagnostics=_json(attrs, "diagnostics", "{}"),
        free_parameters=list(_json(attrs, "free_parameters", "[]")),
    )
