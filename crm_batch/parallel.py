"""Where the independent pieces of the weekly job run: here, or in worker processes.

The job has two kinds of work that depend on nothing else in flight: the sheets
of the registers (each is read on its own) and the audit of last week (it needs
the profiles, not this week's actions). ``pipeline.run`` submits them to a
``concurrent.futures.Executor`` chosen by its caller:

- ``INLINE`` runs each task at once, in this process: the default, for tests,
  small registers and very large ones (two processes would double the memory);
- ``executor_for(2)``: two processes in all, this one and a ``ProcessPoolExecutor``
  with one spawned worker, shut down by its context manager however the job ends.
  The worker reads the largest sheets while this process reads the smallest, and
  audits last week while this process plans the week. One worker, not two: on the
  two cores of a manager's PC a third Python costs more (its start-up competes
  with ours, ~0.3 s at 10,000 customers) than it gives back.

Every task is a plain function of picklable arguments and gives the same result
wherever it runs, so the report does not depend on the choice. A worker that
cannot start, or dies (killed, out of memory), costs time, not the run: its task
is done here (``submit``/``outcome``).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

# Below this much register (file size) the job takes about a second, and starting
# worker Pythons with pandas would cost more than they save.
MIN_INPUT_BYTES = 1_000_000
# Above this, the copies the workers hold (a sheet's cells, then the customers and contacts for
# the audit) add about as much memory again as the job itself: 100,000 customers (37 MB) peaked
# at ~3 GB with a second process, against 1.2 GB alone. A big register runs in one process.
MAX_INPUT_BYTES = 16_000_000
PROCESSES = 2  # this process and one worker
# What a worker process cannot do: start (no processes allowed here), or finish (it died).
_WORKER_FAILURES = (BrokenProcessPool, OSError, RuntimeError)


class InlineExecutor(Executor):
    """Runs each task at once, in this process, and hands back a finished future."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - kept in the future, raised by result() as in a pool
            future.set_exception(exc)
        return future


INLINE = InlineExecutor()


def processes_for(input_bytes: int, setting: str = "auto") -> int:
    """How many processes pay for themselves on registers of this many bytes (1 = this one alone)."""
    if setting != "auto":
        return max(1, int(setting))
    if (os.cpu_count() or 1) < 2:
        return 1
    return PROCESSES if MIN_INPUT_BYTES <= input_bytes <= MAX_INPUT_BYTES else 1


def _start_worker() -> None:
    """In a worker: Ctrl-C is the main process's to handle; then load the reader its first tasks use."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import crm_batch.ingest.sheet  # noqa: F401 - imported now, while the main process starts up


def _ready() -> bool:
    return True


def preload(module: str) -> None:
    """Import ``module`` (in a worker, ahead of the tasks that need it)."""
    importlib.import_module(module)


def process_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of spawned workers, started now so they have loaded pandas by the time work comes;
    None when this machine does not let us start processes."""
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)
        # The pool starts a worker per task waiting for one: one small task each starts them all.
        for _ in range(workers):
            pool.submit(_ready)
    except _WORKER_FAILURES:
        return None
    return pool


@contextlib.contextmanager
def executor_for(processes: int) -> Iterator[Executor]:
    """The executor of a run of this many processes: INLINE for one, else a pool of the workers
    beside this process, shut down on the way out; after an error or Ctrl-C, tasks not yet started
    are cancelled."""
    pool = process_pool(processes - 1) if processes > 1 else None
    if pool is None:
        yield INLINE
        return
    with pool:
        try:
            yield pool
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def submit(executor: Executor, fn: Callable[..., T], *args: Any) -> Future[T]:
    """``executor.submit``; once its workers are gone, the task runs here."""
    try:
        return executor.submit(fn, *args)
    except _WORKER_FAILURES:
        return INLINE.submit(fn, *args)


def outcome(future: Future[T], fn: Callable[..., T], *args: Any) -> T:
    """The task's result; when the worker running it died, the same task done here."""
    try:
        return future.result()
    except BrokenProcessPool:
        return fn(*args)
