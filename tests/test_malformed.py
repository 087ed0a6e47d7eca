"""A corpus of malformed inputs (tests/malformed/): each is a one-line error, exit code 2,
except the cases of real data that only look malformed (0 % and 100 % results), which must
be accepted.

The cases and the messages they must produce are listed in tests/malformed/cases.toml.
`data` checks the observation table only; `run` cases must fail before any sampling
(sampling is replaced by a tripwire here) and must not create their --out directory.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecast.cli import main

MALFORMED = Path(__file__).resolve().parent / "malformed"
CASES = tomllib.loads((MALFORMED / "cases.toml").read_text("utf-8"))["case"]


class SamplingStarted(Exception):
    """Raised by the tripwire: a malformed-input case got as far as fitting."""


@pytest.fixture(autouse=True)
def no_sampling(monkeypatch, tmp_path):
    import forecast.pipeline

    def tripwire(*args, **kwargs):
        raise SamplingStarted("a malformed input reached the sampler")

    monkeypatch.setattr(forecast.pipeline, "fit_posterior", tripwire)
    monkeypatch.setenv("FORECAST_CACHE", str(tmp_path / "cache"))


def _params():
    for c in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=c["xfail"])] if "xfail" in c else []
        yield pytest.param(c, id=c["id"], marks=marks)


def invoke(args: list[str]):
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_cases_are_well_formed():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    for c in CASES:
        assert set(c) <= {"id", "args", "expect", "format", "xfail"}, c["id"]
        assert c["args"][0] in ("data", "run") and 1 <= len(c["expect"]) <= 3, c["id"]
        assert c.get("format", "error") in ("error", "click", "accepted"), c["id"]
    # every corpus file is used by a case
    used = " ".join(a for c in CASES for a in c["args"])
    for p in MALFORMED.iterdir():
        if p.name != "cases.toml":
            assert "{malformed}/" + p.name in used, f"{p.name} is not used by any case"


@pytest.mark.parametrize("case", list(_params()))
def test_malformed_input(case, tmp_path):
    args = [a.format(malformed=MALFORMED, tmp=tmp_path) for a in case["args"]]
    out = tmp_path / "out"
    if args[0] == "run":
        args += ["-q", "--out", str(out)]
    code, stdout, stderr = invoke(args)
    assert "Traceback" not in stderr + stdout
    if case.get("format") == "accepted":
        assert code == 0 and not stderr.strip(), f"exit code {code}; stderr: {stderr}"
        for s in case["expect"]:
            assert s in stdout, f"{s!r} not in the output"
        return
    assert "SamplingStarted" not in stderr, "the input was not rejected before sampling"
    assert code == 2, f"exit code {code}; stderr: {stderr}"
    if case.get("format", "error") == "error":
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    else:
        assert "Error: Invalid value" in stderr, stderr
    for s in case["expect"]:
        assert s in stderr, f"{s!r} not in {stderr!r}"
    assert not out.exists()


def test_oversized_field(tmp_path):
    f = tmp_path / "huge-note.csv"
    f.write_text(
        "benchmark,date,system,value,low,high,unit,kind,approximate,variant,source,note\n"
        "toy,2025-01,model-a,40,,,percent,ai,false,,my lab," + "x" * 200_000 + "\n"
    )
    code, _, stderr = invoke(["data", "--data", str(f)])
    assert code == 2 and "huge-note.csv:2" in stderr and "Traceback" not in stderr


def test_a_toml_file_with_a_byte_order_mark_is_read(tmp_path):
    from forecast.scenario import load

    src = (MALFORMED.parent.parent / "scenarios" / "inspiration-binding.toml").read_bytes()
    plain, bom = tmp_path / "plain.toml", tmp_path / "bom.toml"
    plain.write_bytes(src)
    bom.write_bytes(b"\xef\xbb\xbf" + src)  # what some editors write first
    assert load(bom).spec == load(plain).spec
