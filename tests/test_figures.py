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
    (forecast/figure_helper.py): one started before the fit and handed the diagnostic
    figures early (as `forecast report` does), or one started when the page is written
    (the API); every file is byte for byte what one process draws."""
    from forecast import figure_helper, render_report
    from forecast.plots_results import results_tree
    from forecast.report import Built

    tree = results_tree({"bundled": bundled_result})
    post = bundled_result.posterior
    started = []
    real_start = figure_helper.Helper.start

    def start(self):
        if self.process is None:
            started.append(self)
        real_start(self)

    monkeypatch.setattr(figure_helper.Helper, "start", start)
    files = {}
    for how in ("early", "late", "one"):
        monkeypatch.setenv(figure_helper.PROCESSES_ENV, "1" if how == "one" else "2")
        out = tmp_path / f"out-{how}"
        out.mkdir()
        built = Built({}, tree, post, tmp_path / f"cache-{how}")
        if how == "early":
            with figure_helper.report_helper(fitting=True) as helper:
                assert helper is not None
                render_report.hand_diagnostics(helper, post, built.cache_dir)
                assert helper.ids == {"diagnostics-rank", "diagnostics-trace"}
                meta, _, written = render_report.write_figures(built, out, helper)
        else:
            meta, _, written = render_report.write_figures(built, out)
        files[how] = (meta, {p.name: p.read_bytes() for p in written})
    early, late = started  # one process: no helper started
    assert late.ids
    for h in (early, late):  # reported every job drawn (nothing was redrawn here)
        assert h.pending == 0
    assert files["early"] == files["one"]
    assert files["late"] == files["one"]


@pytest.mark.slow
def test_a_helper_that_dies_costs_only_the_redraw(bundled_result, tmp_path, monkeypatch):
    """A helper killed with figures handed to it: the report does not wait for it and draws
    every figure itself."""
    from forecast import figure_helper, render_report
    from forecast.plots_results import results_tree
    from forecast.report import Built

    monkeypatch.setenv(figure_helper.PROCESSES_ENV, "2")
    built = Built({}, results_tree({"bundled": bundled_result}), bundled_result.posterior, tmp_path)
    with figure_helper.report_helper(fitting=True) as helper:
        assert helper is not None
        render_report.hand_diagnostics(helper, built.posterior, built.cache_dir)
        helper.process.kill()
        meta, _, written = render_report.write_figures(built, tmp_path, helper)
    assert helper.pending > 0  # its job never reported done
    assert {f.id for f in meta} >= {"diagnostics-rank", "diagnostics-trace"}
    assert all(p.stat().st_size > 0 for p in written) and len(written) == 2 * len(meta)


def test_a_helper_starts_only_for_figures_not_cached(bundled_result, tmp_path, monkeypatch):
    """On a cached posterior the report's helper is not started before it is handed a
    figure: with the diagnostic figures cached, handing them starts nothing."""
    from forecast import figure_helper, render_report
    from forecast.plots import diagnostic_figures

    monkeypatch.setenv(figure_helper.PROCESSES_ENV, "2")
    post = bundled_result.posterior
    for f in diagnostic_figures(post):
        folder = render_report.figure_cache(tmp_path, "diagnostics", post, f.dpi)
        folder.mkdir(parents=True, exist_ok=True)
        for ext in ("png", "svg"):
            (folder / f"{f.id}.{ext}").write_bytes(b"cached")
    with figure_helper.report_helper(fitting=False) as helper:
        assert helper is not None
        render_report.hand_diagnostics(helper, post, tmp_path)
        assert helper.process is None and not helper.ids


def test_the_helper_gets_a_fair_share():
    from forecast.figure_helper import START_S, cost, split

    ids = ["diagnostics-rank", "diagnostics-trace", *(f"fan-{i}" for i in range(16))]
    ids += [f"cdf-{i}" for i in range(11)]
    theirs = split(ids)
    mine = sum(cost(i) for i in ids if i not in theirs)
    helper = START_S + sum(cost(i) for i in theirs)
    assert abs(mine - helper) <= max(cost(i) for i in ids)
    assert split(["cdf-a"]) == set()  # one small figure is not worth the helper's start
