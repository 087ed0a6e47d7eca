"""One Dask client for every parallel run (sweep cells, crossing-protocol engine fits):
a running scheduler by address, or a LocalCluster of single-threaded worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import ForecastError


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
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
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
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
