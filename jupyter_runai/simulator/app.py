"""The simulator's HTTP face: the Run:ai routes jupyter-runai uses, plus ``/_simulator/`` hooks.

Status codes, bodies and paths follow the official spec (``spec/runai-api.json``). Where the spec
is silent the choice is written next to the handler, and the conformance tests list each one.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import uuid
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError, validators
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from tornado import web

from . import filters
from .auth import TokenError, TokenIssuer
from .exchanges import FAULT_HEADER, ExchangeLog, entry
from .faults import Faults
from .log import log_request
from .spec import SPEC_PATH
from .state import ApiError, ControlPlane, Project, Workspace

WORKLOAD_FIELDS = (
    "type name clusterId projectId projectName departmentId departmentName createdAt deletedAt "
    "submittedBy phase completedAt nodepool distributedFramework allocatedGPU idleGpus "
    "idleAllocatedGpus phaseUpdatedAt category totalPendingTimeSeconds totalRunningTimeSeconds "
    "priority priorityClassName guaranteedRuntimeEndsAt aiApplicationId aiApplicationName"
).split()
PROJECT_FIELDS = (
    "name clusterId departmentId parentId parentName phase totalGpuQuota gpuAllocated createdAt "
    "avgGpuAllocation24h avgGpuUtilization24h avgGpuMemoryUtilization24h avgGpuAllocation7d "
    "avgGpuUtilization7d avgGpuMemoryUtilization7d avgGpuAllocation30d avgGpuUtilization30d "
    "avgGpuMemoryUtilization30d"
).split()
ACCEPTED = {"code": 202, "message": "Request has been accepted."}
#: Messages of injected errors, as the spec's examples word them.
INJECTED_MESSAGES = {
    401: "Issuer is not familiar.",
    403: "You do not have sufficient permissions.",
    429: "Too many requests.",
    500: "Something went wrong.",
}


@functools.cache
def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern with ECMA-262's meaning of ``$`` (the very end, as Run:ai's Go
    validator has it too); Python's ``$`` would also match before a final newline."""
    out, index, in_class = [], 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        index += 1
    return re.compile("".join(out))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(OAS30Validator, {"pattern": _pattern})


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _body_validator() -> OAS30Validator:
    spec = json.loads(SPEC_PATH.read_text())
    registry = Registry().with_resource(
        "urn:runai-api", Resource.from_contents(spec, default_specification=DRAFT4)
    )
    return _Validator(
        {"$ref": "urn:runai-api#/components/schemas/WorkspaceCreationRequest"},
        registry=registry,
        format_checker=oas30_format_checker,
    )


class Simulation:
    """Everything the handlers share: state, token issuer, faults, request counts, options."""

    def __init__(
        self,
        control_plane: ControlPlane,
        client_id: str,
        client_secret: str,
        faults: Faults | None = None,
        legacy_status_codes: bool = False,
        extra_accounts: dict[str, str] | None = None,
        scopes: dict[str, list[str]] | None = None,
    ) -> None:
        self.plane = control_plane
        self.client_id = client_id
        self.client_secret = client_secret
        #: Every service account the token endpoint accepts, client id -> secret: the main one
        #: and any extra ones (e.g. one per user, to test per-user credentials).
        self.accounts = {**(extra_accounts or {}), client_id: client_secret}
        #: Accounts that are members of some projects only (client id -> project names), as a
        #: researcher is in Run:ai; an account not listed has every project (an administrator).
        self.scopes = {account: frozenset(names) for account, names in (scopes or {}).items()}
        self.faults = faults or Faults()
        self.plane.pull_fails = lambda image: image in self.faults.unpullable_images
        self.legacy_status_codes = legacy_status_codes
        self.tokens = TokenIssuer(
            issuer="jupyter-runai-simulator", clock=lambda: self.plane.clock.time()
        )
        self.requests: Counter[str] = Counter()
        #: What the latest requests carried (header names, auth scheme), for tests that check
        #: what a proxy forwards. Values are not kept: they may be secrets.
        self.recent: deque[dict[str, Any]] = deque(maxlen=200)
        #: The latest exchanges on the Run:ai API paths, for the tests' spec check.
        self.exchanges = ExchangeLog()
        self.body_validator = _body_validator()


class RunaiHandler(web.RequestHandler):
    """Base: JSON errors, request counting, faults and bearer authentication."""

    route = ""  # "<route template>", set on each subclass
    public = False  # True for the token endpoint

    def initialize(self, sim: Simulation) -> None:
        self.sim = sim
        self.claims: dict[str, Any] = {}
        self.fault_answered = False

    @property
    def route_key(self) -> str:
        return f"{self.request.method} {self.route}"

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Server", "jupyter-runai-simulator")

    def check_xsrf_cookie(self) -> None:
        """A bearer-token API has no cookies to protect."""

    async def prepare(self) -> None:
        self.sim.requests[self.route_key] += 1
        if not self.route.startswith("/_simulator"):
            auth = self.request.headers.get("Authorization", "")
            self.sim.recent.append(
                {
                    "request": self.route_key,
                    "headers": sorted(self.request.headers.keys()),
                    "authorization": auth.partition(" ")[0] or None,
                }
            )
        faults = self.sim.faults
        self.faulty = faults.active_for(self.route_key)
        if self.faulty and faults.roll(faults.error_rate):
            status = faults.error_status
            if faults.retry_after is not None:
                self.set_header("Retry-After", f"{faults.retry_after:g}")
            message = INJECTED_MESSAGES.get(status, "Please try again in few minutes.")
            self.fault_answered = True
            self.set_header(FAULT_HEADER, "injected")
            await self.respond(status, {"code": status, "message": message})
            return
        if not self.public:
            self._authenticate()
        self.sim.plane.advance()

    def _authenticate(self) -> None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "Missing bearer token.")
        try:
            self.claims = self.sim.tokens.verify(token.strip())
        except TokenError as exc:
            raise ApiError(401, str(exc)) from None

    # -- what the caller may see: Run:ai's access rules for a project member ----------------
    @property
    def scope(self) -> frozenset[str] | None:
        """The projects the caller is a member of; None: all of them."""
        return self.sim.scopes.get(self.claims.get("sub", ""))

    def may_see(self, project: Project) -> bool:
        return self.scope is None or project.name in self.scope

    def check_member(self, project: Project) -> None:
        """Choice: a workload or project of a project the caller is not a member of is a 403
        (the spec declares it on every route), as Run:ai's RBAC answers a researcher."""
        if not self.may_see(project):
            raise ApiError(403, INJECTED_MESSAGES[403])

    def visible(self, workload_id: str) -> Workspace:
        ws = self.sim.plane.workspace(self.workload_id(workload_id))
        self.check_member(ws.project)
        return ws

    async def respond(self, status: int, body: Any = None) -> None:
        """Answer, after any injected latency; or drop the connection if that fault is drawn."""
        faults = self.sim.faults
        if self.faulty and faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if self.faulty and faults.drop_connections and faults.roll(faults.drop_connections):
            self.detach().close()
            return
        self.set_status(status)
        if body is None:
            self.clear_header("Content-Type")
            self.finish()
        else:
            self.finish(json.dumps(body))

    def finish(self, chunk: Any = None) -> Any:
        """Finish, keeping the exchange (Run:ai API paths only) for ``/_simulator/exchanges``."""
        if chunk is not None:
            self.write(chunk)
        if not self._finished and not self.request.path.startswith("/_simulator/"):
            request = self.request
            self.sim.exchanges.add(
                entry(
                    request.method or "",
                    request.path,
                    request.query,
                    request.headers,
                    request.body or b"",
                    self.get_status(),
                    self._headers.get("Content-Type"),
                    b"".join(self._write_buffer),
                    self.fault_answered,
                )
            )
        return super().finish()

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, ApiError):
            if not self._finished:
                self.set_status(e.status)
                self.finish(json.dumps(e.body()))
            return
        super()._handle_request_exception(e)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason if status_code != 500 else "Something went wrong."
        self.finish(json.dumps({"code": status_code, "message": reason}))

    # -- request parsing helpers ------------------------------------------------------------
    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body or b"null", parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise ApiError(400, "Request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object.")
        return body

    def workload_id(self, raw: str) -> str:
        """Choice: a non-UUID id is a 400 (the spec types it uuid but lists no 400)."""
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise ApiError(400, f"workloadId: {raw!r} is not a UUID.") from None

    def int_arg(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, f"{name}: {raw!r} is not an integer.") from None
        if not low <= value <= high:
            raise ApiError(400, f"{name}: must be between {low} and {high}, got {value}.")
        return value

    def enum_arg(self, name: str, choices: list[str], default: str | None) -> str | None:
        value = self.get_query_argument(name, default)
        if value is not None and value not in choices:
            raise ApiError(400, f"{name}: {value!r} is not one of {', '.join(choices)}.")
        return value

    def page(
        self,
        key: str,
        rows: list[tuple[dict[str, Any], Any]],
        fields: list[str],
        view: Callable[[Any], dict[str, Any]],
    ) -> dict[str, Any]:
        """A list answer: filter, sort and page (row values, item) pairs, then ``view`` each
        item; ``next`` is the next page's offset, absent on the last page."""
        raw_filters = [
            part
            for value in self.get_query_arguments("filterBy")
            for part in value.split(",")
            if part
        ]
        try:
            conditions = filters.parse(raw_filters, fields)
            rows = [pair for pair in rows if filters.matches(pair[0], conditions)]
        except filters.FilterError as exc:
            raise ApiError(400, str(exc)) from None
        sort_by = self.enum_arg("sortBy", fields, None)
        descending = self.enum_arg("sortOrder", ["asc", "desc"], "asc") == "desc"
        if sort_by:
            rows.sort(key=lambda pair: filters.sort_key(pair[0].get(sort_by)), reverse=descending)
        elif descending:
            rows.reverse()
        search = self.get_query_argument("search", None)
        if search:
            rows = [pair for pair in rows if search.lower() in str(pair[0].get("name", "")).lower()]
        offset = self.int_arg("offset", 0, 0, 2**31 - 1)
        limit = self.int_arg("limit", 50, 1, 500)
        body: dict[str, Any] = {key: [view(item) for _, item in rows[offset : offset + limit]]}
        if offset + limit < len(rows):
            body["next"] = offset + limit
        return body


class TokenHandler(RunaiHandler):
    route = "/api/v1/token"
    public = True

    async def post(self) -> None:
        """Choice: bad credentials answer 401 (the spec lists only 400/500/503 here)."""
        body = {key.lower(): value for key, value in self.json_body().items()}
        grant = body.get("granttype")
        if grant == "client_credentials":
            client_id, secret = body.get("clientid"), body.get("clientsecret")
        elif grant == "app_token":
            client_id, secret = body.get("appid"), body.get("appsecret")
        else:
            raise ApiError(
                400, f"grantType: {grant!r} is not supported; use client_credentials or app_token."
            )
        if not client_id or not secret:
            raise ApiError(400, "Required parameter is missing")
        if not isinstance(client_id, str) or self.sim.accounts.get(client_id) != secret:
            raise ApiError(401, "Invalid client credentials.")
        lifetime = self.sim.faults.token_lifetime_s
        token = self.sim.tokens.issue(client_id, lifetime)
        await self.respond(
            200, {"accessToken": token, "idToken": token, "expiresIn": int(lifetime)}
        )


class WorkloadsHandler(RunaiHandler):
    route = "/api/v1/workloads"

    async def get(self) -> None:
        plane = self.sim.plane
        deleted = self.enum_arg("deleted", ["true", "false"], "false") == "true"
        pool = plane.deleted if deleted else plane.workspaces
        rows = sorted(
            (w for w in pool.values() if self.may_see(w.project)), key=lambda w: w.created_at
        )
        pairs = [(plane.filter_row(w), w) for w in rows]
        await self.respond(200, self.page("workloads", pairs, WORKLOAD_FIELDS, plane.workload_view))


class WorkloadHandler(RunaiHandler):
    route = "/api/v1/workloads/{workloadId}"

    async def get(self, raw_id: str) -> None:
        ws = self.visible(raw_id)
        await self.respond(200, self.sim.plane.workload_view(ws, detailed=True))


class WorkspacesHandler(RunaiHandler):
    route = "/api/v1/workloads/workspaces"

    async def post(self) -> None:
        body = self.json_body()
        issues = [
            {"field": ".".join(str(p) for p in err.absolute_path) or "body", "details": err.message}
            for err in self.sim.body_validator.iter_errors(body)
        ]
        if issues:
            raise ApiError(400, "Invalid workspace creation request.", issues)
        plane = self.sim.plane
        project = plane.projects.get(str(body["projectId"]))
        if project is not None:
            self.check_member(project)
        ws = plane.create(body, created_by=self.claims.get("sub", "unknown"))
        await self.respond(200 if self.sim.legacy_status_codes else 202, plane.workspace_view(ws))


class WorkspaceHandler(RunaiHandler):
    route = "/api/v1/workloads/workspaces/{workloadId}"

    async def get(self, raw_id: str) -> None:
        await self.respond(200, self.sim.plane.workspace_view(self.visible(raw_id)))

    async def delete(self, raw_id: str) -> None:
        self.sim.plane.delete(self.visible(raw_id).id)
        if self.sim.legacy_status_codes:
            await self.respond(204)
        else:
            await self.respond(202, ACCEPTED)


class SuspendHandler(RunaiHandler):
    route = "/api/v1/workloads/workspaces/{workloadId}/suspend"

    async def post(self, raw_id: str) -> None:
        self.sim.plane.suspend(self.visible(raw_id).id)
        await self.respond(202, ACCEPTED)


class ResumeHandler(RunaiHandler):
    route = "/api/v1/workloads/workspaces/{workloadId}/resume"

    async def post(self, raw_id: str) -> None:
        self.sim.plane.resume(self.visible(raw_id).id)
        await self.respond(202, ACCEPTED)


class ProjectsHandler(RunaiHandler):
    route = "/api/v1/org-unit/projects"

    async def get(self) -> None:
        plane = self.sim.plane
        pairs = [(plane.project_row(p), p) for p in plane.projects.values() if self.may_see(p)]
        await self.respond(200, self.page("projects", pairs, PROJECT_FIELDS, plane.project_view))


class ClustersHandler(RunaiHandler):
    route = "/api/v1/clusters"

    async def get(self) -> None:
        self.enum_arg("verbosity", ["metadata", "full"], "full")
        plane = self.sim.plane
        await self.respond(200, [c.view(plane.tenant_id) for c in plane.clusters.values()])


class StatsHandler(RunaiHandler):
    """``GET``: requests counted per route since start (or the last ``DELETE``), and what the
    latest ones carried: header names and the Authorization scheme, never values."""

    route = "/_simulator/stats"
    public = True

    async def get(self) -> None:
        await self.respond(
            200, {"requests": dict(self.sim.requests), "recent": list(self.sim.recent)}
        )

    async def delete(self) -> None:
        self.sim.requests.clear()
        self.sim.recent.clear()
        await self.respond(204)


class ExchangesHandler(RunaiHandler):
    """``GET [?since=seq]``: the latest exchanges on the Run:ai API paths (see ``exchanges.py``);
    ``DELETE`` forgets them."""

    route = "/_simulator/exchanges"
    public = True

    async def get(self) -> None:
        since = self.int_arg("since", 0, 0, 2**63 - 1)
        await self.respond(200, self.sim.exchanges.since(since))

    async def delete(self) -> None:
        self.sim.exchanges.clear()
        await self.respond(204)


class FaultsHandler(RunaiHandler):
    """``GET`` the faults in force; ``POST`` changes some of them (all checked first)."""

    route = "/_simulator/faults"
    public = True

    async def get(self) -> None:
        await self.respond(200, vars(self.sim.faults))

    async def post(self) -> None:
        try:
            self.sim.faults.update(self.json_body())
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        await self.respond(200, vars(self.sim.faults))


class AccountsHandler(RunaiHandler):
    """``GET``: the service accounts (ids and project memberships, never secrets); ``POST
    {"clientId", "clientSecret", "projects"?}`` adds one or replaces its secret (a rotation:
    tokens issued before stay valid until they expire, as in Run:ai) and its projects (absent
    or null: every project)."""

    route = "/_simulator/accounts"
    public = True

    async def get(self) -> None:
        scopes = self.sim.scopes
        await self.respond(
            200,
            {
                "accounts": [
                    {"clientId": account, "projects": sorted(scopes[account])}
                    if account in scopes
                    else {"clientId": account, "projects": None}
                    for account in sorted(self.sim.accounts)
                ]
            },
        )

    async def post(self) -> None:
        body = self.json_body()
        unknown = set(body) - {"clientId", "clientSecret", "projects"}
        if unknown:
            raise ApiError(
                400, f"{sorted(unknown)[0]}: unknown; known: clientId, clientSecret, projects"
            )
        account, secret = body.get("clientId"), body.get("clientSecret")
        for name, value in (("clientId", account), ("clientSecret", secret)):
            if not isinstance(value, str) or not value:
                raise ApiError(400, f"{name}: required, a non-empty string")
        projects = body.get("projects")
        if projects is not None and not (
            isinstance(projects, list) and all(isinstance(p, str) for p in projects)
        ):
            raise ApiError(400, "projects: a list of project names, or null for all")
        self.sim.accounts[account] = secret
        if projects is None:
            self.sim.scopes.pop(account, None)
        else:
            self.sim.scopes[account] = frozenset(projects)
        await self.respond(204)


class ClockHandler(RunaiHandler):
    """``GET`` the phase clock; ``POST {"frozen": true}`` stops it, ``{"frozen": false}`` lets
    it run on, ``{"advance": seconds}`` moves it forward (both may come together)."""

    route = "/_simulator/clock"
    public = True

    async def get(self) -> None:
        await self.respond(200, self.sim.plane.clock.view())

    async def post(self) -> None:
        body = self.json_body()
        unknown = set(body) - {"frozen", "advance"}
        if unknown:
            raise ApiError(400, f"{sorted(unknown)[0]}: unknown; known: advance, frozen")
        frozen, seconds = body.get("frozen"), body.get("advance", 0)
        if frozen is not None and not isinstance(frozen, bool):
            raise ApiError(400, "frozen: must be true or false")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ApiError(400, "advance: must be a number of seconds >= 0")
        clock = self.sim.plane.clock
        if frozen is not None:
            clock.freeze(frozen)
        clock.advance(seconds)
        self.sim.plane.advance()  # each transition passed over happens at its own time
        await self.respond(200, clock.view())


class ResetHandler(RunaiHandler):
    """``POST``: back to the seed state: no workspaces, no faults, no stats, a real clock.
    Tokens already issued stay valid."""

    route = "/_simulator/reset"
    public = True

    async def post(self) -> None:
        self.sim.plane.reset()
        self.sim.faults = Faults()
        self.sim.requests.clear()
        self.sim.recent.clear()
        await self.respond(204)


class NotFoundHandler(RunaiHandler):
    route = "<unknown>"
    public = True

    async def prepare(self) -> None:
        raise ApiError(404, f"No route {self.request.method} {self.request.path}.")


HANDLERS: list[type[RunaiHandler]] = [
    TokenHandler,
    WorkloadsHandler,
    WorkspacesHandler,
    SuspendHandler,
    ResumeHandler,
    WorkspaceHandler,
    WorkloadHandler,
    ProjectsHandler,
    ClustersHandler,
    StatsHandler,
    ExchangesHandler,
    FaultsHandler,
    AccountsHandler,
    ClockHandler,
    ResetHandler,
]


def make_app(sim: Simulation) -> web.Application:
    """The tornado application; route templates become patterns with ``[^/]+`` for ids."""
    routes = [
        (handler.route.replace("{workloadId}", "([^/]+)") + "/?", handler, {"sim": sim})
        for handler in HANDLERS
    ]
    return web.Application(
        routes,
        default_handler_class=NotFoundHandler,
        default_handler_args={"sim": sim},
        log_function=log_request,
    )
