"""The base of the typed results (:mod:`forecast.results`, :mod:`forecast.results_crossing`):
the schema version, the strict frozen model, and the sampler diagnostics every result carries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = "1.2"  # 1.1: met_at_start on composite events; 1.2: crossing provenance


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiagnosticThresholds(_Result):
    max_rhat: float
    min_ess: int
    divergences: int


class Diagnostics(_Result):
    """Convergence of the posterior: worst R-hat and ESS over parameters, divergences."""

    max_rhat: float
    max_rhat_parameter: str
    min_ess_bulk: float
    min_ess_bulk_parameter: str
    min_ess_tail: float
    min_ess_tail_parameter: str
    divergences: int
    thresholds: DiagnosticThresholds
    warnings: list[str]
    ok: bool
