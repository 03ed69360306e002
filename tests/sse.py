"""Reading the extension's Server-Sent Events stream in tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx


class EventStream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks = response.aiter_text()
        self._buffer = ""

    async def next(self, timeout: float = 5.0) -> tuple[str, Any]:
        """The next event (comments skipped); TimeoutError if none comes in time."""
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> tuple[str, Any]:
        while True:
            while "\n\n" not in self._buffer:
                self._buffer += await self._chunks.__anext__()
            block, self._buffer = self._buffer.split("\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
            )
            if fields:
                return fields["event"], json.loads(fields["data"])

    async def until(self, predicate: Any, timeout: float = 5.0) -> tuple[str, Any]:
        """Skip events until one satisfies ``predicate(name, data)``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            name, data = await self.next(max(remaining, 0.001))
            if predicate(name, data):
                return name, data


@asynccontextmanager
async def events(url: str, headers: dict[str, str]) -> AsyncIterator[EventStream]:
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream("GET", url, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        yield EventStream(response)
