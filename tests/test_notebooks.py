"""The notebooks in notebooks/ run top to bottom (nbclient, a fresh kernel each, the test
session's temporary posterior cache), and are stored without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = ["01-quickstart", "02-readings", "03-sweep", "04-your-data"]


def test_the_four_notebooks_exist_without_outputs():
    import nbformat

    assert [p.stem for p in NOTEBOOKS] == EXPECTED
    for p in NOTEBOOKS:
        nb = nbformat.read(p, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code, p
        for c in code:
            assert c.outputs == [] and c.execution_count is None, (
                f"{p.name}: strip outputs before saving"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, cache_dir, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("FORECAST_CACHE", str(cache_dir))  # the kernel inherits the environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    try:
        client.execute()
    except CellExecutionError as e:  # the failing cell and its traceback
        pytest.fail(f"{path.name}: a cell raised\n{e}")
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    images = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert images, f"{path.name}: no figure was displayed"
