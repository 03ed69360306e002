"""The extension's one link to Run:ai: the client (built lazily, in the server's loop), the
embedded simulator when asked for, the project allow-list, and the shared poller."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

from ..client import (
    AsyncRunaiClient,
    BearerToken,
    ClientCredentials,
    CliLogin,
    Credentials,
    Project,
    RunaiConfigError,
    RunaiNotFound,
    Workspace,
)
from ..client.views import workspace_view
from .errors import ProjectNotAllowed
from .poller import WorkspacePoller


class Upstream:
    """Everything the handlers need from Run:ai, with the deployment's rules applied."""

    def __init__(self, settings: dict[str, Any], log: logging.Logger) -> None:
        self.settings = settings
        self.log = log
        self.simulated: bool = settings["simulator"]
        self.allowed: set[str] = set(settings["allowed_projects"])
        self.default_project: str = settings["default_project"]
        self.credentials, self.config_error = self._credentials()
        self._client: AsyncRunaiClient | None = None
        self._simulator: Any = None
        self._lock: asyncio.Lock | None = None
        self.poller = WorkspacePoller(self, settings["poll_interval"], log)
        #: Accepted from this server's kernels on runai/api only (see handlers.prepare).
        self.kernel_token = secrets.token_urlsafe(32)

    def __repr__(self) -> str:
        return f"Upstream(url={self.settings['url']!r}, credentials={self.credentials!r})"

    def is_kernel_token(self, token: str) -> bool:
        return secrets.compare_digest(token.encode(), self.kernel_token.encode())

    def _credentials(self) -> tuple[Credentials | None, str | None]:
        s = self.settings
        if self.simulated:
            return None, None  # the embedded simulator's, made when it starts
        if s["use_cli_login"] and not s["url"]:
            s["url"] = CliLogin().control_plane_url() or ""  # the CLI's config.json knows it
        if not s["url"]:
            return None, "no Run:ai URL (c.RunaiApp.url or RUNAI_URL)"
        if s["token"]:
            return BearerToken(s["token"]), None
        if s["client_id"] and s["client_secret"]:
            return ClientCredentials(s["client_id"], s["client_secret"]), None
        if s["use_cli_login"]:
            return CliLogin(), None
        if s["client_id"] or s["client_secret"]:
            missing = "client_secret" if s["client_id"] else "client_id"
            return None, f"c.RunaiApp.{missing} is not set (client credentials need both)"
        return None, "no Run:ai credentials"

    @property
    def configured(self) -> bool:
        return self.simulated or self.config_error is None

    async def client(self) -> AsyncRunaiClient:
        """The client; raises RunaiConfigError (answered as 'not configured') if there is none."""
        if self._client is not None:
            return self._client
        if not self.configured:
            raise RunaiConfigError(self.config_error or "not configured")
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if self._client is None:
                self._client = await self._make_client()
        return self._client

    async def _make_client(self) -> AsyncRunaiClient:
        s = self.settings
        url, credentials = s["url"], self.credentials
        if self.simulated:
            from ..simulator import Simulator

            self._simulator = await Simulator(time_scale=s["simulator_time_scale"]).start_async()
            url = self._simulator.url
            credentials = ClientCredentials(
                self._simulator.client_id, self._simulator.client_secret
            )
            self.log.warning("jupyter-runai: embedded Run:ai simulator at %s (simulated)", url)
        verify: bool | str = s["ca_bundle"] or s["verify_tls"]
        return AsyncRunaiClient(url, credentials, timeout=s["request_timeout"], verify=verify)

    async def close(self) -> None:
        await self.poller.stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._simulator is not None:
            await self._simulator.stop_async()
            self._simulator = None

    # -- the deployment's rules -------------------------------------------------------------
    def check_project(self, name: str) -> None:
        if self.allowed and name not in self.allowed:
            raise ProjectNotAllowed(
                f"project {name!r} is not offered here (allowed: {', '.join(sorted(self.allowed))})"
            )

    def visible(self, project_name: str | None) -> bool:
        return not self.allowed or project_name in self.allowed

    # -- reads ------------------------------------------------------------------------------------
    async def projects(self) -> list[Project]:
        projects = await (await self.client()).list_projects()
        return [p for p in projects if self.visible(p.name)]

    async def workspace_views(self, project: str | None = None) -> list[dict[str, Any]]:
        """Straight from Run:ai (the poller's snapshot is used when it is fresh)."""
        if project:
            self.check_project(project)
        workspaces = await (await self.client()).list_workspaces(project)
        return [workspace_view(w) for w in workspaces if self.visible(w.project_name)]

    async def workspace(self, workload_id: str) -> Workspace:
        """One workspace; one outside the allowed projects is reported as not found."""
        ws = await (await self.client()).get_workspace(workload_id)
        if not self.visible(ws.project_name):
            raise RunaiNotFound(f"workspace {workload_id} not found", status=404)
        return ws
