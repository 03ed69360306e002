"""The Run:ai REST client: one pooled ``httpx.AsyncClient``, one shared token, safe retries.

The only place in jupyter-runai that speaks Run:ai's wire format. It imports nothing from
Jupyter, so scripts, the server extension and kernels all use the same code.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from . import errors
from .auth import (
    ClientCredentials,
    CliLogin,
    Credentials,
    TokenCache,
    credentials_from_env,
    jwt_expiry,
)
from .errors import RunaiConfigError, RunaiConflict, RunaiError, RunaiTimeout, RunaiUnavailable
from .models import Cluster, Phase, Project, Pvc, Tool, Workspace, WorkspaceSpec
from .names import check_name
from .retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

#: Set on every workspace we create, so a create whose answer was lost can be recognised.
REQUEST_ID_ANNOTATION = "jupyter-runai/request-id"
PAGE_SIZE = 500
USER_AGENT = "jupyter-runai/0.1"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class AsyncRunaiClient:
    """Async client for the Run:ai control plane.

    Settings come from the arguments, else from ``RUNAI_URL`` and ``RUNAI_TOKEN`` /
    ``RUNAI_CLIENT_ID`` + ``RUNAI_CLIENT_SECRET`` / the Run:ai CLI login. ``verify`` takes what
    httpx takes (a CA bundle path or False); HTTPS_PROXY/NO_PROXY apply as in httpx.
    """

    def __init__(
        self,
        url: str | None = None,
        credentials: Credentials | None = None,
        *,
        timeout: float = 30.0,
        verify: bool | str | ssl.SSLContext = True,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        credentials = credentials or credentials_from_env()
        if credentials is None:
            raise RunaiConfigError(
                "no Run:ai credentials: set RUNAI_CLIENT_ID and RUNAI_CLIENT_SECRET (or "
                "RUNAI_CLIENT_SECRET_FILE, a file holding it), or RUNAI_TOKEN (or "
                "RUNAI_TOKEN_FILE), or run 'runai login'"
            )
        url = url or os.environ.get("RUNAI_URL")
        if not url and isinstance(credentials, CliLogin):
            url = credentials.control_plane_url()
        if not url:
            raise RunaiConfigError("no Run:ai URL: set RUNAI_URL (e.g. https://<tenant>.run.ai)")
        if not url.startswith(("http://", "https://")):
            raise RunaiConfigError(f"RUNAI_URL must start with https:// or http://, got {url!r}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.tokens = TokenCache(credentials, self._issue_token)
        if isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)
        self._http = httpx.AsyncClient(
            base_url=self.url,
            timeout=timeout,
            verify=verify,
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )
        self._projects: dict[str, Project] = {}
        self._projects_at = 0.0

    def __repr__(self) -> str:
        return f"AsyncRunaiClient(url={self.url!r}, credentials={self.tokens.credentials!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncRunaiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport ------------------------------------------------------------------------------
    async def _send(
        self, method: str, path: str, what: str, token: str | None, **kwargs: Any
    ) -> httpx.Response:
        """One HTTP exchange; transport failures become RunaiTimeout/RunaiUnavailable."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            return await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise RunaiTimeout(f"{what}: no answer from Run:ai within {self.timeout:g}s") from None
        except httpx.TransportError as exc:
            raise RunaiUnavailable(
                f"{what}: cannot reach Run:ai at {self.url} ({type(exc).__name__})"
            ) from None

    async def _call(
        self,
        method: str,
        path: str,
        *,
        retry: bool = True,
        authenticated: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send with auth; refresh the token once on 401; retry what is safe to retry."""
        what = f"{method} {path}"
        attempt = 0
        refreshed = False
        while True:
            token = await self.tokens.get() if authenticated else None
            try:
                response = await self._send(method, path, what, token, **kwargs)
            except (RunaiTimeout, RunaiUnavailable) as exc:
                failure: RunaiError = exc
            else:
                if response.is_success:
                    return response
                if (
                    response.status_code == 401
                    and token
                    and not refreshed
                    and self.tokens.refreshable
                ):
                    self.tokens.invalidate(token)
                    refreshed = True
                    continue
                failure = errors.from_response(
                    response.status_code,
                    _json(response),
                    what,
                    parse_retry_after(response.headers.get("Retry-After")),
                )
                if response.status_code == 401:
                    failure.message = f"{failure.message}; {self.tokens.credentials.hint}"
                    failure.args = (failure.message,)
                if response.status_code not in RETRY_STATUSES:
                    raise failure
            if not retry or attempt + 1 >= self.retry.attempts:
                raise failure
            await asyncio.sleep(self.retry.delay(attempt, failure.retry_after))
            attempt += 1

    async def _issue_token(self, creds: ClientCredentials) -> tuple[str, float | None]:
        response = await self._call(
            "POST",
            "/api/v1/token",
            authenticated=False,
            json={
                "grantType": "client_credentials",
                "clientID": creds.client_id,
                "clientSecret": creds.secret,
            },
        )
        body = _json(response)
        token = body.get("accessToken") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise errors.RunaiUnauthorized("POST /api/v1/token: the answer held no accessToken")
        expires = jwt_expiry(token)
        if expires is None and isinstance(body.get("expiresIn"), int):
            expires = time.time() + body["expiresIn"]
        return token, expires

    # -- projects and clusters ---------------------------------------------------------------
    async def list_projects(self) -> list[Project]:
        items = await self._collect("/api/v1/org-unit/projects", "projects", {})
        projects = [Project.from_api(p) for p in items]
        self._projects = {p.name: p for p in projects}
        self._projects_at = time.monotonic()
        return projects

    async def list_clusters(self) -> list[Cluster]:
        response = await self._call("GET", "/api/v1/clusters")
        return [Cluster.from_api(c) for c in _json(response) or []]

    async def project(self, name_or_id: str) -> Project:
        """The project with this name (or id); cached for a minute."""
        if time.monotonic() - self._projects_at > 60:
            await self.list_projects()
        for project in self._projects.values():
            if name_or_id in (project.name, project.id):
                return project
        known = ", ".join(sorted(self._projects)) or "none"
        raise errors.RunaiNotFound(
            f"no Run:ai project {name_or_id!r} (projects you can see: {known})"
        )

    # -- workspaces ------------------------------------------------------------------------------
    async def _collect(self, path: str, key: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every item of a list endpoint, following offset/limit pages while ``next`` is given."""
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            response = await self._call(
                "GET", path, params={**params, "offset": offset, "limit": PAGE_SIZE}
            )
            body = _json(response) or {}
            page = body.get(key) or []
            items.extend(page)
            if body.get("next") is None or len(page) < PAGE_SIZE:
                return items
            offset += len(page)

    async def list_workspaces(
        self,
        project: str | None = None,
        *,
        phase: Phase | str | None = None,
        submitted_by: str | None = None,
        name: str | None = None,
    ) -> list[Workspace]:
        """Workspaces (not trainings or inferences), optionally of one project, phase or user."""
        conditions = ["type==Workspace"]
        if project:
            conditions.append(f"projectName=={(await self.project(project)).name}")
        if phase:
            conditions.append(f"phase=={Phase(phase).value}")
        if submitted_by:
            conditions.append(f"submittedBy=={submitted_by}")
        if name:
            conditions.append(f"name=={name}")
        items = await self._collect(
            "/api/v1/workloads", "workloads", {"filterBy": ",".join(conditions)}
        )
        return [Workspace.from_api(w) for w in items]

    async def get_workspace(self, workload_id: str) -> Workspace:
        """The workspace's current state (``GET /api/v1/workloads/{id}``)."""
        response = await self._call("GET", f"/api/v1/workloads/{_uuid(workload_id)}")
        return Workspace.from_api(_json(response))

    async def workspace_spec(self, workload_id: str) -> dict[str, Any]:
        """The workspace as submitted, spec included (``GET .../workspaces/{id}``)."""
        response = await self._call("GET", f"/api/v1/workloads/workspaces/{_uuid(workload_id)}")
        return _json(response)

    async def create_workspace(
        self,
        name: str,
        project: str,
        spec: WorkspaceSpec | None = None,
        *,
        name_prefix: bool = False,
        annotations: Mapping[str, str] | None = None,
        **spec_fields: Any,
    ) -> Workspace:
        """Create a workspace; ``project`` is a name or id. Never creates it twice.

        The spec comes as a WorkspaceSpec or as its fields (``image=..., gpu=0.5, ...``);
        ``annotations`` are added to the workspace's (Run:ai keeps them with it).
        After an ambiguous failure (timeout, dropped connection, 5xx) the client looks for the
        workspace, by the request id it annotated it with, before trying again. A 429 is not
        ambiguous (Run:ai refused before acting), so after one the POST is simply sent again
        once Retry-After has passed (capped by ``retry.max_retry_after_s``). Every try, 429s
        included, counts against ``retry.attempts``.
        """
        check_name(name, prefix=name_prefix)
        spec = spec or _spec(spec_fields)
        spec.validate()
        target = await self.project(project)
        request_id = str(uuid.uuid4())
        body_spec = spec.to_api()
        body_spec["annotations"] = [
            *({"name": k, "value": v} for k, v in (annotations or {}).items()),
            {"name": REQUEST_ID_ANNOTATION, "value": request_id},
        ]
        body = {
            "name": name,
            "useGivenNameAsPrefix": name_prefix,
            "projectId": target.id,
            "clusterId": target.cluster_id,
            "spec": body_spec,
        }
        ambiguous = False  # an attempt may have created it: look before posting again
        for attempt in range(self.retry.attempts):
            try:
                response = await self._call(
                    "POST", "/api/v1/workloads/workspaces", json=body, retry=False
                )
                return Workspace.from_api(_json(response), project_name=target.name)
            except (RunaiTimeout, RunaiUnavailable) as exc:
                failure: RunaiError = exc
            except RunaiConflict as exc:
                if ambiguous and (found := await self._look_for(name, target, request_id, exc)):
                    return found
                raise
            ambiguous = ambiguous or failure.status != 429  # a 429 means nothing was created
            last = attempt + 1 >= self.retry.attempts
            if not last:
                await asyncio.sleep(self.retry.delay(attempt, failure.retry_after))
            if ambiguous and (found := await self._look_for(name, target, request_id, failure)):
                return found
            if last:
                raise failure  # it looked, and Run:ai has no such workspace: nothing happened
        raise AssertionError("unreachable")  # pragma: no cover

    async def _look_for(
        self, name: str, project: Project, request_id: str, failure: RunaiError
    ) -> Workspace | None:
        """The workspace an unanswered create made, if any; when even the look fails, the
        create's failure, saying it may have happened."""
        try:
            return await self._find_created(name, project, request_id)
        except RunaiError:
            raise errors.may_have_happened(failure, "created") from None

    async def _find_created(self, name: str, project: Project, request_id: str) -> Workspace | None:
        """The workspace an earlier, unanswered create made, recognised by its request id."""
        candidates = await self._collect(
            "/api/v1/workloads",
            "workloads",
            {"filterBy": f"type==Workspace,projectName=={project.name},name=^{name}"},
        )
        for item in candidates:
            submitted = await self.workspace_spec(item["id"])
            annotations = (submitted.get("spec") or {}).get("annotations") or []
            if any(
                a.get("name") == REQUEST_ID_ANNOTATION and a.get("value") == request_id
                for a in annotations
            ):
                return Workspace.from_api(item)
        return None

    async def delete_workspace(self, workload_id: str) -> None:
        """Ask Run:ai to delete it (answers 202, or 204 before 2.21)."""
        await self._act("DELETE", f"/api/v1/workloads/workspaces/{_uuid(workload_id)}", "deleted")

    async def suspend_workspace(self, workload_id: str) -> None:
        """Stop it and free its GPUs; the definition stays, to resume later."""
        path = f"/api/v1/workloads/workspaces/{_uuid(workload_id)}/suspend"
        await self._act("POST", path, "suspended")

    async def resume_workspace(self, workload_id: str) -> None:
        path = f"/api/v1/workloads/workspaces/{_uuid(workload_id)}/resume"
        await self._act("POST", path, "resumed")

    async def _act(self, method: str, path: str, done: str) -> None:
        """Suspend, resume or delete, retried as reads are (each is idempotent), and reported
        truthfully: a failure after an attempt that may have reached Run:ai says it may have
        happened, and a delete that finds the workspace gone after such an attempt is done."""
        ambiguous = False
        attempt = 0
        while True:
            try:
                await self._call(method, path, retry=False)
                return
            except errors.RunaiNotFound as exc:
                if ambiguous and method == "DELETE":
                    return  # the earlier, unanswered attempt deleted it
                raise errors.may_have_happened(exc, done) if ambiguous else exc from None
            except (RunaiTimeout, RunaiUnavailable) as exc:
                ambiguous = ambiguous or exc.status != 429
                retryable = exc.status is None or exc.status in RETRY_STATUSES
                if not retryable or attempt + 1 >= self.retry.attempts:
                    raise errors.may_have_happened(exc, done) if ambiguous else exc from None
                await asyncio.sleep(self.retry.delay(attempt, exc.retry_after))
                attempt += 1
            except RunaiError as exc:
                raise errors.may_have_happened(exc, done) if ambiguous else exc from None

    async def wait_for_phase(
        self,
        workload_id: str,
        phases: Phase | str | Iterable[Phase | str] = Phase.RUNNING,
        *,
        timeout: float = 600.0,
        poll_s: float = 0.5,
        max_poll_s: float = 5.0,
        on_update: Callable[[Workspace], None] | None = None,
    ) -> Workspace:
        """Poll (with backoff) until the workspace reaches one of ``phases``.

        Raises RunaiTimeout when time runs out, and RunaiError if it ends in another finished
        phase (Failed, Completed, or Stopped when that was not asked for).
        """
        wanted = {Phase(p) for p in ([phases] if isinstance(phases, (str, Phase)) else phases)}
        deadline = time.monotonic() + timeout
        while True:
            workspace = await self.get_workspace(workload_id)
            if on_update is not None:
                on_update(workspace)
            if workspace.phase in wanted:
                return workspace
            if workspace.phase.finished and workspace.phase is not Phase.STOPPED:
                raise RunaiError(
                    f"workspace {workspace.name} is {workspace.phase.value}, not "
                    f"{' or '.join(sorted(p.value for p in wanted))}"
                    + (f": {workspace.phase_message}" if workspace.phase_message else "")
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunaiTimeout(
                    f"workspace {workspace.name} is still {workspace.phase.value} after "
                    f"{timeout:g}s (waiting for {' or '.join(sorted(p.value for p in wanted))})"
                )
            await asyncio.sleep(min(poll_s, remaining))
            poll_s = min(poll_s * 1.5, max_poll_s)


def _uuid(workload_id: str) -> str:
    """Ids are UUIDs; checking here keeps a malformed id (or a path) out of the URL."""
    try:
        return str(uuid.UUID(str(workload_id)))
    except ValueError:
        raise errors.InvalidRequest(
            "id", f"{str(workload_id)[:60]!r} is not a workspace id: not a UUID"
        ) from None


def _spec(fields: Mapping[str, Any]) -> WorkspaceSpec:
    known = set(WorkspaceSpec.__dataclass_fields__)
    unknown = set(fields) - known
    if unknown:
        raise errors.InvalidRequest(
            sorted(unknown)[0], f"unknown workspace setting; known: {', '.join(sorted(known))}"
        )
    values = dict(fields)
    values["tools"] = [t if isinstance(t, Tool) else Tool(int(t)) for t in values.get("tools", [])]
    values["pvcs"] = [p if isinstance(p, Pvc) else Pvc(*p) for p in values.get("pvcs", [])]
    if "image" not in values:
        raise errors.InvalidRequest("image", "an image is required, e.g. 'python:3.11'")
    return WorkspaceSpec(**values)
