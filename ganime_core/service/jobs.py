"""The service's job queue: one colorize at a time, bounded, newest-wins per client.

Jobs run one after another on a single worker thread (the model holds the CPU or GPU; two at
once would only slow both). A *live* job (the plugin's preview after a hint stroke) replaces
any live job of the same client still waiting, which is answered :class:`Superseded`. A job
whose HTTP client has gone is dropped before it starts. :meth:`JobQueue.close` answers the
waiting jobs :class:`ShuttingDown` and lets the running one finish.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class QueueFull(Exception):
    """More jobs are waiting than ``max_queue``."""


class Superseded(Exception):
    """A newer live request of the same client replaced this one before it started."""


class ShuttingDown(Exception):
    """The service is stopping and takes no more work."""


class ClientGone(Exception):
    """The client disconnected before its job started."""


@dataclass(eq=False)
class Job:
    fn: Callable[[], Any]
    future: asyncio.Future
    client: str | None = None
    live: bool = False
    gone: Callable[[], bool] = field(default=lambda: False)
    id: int = 0


class JobQueue:
    """Bounded FIFO of jobs run on one worker thread. Use from one event loop."""

    def __init__(self, max_queue: int = 16) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        self.max_queue = max_queue
        self._pending: deque[Job] = deque()
        self._running: Job | None = None
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="ganime-colorize")
        self._ids = itertools.count(1)
        self._task: asyncio.Task | None = None
        self.closing = False
        self.stats = {"done": 0, "failed": 0, "superseded": 0, "rejected": 0, "dropped": 0}

    def __len__(self) -> int:
        """Jobs waiting plus the one running."""
        return len(self._pending) + (self._running is not None)

    @property
    def waiting(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="ganime-jobs")

    async def submit(self, fn: Callable[[], Any], *, client: str | None = None, live: bool = False,
                     gone: Callable[[], bool] | None = None) -> Any:
        """Queue ``fn`` and wait for its result (its exception is raised here)."""
        if self.closing:
            raise ShuttingDown()
        if live and client:
            for old in [j for j in self._pending if j.live and j.client == client]:
                self._pending.remove(old)
                self.stats["superseded"] += 1
                if not old.future.done():
                    old.future.set_exception(Superseded())
        if len(self._pending) >= self.max_queue:
            self.stats["rejected"] += 1
            raise QueueFull()
        job = Job(fn, asyncio.get_running_loop().create_future(), client, live,
                  gone or (lambda: False), next(self._ids))
        self._pending.append(job)
        self._wake.set()
        return await job.future

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                if self.closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._pending.popleft()
            if job.future.done():  # its handler was cancelled
                continue
            if job.gone():
                self.stats["dropped"] += 1
                job.future.set_exception(ClientGone())
                continue
            self._running = job
            try:
                result = await loop.run_in_executor(self._executor, job.fn)
            except Exception as exc:
                self.stats["failed"] += 1
                if not job.future.done():
                    job.future.set_exception(exc)
            else:
                self.stats["done"] += 1
                if not job.future.done():
                    job.future.set_result(result)
            finally:
                self._running = None

    async def close(self, timeout: float = 60.0) -> None:
        """Take no more jobs, answer the waiting ones ``ShuttingDown``, let the running one end."""
        self.closing = True
        while self._pending:
            job = self._pending.popleft()
            if not job.future.done():
                job.future.set_exception(ShuttingDown())
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                log.warning("a colorize job was still running after %.0f s at shutdown", timeout)
        self._executor.shutdown(wait=False, cancel_futures=True)
