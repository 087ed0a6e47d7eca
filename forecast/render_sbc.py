"""Rendering of simulation-based calibration (:mod:`forecast.sbc`): the text report, the
JSON and CSV files and the rank histograms. Reads an :class:`forecast.sbc.SBCResult` only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .io import write_csv, write_json
from .results_sbc import SbcSummary
from .sbc import SBCResult

OUT_FILES = ("sbc.json", "sbc-ranks.csv")


def check_out(out: Path, force: bool) -> None:
    """Refuse an ``--out`` directory already holding SBC files unless ``force``."""
    from .errors import ForecastError

    if out.exists() and any((out / f).exists() for f in OUT_FILES) and not force:
        raise ForecastError("already holds SBC files; pass --force to overwrite them", str(out))


def text(s: SbcSummary) -> str:
    """The SBC summary as a plain-text report."""
    lines = [
        f"Simulation-based calibration: {s.sims} simulations at the design of "
        f"{s.design.n_observations} observations ({', '.join(s.design.benchmarks)}); "
        f"ranks among {s.n_ranks} thinned draws ({s.chains} chains x {s.draws}).",
        f"Test: {s.test}.",
        "",
    ]
    per = s.alpha / len(s.parameters)
    for lab, t in s.parameters.items():
        lines.append(
            f"  {lab:<36} chi2 {t.chi2:7.2f}  p = {t.p_value:.3g}  "
            f"{'ok' if t.uniform else f'NOT UNIFORM (p < {per:.2g})'}"
        )
    lines.append("")
    lines.append(
        f"Ranks uniform: {'yes' if s.uniform else 'NO'}; simulations with divergences: "
        f"{100 * s.share_sims_with_divergences:.0f} %"
    )
    return "\n".join(lines)


def figure(res: SBCResult, stem: Path) -> list[Path]:
    """Rank histograms, one panel per parameter, with the 99 % band of a uniform count."""
    from scipy.stats import binom

    from .figures import DPI_TABLE, pyplot, save_figure

    plt = pyplot()
    s = res.summary
    n = len(res.labels)
    ncol = min(4, n)
    nrow = int(np.ceil(n / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.3 * nrow), squeeze=False)
    bins = s.bins
    lo, hi = binom.ppf([0.005, 0.995], s.sims, 1 / bins)
    for ax, lab in zip(axes.ravel(), res.labels):
        t = s.parameters[lab]
        ax.axhspan(lo, hi, color="0.85")
        ax.bar(np.arange(bins), t.counts, width=0.9, color="tab:blue" if t.uniform else "tab:red")
        ax.axhline(s.sims / bins, color="k", lw=0.8)
        ax.set_title(f"{lab}\np = {t.p_value:.2g}", fontsize=7)
        ax.set_xticks([])
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms ({s.sims} simulations; grey: 99 % band per bin)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, stem, DPI_TABLE)


def write(out: Path, res: SBCResult) -> list[Path]:
    """Write sbc.json, sbc-ranks.csv and the rank histograms (PNG + SVG) to ``out``."""
    out = Path(out)
    write_json(out / "sbc.json", res.summary.as_json())
    write_csv(
        out / "sbc-ranks.csv",
        ["simulation", *res.labels],
        [[i, *map(int, r)] for i, r in enumerate(res.ranks)],
    )
    return [out / "sbc.json", out / "sbc-ranks.csv", *figure(res, out / "sbc-ranks")]
