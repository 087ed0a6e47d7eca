"""Every typed result's JSON Schema, exported to ``docs/schema/<name>.schema.json``::

    python -m forecast.result_schemas docs/schema

The tests validate real command outputs against these files and fail when one is stale."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .results import (
    CheckSummary,
    CompareSummary,
    CrossingSummary,
    RollingSummary,
    RunSummary,
    SbcSummary,
    SensitivitySummary,
    StructuralSummary,
    SweepSummary,
)
from .results_report import ReportSummary

SCHEMAS: dict[str, type[BaseModel]] = {
    "run": RunSummary,
    "compare": CompareSummary,
    "crossing": CrossingSummary,
    "check": CheckSummary,
    "sweep": SweepSummary,
    "rolling": RollingSummary,
    "structural": StructuralSummary,
    "sbc": SbcSummary,
    "sensitivity": SensitivitySummary,
    "report": ReportSummary,
}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one result type (a key of :data:`SCHEMAS`)."""
    return SCHEMAS[name].model_json_schema(mode="serialization")


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SCHEMAS:
        p = folder / f"{name}.schema.json"
        p.write_text(json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n")
        paths.append(p)
    return paths


if __name__ == "__main__":
    for p in write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema")):
        print(p)
