"""Writing a run's artifacts: posterior.nc, forecast.nc, summary.json, summary.csv.

Everything is computed before the first file is written, and each file is written
atomically; an existing output directory with artifacts in it needs ``force``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ForecastError
from .io import dumps_json, write_csv, write_text, write_with

if TYPE_CHECKING:
    from .pipeline import Result
    from .results import Event, RunSummary
    from .results_report import HeadlineRow

ARTIFACTS = ("posterior.nc", "forecast.nc", "summary.json", "summary.csv")


def check_out_dir(out: Path, force: bool, artifacts: tuple[str, ...] = ARTIFACTS) -> None:
    """Refuse an output path that is a file, or a directory already holding ``artifacts``
    (unless ``force``). Whether it can be written is checked as ``--out`` is read
    (:func:`forecast.cli.options.writable_out`)."""
    if out.exists() and not out.is_dir():
        raise ForecastError("exists and is not a directory; expected an output directory", str(out))
    present = [a for a in artifacts if (out / a).exists()]
    if present and not force:
        raise ForecastError(
            f"already holds {', '.join(present)}; pass --force to overwrite them", str(out)
        )


def check_writable(out: Path) -> None:
    """Refuse an output directory that could not be written, before any work: its nearest
    existing folder (``out`` itself, or the parent it would be created in) must be a directory
    in which a folder can be made. Probed by making and removing an empty hidden folder there,
    so a read-only filesystem, a missing permission or a pseudo-filesystem (/proc) is found
    even by a user the permission bits do not bind."""
    here = out.absolute()
    while not here.exists():
        here = here.parent
    if not here.is_dir():
        raise ForecastError(
            f"cannot create the output directory: {here} is a file, not a directory", str(out)
        )
    try:
        tempfile.TemporaryDirectory(dir=here, prefix=".forecast-probe-").cleanup()
    except OSError as e:
        verb = "write" if here == out.absolute() else "create"
        raise ForecastError(
            f"cannot {verb} the output directory ({e.strerror} in {here})", str(out)
        ) from None


def make_dir(folder: Path, out: Path | None = None) -> None:
    """Create ``folder`` (and its parents); a failure is a user error naming the output
    directory ``out`` (``folder`` itself by default)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ForecastError(
            f"cannot create the output directory ({e.strerror})", str(out or folder)
        ) from None


def inside(out: Path, name: str) -> Path:
    """``out / name``, refused unless it resolves inside ``out``: every file name derived from
    user text (event ids, labels) goes through here before anything is written."""
    path = (out / name).resolve()
    root = out.resolve()
    if path != root and root not in path.parents:
        raise ForecastError(
            f"file name {name!r} would be written outside the output directory", str(out)
        )
    return out / name


def date_columns(years: list) -> list[str]:
    """CSV columns of one event's dates: 10/50/90 % quantile dates, P(not by horizon) ± MCSE,
    the horizon, then P(by end of year) and its MCSE per year."""
    return [
        *("q10", "median", "q90", "p_not_by_horizon", "p_not_by_horizon_mcse", "horizon"),
        *(f"p_by_{y}" for y in years),
        *(f"mcse_by_{y}" for y in years),
    ]


def date_values(e: Event | HeadlineRow, years: list[str]) -> list:
    """The :func:`date_columns` of one event (a run's event or a report headline row;
    ``years`` as the keys of its ``p_by_year``); an uncrossed quantile is empty."""
    q = e.quantiles
    return [
        *(q["0.1"] or "", q["0.5"] or "", q["0.9"] or ""),
        *(e.p_not_by_horizon, e.p_not_by_horizon_mcse, e.horizon),
        *(e.p_by_year[y].p for y in years),
        *(e.p_by_year[y].mcse for y in years),
    ]


def summary_csv(summary: RunSummary) -> tuple[list[str], list[list]]:
    events = summary.events
    years = list(next(iter(events.values())).p_by_year) if events else []
    header = [
        *("event", "benchmark", "threshold", "title"),
        *date_columns(years),
        *("max_rhat", "min_ess_bulk", "divergences", "data_hash", "priors_hash", "seed"),
    ]
    d, p = summary.diagnostics, summary.provenance
    rows = [
        [
            *(ev, e.benchmark, e.threshold, e.title),
            *date_values(e, years),
            *(d.max_rhat, d.min_ess_bulk, d.divergences),
            *(p.data_hash, p.priors_hash, p.seed),
        ]
        for ev, e in events.items()
    ]
    return header, rows


def write_run(out: Path, result: Result, force: bool = False) -> list[Path]:
    """Write every artifact of a forecast ``Result`` into ``out``."""
    from .fit import save

    check_out_dir(out, force)
    run = result.run
    summary_text = dumps_json(run.as_json())
    header, rows = summary_csv(run)
    dates = result.dates.copy()
    for key, part in (("summary", run.provenance), ("diagnostics", run.diagnostics)):
        dates.attrs[key] = json.dumps(
            part.model_dump(mode="json", exclude_unset=True), sort_keys=True
        )
    dates = dates.rename({"benchmark": "event_benchmark"})
    dates = dates.drop_vars("crossing_date").assign(
        crossing_date=(("draw", "event"), result.dates["crossing_date"].values)
    )
    params = result.curves.reset_coords(["family", "t_ref"])
    params["family"] = params["family"].astype(str)
    ds = dates.merge(params.rename({v: f"curve_{v}" for v in params.data_vars}))
    if result.trajectories is not None:
        from .reading import trajectory_quantiles

        q = trajectory_quantiles(result.trajectories)
        ds = ds.merge(q.rename({v: f"residual_{v}" for v in q.data_vars}))
    for v in ("event", "event_benchmark", "benchmark", "title"):
        ds[v] = ds[v].astype(str)
    make_dir(out)
    save(result.posterior, out / "posterior.nc")
    write_with(out / "forecast.nc", lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
    write_text(out / "summary.json", summary_text)
    write_csv(out / "summary.csv", header, rows)
    return [out / a for a in ARTIFACTS]
