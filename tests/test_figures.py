"""The one figure helper (``forecast.figures.save_figure``) and the cache of the sampler
diagnostic figures of the report."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest


def _fig():
    from forecast.figures import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 1])
    ax.set_title("a $title$", parse_math=False)
    return fig


def test_save_figure_writes_png_and_svg_world_readable_and_closes(tmp_path):
    from forecast.figures import pyplot, save_figure

    plt = pyplot()
    fig = _fig()
    paths = save_figure(fig, tmp_path / "fan-gpqa-1.5")
    assert [p.name for p in paths] == ["fan-gpqa-1.5.png", "fan-gpqa-1.5.svg"]  # the dot kept
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_text("utf-8").lstrip().startswith("<?xml")
    for p in paths:
        assert os.stat(p).st_mode & stat.S_IROTH, p
    assert not plt.fignum_exists(fig.number)  # closed
    assert not list(tmp_path.glob(".*partial"))  # nothing left of the atomic write
    # no creation dates: the same figure gives the same bytes
    again = save_figure(_fig(), tmp_path / "again")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]


def test_plots_save_is_save_figure(tmp_path):
    from forecast import figures, plots

    # plots.save (README): the stem kept whole, 110 dpi, the same bytes as save_figure
    r = plots.save(_fig(), tmp_path / "fan")
    assert [x.name for x in r] == ["fan.png", "fan.svg"]
    q = figures.save_figure(_fig(), tmp_path / "direct")
    assert r[0].read_bytes() == q[0].read_bytes()


def test_figure_key_follows_the_draws(bundled_result):
    from forecast.plots_diagnostics import figure_key

    post = bundled_result.posterior
    k = figure_key(post, 80)
    assert k == figure_key(post.copy(deep=True), 80)  # stable (strings hashed as text)
    assert k != figure_key(post, 90)
    other = post.copy(deep=True)
    name = next(iter(other["posterior"].data_vars))
    v = other["posterior"][name].values.copy()
    v.flat[0] = np.nextafter(v.flat[0], np.inf)
    other["posterior"][name] = (other["posterior"][name].dims, v)
    assert figure_key(other, 80) != k


@pytest.fixture
def built(bundled_result, tmp_path):
    from forecast.plots_results import results_tree
    from forecast.report import Built

    tree = results_tree({"bundled": bundled_result})
    return Built({}, tree, bundled_result.posterior, tmp_path / "cache")


def _drawn_again_from_the_cache(built, tmp_path, monkeypatch, figures, first, written):
    """A second write of ``figures`` whose drawing functions fail if called: every file
    comes from the cache, with the same figure list and the same bytes as the first."""
    from forecast import plots, render_report

    before = {p.name: p.read_bytes() for p in written}

    def fail():
        raise AssertionError("drawn again although cached")

    monkeypatch.setattr(
        plots,
        "report_figures",
        lambda r, p: [plots.Figure(f.id, f.kind, f.title, f.caption, fail, f.dpi) for f in figures],
    )
    out = tmp_path / "second"
    out.mkdir()
    again, _, written2 = render_report.write_figures(built, out)
    assert again == first
    assert {p.name: p.read_bytes() for p in written2} == before


def test_diagnostic_figures_are_drawn_once_per_posterior(built, tmp_path, monkeypatch):
    from forecast import plots, render_report

    only = [
        f for f in plots.report_figures(built.results, built.posterior) if f.kind == "diagnostics"
    ]
    monkeypatch.setattr(plots, "report_figures", lambda r, p: only)
    first, _, written = render_report.write_figures(built, tmp_path)
    cached = sorted((tmp_path / "cache" / "figures").glob("diagnostics-*/*"))
    assert [p.name for p in cached] == [
        "diagnostics-rank.png",
        "diagnostics-rank.svg",
        "diagnostics-trace.png",
        "diagnostics-trace.svg",
    ]
    _drawn_again_from_the_cache(built, tmp_path, monkeypatch, only, first, written)


def test_result_figures_are_drawn_once_per_results_tree(built, tmp_path, monkeypatch):
    """Fan charts and date CDFs are a function of the results tree: a second report on the
    same results copies them from the cache (byte-identical); one changed value in the
    results changes the key, so they are drawn again."""
    from forecast import plots, render_report
    from forecast.plots_diagnostics import results_figure_key

    some = [f for f in plots.report_figures(built.results, built.posterior) if f.kind != "diagnostics"][:2]  # fmt: skip
    monkeypatch.setattr(plots, "report_figures", lambda r, p: some)
    first, _, written = render_report.write_figures(built, tmp_path)
    _drawn_again_from_the_cache(built, tmp_path, monkeypatch, some, first, written)

    key = results_figure_key(built.results, 110)
    assert key == results_figure_key(built.results.copy(deep=True), 110)
    other = built.results.copy(deep=True)
    node, name = next((n, v) for n in other.subtree for v in n.data_vars if n[v].dtype.kind == "f")
    v = node[name].values.copy()
    v.flat[0] = np.nextafter(v.flat[0], np.inf)
    node[name] = (node[name].dims, v)
    assert results_figure_key(other, 110) != key


def test_the_trace_plot_says_which_line_is_which_chain(bundled_result):
    from forecast.figures import pyplot
    from forecast.plots_diagnostics import trace_plot

    fig = trace_plot(bundled_result.posterior)
    try:
        (legend,) = fig.legends
        n_chains = bundled_result.posterior["posterior"].sizes["chain"]
        assert legend.get_title().get_text() == "chain"
        assert [t.get_text() for t in legend.get_texts()] == [str(i) for i in range(n_chains)]
    finally:
        pyplot().close(fig)


@pytest.mark.slow
def test_figures_drawn_in_two_processes_are_the_bytes_of_one(bundled_result, tmp_path, monkeypatch):
    """A cold report draws a share of its figures in a spawned helper process
    (forecast/figure_helper.py); every file is byte for byte what one process draws."""
    from forecast import figure_helper, render_report
    from forecast.plots_results import results_tree
    from forecast.report import Built

    tree = results_tree({"bundled": bundled_result})
    started = []
    real_start = figure_helper.start

    def start(*args):
        helper = real_start(*args)
        started.append(helper)
        return helper

    monkeypatch.setattr(figure_helper, "start", start)
    files = {}
    for n in ("2", "1"):
        monkeypatch.setenv(figure_helper.PROCESSES_ENV, n)
        out = tmp_path / f"out{n}"
        out.mkdir()
        built = Built({}, tree, bundled_result.posterior, tmp_path / f"cache{n}")
        meta, _, written = render_report.write_figures(built, out)
        files[n] = (meta, {p.name: p.read_bytes() for p in written})
    assert started[0] is not None and started[0].ids and started[1] is None
    assert started[0].process.exitcode == 0  # the helper drew its share, nothing redrawn here
    assert files["2"] == files["1"]


def test_the_helper_gets_a_fair_share():
    from forecast.figure_helper import START_S, cost, split

    ids = ["diagnostics-rank", "diagnostics-trace", *(f"fan-{i}" for i in range(16))]
    ids += [f"cdf-{i}" for i in range(11)]
    theirs = split(ids)
    mine = sum(cost(i) for i in ids if i not in theirs)
    helper = START_S + sum(cost(i) for i in theirs)
    assert abs(mine - helper) <= max(cost(i) for i in ids)
    assert split(["cdf-a"]) == set()  # one small figure is not worth the helper's start
