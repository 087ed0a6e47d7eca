"""Fit the growth models: sample with PyMC (nutpie when installed), check convergence,
save the posterior as netCDF with provenance, and reuse it while data, priors and
sampler settings are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import sys
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__, diagnostics
from .errors import ForecastError
from .growth import build_model
from .io import env_limit, write_with
from .observation_record import table_hash, to_dataset
from .observations import Observation
from .priors import Priors
from .start_check import check_start

# Bump when the model's equations change, so cached posteriors are refitted.
MODEL_VERSION = "growth-7"  # 7: the walk starts no higher than the series' record


MAX_DRAWS_ENV = "FORECAST_MAX_DRAWS"
DEFAULT_MAX_DRAWS = 200_000  # chains x draws; 50x the default 4 x 1000
BYTES_PER_DRAW = 8 * 12 * 40  # float64 per month over a 40-year horizon, one threshold


def max_draws() -> int:
    """The largest chains x draws accepted (``FORECAST_MAX_DRAWS``, default 200,000)."""
    return env_limit(MAX_DRAWS_ENV, DEFAULT_MAX_DRAWS, int, "a whole number of draws")


@dataclass(frozen=True)
class SamplerSettings:
    """How the posterior is sampled; every field is part of the cache key and provenance."""

    seed: int = 1
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.95
    sampler: str = "auto"  # "nutpie", "pymc" or "auto" (nutpie when installed)

    def __post_init__(self) -> None:
        total, limit = self.chains * self.draws, max_draws()
        if total > limit:
            gb = total * BYTES_PER_DRAW / 1e9
            raise ForecastError(
                f"{self.chains} chains x {self.draws:,} draws = {total:,} posterior draws would "
                f"need about {gb:,.1f} GB (the forward walk holds ~{BYTES_PER_DRAW // 1000} kB "
                f"per draw and threshold); the limit is {limit:,} draws in all. Lower --draws "
                f"or --chains, or set {MAX_DRAWS_ENV} to raise the limit",
                "--draws",
            )

    def resolved(self) -> SamplerSettings:
        if self.sampler != "auto":
            return self
        return SamplerSettings(
            **{**asdict(self), "sampler": "nutpie" if find_spec("nutpie") else "pymc"}
        )


def default_cache_dir() -> Path:
    env = os.environ.get("FORECAST_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "forecast"


def cache_key(rows: list[Observation], priors: Priors, settings: SamplerSettings) -> str:
    body = {
        "model": MODEL_VERSION,
        "data": table_hash(rows),
        "priors": priors.digest(),
        "settings": asdict(settings.resolved()),
        "environment": environment(),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]


def posterior_path(cache_dir: Path, key: str) -> Path:
    """Where the posterior of cache key ``key`` (:func:`cache_key`) is kept."""
    return cache_dir / f"posterior-{key}.nc"


def will_sample(
    rows: list[Observation],
    priors: Priors,
    settings: SamplerSettings,
    cache_dir: Path | None = None,
    refit: bool = False,
) -> bool:
    """Whether :func:`fit` will sample: ``refit``, or no posterior cached for these inputs
    (a cached file that fails its checks is refitted too; this does not foresee that)."""
    return refit or not _cached_at(rows, priors, settings, cache_dir).exists()


def _cached_at(rows, priors, settings, cache_dir: Path | None) -> Path:
    """Where :func:`fit` keeps the posterior of these inputs [cache_dir default: the user's]."""
    return posterior_path(Path(cache_dir or default_cache_dir()), cache_key(rows, priors, settings))


def environment() -> dict[str, str]:
    """Interpreter and numerical-library versions: part of the cache key, so a posterior
    sampled by another install is refitted rather than reused, and recorded in provenance."""
    env = {"python": platform.python_version()}
    for pkg in ("numpy", "scipy", "pymc", "pytensor", "numba", "nutpie"):
        env[pkg] = package_version(pkg, missing="absent")
    return env


def posterior_hash(posterior: xr.Dataset) -> str:
    h = hashlib.sha256()
    for name in sorted(str(v) for v in posterior.data_vars):
        h.update(name.encode())
        h.update(np.ascontiguousarray(posterior[name].values).tobytes())
    return h.hexdigest()[:16]


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr, flush=True)


def sample(
    rows: list[Observation], priors: Priors, settings: SamplerSettings, quiet: bool = False
) -> xr.DataTree:
    """Sample the joint growth model; return a DataTree with provenance and diagnostics attrs."""
    import pymc as pm

    s = settings.resolved()
    model, design = build_model(rows, priors)
    check_start(model, rows)
    free = [v.name for v in model.free_RVs]
    _log(
        f"fitting {len(design.bounded)} bounded and {len(design.unbounded)} unbounded series "
        f"({s.sampler}, {s.chains} chains x {s.draws} draws, seed {s.seed})...",
        quiet,
    )
    logger = logging.getLogger("pymc")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        with model:
            dt = _sample_or_explain(
                pm,
                rows,
                draws=s.draws,
                tune=s.tune,
                chains=s.chains,
                cores=min(s.chains, os.cpu_count() or 1),
                random_seed=s.seed,
                target_accept=s.target_accept,
                nuts_sampler=s.sampler,
                progressbar=not quiet and sys.stderr.isatty(),
                compute_convergence_checks=False,
            )
    finally:
        logger.setLevel(level)
    post = dt.posterior.to_dataset()
    diag = diagnostics.compute(post, dt.sample_stats.to_dataset(), free)
    keep = {k: dt[k].to_dataset() for k in ("posterior", "sample_stats") if k in dt}
    keep["observations"] = to_dataset(rows)
    out = xr.DataTree.from_dict(keep)
    out.attrs.update(provenance(rows, priors, s, post, diag, design, free))
    return out


def _sample_or_explain(pm, rows, **kwargs):
    """pm.sample, with failures to initialise or sample turned into a user-facing error (and
    an interrupt while sampling raised, never a truncated posterior returned)."""
    from .interrupts import noted

    try:
        with noted():
            return pm.sample(**kwargs)
    except (pm.exceptions.SamplingError, FloatingPointError, ValueError, RuntimeError) as e:
        benches = sorted({r.benchmark for r in rows if r.kind == "ai"})
        raise ForecastError(
            f"the growth model could not be fitted ({type(e).__name__}: {str(e)[:300]}); check the "
            f"observations of {', '.join(benches)} for contradictory or extreme values "
            "(`forecast data` lists them)"
        ) from None


def provenance(rows, priors, s: SamplerSettings, post, diag, design, free) -> dict:
    """Attributes stored on every saved posterior (netCDF attrs must be flat scalars/strings)."""
    return {
        "forecast_version": __version__,
        "model_version": MODEL_VERSION,
        "data_hash": table_hash(rows),
        "priors_hash": priors.digest(),
        "posterior_hash": posterior_hash(post),
        "seed": s.seed,
        "sampler": s.sampler,
        "draws": s.draws,
        "tune": s.tune,
        "chains": s.chains,
        "target_accept": s.target_accept,
        "free_parameters": json.dumps(free),
        "bounded_benchmarks": json.dumps(design.bounded),
        "unbounded_benchmarks": json.dumps(design.unbounded),
        "t_ref": json.dumps(design.t_ref),
        "t_last": json.dumps(design.t_last),
        "n_observations": json.dumps(design.n_obs),
        "pooling": json.dumps(
            {"bounded": priors.bounded.pooling.mode, "unbounded": priors.unbounded.pooling.mode}
        ),
        "variants": json.dumps(
            dict(sorted({r.benchmark: r.variant for r in rows if r.variant}.items()))
        ),
        "diagnostics": json.dumps(diag),
        "pymc_version": package_version("pymc"),
        "arviz_version": package_version("arviz"),
        "environment": json.dumps(environment(), sort_keys=True),
    }


def package_version(pkg: str, missing: str = "not installed") -> str:
    """An installed distribution's version, or ``missing``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(pkg)
    except PackageNotFoundError:
        return missing


def save(dt: xr.DataTree, path: str | Path) -> None:
    write_with(path, lambda tmp: dt.to_netcdf(tmp, engine="h5netcdf"))


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digest_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def save_cached(dt: xr.DataTree, path: Path) -> None:
    """Cache a posterior with a content digest beside it (``<name>.nc.sha256``)."""
    save(dt, path)
    digest = _file_digest(path)

    def write(tmp: Path) -> None:
        Path(tmp).write_text(digest + "\n")

    write_with(_digest_path(path), write)


def load_cached(path: Path) -> tuple[xr.DataTree | None, str]:
    """A cached posterior if its file digest and its recomputed posterior hash both match what
    was stored; otherwise (None, why), so the caller refits instead of reusing a corrupted file."""
    digest = _digest_path(path)
    if not digest.exists():
        return None, "has no content digest"
    if digest.read_text().strip() != _file_digest(path):
        return None, "does not match its content digest (corrupted or changed)"
    dt = load(path)
    if posterior_hash(dt.posterior.to_dataset()) != dt.attrs.get("posterior_hash"):
        return None, "holds draws that do not match its posterior hash"
    return dt, ""


def load(path: str | Path) -> xr.DataTree:
    with xr.open_datatree(path, engine="h5netcdf") as dt:
        return dt.load()


def fit(
    rows: list[Observation],
    priors: Priors,
    settings: SamplerSettings,
    cache_dir: Path | None = None,
    refit: bool = False,
    quiet: bool = False,
) -> tuple[xr.DataTree, bool]:
    """The posterior for (rows, priors, settings): from the cache if present, else sampled and cached.

    Returns (posterior DataTree, whether it came from the cache).
    """
    path = _cached_at(rows, priors, settings, cache_dir)
    if path.exists() and not refit:
        try:
            cached, why = load_cached(path)
        except (OSError, ValueError):
            cached, why = None, "is unreadable"
        if cached is not None:
            _log(f"reusing posterior {path} (data, priors and seed unchanged)", quiet)
            return cached, True
        _log(f"cached posterior {path} {why}; refitting", quiet)
    dt = sample(rows, priors, settings, quiet=quiet)
    try:
        save_cached(dt, path)
    except Exception as e:  # a read-only cache must not stop a forecast
        _log(f"note: could not cache the posterior at {path}: {e}", quiet)
    return dt, False
