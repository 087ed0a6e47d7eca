"""Atomic output: every file is written to a temporary name beside it and renamed into place.
Bounded input: every input file is read through :func:`read_input`, which stops at a size limit;
:func:`read_input_file` (and :func:`read_toml`) turn a file that is missing, a directory,
unreadable or not UTF-8 into one error naming it and saying what was expected (exit code 2).

An interruption leaves either the previous file or none, never a partial one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ForecastError

if TYPE_CHECKING:
    from pydantic import BaseModel

MAX_INPUT_MB_ENV = "FORECAST_MAX_INPUT_MB"
DEFAULT_MAX_INPUT_MB = 64


def env_limit[T: (int, float)](name: str, default: T, parse: Callable[[str], T], what: str) -> T:
    """A resource limit from the environment variable ``name`` (``default`` when unset),
    read with ``parse``; a value it cannot read is a user error naming the variable and
    saying what was expected (``what``: "a whole number of rows")."""
    raw = os.environ.get(name, "")
    try:
        return parse(raw) if raw else default
    except ValueError:
        raise ForecastError(f"{raw!r} is not {what}", name) from None


def max_input_bytes() -> int:
    """The largest input file read, bytes (``FORECAST_MAX_INPUT_MB``, default 64 MB)."""
    mb = env_limit(MAX_INPUT_MB_ENV, float(DEFAULT_MAX_INPUT_MB), float, "a number of megabytes")
    return int(mb * 2**20)


def read_input(path: str | Path) -> bytes:
    """The bytes of an input file, refused past :func:`max_input_bytes` (a device such as
    /dev/zero or an endless pipe is stopped there, not read without end). Raises what
    ``Path.read_bytes`` raises for a missing file, a directory or no permission."""
    limit = max_input_bytes()
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ForecastError(
            f"larger than the {limit / 2**20:g} MB read limit for an input file (a device or "
            f"an endless stream?); set {MAX_INPUT_MB_ENV} to raise it",
            str(path),
        )
    return data


def read_input_text(path: str | Path, encoding: str = "utf-8") -> str:
    """:func:`read_input` decoded (raises UnicodeDecodeError as ``Path.read_text`` does),
    without a leading byte-order mark (editors on Windows write one)."""
    return read_input(path).decode(encoding).removeprefix("\ufeff")


def read_input_file(path: str | Path, expected: str, encoding: str = "utf-8") -> str:
    """:func:`read_input_text` of a user's input file, or a :class:`ForecastError` naming it
    and saying what was expected (``expected``: "scenario TOML file", read "a scenario TOML
    file") when it is missing, a directory, not readable or not UTF-8 text."""
    where = str(path)
    try:
        return read_input_text(path, encoding)
    except FileNotFoundError:
        raise ForecastError(f"file not found; expected a {expected}", where) from None
    except IsADirectoryError:
        raise ForecastError(f"is a directory; expected a {expected}", where) from None
    except UnicodeDecodeError as e:
        raise ForecastError(
            f"not UTF-8 text (byte {e.start}); expected a UTF-8 {expected} — re-export it as UTF-8",
            where,
        ) from None
    except OSError as e:
        raise ForecastError(
            f"cannot read the file ({e.strerror}); expected a {expected}", where
        ) from None


def read_toml(path: str | Path, expected: str) -> dict:
    """The tables of a TOML input file (:func:`read_input_file`), or a :class:`ForecastError`
    naming it when it is not valid TOML."""
    return parse_toml(read_input_file(path, expected), str(path))


def bundled_toml[M: BaseModel](name: str, schema: type[M]) -> M:
    """The package's data file ``forecast/data/NAME`` read and validated against
    ``schema``, or a :class:`ForecastError` naming ``<bundled>/NAME`` and what was expected."""
    from importlib import resources

    from pydantic import ValidationError

    from .schema import message

    where = f"<bundled>/{name}"
    raw = parse_toml(resources.files("forecast").joinpath("data", name).read_text("utf-8"), where)
    try:
        return schema.model_validate(raw)
    except ValidationError as e:
        raise ForecastError(message(e, schema), where) from None


def parse_toml(text: str, where: str) -> dict:
    """The tables of TOML text, or a :class:`ForecastError` naming ``where`` (the file it
    came from) when it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ForecastError(f"not valid TOML ({e})", where) from None
    except RecursionError:
        raise ForecastError("not valid TOML (nested too deeply)", where) from None


def bundled_dir(name: str, marker: str, hint: str = "") -> Path:
    """The project folder ``name`` (``priors``, ``scenarios``) beside the package in a source
    checkout, or the copy bundled in an installed wheel (``forecast/_bundled/NAME``, see
    pyproject.toml): the first that holds ``marker`` (a file name; "" for any directory).
    A :class:`ForecastError` when neither does, ``hint`` saying what to pass instead."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / name, here / "_bundled" / name):
        if (cand / marker).is_file() if marker else cand.is_dir():
            return cand
    raise ForecastError(f"cannot find the bundled {name} directory{'; ' + hint if hint else ''}")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; rename it onto ``path`` on success."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; published files are world-readable
    except OSError as e:
        raise ForecastError(f"cannot write here ({e.strerror})", str(path)) from None
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except OSError as e:
        raise ForecastError(
            f"could not write the file ({e.strerror}); nothing was written", str(path)
        ) from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def write_bytes(path: str | Path, data: bytes) -> None:
    """Atomically write ``data`` to ``path`` (world-readable, like every published file)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def dumps_json(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: str | Path, obj) -> None:
    write_text(path, dumps_json(obj))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(v: object) -> object:
    """A text cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a
    carriage return, and is not a number) gets a leading apostrophe; other values as given."""
    if isinstance(v, str) and v.startswith(FORMULA_START):
        try:
            float(v)
        except ValueError:
            return "'" + v
    return v


def write_csv(path: str | Path, header: list[str], rows: list[list]) -> None:
    """A results table (summary.csv, report.csv, sweep.csv, ...) for people and spreadsheets:
    text cells are made :func:`spreadsheet_safe`. Observation tables meant to be read back
    (``forecast data import``) are written by :func:`forecast.history_build.write_rows`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([spreadsheet_safe(h) for h in header])
    w.writerows([[spreadsheet_safe(v) for v in r] for r in rows])
    write_text(path, buf.getvalue())


def write_with(path: str | Path, writer: Callable[[Path], None]) -> None:
    """Atomically write a file produced by ``writer(tmp_path)`` (e.g. ``ds.to_netcdf``)."""
    with atomic_path(path) as tmp:
        writer(tmp)


def file_hash(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]
