"""A shipped reading file and the base it extends as one file, for tests that edit lines of
either (a parameter, an evidence field, an event condition)."""

from __future__ import annotations

from pathlib import Path


def flat_text(reading: Path) -> str:
    """``reading``'s top-level keys and residual parameters spliced into ``base.toml``'s text
    (both files are flat: top-level keys, then ``[residual]``, then evidence and events)."""
    own = reading.read_text("utf-8").splitlines()
    base = (reading.parent / "base.toml").read_text("utf-8").splitlines()
    i, j = own.index("[residual]"), base.index("[residual]")
    top = [line for line in own[:i] if not line.startswith("extends")]
    mine = {_key(line) for line in own[i + 1 :]} - {""}
    rest = [line for line in base[j + 1 :] if _key(line) not in mine]
    return "\n".join(top + base[: j + 1] + own[i + 1 :] + rest) + "\n"


def _key(line: str) -> str:
    return line.split("=", 1)[0].strip() if "=" in line and not line.startswith("#") else ""
