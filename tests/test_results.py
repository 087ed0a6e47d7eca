"""Typed results: the JSON the CLI writes validates against the committed JSON Schema."""

import copy
import json

import jsonschema
import pytest

from forecast.results import SCHEMA_VERSION, SCHEMAS, json_schema, run_summary

from .conftest import ROOT

SCHEMA_DIR = ROOT / "docs" / "schema"


def _schema(name):
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name):
    # regenerate with: python -m forecast.results docs/schema
    assert _schema(name) == json.loads(json.dumps(json_schema(name), sort_keys=True))


def test_run_summary_validates_and_round_trips(bundled_result):
    summary = bundled_result.summary
    assert summary["schema_version"] == SCHEMA_VERSION
    jsonschema.validate(summary, _schema("run"))
    assert run_summary(summary).as_json() == summary
    ev = bundled_result.run.events["posttrainbench-parity"]
    assert ev.p_by(2028).p == summary["events"]["posttrainbench-parity"]["p_by_year"]["2028"]["p"]


def test_schema_rejects_what_is_not_a_result(bundled_result):
    schema = _schema("run")
    bad = copy.deepcopy(bundled_result.summary)
    bad["events"]["posttrainbench-parity"]["p_by_year"]["2028"]["p"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    missing = copy.deepcopy(bundled_result.summary)
    del missing["provenance"]["posterior_hash"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(missing, schema)


def test_scenario_run_and_compare_json_validate(bundled_result, cli, tmp_path):
    code, out, _ = cli("run", "--scenario", "inspiration-binding", "--json", "-q")
    assert code == 0
    run = json.loads(out)
    jsonschema.validate(run, _schema("run"))
    assert run["events"]["automated-ai-rnd"]["binding_shares"]
    code, out, _ = cli(
        "compare", "inspiration-binding", "compressed-perspiration", "--json", "-q",
        "--out", str(tmp_path / "cmp"),
    )  # fmt: skip
    assert code == 0
    cmp = json.loads(out)
    jsonschema.validate(cmp, _schema("compare"))
    on_disk = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    jsonschema.validate(on_disk, _schema("compare"))
    assert on_disk["schema_version"] == SCHEMA_VERSION
