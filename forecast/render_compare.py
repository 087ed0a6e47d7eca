"""Files of `forecast compare`: compare.json and a date-CDF figure per event, inside --out."""

from __future__ import annotations

from pathlib import Path

from .errors import ForecastError
from .results import CompareSummary


def check_out(out: Path, force: bool) -> None:
    if out.exists() and any(out.glob("compare*")) and not force:
        raise ForecastError(
            "already holds comparison files; pass --force to overwrite them", str(out)
        )


def write(out: Path, cmp: CompareSummary, arms) -> list[Path]:
    """compare.json and a date-CDF figure per event (PNG and SVG) in ``out``; their paths."""
    from .claims import bound
    from .figures import date_cdf, slug
    from .io import write_json
    from .output import inside
    from .reading import load_references
    from .thresholds import parse_horizon

    claims = load_references()
    write_json(out / "compare.json", cmp.as_json())
    paths = [out / "compare.json"]
    for ev in cmp.events:
        curves = {a.label: a.result.dates["crossing_year"].sel(event=ev).values for a in arms}
        marks = [
            (parse_horizon(c["by"], c["id"]), bound(c)[1], c["who"].split(",")[0])
            for c in claims
            if c.get("event") == ev  # claims on a growth parameter have no event
        ]
        paths += date_cdf(
            curves,
            cmp.events[ev].title,
            arms[0].result.plan.horizon,
            inside(out, f"compare-{slug(ev)}"),
            marks,
            horizon_text=arms[0].result.plan.horizon_text,
        )
    return paths
