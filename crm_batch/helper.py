"""A second process for independent work, so a big register uses both cores of a small PC.

The weekly job is one Python process, and pandas holds one core. Two pieces of
it depend on nothing the other core is doing: the sheets of the registers
(each is read on its own) and the audit of last week (fines and compliance need
the profiles, not this week's actions). The helper is one spawned worker
process that takes such a piece while the main process carries on.

It is an optimisation and nothing else: every task is a plain function of
picklable arguments and gives the same result inline. When the helper cannot
start, dies (killed, out of memory) or is switched off, the task runs in the
main process. Set ``CRM_BATCH_HELPER=0`` to switch it off, ``=1`` to use it
whatever the size of the register.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import types
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

ENV = "CRM_BATCH_HELPER"
# Below this much register (file size) the job takes about a second, and starting
# a second Python with pandas would cost more than it saves.
MIN_INPUT_BYTES = 1_000_000
# Above this, the copies the helper holds (a sheet's cells, then the customers and contacts for
# the audit) would add about as much memory again as the job itself: 100,000 customers (37 MB)
# peaked at ~3 GB for both processes, against 1.2 GB alone. A big register runs in one process.
MAX_INPUT_BYTES = 16_000_000


def wanted(input_bytes: int) -> bool:
    """Whether a helper pays for itself on registers of this many bytes, on this machine."""
    setting = os.environ.get(ENV, "").strip()
    if setting == "0":
        return False
    if (os.cpu_count() or 1) < 2:
        return False
    return setting == "1" or MIN_INPUT_BYTES <= input_bytes <= MAX_INPUT_BYTES


def _start_worker() -> None:
    """In the worker: Ctrl-C is the main process's to handle; then load what the tasks use."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import fastexcel  # noqa: F401 - imported now, while the main process starts up

    import crm_batch.ingest.register  # noqa: F401 - the first tasks: sheets of the registers


def _ready() -> bool:
    return True


class Task:
    """One piece of work: running in the helper, or (without one) run here when its result is asked for."""

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...], future: Future | None) -> None:
        self._future = future
        # Kept until the result is in: without a helper the work is done here, and if the helper dies, too.
        self._work: tuple[Callable[..., Any], tuple[Any, ...]] | None = (function, args)
        self._value: Any = None

    @property
    def busy(self) -> bool:
        """Still running in the helper."""
        return self._future is not None and not self._future.done()

    def result(self) -> Any:
        if self._work is not None:
            function, args = self._work
            try:
                self._value = self._future.result() if self._future is not None else function(*args)
            except BrokenProcessPool:
                self._value = function(*args)  # the helper died (killed, out of memory): done here
            self._future = self._work = None
        return self._value


class Helper:
    """The second process, started at once so it has loaded pandas by the time work comes."""

    def __init__(self, start: bool) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._task: Task | None = None
        if not start:
            return
        # A spawned child imports the parent's __main__ (to find functions defined there); a script
        # without an ``if __name__ == "__main__"`` guard would run the whole job again in it. Our tasks
        # live in crm_batch, so while the child starts (inside submit) __main__ is an empty module.
        script = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_start_worker)
            pool.submit(_ready)
        except (OSError, RuntimeError):  # no processes allowed here: everything runs inline
            return
        finally:
            sys.modules["__main__"] = script
        self._pool = pool

    @property
    def active(self) -> bool:
        return self._pool is not None

    @property
    def idle(self) -> bool:
        """Started, and not working on a task of ours."""
        return self._pool is not None and (self._task is None or not self._task.busy)

    def submit(self, function: Callable[..., Any], *args: Any) -> Task:
        """Start ``function(*args)`` in the helper; without one it runs here, when its result is asked for."""
        future = None
        if self._pool is not None:
            try:
                future = self._pool.submit(function, *args)
            except (BrokenProcessPool, RuntimeError):
                self._pool = None
        task = Task(function, args, future)
        if future is not None:
            self._task = task
        return task

    def preload(self, module: str) -> None:
        """Import ``module`` in the helper while it has nothing to do, so its tasks start at once."""
        if self._pool is not None:
            try:
                self._pool.submit(importlib.import_module, module)
            except (BrokenProcessPool, RuntimeError):
                self._pool = None

    def close(self) -> None:
        """Stop the helper; a task it is still running is abandoned (after Ctrl-C or an error)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        abandoned = self._task is not None and self._task.busy
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        if abandoned:  # an idle helper leaves on its own; a busy one would hold up the exit
            for process in processes:
                if process.is_alive():
                    process.terminate()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


NO_HELPER = Helper(start=False)
