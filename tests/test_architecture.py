"""The package's layering, checked statically: computing never imports rendering or the CLI.

Every import in a module counts, including those inside functions (read with ``ast``), so a
lazy import cannot hide a dependency that runs the wrong way.
"""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "forecast"

# Rendering: text tables, files, figures and the HTML page; they read results only.
RENDER = {
    "figures", "figure_helper", "plots", "plots_diagnostics", "plots_events", "plots_fan", "plots_results",
    "render_backtest", "render_check", "render_compare", "render_data", "render_report", "render_sbc",
    "render_structural",
    "render_text", "report_page", "report_trust", "output", "crossing_table",
}  # fmt: skip
CLI = "cli"


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        yield ".".join(rel.parts), path


def _imports(name: str, path: Path) -> set[str]:
    """Top-level forecast modules imported by a module (absolute or relative, anywhere in it)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = ["forecast", *name.split(".")[:-1]]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                parts = [*base, *(node.module.split(".") if node.module else [])]
            else:
                parts = (node.module or "").split(".")
            if parts[0] != "forecast":
                continue
            if len(parts) == 1:  # from forecast import x / from . import x
                found |= {a.name for a in node.names}
            else:
                found.add(parts[1])
        elif isinstance(node, ast.Import):
            for a in node.names:
                p = a.name.split(".")
                if p[0] == "forecast" and len(p) > 1:
                    found.add(p[1])
    return found


COMPUTING = [
    (n, p)
    for n, p in _modules()
    # the top layer (CLI, public API, entry point) and the writers of files may render
    if n.split(".")[0] not in RENDER | {CLI, "api", "__main__", "report", "sweep_run", "__init__"}
]


@pytest.mark.parametrize("name,path", COMPUTING, ids=[n for n, _ in COMPUTING])
def test_computing_modules_never_import_rendering_or_the_cli(name, path):
    bad = _imports(name, path) & (RENDER | {CLI})
    assert not bad, f"forecast/{name}.py imports {sorted(bad)}: computing must not render"


def test_the_checker_sees_lazy_imports(tmp_path):
    # the check would be empty if _imports missed imports inside functions
    p = tmp_path / "m.py"
    p.write_text("def f():\n    from .figures import pyplot\n    from .cli import options\n")
    assert _imports("m", p) == {"figures", "cli"}
    p.write_text("from ..render_text import render\nimport forecast.plots\n")
    assert _imports("cli.m", p) == {"render_text", "plots"}
    assert _imports("render_backtest", PKG / "render_backtest.py") >= {"backtest", "figures"}


def test_no_module_is_over_450_lines():
    long = {n: len(p.read_text("utf-8").splitlines()) for n, p in _modules()}
    assert not {n: k for n, k in long.items() if k > 450}
