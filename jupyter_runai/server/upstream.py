"""The one link to Run:ai of a server extension or hub service: the client (built lazily, in the
server's loop), the embedded simulator when asked for, the deployment's rules (project allow-list,
per-caller access, GPU limit), workspace owners, and the shared poller."""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from ..client.auth import secret_setting
from ..client.create_body import CreateRequest
from ..client.views import workspace_view
from .access import OWNER_ANNOTATION, Access, gpus_of, holds_gpus
from .errors import GpuLimitReached, ProjectNotAllowed
from .poller import WorkspacePoller

#: Owner look-ups (one spec read per workspace, once in its life) run this many at a time.
OWNER_LOOKUPS = 8


class Upstream:
    """Everything the handlers need from Run:ai, with the deployment's rules applied."""

    def __init__(
        self, settings: dict[str, Any], log: logging.Logger, *, track_owners: bool = False
    ) -> None:
        self.settings = settings
        self.log = log
        self.simulated: bool = settings["simulator"]
        #: What status reports: "direct" (this process holds credentials), "simulator", or
        #: "hub-service" (set by the hub service).
        self.mode = "simulator" if self.simulated else "direct"
        self.allowed: set[str] = set(settings["allowed_projects"])
        self.default_project: str = settings["default_project"]
        self.credentials, self.config_error = self._credentials()
        #: Read each workspace's owner annotation (the hub service does; a single-user server,
        #: whose user owns everything it sees, need not).
        self.track_owners = track_owners
        self._owners: dict[str, str | None] = {}
        self._gates: dict[str, asyncio.Lock] = {}
        self._client: AsyncRunaiClient | None = None
        self._simulator: Any = None
        self._lock: asyncio.Lock | None = None
        self.poller = WorkspacePoller(self, settings["poll_interval"], log)

    def __repr__(self) -> str:
        return f"Upstream(url={self.settings['url']!r}, credentials={self.credentials!r})"

    def _credentials(self) -> tuple[Credentials | None, str | None]:
        s = self.settings
        if self.simulated:
            return None, None  # the embedded simulator's, made when it starts
        if s["use_cli_login"] and not s["url"]:
            s["url"] = CliLogin().control_plane_url() or ""  # the CLI's config.json knows it
        if not s["url"]:
            return None, "no Run:ai URL"
        try:
            token = secret_setting(
                s["token"],
                s["token_file"],
                "token",
                "token_file (RUNAI_TOKEN_FILE)",
                self.log.warning,
            )
            secret = secret_setting(
                s["client_secret"],
                s["client_secret_file"],
                "client_secret",
                "client_secret_file (RUNAI_CLIENT_SECRET_FILE)",
                self.log.warning,
            )
        except RunaiConfigError as exc:
            return None, exc.message
        if token:
            return BearerToken(token), None
        if s["client_id"] and secret:
            return ClientCredentials(s["client_id"], secret), None
        if s["use_cli_login"]:
            return CliLogin(), None
        if s["client_id"] or secret:
            missing = "client_secret (or client_secret_file)" if s["client_id"] else "client_id"
            return None, f"{missing} is not set (client credentials need both)"
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
            from ..simulator.log import quiet_simulator_log

            quiet_simulator_log(self.log)
            try:
                self._simulator = await Simulator(
                    port=s["simulator_port"], time_scale=s["simulator_time_scale"]
                ).start_async()
            except OSError as exc:
                raise RunaiConfigError(
                    f"the embedded Run:ai simulator cannot listen on 127.0.0.1:"
                    f"{s['simulator_port']} ({exc.strerror}): choose another simulator_port, "
                    "or 0 for any free port"
                ) from None
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
    def check_project(self, access: Access, name: str) -> None:
        if self.allowed and name not in self.allowed:
            raise ProjectNotAllowed(
                f"project {name!r} is not offered here (allowed: {', '.join(sorted(self.allowed))})"
            )
        if not access.may_use(name):
            offered = ", ".join(sorted(access.projects or ())) or "none"
            raise ProjectNotAllowed(
                f"{access.user} may not use project {name!r} (your projects: {offered}); "
                "ask an administrator to add you to a group that has it"
            )

    def visible(self, project_name: str | None) -> bool:
        return not self.allowed or project_name in self.allowed

    async def check_gpu_limit(
        self, access: Access, more: float, exclude: str | None = None
    ) -> None:
        """Refuse to let ``access.user`` hold more than its GPU limit, naming what holds them."""
        if not access.gpu_limit or not more:
            return
        views = await self.current_views()
        holding = [
            v for v in access.owned(views) if v["id"] != exclude and holds_gpus(v) and gpus_of(v)
        ]
        held = sum(gpus_of(v) for v in holding)
        if held + more > access.gpu_limit:
            using = ", ".join(f"{v['name']} ({gpus_of(v):g})" for v in holding) or "nothing"
            raise GpuLimitReached(
                f"{access.user} may hold at most {access.gpu_limit:g} GPUs at once and holds "
                f"{held:g} ({using}); this needs {more:g} more. Suspend or delete a workspace "
                "first."
            )

    def gpu_gate(self, access: Access) -> contextlib.AbstractAsyncContextManager[Any]:
        """Held around a create or resume and the re-read after it: one at a time per user with
        a GPU limit, so that two at once cannot both pass the check."""
        if not access.gpu_limit:
            return contextlib.nullcontext()
        return self._gates.setdefault(access.user, asyncio.Lock())

    # -- reads ------------------------------------------------------------------------------------
    async def projects(self, access: Access) -> list[Project]:
        projects = await (await self.client()).list_projects()
        return [p for p in projects if self.visible(p.name) and access.may_use(p.name)]

    async def workspace_views(self, project: str | None = None) -> list[dict[str, Any]]:
        """Every workspace offered here, straight from Run:ai, with its owner."""
        workspaces = await (await self.client()).list_workspaces(project)
        shown = [w for w in workspaces if self.visible(w.project_name)]
        if self.track_owners:
            await self._learn_owners([w.id for w in shown])
            self._forget_owners_except({w.id for w in shown} if project is None else None)
        return [self.view(w) for w in shown]

    async def current_views(self) -> list[dict[str, Any]]:
        """The poller's snapshot when it is fresh, else a list call."""
        if self.poller.fresh:
            return list(self.poller.snapshot.values())
        return await self.workspace_views()

    async def workspace(self, access: Access, workload_id: str) -> Workspace:
        """One workspace this caller may see; any other (someone else's, or outside the allowed
        projects) is reported as not found, before anything else is asked of Run:ai."""
        ws = await (await self.client()).get_workspace(workload_id)
        if self.track_owners:
            await self._learn_owners([ws.id])
        if not self.visible(ws.project_name) or not access.sees(self.view(ws)):
            raise RunaiNotFound(f"workspace {workload_id} not found", status=404)
        return ws

    def view(self, ws: Workspace) -> dict[str, Any]:
        return {**workspace_view(ws), "owner": self._owners.get(ws.id)}

    # -- owners -------------------------------------------------------------------------------
    async def _learn_owners(self, ids: list[str]) -> None:
        unknown = [i for i in ids if i not in self._owners]
        if not unknown:
            return
        client = await self.client()
        gate = asyncio.Semaphore(OWNER_LOOKUPS)

        async def learn(workload_id: str) -> None:
            async with gate:
                try:
                    submitted = await client.workspace_spec(workload_id)
                except RunaiNotFound:
                    return  # deleted meanwhile: the next list drops it
                self._owners[workload_id] = owner_of(submitted)

        results = await asyncio.gather(*(learn(i) for i in unknown), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result  # unknown owners stay unknown: the next call tries again

    def _forget_owners_except(self, ids: set[str] | None) -> None:
        if ids is not None:
            for gone in self._owners.keys() - ids:
                del self._owners[gone]

    # -- actions ------------------------------------------------------------------------------
    async def create(self, access: Access, request: CreateRequest) -> Workspace:
        """Create for this caller: its project and GPU limit checked, its name stamped."""
        self.check_project(access, request.project)
        await self.check_gpu_limit(access, request.spec.gpu or 0)
        annotations = {OWNER_ANNOTATION: access.user} if access.stamp_owner else None
        created = await (await self.client()).create_workspace(
            request.name,
            request.project,
            request.spec,
            name_prefix=request.name_prefix,
            annotations=annotations,
        )
        if access.stamp_owner:
            self._owners[created.id] = access.user
        return created


def owner_of(submitted: dict[str, Any]) -> str | None:
    """The owner annotation of a workspace as submitted (``GET .../workspaces/{id}``)."""
    annotations = ((submitted or {}).get("spec") or {}).get("annotations") or []
    for item in annotations:
        if isinstance(item, dict) and item.get("name") == OWNER_ANNOTATION:
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None
