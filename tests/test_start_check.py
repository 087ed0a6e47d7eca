"""Legal-looking input that the sampler cannot start from is a user error (exit 2) naming the
row, not a native crash (nutpie kills the process with SIGSEGV on a non-finite start); and a
range or a figure at 0 % or 100 % is data the sampler starts from."""

import pytest

from .conftest import HEADER, write

ROWS = (
    "\ntoolbench,2025-01,b,60,,,percent,ai,false,,test,\n"
    "toolbench,2026-01,c,70,,,percent,ai,false,,test,\n"
)


def test_a_start_the_sampler_cannot_use_is_a_user_error(cli, tmp_path):
    f = write(tmp_path / "bad.csv", HEADER + "toolbench,0001,a,30,,,percent,ai,false,,test," + ROWS)
    code, _, err = cli("fit", "-q", "--data", str(f), "--draws", "100", "--tune", "100")
    assert code == 2, err
    assert "cannot start sampling" in err and "dated 0001" in err and "bad.csv:2" in err


@pytest.mark.parametrize(
    "row",
    [
        "toolbench,2024-01,a,,40,100,percent,ai,false,,test,",  # P(y > 40 %)
        "toolbench,2024-01,a,,0,100,percent,ai,false,,test,",  # says nothing
        "toolbench,2024-01,a,100,,,percent,ai,false,,test,",  # censored at one task's worth
    ],
)
def test_figures_reaching_a_bound_are_fitted(cli, tmp_path, row):
    f = write(tmp_path / "edge.csv", HEADER + row + ROWS)
    code, _, err = cli("fit", "-q", "--data", str(f), "--draws", "100", "--tune", "100")
    assert code == 0, err
