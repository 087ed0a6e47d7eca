"""What every command shares: the error guard, and one options object for the fit options.

:func:`fit_options` adds the options that say what is fitted and how (data, priors, sampler,
cache, strictness, verbosity) and hands the command a single :class:`FitOptions` instead of
fifteen parameters. Only click is imported here, so ``forecast --help`` stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from ..errors import EXIT_SAMPLER_TROUBLE, EXIT_USER_ERROR, ForecastError, SamplerTrouble

if TYPE_CHECKING:
    from ..fit import SamplerSettings
    from ..pipeline import Inputs


def guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn user errors into a one-line message and exit 2; internal errors into exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = ctx.find_root().params.get("debug", False)
        from ..interrupts import forget, raise_if_requested, terminate_as_interrupt

        terminate_as_interrupt()
        try:
            result = fn(*args, **kwargs)
            raise_if_requested()  # a signal an ignored exception swallowed is still a stop
            return result
        except ForecastError as e:
            if debug:
                traceback.print_exc()
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except SamplerTrouble as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_SAMPLER_TROUBLE)
        except KeyboardInterrupt as stop:
            if ctx.info_name == "sweep":
                msg = (
                    "cells finished before the interrupt (none, if it came during the fit) "
                    "are checkpointed in --out: run the same command with --resume to continue"
                )
            else:
                msg = (
                    "an output directory is published whole or not at all, so --out holds "
                    "what it held before (or all the new files, if they were being moved in)"
                )
            click.echo(f"interrupted: {msg}", err=True)
            from ..interrupts import SamplerInterrupted

            if isinstance(stop, SamplerInterrupted):  # an orderly interpreter shutdown beside
                sys.stdout.flush()  # the sampler's winding-down threads crashed (SIGSEGV)
                sys.stderr.flush()
                os._exit(130)
            sys.exit(130)
        except Exception as e:  # an internal error, not the user's
            if debug:
                raise
            click.echo(
                f"internal error: {type(e).__name__}: {e}\n(rerun with --debug for the "
                "traceback, and please report it)",
                err=True,
            )
            sys.exit(1)
        finally:
            forget()

    return wrapper


def variant_pairs(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``("core-bench=automated-grading", ...)`` as a dict; a clear error otherwise."""
    out = {}
    for v in values:
        if "=" not in v:
            raise ForecastError(
                "expected BENCHMARK=VARIANT, e.g. core-bench=automated-grading", f"--variant {v!r}"
            )
        b, name = v.split("=", 1)
        out[b.strip()] = name.strip()
    return out


def say(quiet: bool) -> Callable[[str], None]:
    """A progress printer on stderr (silent with --quiet)."""
    return (lambda msg: None) if quiet else (lambda msg: click.echo(msg, err=True))


def emit(obj: Any) -> None:
    """Print a result as JSON (the serialisation every --json shares)."""
    from ..io import dumps_json

    click.echo(dumps_json(obj), nl=False)


class Verdict(Protocol):
    """What --strict reads of a fit's diagnostics (:class:`forecast.results.Diagnostics`)."""

    @property
    def ok(self) -> bool: ...
    @property
    def warnings(self) -> list[str]: ...


@dataclass(frozen=True)
class FitsVerdict:
    """The verdict over several fits (e.g. structural variants): ok when all are."""

    ok: bool
    warnings: list[str]


def check_strict(diag: Verdict, strict: bool, withheld: str | Path | None = None) -> None:
    """Under --strict, sampler diagnostics that miss their thresholds are exit 3; a command
    that checks before writing names the output it withheld (``withheld``)."""
    if strict and not diag.ok:
        raise SamplerTrouble(
            "sampler diagnostics missed their thresholds (--strict): "
            + "; ".join(diag.warnings)
            + (f"; nothing was written to {withheld}" if withheld else "")
        )


@dataclass(frozen=True)
class FitOptions:
    """The options that say what is fitted and how, shared by every command that fits."""

    data: tuple[str, ...] = ()
    no_bundled: bool = False
    variants: tuple[str, ...] = ()
    priors_dir: str | None = None
    seed: int = 1
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.95
    sampler: str = "auto"
    cache_dir: str | None = None
    refit: bool = False
    strict: bool = False
    quiet: bool = False
    as_of: str | None = None

    @property
    def cache(self) -> Path | None:
        return Path(self.cache_dir) if self.cache_dir else None

    def settings(self) -> SamplerSettings:
        from ..fit import SamplerSettings

        return SamplerSettings(
            seed=self.seed, draws=self.draws, tune=self.tune, chains=self.chains,
            target_accept=self.target_accept, sampler=self.sampler,
        )  # fmt: skip

    def inputs(self, extra_data: tuple[str, ...] = ()) -> Inputs:
        """Observations, priors and sampler settings, validated (``extra_data`` appended)."""
        from ..pipeline import inputs

        return inputs(
            [*self.data, *extra_data], self.no_bundled, self.priors_dir,
            variant_pairs(self.variants), self.settings(), as_of=self.as_of,
        )  # fmt: skip

    def say(self, msg: str) -> None:
        say(self.quiet)(msg)

    def check_strict(self, diag: Verdict, withheld: str | Path | None = None) -> None:
        """:func:`check_strict` under this command's --strict."""
        check_strict(diag, self.strict, withheld)


_DATA_HELP = (
    "A CSV of extra observations (same schema as `forecast data --schema`), or a bundled "
    "table: `frontier[:SERIES,...]` (frontier records of the public series; `frontier` is the "
    "default data), `history[:SERIES,...]` (every row) or `seed` (the evidence notes' figures "
    "alone, with --no-bundled). `forecast data` lists the series. Repeatable."
)
_DATA_OPTIONS = [
    click.option("--data", "data", multiple=True, type=click.Path(dir_okay=False), help=_DATA_HELP),
    click.option(
        "--no-bundled",
        is_flag=True,
        help="Leave out the bundled data (the frontier records of every public series, seed "
        "figures included): only the --data files (or bundled tables named there) enter the "
        "fit, not even through the pooled growth rates.",
    ),
    click.option(
        "--variant",
        "variants",
        multiple=True,
        metavar="BENCH=NAME",
        help="Which of a source's figures to use where it gives several, e.g. "
        "core-bench=automated-grading. Overrides the priors file.",
    ),
]
PRIORS_OPTION = click.option(
    "--priors",
    "priors_dir",
    type=click.Path(file_okay=False),
    help="Directory holding bounded.toml and unbounded.toml [default: priors/].",
)
QUIET_OPTION = click.option("--quiet", "-q", is_flag=True, help="No progress messages on stderr.")


def shown_default_option(
    flag: str, default: Any, type: Any, help: str, name: str | None = None, multiple: bool = False
) -> Any:
    """The option ``flag`` of click type ``type``, its ``default`` shown in --help (passed to
    the command as ``name`` where given; ``multiple``: repeatable)."""
    decls = (flag, name) if name else (flag,)
    return click.option(
        *decls, default=default, show_default=True, type=type, help=help, multiple=multiple
    )


def typed_options(rows: list[tuple[str, Any, str]]) -> list:
    """One click option a ``(flag, type, help)`` row, no default shown by click (for options
    whose default is said in the help, or chosen by the command when left out)."""
    return [click.option(flag, type=type, help=help) for flag, type, help in rows]


SEED_OPTION = shown_default_option(
    "--seed",
    1,
    click.IntRange(0, 2**32 - 1),
    "Random seed: the same seed, data and priors give the same numbers.",
)
AS_OF_OPTION = click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Forecast as the world stood on DATE (YYYY, YYYY-MM or YYYY-MM-DD): only rows "
    "published before it enter, bundled or not; recorded in the provenance.",
)
_FIT_OPTIONS = [
    PRIORS_OPTION,
    SEED_OPTION,
    shown_default_option("--draws", 1000, click.IntRange(100), "Posterior draws per chain."),
    shown_default_option("--tune", 1000, click.IntRange(100), "Warm-up iterations per chain."),
    shown_default_option(
        "--chains", 4, click.IntRange(2), "Independent chains (R-hat needs at least 2)."
    ),
    shown_default_option(
        "--target-accept",
        0.95,
        click.FloatRange(0.5, 1, max_open=True),
        "NUTS target acceptance rate: raise it (0.99) when divergences are reported; "
        "smaller steps, slower sampling.",
    ),
    shown_default_option(
        "--sampler",
        "auto",
        click.Choice(["auto", "nutpie", "pymc"]),
        "NUTS implementation; auto uses nutpie when installed.",
    ),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        help="Where fitted posteriors are kept and reused [default: "
        "$FORECAST_CACHE or ~/.cache/forecast].",
    ),
    click.option("--refit", is_flag=True, help="Ignore a cached posterior and sample again."),
    click.option(
        "--strict",
        is_flag=True,
        help=f"Exit with code {EXIT_SAMPLER_TROUBLE} when R-hat, ESS or divergences "
        "miss their thresholds (they are always reported).",
    ),
    QUIET_OPTION,
    AS_OF_OPTION,
]
_FIELDS = tuple(FitOptions.__dataclass_fields__)


def apply_options(fn: Callable[..., Any], options: list) -> Callable[..., Any]:
    """``fn`` decorated with each click option of ``options``, listed in --help in that order."""
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def option_group(options: list) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding each click option of ``options``, in that order in --help."""
    return lambda fn: apply_options(fn, options)


def data_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--data, --no-bundled and --variant, passed to the command as they are."""
    return apply_options(fn, _DATA_OPTIONS)


def fit_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Every fit option, handed to the command as one ``fit: FitOptions`` argument."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fit = FitOptions(**{k: kwargs.pop(k) for k in _FIELDS})
        return fn(*args, fit=fit, **kwargs)

    return apply_options(wrapper, _DATA_OPTIONS + _FIT_OPTIONS)


def input_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """What is read, not how it is sampled: the data options, --priors, --seed, --quiet and
    --as-of, handed to the command as ``fit: FitOptions`` with the sampler fields at their
    defaults (for commands that sample nothing with NUTS, such as prior-check)."""
    names = ("data", "no_bundled", "variants", "priors_dir", "seed", "quiet", "as_of")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        fit = FitOptions(**{k: kwargs.pop(k) for k in names})
        return fn(*args, fit=fit, **kwargs)

    inputs = [PRIORS_OPTION, SEED_OPTION, QUIET_OPTION, AS_OF_OPTION]
    return apply_options(wrapper, _DATA_OPTIONS + inputs)


THRESHOLD_HELP = "An extra threshold, as for `run`. Repeatable."
HORIZON_HELP = (
    "Draws not crossing by this date count as 'not by horizon' "
    "(YYYY, YYYY-MM or YYYY-MM-DD) [default: 2040-12-31]."
)


def threshold_option(help: str = THRESHOLD_HELP) -> Any:
    """``--threshold BENCH>=VALUE`` (repeatable), passed to the command as ``thresholds``."""
    return click.option(
        "--threshold", "thresholds", multiple=True, metavar="BENCH>=VALUE", help=help
    )


def event_options(
    threshold_help: str = THRESHOLD_HELP, horizon_help: str = HORIZON_HELP
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """What a forecasting command forecasts and until when: :func:`threshold_option` and
    ``--horizon DATE`` (passed as ``horizon``), each with the command's own help."""
    options = [threshold_option(threshold_help), click.option("--horizon", help=horizon_help)]
    return lambda fn: apply_options(fn, options)


def writable_out(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An ``--out`` callback: a directory that could not be created or written is refused
    while the options are read, before any fit (exit 2, :func:`forecast.output.check_writable`)."""
    if value:
        from ..output import check_writable

        try:
            check_writable(Path(value))
        except ForecastError as e:
            raise click.BadParameter(e.message) from None
    return value


def reachable_scheduler(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """A ``--scheduler`` callback: an address where nothing answers is refused while the
    options are read, before any fit (exit 2, :func:`forecast.dask_client.check_reachable`)."""
    if value:
        from ..dask_client import check_reachable

        try:
            check_reachable(value)
        except ForecastError as e:
            raise click.BadParameter(e.message) from None
    return value


def output_options(
    out_help: str, force_help: str, json_help: str | None = None, out_required: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json`` (as ``as_json``; left out without ``json_help``), ``--out DIRECTORY`` and
    ``--force``, each with the command's own help."""
    options = [
        click.option(
            "--out",
            required=out_required,
            type=click.Path(file_okay=False),
            help=out_help,
            callback=writable_out,
        ),
        click.option("--force", is_flag=True, help=force_help),
    ]
    if json_help is not None:
        options.insert(0, click.option("--json", "as_json", is_flag=True, help=json_help))
    return lambda fn: apply_options(fn, options)
