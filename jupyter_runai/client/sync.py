"""A blocking facade over AsyncRunaiClient, for scripts and plain Python.

It runs the async client on an event loop of its own, on a background thread, so it also works
where a loop is already running (a Jupyter kernel) without nesting loops.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from .client import AsyncRunaiClient
from .models import Cluster, Phase, Project, Workspace, WorkspaceSpec

T = TypeVar("T")


class RunaiClient:
    """Blocking Run:ai client; takes the same arguments as AsyncRunaiClient."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="runai-client", daemon=True
        )
        self._thread.start()
        try:
            self._client: AsyncRunaiClient = self._run(_make(args, kwargs))
        except BaseException:
            self._stop()
            raise

    def __repr__(self) -> str:
        return repr(self._client).replace("AsyncRunaiClient", "RunaiClient", 1)

    @property
    def url(self) -> str:
        return self._client.url

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def close(self) -> None:
        if not self._loop.is_closed():
            self._run(self._client.aclose())
            self._stop()

    def __enter__(self) -> RunaiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def list_projects(self) -> list[Project]:
        return self._run(self._client.list_projects())

    def list_clusters(self) -> list[Cluster]:
        return self._run(self._client.list_clusters())

    def project(self, name_or_id: str) -> Project:
        return self._run(self._client.project(name_or_id))

    def list_workspaces(self, project: str | None = None, **filters: Any) -> list[Workspace]:
        return self._run(self._client.list_workspaces(project, **filters))

    def get_workspace(self, workload_id: str) -> Workspace:
        return self._run(self._client.get_workspace(workload_id))

    def workspace_spec(self, workload_id: str) -> dict[str, Any]:
        return self._run(self._client.workspace_spec(workload_id))

    def create_workspace(
        self, name: str, project: str, spec: WorkspaceSpec | None = None, **kwargs: Any
    ) -> Workspace:
        return self._run(self._client.create_workspace(name, project, spec, **kwargs))

    def delete_workspace(self, workload_id: str) -> None:
        self._run(self._client.delete_workspace(workload_id))

    def suspend_workspace(self, workload_id: str) -> None:
        self._run(self._client.suspend_workspace(workload_id))

    def resume_workspace(self, workload_id: str) -> None:
        self._run(self._client.resume_workspace(workload_id))

    def wait_for_phase(
        self,
        workload_id: str,
        phases: Phase | str | Iterable[Phase | str] = Phase.RUNNING,
        **kw: Any,
    ) -> Workspace:
        return self._run(self._client.wait_for_phase(workload_id, phases, **kw))


async def _make(args: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncRunaiClient:
    """Build the async client inside its own loop, where its connections will live."""
    return AsyncRunaiClient(*args, **kwargs)
