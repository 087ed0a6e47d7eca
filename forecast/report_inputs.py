"""The report's tables of what went in: the observations with their figures as published,
the priors flattened into (key, setting, why) rows, and the provenance (data files,
scenario files, priors, software versions). Parts of :func:`forecast.report.report_data`.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .io import file_hash

if TYPE_CHECKING:
    from .results import Provenance


def observation_rows(rows) -> list[dict]:
    """The observations entering the fit, each with its figure as published."""
    from .units import fmt

    obs = []
    for r in rows:
        fig = (
            f"{fmt(r.low, r.dimension)} – {fmt(r.high, r.dimension)}"
            if r.is_range
            else ("~" if r.approximate else "") + fmt(r.value, r.dimension)
        )
        obs.append(
            {
                "benchmark": r.benchmark,
                "series": r.series,
                "date": r.date,
                "system": r.system,
                "figure": fig,
                "value": None if r.is_range else r.value,
                "low": None if not r.is_range else r.low,
                "high": None if not r.is_range else r.high,
                "unit": r.unit,
                "kind": r.kind,
                "approximate": r.approximate,
                "variant": r.variant,
                "source": r.source,
                "note": r.note,
                "origin": r.origin,
            }
        )
    return obs


def prior_rows(d: dict, path: str = "") -> list[dict]:
    """Flatten the priors into (key, setting, why) rows: a ``why`` justifies the other
    settings of its table, a ``why_X`` the setting ``X``."""
    rows = []
    whys = {k: v for k, v in d.items() if k.startswith("why")}
    plain = {k: v for k, v in d.items() if not k.startswith("why") and not isinstance(v, dict)}
    paired = {k[4:] for k in whys if k != "why"}
    main = {k: v for k, v in plain.items() if k not in paired and v is not None}
    if "why" in whys and main:
        rows.append(
            {
                "key": path,
                "setting": ", ".join(f"{k} = {v}" for k, v in main.items()),
                "why": whys["why"],
            }
        )
    for k in sorted(paired):
        v = d.get(k)
        if v is None:
            continue
        setting = ", ".join(f"{a} = {b}" for a, b in v.items()) if isinstance(v, dict) else str(v)
        rows.append({"key": f"{path}.{k}".strip("."), "setting": setting, "why": whys[f"why_{k}"]})
    for k, v in d.items():
        if isinstance(v, dict) and k not in paired:
            rows += prior_rows(v, f"{path}.{k}".strip("."))
    return rows


def provenance(inp, scenarios, first: Provenance) -> dict:
    """The first reading's provenance with data files, scenario files, priors and software."""
    from .fit import package_version

    prov = first.model_dump(mode="json", exclude_unset=True)
    from .history import is_table_name

    prov["data_files"] = [
        {"path": f"<bundled table> {d}", "sha256_16": None}  # covered by the data hash
        if is_table_name(d)
        else {"path": str(Path(d).resolve()), "sha256_16": file_hash(d)}
        for d in inp.data_files
    ]
    prov["scenarios"] = {sc.name: {"path": sc.path, "hash": sc.digest} for sc in scenarios}
    prov.pop("scenario_hash", None)
    prov["priors_source"] = inp.priors.source
    prov["versions"] = {
        "forecast": __version__,
        "python": platform.python_version(),
        "pymc": package_version("pymc"),
        "arviz": package_version("arviz"),
        "nutpie": package_version("nutpie"),
        "xarray": package_version("xarray"),
        "matplotlib": package_version("matplotlib"),
    }
    return prov
