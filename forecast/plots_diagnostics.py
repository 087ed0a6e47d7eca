"""Sampler-diagnostic figures of a posterior (ArviZ trace and rank plots), and the key
under which their rendered files are cached: drawing them is the slowest part of a report
(about 14 s of CPU for the bundled model), and they depend on the posterior alone."""

from __future__ import annotations

import contextlib
import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import xarray as xr

from .figures import pyplot
from .posterior_meta import meta

# Bump when trace_plot or rank_plot draw something different, so cached files are redrawn.
FIGURE_VERSION = 4  # 3: a chain legend on the trace plot; 4: the layout computed once
# sampler text, not drawn (None per draw in a fresh fit, NaN once read back from netCDF)
UNDRAWN = ("divergence_message",)
RANK_PANELS = 24  # rank plots show at most this many parameter elements, the worst R-hat first


def _free(posterior: xr.DataTree) -> list[str]:
    names = meta(posterior.attrs).free_parameters
    present = [str(v) for v in posterior["posterior"].to_dataset().data_vars]
    return [n for n in names if n in present] or present


def _rasterize_lines(fig: Any) -> None:
    """Lines of thousands of draws become images inside the SVG (small files, same look)."""
    for ax in fig.axes:
        for a in list(ax.lines) + list(ax.collections):
            a.set_rasterized(True)


def trace_plot(posterior: xr.DataTree) -> Any:
    """Trace and marginal density of every fitted (free) parameter, one line per chain
    (ArviZ ``plot_trace_dist``); the elements of a vector parameter share a panel."""
    pyplot()
    import arviz_plots as azp

    names = _free(posterior)
    pc = azp.plot_trace_dist(
        posterior,
        var_names=names,
        backend="matplotlib",
        figure_kwargs={"figsize": (12, 1.7 * len(names)), "layout": "constrained"},
    )
    with contextlib.suppress(ValueError, KeyError, TypeError):  # no chain aesthetic: no legend
        pc.add_legend("chain", loc="upper right", fontsize=8, title="chain")
    fig = pc.viz["figure"].item()
    _rasterize_lines(fig)
    fig.suptitle("Trace and density of the fitted parameters (one line style per chain)")
    return fig


def worst_elements(posterior: xr.DataTree, names: list[str], k: int = RANK_PANELS) -> xr.Dataset:
    """The ``k`` elements of the parameters ``names`` with the highest rank-normalised R-hat,
    each as its own (chain, draw) variable named ``name[label]``, worst first."""
    import arviz_stats as azs

    post = posterior["posterior"].to_dataset()
    cols: dict[str, xr.DataArray] = {}
    for v in names:
        da = post[v]
        other = [d for d in da.dims if d not in ("chain", "draw")]
        if not other:
            cols[v] = da
            continue
        flat = da.stack(element=other)
        for i in range(flat.sizes["element"]):
            e = flat.isel(element=i)
            lab = ",".join(str(e[d].item()) for d in other).replace("/", "\u2215")
            cols[f"{v}[{lab}]"] = e.drop_vars(["element", *other], errors="ignore")
    ds = xr.Dataset(cols)
    rhat = azs.rhat(ds)
    order = sorted(cols, key=lambda n: -float(rhat[n]))
    return ds[order[:k]]


def rank_plot(posterior: xr.DataTree) -> Any:
    """Fractional-rank Δ-ECDF per chain (ArviZ ``plot_rank``) of the fitted parameter
    elements with the highest R-hat (at most :data:`RANK_PANELS`); chains targeting the same
    posterior stay near zero."""
    pyplot()
    import arviz_plots as azp

    ds = worst_elements(posterior, _free(posterior))
    n = len(ds.data_vars)
    rows = -(-n // 4)
    pc = azp.plot_rank(
        xr.DataTree.from_dict({"posterior": ds}),
        backend="matplotlib",
        col_wrap=4,
        figure_kwargs={"figsize": (13, 2.6 * rows), "layout": "constrained"},
        visuals={"title": {"size": 9}},
    )
    fig = pc.viz["figure"].item()
    _rasterize_lines(fig)
    total = sum(
        int(np.prod([v.sizes[d] for d in v.dims if d not in ("chain", "draw")]))
        for v in (posterior["posterior"][x] for x in _free(posterior))
    )
    shown = (
        "every fitted parameter element"
        if n == total
        else (f"the {n} of {total} fitted parameter elements with the highest R-hat")
    )
    fig.suptitle(f"Rank plots of {shown}: chains should be indistinguishable")
    return fig


def figure_key(posterior: xr.DataTree, dpi: int) -> str:
    """A key for the diagnostic figures of ``posterior`` at ``dpi``: the draws and sampler
    statistics (every value but :data:`UNDRAWN`), the fitted-parameter list, the plotting
    libraries' versions and :data:`FIGURE_VERSION`. Equal keys give byte-identical files;
    a fresh fit and the same posterior read back from the cache give equal keys."""
    h = hashlib.sha256()
    for group in ("posterior", "sample_stats"):
        if group in posterior.children:
            ds = posterior[group].to_dataset()
            _hash_dataset(h, group, ds.drop_vars([v for v in UNDRAWN if v in ds]))
    meta = {"free": _free(posterior), "libs": _libs(), "dpi": dpi, "v": FIGURE_VERSION}
    h.update(json.dumps(meta, sort_keys=True).encode())
    return h.hexdigest()[:20]


def _hash_dataset(h: Any, group: str, ds: xr.Dataset, attrs: bool = False) -> None:
    """Feed every variable (and coordinate) of ``ds``, values included, into ``h``; text
    by its characters, whatever its array type (object in memory, fixed-width once read)."""
    for name in sorted(map(str, [*ds.data_vars, *ds.coords])):
        values = ds[name].values
        text = values.dtype.kind in "OUS"
        h.update(f"{group}/{name}{ds[name].dims}{'text' if text else values.dtype}".encode())
        if text:  # their characters, not object pointers
            h.update("\x00".join(map(str, values.ravel())).encode())
        else:
            h.update(np.ascontiguousarray(values).tobytes())
        if attrs:
            h.update(json.dumps(ds[name].attrs, sort_keys=True, default=str).encode())
    if attrs:
        h.update(json.dumps(ds.attrs, sort_keys=True, default=str).encode())


def _libs() -> dict[str, str]:
    libs = {}
    for pkg in ("matplotlib", "arviz-plots", "arviz-base", "arviz-stats", "numpy"):
        try:
            libs[pkg] = version(pkg)
        except PackageNotFoundError:
            libs[pkg] = "absent"
    return libs


PLOTTING_MODULES = ("figures", "plots", "plots_events", "plots_fan", "plots_results", "units")


def results_figure_key(results: xr.DataTree, dpi: int) -> str:
    """A key for the report's result figures (fan charts, date CDFs, binding shares): every
    value and attribute of every node of ``results``, the source of the plotting modules,
    the plotting libraries' versions and ``dpi``. Equal keys give byte-identical files."""
    from importlib import resources

    h = hashlib.sha256()
    for node in results.subtree:
        _hash_dataset(h, node.path, node.to_dataset(inherit=False), attrs=True)
    for mod in PLOTTING_MODULES:
        h.update(resources.files("forecast").joinpath(f"{mod}.py").read_bytes())
    h.update(json.dumps({"libs": _libs(), "dpi": dpi, "v": FIGURE_VERSION}).encode())
    return h.hexdigest()[:20]
