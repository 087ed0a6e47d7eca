"""Ctrl-C and SIGTERM where a library would swallow them or where they must wait.

:func:`noted` guards a sampler call: nutpie stops on KeyboardInterrupt and *returns* the
draws made so far, so without it a signal during sampling gave a truncated posterior that
was cached and published as if complete. Inside :func:`noted` a signal still stops the
sampler at once, and the interrupt is raised again when the call returns, whatever it
returned or raised. :func:`held` defers the signals instead, for a block that must not be
cut in half (moving a finished output directory into place), and
:func:`ignored_by_children` starts worker processes that leave Ctrl-C to this one.

Python runs signal handlers in the main thread only; elsewhere (a Dask worker thread) both
run the block as it is.

:func:`terminate_as_interrupt` installs the command-wide handlers, which also *record* the
signal: Python drops an exception raised while a weakref callback or finaliser runs
("Exception ignored in ..."), so a signal could be lost and the run carry on to publish its
output. :func:`raise_if_requested` raises it again at the points that must not be passed
after an interrupt (before an output directory is moved into place, and when a command
returns).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


_requested: list[int] = []  # signals the command-wide handler has seen, in order


def terminate_as_interrupt() -> None:
    """Treat SIGTERM like Ctrl-C, so temporary files are removed on the way out, and record
    either signal so that one an ignored exception swallowed is acted on later."""
    _requested.clear()
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: Any) -> None:
        _requested.append(signum)
        raise KeyboardInterrupt(f"signal {signum}")

    for s in SIGNALS:
        signal.signal(s, handler)


def forget() -> None:
    """Clear the recorded signals (a command is over, acted on or not)."""
    _requested.clear()


def raise_if_requested() -> None:
    """Raise KeyboardInterrupt if a signal was recorded (acted on or swallowed)."""
    if _requested:
        raise KeyboardInterrupt(f"signal {_requested[0]}")


class SamplerInterrupted(KeyboardInterrupt):
    """A signal stopped a sampler; its native threads may still be winding down."""


@contextmanager
def noted() -> Iterator[None]:
    """Run a sampler call; a SIGINT or SIGTERM during it raises KeyboardInterrupt in it
    (so it stops) and again after it (so a truncated result is never used)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        seen.append(signum)
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, stop) for s in SIGNALS}
    try:
        yield
    except Exception:
        if not seen:
            raise
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    if seen:  # the sampler may have swallowed it, or failed on what it was left with
        raise SamplerInterrupted(f"signal {seen[0]}")


@contextmanager
def ignored_by_children() -> Iterator[None]:
    """Run the block with SIGINT ignored, so processes it starts inherit that (Dask workers:
    Ctrl-C in a terminal reaches every process of the group, and each worker printed its
    own KeyboardInterrupt traceback); this process alone acts on Ctrl-C afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def held() -> Iterator[None]:
    """Run the block with SIGINT and SIGTERM noted instead of acted on; once it is done,
    the first signal noted is handed to the handler that was in place."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen: list[tuple[int, Any]] = []
    previous = {s: signal.signal(s, lambda n, f: seen.append((n, f))) for s in SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    if seen:
        n, frame = seen[0]
        handler = previous[signal.Signals(n)]
        if callable(handler):
            handler(n, frame)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(n)
