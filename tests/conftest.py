import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One posterior cache per test session, so the bundled fit is sampled once."""
    d = tmp_path_factory.mktemp("posterior-cache")
    os.environ["FORECAST_CACHE"] = str(d)
    return d


@pytest.fixture(scope="session")
def bundled_result(cache_dir):
    from forecast.pipeline import forecast, inputs

    return forecast(inputs(), cache_dir=cache_dir, quiet=True)


@pytest.fixture
def cli(cache_dir):
    """Invoke the CLI in-process; returns (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from forecast.cli import main

    def invoke(*args):
        r = CliRunner().invoke(main, [*args], catch_exceptions=False)
        return r.exit_code, r.stdout, r.stderr

    return invoke


@pytest.fixture(autouse=True)
def _no_signal_left_recorded():
    """A test that installs the command-wide signal handlers and signals itself leaves the
    signal recorded; the next test starts with none (forecast/interrupts.py)."""
    yield
    from forecast.interrupts import forget

    forget()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "benchmark,date,system,value,low,high,unit,kind,approximate,variant,source,note\n"
