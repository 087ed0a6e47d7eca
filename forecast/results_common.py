"""What the typed results of `check`, `sweep` and the rolling `backtest`
(:mod:`forecast.results_check`, :mod:`forecast.results_sweep`,
:mod:`forecast.results_rolling`) share: a whole result stamped with its schema version, and
its JSON form (records are :class:`forecast.results_base.StrictResult`)."""

from __future__ import annotations

from typing import Any, Self

from .results_base import SCHEMA_VERSION, Diagnostics, StrictResult

__all__ = ["SCHEMA_VERSION", "Diagnostics", "StrictResult", "TopResult"]


class TopResult(StrictResult):
    """A whole result as a command writes it: stamped with ``schema_version``."""

    schema_version: str = SCHEMA_VERSION

    def as_json(self) -> dict[str, Any]:
        """The JSON form written to disk and printed by --json: keys that were not given (optional
        sections that do not apply) are left out; aliased keys are written under their alias."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Validate a result built as a dict (the computing modules' output), stamped."""
        return cls.model_validate({**d, "schema_version": SCHEMA_VERSION})
