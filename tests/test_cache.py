"""The posterior cache cannot lie: a corrupted or altered cached file is refitted, not reused."""

import pytest

from forecast.fit import SamplerSettings, fit
from forecast.pipeline import inputs

SMALL = SamplerSettings(seed=3, draws=100, tune=100, chains=2)


def _corrupt(path, offset_from_end=8192, size=4096):
    data = bytearray(path.read_bytes())
    at = len(data) - offset_from_end
    data[at : at + size] = bytes((b + 1) % 256 for b in data[at : at + size])
    path.write_bytes(bytes(data))  # same size, different content


def test_corrupted_cache_is_refitted(tmp_path, capsys):
    inp = inputs(settings=SMALL)
    first, reused = fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=True)
    assert not reused
    (cached,) = tmp_path.glob("posterior-*.nc")
    assert (tmp_path / (cached.name + ".sha256")).exists()
    again, reused = fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=True)
    assert reused and again.attrs["posterior_hash"] == first.attrs["posterior_hash"]

    _corrupt(cached)
    capsys.readouterr()
    fresh, reused = fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=False)
    assert not reused, "a corrupted cached posterior must not be reused"
    assert "content digest" in capsys.readouterr().err
    assert fresh.attrs["posterior_hash"] == first.attrs["posterior_hash"]  # same seed, same draws


def test_a_cached_posterior_keeps_its_diagnostic_figures(tmp_path):
    """The diagnostic figures are cached per posterior: a fresh fit and the same posterior
    read back from the cache (text coordinates become fixed-width, sampler messages NaN)
    have one figure key, so a report after a cold one does not redraw them."""
    from forecast.plots_diagnostics import figure_key

    inp = inputs(settings=SMALL)
    fresh, reused = fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=True)
    again, reused_again = fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=True)
    assert not reused and reused_again
    assert figure_key(fresh, 80) == figure_key(again, 80)


def test_cache_without_digest_is_refitted(tmp_path):
    inp = inputs(settings=SMALL)
    fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=True)
    (digest,) = tmp_path.glob("posterior-*.nc.sha256")
    digest.unlink()
    _, reused = fit(inp.rows, inp.priors, SMALL, cache_dir=tmp_path, quiet=True)
    assert not reused


_HASH = """
from forecast.fit import SamplerSettings, sample
from forecast.pipeline import inputs
s = SamplerSettings(seed=5, draws=100, tune=100, chains=2)
inp = inputs(settings=s)
print(sample(inp.rows, inp.priors, s, quiet=True).attrs["posterior_hash"])
"""


@pytest.mark.slow
def test_same_seed_same_draws_with_cold_and_warm_compiler_cache(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    env.pop("PYTENSOR_FLAGS", None)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={tmp_path / 'pytensor'}"

    def posterior_hash():
        out = subprocess.run(
            [sys.executable, "-c", _HASH], env=env, capture_output=True, text=True, check=True
        )
        return out.stdout.strip().splitlines()[-1]

    cold = posterior_hash()  # empty compile directory: everything compiled afresh
    warm = posterior_hash()  # the same directory, now holding the compiled functions
    assert cold == warm


def test_the_cache_key_changes_with_the_numerical_libraries(monkeypatch):
    """A posterior sampled under another interpreter or library version is not reused: the
    versions are part of the cache key (and of the provenance)."""
    from forecast import fit as fit_module
    from forecast.priors import load

    inp = inputs()
    key = fit_module.cache_key(inp.rows, load(), SamplerSettings())
    assert key == fit_module.cache_key(inp.rows, load(), SamplerSettings())
    real = fit_module.environment()
    assert {"python", "numpy", "scipy", "pymc", "pytensor", "numba", "nutpie"} <= set(real)
    for lib in ("python", "pytensor", "numba"):
        monkeypatch.setattr(fit_module, "environment", lambda lib=lib: {**real, lib: "0.0.0"})
        assert fit_module.cache_key(inp.rows, load(), SamplerSettings()) != key, lib
