"""The worker processes normalization shares a large file's byte ranges among.

`worker_pool` starts them ahead of time (the refresh flow opens it before crawling); `run_jobs`
runs the ranges in that warm pool, in a pool started for one file, or in this process.
"""

import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def default_workers() -> int:
    """Worker processes for normalization: one per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ready() -> int:
    # Submitted once per worker so it starts, and imports the normalizers, before any work arrives.
    importlib.import_module("pipeline.normalize.run")
    return os.getpid()


def _spawn_pool(
    workers: int, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    # Spawned, not forked: the flow calls this from a thread, and forking a threaded process can
    # copy a lock some other thread holds.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs)


_warm_pool: ProcessPoolExecutor | None = None


@contextmanager
def worker_pool(
    workers: int | None = None, initializer: Callable[..., object] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[None]:
    """Start normalization's worker processes now, for every `normalize_file` inside the block.

    A worker needs about half a second to start and import the pipeline; the refresh flow opens
    the pool before crawling, so that happens while the spiders run, not after. `initializer`
    (with `initargs`) runs first in each worker, as for `ProcessPoolExecutor`.
    """
    global _warm_pool
    workers = max(1, workers or default_workers())
    if workers == 1 or _warm_pool is not None:
        yield
        return
    pool = _spawn_pool(workers, initializer, initargs)
    for _ in range(workers):
        pool.submit(_ready)
    _warm_pool = pool
    try:
        yield
    finally:
        _warm_pool = None
        pool.shutdown(wait=True, cancel_futures=True)


def run_jobs(function: Callable[..., T], jobs: Sequence[tuple[Any, ...]], workers: int) -> list[T]:
    """The results of `function(*job)` for each job, in the order of `jobs`.

    They run in this process when `workers` is 1, else in the pool `worker_pool` started, or in up
    to `workers` processes started for these jobs alone.
    """
    if workers == 1:
        return [function(*job) for job in jobs]
    if _warm_pool is not None:
        futures = [_warm_pool.submit(function, *job) for job in jobs]
        return [f.result() for f in futures]
    with _spawn_pool(min(workers, len(jobs))) as pool:
        futures = [pool.submit(function, *job) for job in jobs]
        return [f.result() for f in futures]
