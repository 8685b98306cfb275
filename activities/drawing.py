"""The processes that draw PDF letters: started when a letter needs one, replaced after a
number of letters, let go when no letter has come for a while, and replaced when one dies.

A chase sleeps for months between letters; drawing processes held for it all that time
cost the worker their memory (about 70 MiB each) for nothing. Python 3.11's own way of
replacing a pool's processes (`max_tasks_per_child`) hung a letter for ever after a
process's last task (seen in the end-to-end tests), so this pool replaces whole
executors instead: new letters go to a fresh one while the old one finishes its own.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


class DrawingPool:
    """An executor of `processes` spawned processes (a fork would copy the SDK's threads),
    each of which exits with the worker that started it (`initializer`)."""

    def __init__(self, processes: int, *, letters_per_pool: int = 500, idle_seconds: float = 60,
                 initializer: Callable[..., None] | None = None, initargs: tuple = ()):
        self.processes = processes
        self.letters_per_pool = letters_per_pool
        self.idle_seconds = idle_seconds
        self._initializer, self._initargs = initializer, initargs
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._drawn = 0  # letters given to the current executor
        self._in_flight = 0
        self._last_used = time.monotonic()
        self._closed = threading.Event()
        self.started = 0  # executors started (the tests read it)
        self._reaper = threading.Thread(target=self._let_go_when_idle, daemon=True, name="drawing-pool-idle")
        self._reaper.start()

    def submit(self, fn: Callable, *args) -> Future:
        while True:
            executor = self._take()
            try:
                future = executor.submit(fn, *args)
            except BrokenProcessPool:
                self._done(executor, broken=True)
                raise
            except RuntimeError:  # retired by another letter just now: the next one takes it
                self._done(executor, broken=False)
                continue
            future.add_done_callback(lambda f, executor=executor: self._done(
                executor, broken=not f.cancelled() and isinstance(f.exception(), BrokenProcessPool)))
            return future

    def _take(self) -> ProcessPoolExecutor:
        """The executor for the next letter, counted in flight."""
        with self._lock:
            if self._closed.is_set():
                raise RuntimeError("the drawing pool is shut down")
            if self._executor is not None and self._drawn >= self.letters_per_pool:
                self._retire()  # its memory grows with what it drew: a fresh one for the next
            if self._executor is None:
                self._executor = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=self._initializer, initargs=self._initargs)
                self._drawn = 0
                self.started += 1
            self._drawn += 1
            self._in_flight += 1
            self._last_used = time.monotonic()
            return self._executor

    def _done(self, executor: ProcessPoolExecutor, broken: bool) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last_used = time.monotonic()
            if broken and self._executor is executor:
                # A process was killed: this executor refuses all work from now on. The
                # letter is retried by its activity and drawn by the next one.
                self._retire()

    def _retire(self) -> None:
        """Under the lock: no new letters for the current executor; it ends once the
        letters it holds are drawn (never waited for here: callers hold the lock)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            threading.Thread(target=executor.shutdown, kwargs={"wait": True}, daemon=True,
                             name="drawing-pool-retire").start()

    def _let_go_when_idle(self) -> None:
        while not self._closed.wait(min(self.idle_seconds / 4, 5)):
            with self._lock:
                idle = time.monotonic() - self._last_used
                if self._executor is not None and self._in_flight == 0 and idle >= self.idle_seconds:
                    self._retire()

    @property
    def running(self) -> bool:
        return self._executor is not None

    def shutdown(self, wait: bool = True) -> None:
        self._closed.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait)

    def __enter__(self) -> DrawingPool:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()

