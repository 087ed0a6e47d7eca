"""Same seed, same numbers on two Pythons: install the locked packages into a fresh virtual
environment per interpreter, run `forecast run --json --seed 1` with an empty cache in each,
and compare the posterior hash and every event's numbers.

    python benchmarks/python_versions.py /path/to/python3.12 /path/to/python3.13

Prints each interpreter's posterior hash and whether the events are byte-identical; nothing
is asserted (run by hand: two installs take a few minutes and need the package registry).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_in(python: str, tmp: Path) -> dict:
    venv = tmp / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-warn-conflicts"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements.lock")], check=True)
    subprocess.run([*pip, "--no-deps", str(ROOT)], check=True)
    env = {**os.environ, "FORECAST_CACHE": str(tmp / "cache")}
    out = subprocess.run(
        [str(venv / "bin" / "forecast"), "run", "--json", "-q", "--seed", "1"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp,
    ).stdout
    return json.loads(out)


def main(pythons: list[str]) -> None:
    results = {}
    for py in pythons:
        with tempfile.TemporaryDirectory() as tmp:
            version = subprocess.run(
                [py, "-c", "import platform; print(platform.python_version())"],
                check=True, capture_output=True, text=True,
            ).stdout.strip()  # fmt: skip
            results[version] = run_in(py, Path(tmp))
    first = next(iter(results.values()))
    for version, r in results.items():
        same = json.dumps(r["events"], sort_keys=True) == json.dumps(
            first["events"], sort_keys=True
        )
        print(
            f"Python {version}: posterior {r['provenance']['posterior_hash']}, events "
            f"{'identical to' if same else 'DIFFERENT from'} the first interpreter's"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or [sys.executable])
