"""The ``forecast`` command line: one verb per job, each in its own module of this package.

Commands are registered explicitly below. Their modules import only click at module level
(the work is imported when a command runs), so ``forecast --help`` stays fast. Shared
options and the error guard are in :mod:`forecast.cli.options`; text tables are in
:mod:`forecast.render_text`.
"""

from __future__ import annotations

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
      forecast run                          the bundled forecast, as a table
      forecast run --json --seed 1          the same, as JSON
      forecast run --out results/           + posterior.nc, forecast.nc, summary.json/.csv
      forecast run --threshold "swe-bench>=98%"    an extra threshold
      forecast run --scenario inspiration-binding  a reading: automated AI R&D, R&D multiplier
      forecast compare inspiration-binding compressed-perspiration   the two readings side by side
      forecast structural                   each headline's range over modelling choices
      forecast sweep scenarios/sweep-residual.toml --out sweep/      a grid of assumptions
      forecast report --out report/         a citable HTML page with its JSON and CSV
      forecast backtest --protocol crossing how this engine has forecast real histories
      forecast data                         list and validate the observation table
      forecast data import swebench-json leaderboards.json --out new.csv   new public results
      forecast prior-check                  what the priors alone imply

    Exit codes: 0 ok, 1 internal error, 2 bad input, 3 sampler trouble under --strict.
    """


for _module in (data, run, compare, structural, check, backtest, sweep, report):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":
    main()
