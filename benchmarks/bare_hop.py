"""A bare forwarding hop: a Tornado server that passes every request on to one URL with httpx's
transport (the stack the hub service and hub-mode forwarding run on) and does nothing else: no
auth, no policy, no logging. benchmarks/hub.py puts it in front of the simulator for a
per-user-credentials server, to show what any extra process hop costs on this machine: the floor
under hub mode's extra latency.

    python benchmarks/bare_hop.py PORT TARGET_URL
"""

from __future__ import annotations

import asyncio
import sys

import httpx
from tornado import web

#: Hop-by-hop headers (RFC 9110 section 7.6.1) and those the server sets itself.
SKIP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}


class Forward(web.RequestHandler):
    async def _forward(self) -> None:
        transport: httpx.AsyncHTTPTransport = self.settings["transport"]
        headers = [(k, v) for k, v in self.request.headers.get_all() if k.lower() not in SKIP]
        request = httpx.Request(
            self.request.method or "GET",
            self.settings["target"] + self.request.uri,
            headers=headers,
            content=self.request.body or None,
        )
        answer = await transport.handle_async_request(request)
        try:
            body = await answer.aread()
        finally:
            await answer.aclose()
        self.set_status(answer.status_code)
        for key, value in answer.headers.multi_items():
            if key.lower() not in SKIP:
                self.add_header(key, value)
        self.finish(body)

    get = post = put = patch = delete = _forward


async def main(port: int, target: str) -> None:
    app = web.Application(
        [(r".*", Forward)],
        target=target.rstrip("/"),
        transport=httpx.AsyncHTTPTransport(),
        log_function=lambda handler: None,
    )
    app.listen(port, "127.0.0.1")
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
