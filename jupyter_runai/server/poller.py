"""One shared poller per server: one Run:ai list call per interval, however many views listen.

It runs only while someone subscribes, backs off while Run:ai fails, and re-reads a workspace at
once after a mutating call, so every view sees the action within a second, not at the next tick.
Subscribers get a ``snapshot`` first, then ``workspace`` (added or changed), ``deleted`` and
``error`` events, each only about the workspaces its caller's Access sees (under a hub service,
one poller serves every user).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from ..client import RunaiError, RunaiNotFound
from .access import Access
from .errors import reply_for

if TYPE_CHECKING:
    from .upstream import Upstream

MAX_BACKOFF_S = 60.0
#: Events a subscriber may have waiting; a slower one gets its backlog replaced by one fresh
#: snapshot, so a client that does not read costs bounded memory.
MAX_BACKLOG = 64
Event = tuple[str, dict[str, Any]]
#: Put on a subscriber's queue to end its stream (server stopping).
CLOSE: Event = ("close", {})
#: Published to mean "each subscriber's own snapshot".
SNAPSHOT: Event = ("snapshot", {})


class WorkspacePoller:
    def __init__(self, upstream: Upstream, interval: float, log: logging.Logger) -> None:
        self.upstream = upstream
        self.interval = interval
        self.log = log
        self.snapshot: dict[str, dict[str, Any]] = {}
        self.fetched_at: float | None = None
        self.error: dict[str, Any] | None = None
        self._subscribers: dict[asyncio.Queue[Event], Access] = {}
        self._awaiting_snapshot: set[asyncio.Queue[Event]] = set()
        self._task: asyncio.Task[None] | None = None
        #: Polls failed in a row, and when the next poll is due (the backoff shows in both).
        self.failures = 0
        self.next_poll_at = 0.0
        self._wake: asyncio.Event | None = None

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @property
    def fresh(self) -> bool:
        """A snapshot young enough to answer a list request with: the poller is running and
        its last call, within two intervals, succeeded (mutations update it at once)."""
        return (
            self._task is not None
            and self.error is None
            and self.fetched_at is not None
            and time.monotonic() - self.fetched_at < self.interval * 2
        )

    def snapshot_event(self, access: Access) -> Event:
        views = [v for v in self.snapshot.values() if access.sees(v)]
        return ("snapshot", {"workspaces": views, "error": self.error})

    # -- subscribers ------------------------------------------------------------------------
    def subscribe(self, access: Access) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(MAX_BACKLOG)
        self._subscribers[queue] = access
        if self.fresh:
            queue.put_nowait(self.snapshot_event(access))
        else:
            self._awaiting_snapshot.add(queue)
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.ensure_future(self._run())
        elif self.error is not None:
            self.wake()  # a new view after an outage should not wait out the backoff
        return queue

    def wake(self) -> None:
        """Poll now (a new subscriber, or a call that just succeeded while polling failed)."""
        if self._wake is not None:
            self._wake.set()

    def unsubscribe(self, queue: asyncio.Queue[Event]) -> None:
        self._subscribers.pop(queue, None)
        self._awaiting_snapshot.discard(queue)
        if not self._subscribers and self._wake is not None:
            self._wake.set()

    def _publish(self, event: Event, about: dict[str, Any] | None = None) -> None:
        """Queue ``event`` for every subscriber that sees ``about`` (a workspace view; None:
        everyone), or, for a snapshot, each subscriber's own part of it."""
        for queue, access in self._subscribers.items():
            if queue in self._awaiting_snapshot or (about is not None and not access.sees(about)):
                continue
            own = self.snapshot_event(access) if event[0] == "snapshot" else event
            if queue.full():  # a subscriber that does not keep up: one fresh snapshot instead
                while not queue.empty():
                    queue.get_nowait()
                own = self.snapshot_event(access)
            queue.put_nowait(own)

    async def stop(self) -> None:
        for queue in self._subscribers:
            while queue.full():
                queue.get_nowait()
            queue.put_nowait(CLOSE)
        self._subscribers.clear()
        self._awaiting_snapshot.clear()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # -- polling ----------------------------------------------------------------------------
    async def _run(self) -> None:
        self.failures = 0
        try:
            while self._subscribers:
                try:
                    views = await self.upstream.workspace_views()
                except RunaiError as exc:
                    self.failures += 1
                    self._failed(exc)
                    delay = min(self.interval * 2**self.failures, MAX_BACKOFF_S)
                else:
                    self.failures = 0
                    self._apply(views)
                    delay = self.interval
                assert self._wake is not None
                self.next_poll_at = time.monotonic() + delay
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                self._wake.clear()
        finally:
            self._task = None

    def _failed(self, exc: RunaiError) -> None:
        error = reply_for(exc).body
        changed = error != self.error
        self.error = error
        self.log.warning("jupyter-runai: polling Run:ai failed: %s", exc.message)
        self._flush_snapshot()
        if changed:
            self._publish(("error", error))

    def _apply(self, views: list[dict[str, Any]]) -> None:
        self.fetched_at = time.monotonic()
        recovered = self.error is not None
        self.error = None
        current = {v["id"]: v for v in views}
        if recovered:
            self.snapshot = current
            self._publish(SNAPSHOT)
        else:
            for gone in self.snapshot.keys() - current.keys():
                self._publish(("deleted", {"id": gone}), self.snapshot[gone])
            for wid, view in current.items():
                if self.snapshot.get(wid) != view:
                    self._publish(("workspace", {"workspace": view}), view)
            self.snapshot = current
        self._flush_snapshot()

    def _flush_snapshot(self) -> None:
        for queue in self._awaiting_snapshot:
            queue.put_nowait(self.snapshot_event(self._subscribers[queue]))
        self._awaiting_snapshot.clear()

    # -- after a mutating call --------------------------------------------------------------
    def changed(self, view: dict[str, Any]) -> None:
        if self.snapshot.get(view["id"]) != view:
            self.snapshot[view["id"]] = view
            self._publish(("workspace", {"workspace": view}), view)

    async def refresh(self, access: Access, workload_id: str) -> dict[str, Any] | None:
        """Re-read one workspace now and tell every view that sees it; None if it is gone."""
        try:
            ws = await self.upstream.workspace(access, workload_id)
        except RunaiNotFound:
            if (gone := self.snapshot.pop(workload_id, None)) is not None:
                self._publish(("deleted", {"id": workload_id}), gone)
            return None
        view = self.upstream.view(ws)
        self.changed(view)
        if self.error is not None:
            self.wake()  # Run:ai answers again: views should not stay stale until the backoff
        return view
