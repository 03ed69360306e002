"""Run the simulator: in the caller's event loop, or on a thread of its own for sync code."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from pathlib import Path
from typing import Any

from tornado.httpserver import HTTPServer

from .app import Simulation, make_app
from .faults import Faults
from .state import ControlPlane

DEFAULT_CLIENT_ID = "sim-client"
DEFAULT_CLIENT_SECRET = "sim-secret"  # noqa: S105 - documented default of a loopback simulator


class Simulator:
    """A Run:ai control plane on loopback.

    ``with Simulator(time_scale=20) as sim: ...`` runs it on a background thread;
    ``await sim.start_async()`` runs it in the current event loop (the Jupyter demo does this).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        time_scale: float = 1.0,
        seed: dict[str, Any] | str | Path | None = None,
        faults: dict[str, Any] | None = None,
        legacy_status_codes: bool = False,
        extra_accounts: dict[str, str] | None = None,
        scopes: dict[str, list[str]] | None = None,
    ) -> None:
        """``extra_accounts`` (client id -> secret) and the seed's ``serviceAccounts``
        (``[{"clientId": ..., "clientSecret": ..., "projects": [...]}]``) are accepted besides
        ``client_id``; each account's tokens carry its client id as subject, which workspaces
        show as ``createdBy``. An account with ``projects`` (or in ``scopes``: client id ->
        project names) is a member of those only, as a Run:ai researcher: it sees their
        workloads and projects, and gets 403 for anything else; the others see everything.
        """
        data = json.loads(Path(seed).read_text()) if isinstance(seed, (str, Path)) else seed
        seeded = (data or {}).get("serviceAccounts", [])
        accounts = {a["clientId"]: a["clientSecret"] for a in seeded}
        accounts.update(extra_accounts or {})
        members = {a["clientId"]: list(a["projects"]) for a in seeded if "projects" in a}
        members.update(scopes or {})
        self.host = host
        self.port = port
        self.client_id = client_id
        self.client_secret = client_secret
        initial = Faults()
        initial.update(faults or {})
        self.simulation = Simulation(
            ControlPlane(data, time_scale=time_scale),
            client_id,
            client_secret,
            initial,
            legacy_status_codes,
            accounts,
            members,
        )
        self._server: HTTPServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Simulator(url={self.url!r}, client_id={self.client_id!r})"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- in the current loop ------------------------------------------------------------------
    async def start_async(self) -> Simulator:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = HTTPServer(make_app(self.simulation), xheaders=False)
        self._server.add_sockets([sock])
        return self

    async def stop_async(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

    # -- on a thread ----------------------------------------------------------------------------
    def start(self) -> Simulator:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async())
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop_async())
            loop.close()

        self._thread = threading.Thread(target=run, name="runai-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
