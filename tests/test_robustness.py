"""Atomic outputs, interruptions, sampler trouble, and reproducibility across processes."""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast.errors import ForecastError
from forecast.io import write_with

from .conftest import ROOT

FORECAST = str(Path(sys.executable).with_name("forecast"))


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "summary.json"
    target.write_text("previous")

    def boom(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ForecastError, match="No space left on device.*nothing was written"):
        write_with(target, boom)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_sigterm_mid_write_leaves_no_partial_file(tmp_path):
    """A SIGTERM while a file is being written removes the temporary file."""
    from forecast.interrupts import terminate_as_interrupt

    terminate_as_interrupt()
    target = tmp_path / "forecast.nc"

    def writer(tmp):
        with open(tmp, "w") as f:
            f.write("x" * 1000)
            f.flush()
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
            f.write("never")

    try:
        with pytest.raises(KeyboardInterrupt):
            write_with(target, writer)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert list(tmp_path.iterdir()) == []


def test_permission_denied_is_a_user_error(tmp_path, cli):
    if os.geteuid() == 0:
        # root ignores directory permissions; a path under a regular file fails for everyone
        blocker = tmp_path / "file"
        blocker.write_text("x")
        code, _, err = cli("run", "-q", "--out", str(blocker / "sub"))
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        code, _, err = cli("run", "-q", "--out", str(ro / "sub"))
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["compare", "inspiration-binding", "compressed-perspiration"],
        ["sweep", str(ROOT / "scenarios" / "sweep-residual.toml"), "--sync"],
        ["report"],
    ],
)
def test_an_output_directory_that_cannot_be_made_is_refused_before_any_work(tmp_path, cli, command):
    """Every --out is checked while the options are read: under a regular file (for every
    user, root too) it is exit 2 naming --out, before a fit, with nothing written."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = cli(*command, "-q", "--out", str(blocker / "sub"))
    assert code == 2 and "--out" in err and "is a file, not a directory" in err, err
    assert "Traceback" not in err and "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_an_output_directory_the_filesystem_refuses_is_a_user_error(tmp_path, monkeypatch):
    """A read-only filesystem or /proc refuses the probe folder whatever the permission bits
    say (root included): the error says why, and the probe leaves nothing behind."""
    import tempfile

    from forecast.errors import ForecastError
    from forecast.output import check_writable

    check_writable(tmp_path / "new" / "deeper")  # creatable: accepted, nothing made
    assert list(tmp_path.iterdir()) == []

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", refuse)
    with pytest.raises(ForecastError, match="cannot write the output directory .Read-only"):
        check_writable(tmp_path)
    with pytest.raises(ForecastError, match="cannot create the output directory .Read-only"):
        check_writable(tmp_path / "sub")


def _started_sampling(p) -> str:
    """Read the child's stderr until the sampler has started; what was read."""
    seen = []
    for line in p.stderr:
        seen.append(line)
        if line.startswith("NUTS"):  # PyMC names the sampler as it starts sampling
            return "".join(seen)
    raise AssertionError("the sampler never started:\n" + "".join(seen))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_killed_run_leaves_no_output_and_no_cached_posterior(tmp_path, sig):
    """A signal while the sampler runs (fresh cache): exit 130, no --out directory at all, and
    no posterior cached. nutpie returns the draws made so far when interrupted; that
    truncated sample was once cached and published as complete."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    p = subprocess.Popen(
        [FORECAST, "run", "--out", str(out), "--seed", "11", "--draws", "40000"],
        env={**os.environ, "FORECAST_CACHE": str(cache)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    head = _started_sampling(p)
    time.sleep(15.0)  # nutpie compiles for several seconds; 4 x 40,000 draws take minutes
    p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    err = head + err
    assert p.returncode == 130, err
    assert not out.exists(), "an interrupted run leaves no --out, not even an empty one"
    assert not [q for q in tmp_path.iterdir() if q.name.endswith(".partial")]
    assert not list(cache.glob("posterior-*")), "an interrupted fit must not be cached"
    assert "Traceback" not in err and "interrupted" in err


def test_strict_turns_sampler_trouble_into_exit_3(cli, tmp_path):
    # 4 chains x 100 draws cannot reach a bulk ESS of 400: a warning, and exit 3 under --strict
    code, out, _ = cli("run", "-q", "--draws", "100", "--tune", "200", "--json")
    assert code == 0
    d = json.loads(out)["diagnostics"]
    assert not d["ok"] and any("ESS" in w for w in d["warnings"])
    res = tmp_path / "res"
    code, out, err = cli(
        "run", "-q", "--draws", "100", "--tune", "200", "--strict", "--out", str(res)
    )
    assert code == 3 and "WARNING" in out and "--strict" in err
    # nothing citable is written from a posterior that failed its checks
    assert "nothing was written to" in err and not res.exists()
    rep = tmp_path / "rep"
    code, _, err = cli(
        "report", "-q", "--draws", "100", "--tune", "200", "--strict", "--out", str(rep)
    )
    assert code == 3 and not rep.exists()


@pytest.mark.slow
def test_same_seed_same_bytes_fresh_or_cached(tmp_path):
    """The reproducibility guarantee, tested once: separate processes with the same inputs
    and seed write byte-identical summary.json and summary.csv whether the posterior is
    sampled afresh (two empty caches) or read back from the cache (a third run on the
    first cache). The compiler cache's part is tested in tests/test_cache.py."""
    runs = [("a", "fresh"), ("b", "fresh"), ("a", "cached")]
    outs = []
    for i, (cache, _) in enumerate(runs):
        out = tmp_path / f"run{i}"
        env = {**os.environ, "FORECAST_CACHE": str(tmp_path / f"cache-{cache}")}
        subprocess.run(
            [FORECAST, "run", "-q", "--seed", "1", "--out", str(out)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        outs.append(out)
    assert len(list((tmp_path / "cache-a").glob("posterior-*.nc"))) == 1  # the third reused it
    for name in ("summary.json", "summary.csv"):
        first = (outs[0] / name).read_bytes()
        for (_, how), out in zip(runs[1:], outs[1:], strict=True):
            assert (out / name).read_bytes() == first, (name, how)
