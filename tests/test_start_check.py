"""Legal-looking input that the sampler cannot start from is a user error (exit 2) naming the
row, not a native crash (nutpie kills the process with SIGSEGV on a non-finite start)."""

import pytest

from .conftest import HEADER, write


@pytest.mark.parametrize(
    "row,named",
    [
        ("toolbench,2024-01,a,,40,100,percent,ai,false,,test,", "range 0.4-1 reaches a bound"),
        ("toolbench,2024-01,a,,0,100,percent,ai,false,,test,", "range 0-1 reaches a bound"),
        ("toolbench,0001,a,30,,,percent,ai,false,,test,", "dated 0001"),
    ],
)
def test_a_start_the_sampler_cannot_use_is_a_user_error(cli, tmp_path, row, named):
    f = write(
        tmp_path / "bad.csv",
        HEADER + row + "\ntoolbench,2025-01,b,60,,,percent,ai,false,,test,\n"
        "toolbench,2026-01,c,70,,,percent,ai,false,,test,\n",
    )
    code, _, err = cli("fit", "-q", "--data", str(f), "--draws", "100", "--tune", "100")
    assert code == 2, err
    assert "cannot start sampling" in err and named in err and "bad.csv:2" in err
