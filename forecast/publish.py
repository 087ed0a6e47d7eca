"""Publishing an output directory whole: a command's files are written into a hidden staging
directory (beside ``--out``, or inside it when it exists) and moved into place only when
every one of them is complete.

An interrupt (Ctrl-C, SIGTERM), a full disk or an error while writing removes the staging
directory, so ``--out`` is left as it was: absent, or holding the previous files. Never an
empty directory, never half of a new set. The move itself runs with SIGINT and SIGTERM
held off (it takes milliseconds: renames within one filesystem); a signal that arrives
meanwhile is acted on once the files are in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import ForecastError
from .interrupts import held, raise_if_requested


def publish(out: str | Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    """Call ``write(stage)`` on an empty staging directory and move what it wrote into
    ``out``: the whole directory by one rename when ``out`` does not exist yet; otherwise
    file by file (a file of the same name is replaced, other files in ``out`` are kept, and
    a staged sub-directory such as ``figures/`` replaces the old one whole). Returns the
    paths ``write`` returned, as they are under ``out``."""
    out = Path(out)
    # staged on the filesystem the files end on (renames cannot cross one): inside ``out``
    # when it exists (it may be a mount point), beside it otherwise
    where = out if out.is_dir() else out.parent
    created = _make_parents(where, out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=where))
    except OSError as e:
        _remove_empty(created)
        raise ForecastError(
            f"cannot create the output directory ({e.strerror})", str(out)
        ) from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes 0700; published output is readable
        written = write(stage)
        raise_if_requested()  # interrupted while writing, the signal swallowed: not published
        _move_in(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(created)
        raise
    return [out / Path(p).relative_to(stage) for p in written]


def _move_in(stage: Path, out: Path) -> None:
    with held():
        try:
            if not out.exists():
                os.rename(stage, out)
                return
            if not out.is_dir():
                raise ForecastError("exists and is not a directory", str(out))
            for src in sorted(stage.iterdir()):
                dst = out / src.name
                if src.is_dir() and dst.is_dir():
                    os.rename(dst, stage / f".{src.name}.old")  # removed with the stage
                os.replace(src, dst)
            shutil.rmtree(stage, ignore_errors=True)
        except OSError as e:
            raise ForecastError(
                f"could not move the output into place ({e.strerror})", str(out)
            ) from None


def _make_parents(folder: Path, out: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, deepest first."""
    missing = []
    p = folder.absolute()
    while not p.exists():
        missing.append(p)
        p = p.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ForecastError(
            f"cannot create the output directory ({e.strerror})", str(out)
        ) from None
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for f in folders:
        try:
            f.rmdir()
        except OSError:
            return
