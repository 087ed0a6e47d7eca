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
        write_with(p, lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=120, bbox_inches="tight"))
        out.append(p)
    return out


def date_cdf(curves: dict[str, np.ndarray], title: str, horizon: float, path_stem: Path,
             marks: list[tuple[float, float, str]] = (), focus_year: int = 2028,
             horizon_text: str | None = None) -> list[Path]:
    """CDF of an event's date per arm on one axis; P(by end of focus year) marked per arm;
    reference claims drawn as points (date, probability, label)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    lo = min(float(np.nanmin(np.where(np.isfinite(t), t, np.nan))) if np.isfinite(t).any() else horizon
             for t in curves.values())
    grid = np.linspace(min(lo, focus_year) - 0.5, horizon, 600)
    for label, t in curves.items():
        cdf = (t[None, :] <= grid[:, None]).mean(axis=1)
        line, = ax.plot(grid, cdf, label=label)
        p = float((t <= focus_year + 1).mean())
        ax.plot([focus_year + 1], [p], "o", color=line.get_color())
        ax.annotate(f"{p:.2f}", (focus_year + 1, p), textcoords="offset points", xytext=(6, -10),
                    color=line.get_color())
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
    ax.text(0.01, 0.97, f"curves end at the horizon ({horizon_text or horizon}); the gap to 1 is P(not by horizon)",
            transform=ax.transAxes, fontsize=7, va="top", color="grey")
    paths = save(fig, path_stem)
    plt.close(fig)
    return paths
