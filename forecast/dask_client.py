"""One Dask client for every parallel run (sweep cells, crossing-protocol engine fits,
structural variant fits): a running scheduler by address, or a LocalCluster of
single-threaded worker processes; :func:`map_jobs` runs a list of independent jobs on it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .errors import ForecastError
from .interrupts import ignored_by_children


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Refuse a scheduler address that is malformed or where nothing answers (TCP and TLS
    addresses are tried with a plain connection; other transports are left to Dask), so
    ``--scheduler`` is checked before a fit rather than after it."""
    import socket

    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return
    host, _, port = rest.rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        raise ForecastError(
            f"{address!r} is not a scheduler address; expected e.g. tcp://127.0.0.1:8786",
            "--scheduler",
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as e:
        raise ForecastError(
            f"cannot reach the Dask scheduler ({e}); is it running?", f"--scheduler {address}"
        ) from None


@contextmanager
def dask_client(n_workers: int, scheduler: str | None) -> Iterator[Any]:
    """A Dask client on ``scheduler`` (an address), or on a LocalCluster of ``n_workers``
    processes; closed, with its cluster, on the way out. An unreachable scheduler is a
    user error naming ``--scheduler``."""
    import dask
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as e:
            raise ForecastError(
                f"cannot reach the Dask scheduler ({e})", f"--scheduler {scheduler}"
            ) from None
    else:
        # Dask sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which turns every large
        # numpy temporary into an mmap/munmap pair: cells run 2x slower (measured). Unset it.
        with (
            dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}),
            ignored_by_children(),  # Ctrl-C: one message, no worker tracebacks
        ):
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
        client = Client(cluster)
    try:
        yield client
    except BaseException:
        _mute_teardown()  # Ctrl-C or a failed job: the cluster is closed under running work
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _mute_teardown() -> None:
    """Silence the loggers that report a connection closed under a running gather: after an
    interrupt, closing the cluster makes this process's IO loop log a CommClosedError
    traceback (seen in CI) that says nothing the user's one message does not."""
    import logging

    for name in ("tornado.application", "distributed", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def map_jobs(
    fn: Callable[..., Any],
    jobs: Sequence[tuple],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Any]:
    """``fn(*job)`` for every job, results in job order: on Dask (a local cluster of
    ``workers`` processes, default one per core, or ``scheduler``), or in this process when
    a single job is left or ``workers`` is 1 without a scheduler. ``progress`` is told
    "  n/N" as each job finishes."""
    say = progress or (lambda msg: None)
    n_workers = workers or min(os.cpu_count() or 1, len(jobs))
    if len(jobs) <= 1 or (n_workers == 1 and not scheduler):
        out = []
        for n, job in enumerate(jobs, 1):
            out.append(fn(*job))
            say(f"  {n}/{len(jobs)}")
        return out
    from dask.distributed import as_completed

    results: dict[int, Any] = {}
    with dask_client(n_workers, scheduler) as client:
        futures = {client.submit(fn, *job, pure=False): i for i, job in enumerate(jobs)}
        for n, (fut, res) in enumerate(as_completed(futures, with_results=True), 1):
            results[futures[fut]] = res
            say(f"  {n}/{len(jobs)}")
    return [results[i] for i in range(len(jobs))]
