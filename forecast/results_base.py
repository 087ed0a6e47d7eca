"""The base of the typed results (:mod:`forecast.results`, :mod:`forecast.results_crossing`):
the schema version, the strict frozen model, and the sampler diagnostics every result carries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = "1.7"  # 1.1: met_at_start on composite events; 1.2: crossing provenance;
# 1.3: check, sweep and rolling-backtest results typed (their JSON gains schema_version);
# 1.4: structural, sbc, sensitivity and report.json typed too; 1.5: claims on a growth
# parameter (a reference's event and by become optional; series, between, engine_median_months);
# 1.6: backtest coverage shares carry 95 % intervals clustered by case and a band verdict;
# claims conditional on a reading (given_reading); 1.7: a compare arm's scenario description


class StrictResult(BaseModel):
    """A result record: frozen, and an unknown key is an error (a typo is not a new field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DiagnosticThresholds(StrictResult):
    max_rhat: float
    min_ess: int
    divergences: int


class Diagnostics(StrictResult):
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
