"""One report per test session, shared by tests/test_report.py and tests/test_browser.py.

It is made the way a user makes one (`forecast report` through the CLI, default sampler
settings; the extra benchmark means one fit of its own) from hostile user input: a data
file whose benchmark is named ``<script>alert(1)</script>`` with markup in its system,
source and note, and a copy of reading 2 whose title carries markup too. Every one of
those strings must show as text.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from .conftest import HEADER, ROOT

EVIL_BENCH = "<script>alert(1)</script>"
EVIL_SYSTEM = '"Quoted" & <b>bold</b> $x$'
EVIL_SOURCE = "<img src=x onerror=alert(2)> report"
EVIL_TITLE = '<script>alert(3)</script> Reading 2 & "quotes"'

_made: dict[str, tuple[Path, str]] = {}


def user_inputs(d: Path) -> tuple[Path, Path]:
    """(data CSV, scenario TOML) with markup in every user string."""
    d.mkdir(parents=True, exist_ok=True)
    csv = d / "hostile.csv"
    rows = [
        (f'"{EVIL_BENCH}"', "2024-06", "12"),
        (f'"{EVIL_BENCH}"', "2025-03", "31"),
        (f'"{EVIL_BENCH}"', "2025-12", "52"),
    ]
    body = "".join(
        f'{b},{date},"{EVIL_SYSTEM.replace(chr(34), chr(34) * 2)}",{v},,,percent,ai,false,,'
        f'"{EVIL_SOURCE}",note with <i>markup</i>\n'
        for b, date, v in rows
    )
    csv.write_text(HEADER + body, encoding="utf-8")
    src = (ROOT / "scenarios" / "compressed-perspiration.toml").read_text("utf-8")
    title = 'title = "' + EVIL_TITLE.replace('"', '\\"') + '"'
    src = re.sub(
        r"(?m)^title = .*$", lambda m: title, src, count=1
    )  # the file's title, not its events'
    toml = d / "hostile-reading.toml"
    toml.write_text(src, encoding="utf-8")
    return csv, toml


def invoke(*args) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from forecast.cli import main

    r = CliRunner().invoke(main, [*args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def report_args(csv: Path, toml: Path, out: Path) -> list[str]:
    return [
        "report",
        "--data",
        str(csv),
        "--scenario",
        "inspiration-binding",
        "--scenario",
        str(toml),
        "--out",
        str(out),
        "--quiet",
    ]


def hostile_report(tmp_path_factory, cache_dir) -> tuple[Path, str]:
    """(output directory, stdout) of the shared report; made on first use."""
    if "hostile" not in _made:
        base = tmp_path_factory.mktemp("hostile-report")
        csv, toml = user_inputs(base / "inputs")
        out = base / "report"
        code, stdout, stderr = invoke(*report_args(csv, toml, out))
        assert code == 0, stderr
        _made["hostile"] = (out, stdout)
    return _made["hostile"]


def reproduce_command(page: str) -> str:
    m = re.search(r'<pre id="reproduce"><code>(.*?)</code></pre>', page, re.S)
    assert m, "no reproduce command in the page"
    return unescape(m[1])
