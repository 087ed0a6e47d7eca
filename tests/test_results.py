"""Typed results: the JSON the CLI writes validates against the committed JSON Schema."""

import copy
import json

import jsonschema
import pytest

from forecast.result_schemas import SCHEMAS, json_schema
from forecast.results import SCHEMA_VERSION, run_summary

from .conftest import HEADER, ROOT, write

SCHEMA_DIR = ROOT / "docs" / "schema"


def _schema(name):
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text())


def valid_result(name: str, obj: dict) -> dict:
    """``obj`` (a command's JSON; the module tests use this on the outputs they make)
    validates against the committed schema, carries the schema
    version, and is exactly the serialisation of its result type (nothing lost or added)."""
    jsonschema.validate(obj, _schema(name))
    assert obj["schema_version"] == SCHEMA_VERSION
    assert SCHEMAS[name].model_validate(obj).as_json() == obj
    return obj


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name):
    # regenerate with: python -m forecast.result_schemas docs/schema
    assert _schema(name) == json.loads(json.dumps(json_schema(name), sort_keys=True))


def test_every_result_has_its_schema_file_and_no_file_is_stray():
    assert {p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json")} == set(
        SCHEMAS
    )
    assert {
        "run", "compare", "crossing", "check", "sweep", "rolling", "structural", "sbc",
        "sensitivity", "report",
    } <= set(SCHEMAS)  # fmt: skip


def test_run_summary_validates_and_round_trips(bundled_result):
    summary = bundled_result.run.as_json()
    assert summary["schema_version"] == SCHEMA_VERSION
    jsonschema.validate(summary, _schema("run"))
    assert run_summary(summary).as_json() == summary
    ev = bundled_result.run.events["posttrainbench-parity"]
    assert ev.p_by(2028).p == summary["events"]["posttrainbench-parity"]["p_by_year"]["2028"]["p"]


def test_schema_rejects_what_is_not_a_result(bundled_result):
    schema = _schema("run")
    bad = copy.deepcopy(bundled_result.run.as_json())
    bad["events"]["posttrainbench-parity"]["p_by_year"]["2028"]["p"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    missing = copy.deepcopy(bundled_result.run.as_json())
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


# the smallest invocations the command tests use (tests/test_cli_paths.py, test_sweep.py and
# test_backtest.py): their fits are shared through the session's posterior cache

FIVE_POINTS = HEADER + "".join(
    f"horizon2,{y}-06,m{y},{v},,,minutes,ai,,,synthetic,\n"
    for y, v in [(2021, 1), (2022, 3), (2023, 8), (2024, 25), (2025, 70)]
)
TINY = ("--draws", "200", "--tune", "200", "--chains", "2")


def test_check_json_validates(cli, tmp_path):
    data = write(tmp_path / "series.csv", FIVE_POINTS)
    code, out, err = cli(
        "check", "--no-bundled", "--data", str(data), *TINY, "--threshold", "horizon2>=10h",
        "--widen", "1", "--prior-samples", "100", "--loo", "exact", "--json", "-q",
        "--out", str(tmp_path / "chk"),
    )  # fmt: skip
    assert code == 0, err
    s = valid_result("check", json.loads(out))
    assert s["loo"]["n_refits"] == 5 and all(
        "diagnostics_ok" in o for o in s["loo"]["observations"]
    )
    on_disk = valid_result("check", json.loads((tmp_path / "chk" / "check.json").read_text()))
    assert on_disk["files"][-1] == "check.json" and {**on_disk, "files": None} == {
        **s,
        "files": None,
    }
    bad = copy.deepcopy(s)
    bad["predictive"]["observations"][0]["posterior"]["in_90"] = "yes"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, _schema("check"))


def test_sweep_json_validates(cli, tmp_path):
    f = write(
        tmp_path / "one.toml",
        'title = "one axis"\nbase = "compressed-perspiration"\ndesign = "grid"\n\n'
        '[axes.elasticity]\nvalues = [0.0, 1.0]\nwhy = "reading 1 to reading 2 for the test."\n',
    )
    code, out, err = cli("sweep", str(f), "--out", str(tmp_path / "o"), "--sync", "--json", "-q")
    assert code == 0, err
    s = valid_result("sweep", json.loads(out))
    assert valid_result("sweep", json.loads((tmp_path / "o" / "sweep.json").read_text())) == s
    ev = s["events"]["automated-ai-rnd"]
    assert ev["p_by_2028_min"] <= ev["p_by_2028_max"] and set(ev["effect_by_axis"]) == {
        "elasticity"
    }
    bad = copy.deepcopy(s)
    bad["events"]["automated-ai-rnd"]["p_by_2028_max"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, _schema("sweep"))


def test_rolling_backtest_json_validates(cli, tmp_path):
    code, out, err = cli(
        "backtest", "--data", str(ROOT / "examples" / "synthetic-series.csv"),
        "--cutoff", "2024-01", "--cutoff", "2025-01", *("--draws", "300", "--tune", "300"),
        "--chains", "2", "--out", str(tmp_path / "bt"), "--json", "-q",
    )  # fmt: skip
    assert code == 0, err
    s = valid_result("rolling", json.loads(out))
    assert s["data"]["n_rows"] > 0 and s["sampler"]["draws"] == 300 and s["threshold_scores"]
    on_disk = valid_result("rolling", json.loads((tmp_path / "bt" / "backtest.json").read_text()))
    assert on_disk["files"][-1] == "backtest.json" and on_disk["points"] == s["points"]
    bad = copy.deepcopy(s)
    del bad["points"][0]["model"]["pit"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, _schema("rolling"))
