"""The observation table as a fit records it: :func:`table_hash`, the content hash that keys
the posterior cache and stands in the provenance, and :func:`to_dataset`, the table stored
beside the posterior (posterior.nc's ``observations`` group).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict

import numpy as np
import xarray as xr

from .observations import Observation

FIELDS_OPTIONAL = (
    "series",
    "tasks",
    "ci_low",
    "ci_high",
    "ci_level",
    "se",
    "censored",
    "frontier",
    "seed_row",
)


def _at_default(name: str, value: object, r: Observation) -> bool:
    """Whether an optional field holds its default (``series``: the benchmark id)."""
    if name == "series":
        return value == r.benchmark
    if isinstance(value, float):
        return math.isnan(value)
    return value in (0, "", False)


def table_hash(rows: list[Observation]) -> str:
    """A content hash of the rows a fit uses (order-independent, origin excluded).

    Optional fields at their defaults are left out, so a table written without the optional
    columns hashes as it did before they existed (cached posteriors stay valid).
    """
    h = hashlib.sha256()
    lines = []
    for r in rows:
        d = {k: v for k, v in asdict(r).items() if k != "origin"}
        lines.append(
            repr(
                {k: v for k, v in d.items() if k not in FIELDS_OPTIONAL or not _at_default(k, v, r)}
            )
        )
    for line in sorted(lines):
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
