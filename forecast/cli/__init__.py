"""The ``forecast`` command line: one verb per job, each in its own module of this package.

Commands are registered explicitly below. Their modules import only click at module level
(the work is imported when a command runs), so ``forecast --help`` stays fast. Shared
options and the error guard are in :mod:`forecast.cli.options`; text tables are in
:mod:`forecast.render_text`.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

import click

from .. import __version__
from . import backtest, check, compare, data, report, run, structural, sweep


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="forecast")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
def main(debug):
    """Forecast when AI-capability benchmarks cross thresholds.

    Bayesian growth models (PyMC) are fitted to published benchmark figures and sampled
    forward into probability distributions over threshold dates.

    \b
    Start here:
      forecast run                          # the bundled forecast, as a table
      forecast run --json --seed 1          # the same, as JSON
      forecast run --out results/           # + posterior.nc, forecast.nc, summary.json/.csv
      forecast run --threshold "swe-bench>=98%"    # an extra threshold
      forecast run --scenario inspiration-binding  # a reading: automated AI R&D, R&D multiplier
      forecast compare inspiration-binding compressed-perspiration   # the two readings side by side
      forecast structural                   # each headline's range over modelling choices
      forecast sweep scenarios/sweep-residual.toml --out sweep/      # a grid of assumptions
      forecast report --out report/         # a citable HTML page with its JSON and CSV
      forecast backtest --protocol crossing # how this engine has forecast real histories
      forecast data                         # list and validate the observation table
      forecast data import swebench-json leaderboards.json --out new.csv   # new public results
      forecast prior-check                  # what the priors alone imply

    Exit codes: 0 ok, 1 internal error, 2 bad input, 3 sampler trouble under --strict,
    130 interrupted (Ctrl-C or SIGTERM).
    """


for _module in (data, run, compare, structural, check, backtest, sweep, report):
    for _command in _module.COMMANDS:
        main.add_command(_command)


def console() -> None:
    """The ``forecast`` console script: :func:`main`, then a quick end of the process.

    Python's normal exit frees every module's objects one by one, which after a fit (the
    PyTensor graphs, numba's compiled code) takes about a second and serves nothing: every
    output is already written, each file atomically and closed. So, once the command is
    done, this does what a normal exit does that matters (waits for threads that are not
    daemons, runs the exit handlers, flushes the standard streams) and ends the process
    with the command's exit code.
    """
    try:
        main()
        status = 0
    except SystemExit as e:
        status = exit_status(e.code)
    for t in threading.enumerate():
        if t is not threading.main_thread() and not t.daemon:
            t.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (forecast ... | head)
            status = status or 1
    os._exit(status)


def exit_status(code: object) -> int:
    """The process exit status for a ``SystemExit`` code, as Python's own exit gives it (a
    message is printed to stderr and gives 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    console()
