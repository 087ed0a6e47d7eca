"""Figures (matplotlib, Agg backend) drawn from saved results; each saved as PNG and SVG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .io import write_with


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path_stem: Path) -> list[Path]:
    out = []
    for ext in ("png", "svg"):
        p = path_stem.with_suffix(f".{ext}")
        write_with(
            p, lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=120, bbox_inches="tight")
        )
        out.append(p)
    return out


def date_cdf(
    curves: dict[str, np.ndarray],
    title: str,
    horizon: float,
    path_stem: Path,
    marks: list[tuple[float, float, str]] = (),
    focus_year: int = 2028,
    horizon_text: str | None = None,
) -> list[Path]:
    """CDF of an event's date per arm on one axis; P(by end of focus year) marked per arm;
    reference claims drawn as points (date, probability, label)."""
    plt = _plt()
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
    paths = save(fig, path_stem)
    plt.close(fig)
    return paths


def heatmap(ds, event: str, x: str, y: str, path_stem: Path, year: int = 2028) -> list[Path]:
    """P(event by end of ``year``) over two sweep axes; other axes at their middle value."""
    plt = _plt()
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
    ax.set_xticks(range(da.sizes[x]), [f"{v:.3g}" for v in da[x].values])
    ax.set_yticks(range(da.sizes[y]), [f"{v:.3g}" for v in da[y].values])
    ax.set_xlabel(f"{x} ({ds[x].attrs.get('units', '')})")
    ax.set_ylabel(f"{y} ({ds[y].attrs.get('units', '')})")
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
    held_txt = ", ".join(f"{k} = {v:.3g}" for k, v in held.items())
    ax.set_title(
        f"P({event} by end of {year})" + (f"\n{held_txt}" if held_txt else ""), fontsize=10
    )
    fig.colorbar(im, ax=ax, label="probability")
    paths = save(fig, path_stem)
    plt.close(fig)
    return paths
