"""The one figure helper, and the figures of ``forecast compare`` and ``forecast sweep``.

:func:`save_figure` is how every module saves a matplotlib figure: PNG and SVG, cropped to
the content, without creation dates (the same figure gives the same bytes), each written
atomically and world-readable (:mod:`forecast.io`), the figure closed afterwards.
:func:`render` gives the same bytes without writing them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .io import write_bytes
from .settings import FOCUS_YEAR

DPI = 110  # dots per inch of the report's figures
DPI_TABLE = 120  # dots per inch of the compare, sweep and check figures


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (a notebook keeps its inline backend), with
    stable ids inside SVG files."""
    import matplotlib

    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "forecast"
    return plt


def render(fig: Any, dpi: int = DPI) -> dict[str, bytes]:
    """PNG and SVG bytes of a figure at ``dpi`` dots per inch, cropped to its content (the
    tight box, padded by 0.1 inch, is computed once for both formats), without creation
    dates or software names (same figure, same bytes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.draw_without_rendering()  # the layout, without painting pixels
    _freeze_layout(fig)
    renderer = FigureCanvasAgg(fig).get_renderer()
    box = fig.get_tightbbox(renderer).padded(0.1)
    out = {}
    for ext, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, dpi=dpi, bbox_inches=box, metadata=meta)
        out[ext] = buf.getvalue()
    return out


def save_figure(fig: Any, stem: str | Path, dpi: int = DPI) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` (atomically, world-readable) and close ``fig``.

    ``stem`` is the path without extension; a dot in it is kept (``fan-gpqa-1.5`` gives
    ``fan-gpqa-1.5.png``). Returns the two paths, PNG first.
    """
    stem = Path(stem)
    try:
        data = render(fig, dpi)
    finally:
        pyplot().close(fig)
    paths = []
    for ext, b in data.items():
        p = stem.with_name(f"{stem.name}.{ext}")
        write_bytes(p, b)
        paths.append(p)
    return paths


def _freeze_layout(fig: Any) -> None:
    """Keep the positions a layout engine (constrained, tight) has just computed, so the
    PNG and SVG passes do not compute them again: measuring text for the layout was most of
    a report figure's time. A figure whose engine cannot be swapped (colorbars) keeps it."""
    with contextlib.suppress(RuntimeError):
        fig.set_layout_engine("none")


def slug(text: str) -> str:
    """A file-name-safe id for any user string (unique: a short hash is appended when needed)."""
    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-.")[:40] or "x"
    if s != text:
        s += "-" + hashlib.sha256(text.encode()).hexdigest()[:6]
    return s


def plain_text(ax_or_fig: Any, *args: Any, **kw: Any) -> Any:
    """Plain text (no mathtext): user strings may hold '$'."""
    return ax_or_fig.text(*args, parse_math=False, **kw)


def plain_title(ax: Any, text: str, **kw: Any) -> None:
    ax.set_title(text, parse_math=False, **kw)


def year_ticks(ax: Any) -> None:
    """Whole years on the x axis (dates are decimal years)."""
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=10))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))


def date_cdf(
    curves: dict[str, np.ndarray],
    title: str,
    horizon: float,
    path_stem: Path,
    marks: list[tuple[float, float, str]] | tuple = (),
    focus_year: int = FOCUS_YEAR,
    horizon_text: str | None = None,
) -> list[Path]:
    """CDF of an event's date (decimal years) per arm on one axis; P(by end of focus year)
    marked per arm; reference claims drawn as points (date, probability, label)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    lo = min(
        float(np.nanmin(np.where(np.isfinite(t), t, np.nan))) if np.isfinite(t).any() else horizon
        for t in curves.values()
    )
    grid = np.linspace(min(lo, focus_year) - 0.5, horizon, 600)
    for label, t in curves.items():
        cdf = (t[None, :] <= grid[:, None]).mean(axis=1)
        (line,) = ax.plot(grid, cdf, label=label)
        p = float((t <= focus_year + 1).mean())
        ax.plot([focus_year + 1], [p], "o", color=line.get_color())
        ax.annotate(
            f"{p:.2f}",
            (focus_year + 1, p),
            textcoords="offset points",
            xytext=(6, -10),
            color=line.get_color(),
        )
    ax.axvline(focus_year + 1, color="grey", lw=0.8, ls=":")
    for x, y, lab in marks:
        ax.plot([x], [y], marker="*", ms=12, color="black", ls="none")
        ax.annotate(lab, (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_xlabel("date (end of year marked at the dotted line)")
    ax.set_ylabel("P(event by date)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.text(
        0.01,
        0.97,
        f"curves end at the horizon ({horizon_text or horizon}); the gap to 1 is P(not by horizon)",
        transform=ax.transAxes,
        fontsize=7,
        va="top",
        color="grey",
    )
    return save_figure(fig, path_stem, DPI_TABLE)


def _unit(ds: Any, axis: str) -> str:
    """The unit a sweep file gave an axis in (else its canonical unit)."""
    return str(ds[axis].attrs.get("file_unit", ds[axis].attrs.get("units", "")))


def _in_file_unit(ds: Any, axis: str, v: Any) -> Any:
    return v / float(ds[axis].attrs.get("file_factor", 1.0))


def heatmap(
    ds: Any, event: str, x: str, y: str, path_stem: Path, year: int = FOCUS_YEAR
) -> list[Path]:
    """P(event by end of ``year``) over two sweep axes; other axes at their middle value."""
    plt = pyplot()
    da = ds["p_by_year"].sel(event=event, year=year)
    held = {}
    for dim in da.dims:
        if dim not in (x, y):
            mid = da[dim].values[len(da[dim]) // 2]
            held[dim] = mid
            da = da.sel({dim: mid})
    da = da.transpose(y, x)
    fig, ax = plt.subplots(figsize=(7, 4.8))
    im = ax.imshow(da.values, origin="lower", aspect="auto", vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(da.sizes[x]), [f"{v:.3g}" for v in _in_file_unit(ds, x, da[x].values)])
    ax.set_yticks(range(da.sizes[y]), [f"{v:.3g}" for v in _in_file_unit(ds, y, da[y].values)])
    ax.set_xlabel(f"{x} ({_unit(ds, x)})")
    ax.set_ylabel(f"{y} ({_unit(ds, y)})")
    for i in range(da.sizes[y]):
        for j in range(da.sizes[x]):
            v = float(da.values[i, j])
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v < 0.5 else "black",
            )
    held_txt = ", ".join(
        f"{k} = {_in_file_unit(ds, k, v):.3g} {_unit(ds, k)}" for k, v in held.items()
    )
    ax.set_title(
        f"P({event} by end of {year})" + (f"\n{held_txt}" if held_txt else ""), fontsize=10
    )
    fig.colorbar(im, ax=ax, label="probability")
    return save_figure(fig, path_stem, DPI_TABLE)
