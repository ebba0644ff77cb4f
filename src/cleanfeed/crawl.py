"""Crawl: the async side of a run. ``HostQueues`` fans pages out to per-host workers (the start of issue
#15's Crawl part; fetching and the cleaning pool still live in ``runner._Run``)."""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from cleanfeed.frontier import Verdict
from cleanfeed.sources import Item

MAX_PENDING = 5000  # queued URLs across hosts: bounds memory on 100k-URL sitemaps

Handle = Callable[[Item, Verdict], Awaitable[None]]


class HostQueues:
    """Per-host queues drained by at most ``per_host`` workers each: one slow host cannot block the others."""

    def __init__(self, per_host: int, handle: Handle) -> None:
        self.per_host = per_host
        self.handle = handle
        self.queues: dict[str, deque[tuple[Item, Verdict]]] = {}
        self.active: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()
        self.pending = 0
        self.space = asyncio.Event()
        self.space.set()

    async def put(self, item: Item, verdict: Verdict) -> None:
        while self.pending >= MAX_PENDING:
            self.space.clear()
            await self.space.wait()
        host = urlsplit(item.url).netloc.lower()
        self.queues.setdefault(host, deque()).append((item, verdict))
        self.pending += 1
        if self.active[host] < self.per_host:
            self.active[host] += 1
            task = asyncio.create_task(self._worker(host))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _worker(self, host: str) -> None:
        q = self.queues[host]
        try:
            while q:
                item, verdict = q.popleft()
                self.pending -= 1
                self.space.set()
                await self.handle(item, verdict)
        finally:
            self.active[host] -= 1

    async def join(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))
