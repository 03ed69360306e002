"""Checks every HTTP exchange with the simulator against the official Run:ai spec (openapi-core).

Tests route their HTTP through ``RecordingTransport`` (a real transport that keeps a copy of each
exchange); a fixture validates them all when the test ends. Two corrections to the spec, and the
answers the spec does not declare, are listed here and nowhere else:

- ``POST /api/v1/token`` inherits the global bearer requirement; the docs' examples send none,
  and a token endpoint that needed a token could never be called. We drop it for that operation.
- ``servers`` is made relative so the spec matches the simulator's loopback address.
- ``UNDECLARED``: statuses the spec does not list for an operation that the simulator still gives
  by a documented choice (README, "Where the spec is silent"), route by route. Their bodies are
  validated against the named schema of the same spec.
- ``FAULT_STATUSES``: what an injected fault may answer on any route, accepted only on answers
  that carry the simulator's fault mark (``X-Simulator-Fault``); those but 401 are never the
  simulator's own choice, so unmarked they fail even where the spec declares them (a 500 from a
  crash).

The simulator also keeps the exchanges it served (``GET /_simulator/exchanges``), whichever
process sent them; ``from_record`` turns one into an ``Exchange`` for the same check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.datastructures import Headers, ImmutableMultiDict

from jupyter_runai.simulator.exchanges import EXEMPT_HEADER, EXEMPT_VALUE, FAULT_HEADER
from jupyter_runai.simulator.spec import SPEC_PATH

ANY = "*"
#: (method, path template, status) -> schema of the body (None: no body).
UNDECLARED: dict[tuple[str, str, int], str | None] = {
    # choice: bad client credentials are 401 (spec lists 400/500/503 only)
    ("post", "/api/v1/token", 401): "Error",
    # choice: a duplicate name in a project is 409 (not listed for workspaces)
    ("post", "/api/v1/workloads/workspaces", 409): "Error",
    # control planes <= 2.20 (simulator --legacy-status-codes)
    ("post", "/api/v1/workloads/workspaces", 200): "Workspace1",
    ("delete", "/api/v1/workloads/workspaces/{workloadId}", 204): None,
    # choice: non-UUID ids, bad query values and acting on a deleting workspace are 400
    (ANY, "/api/v1/workloads/{workloadId}", 400): "Error",
    (ANY, "/api/v1/workloads/workspaces/{workloadId}", 400): "Error",
    (ANY, "/api/v1/workloads/workspaces/{workloadId}/suspend", 400): "Error",
    (ANY, "/api/v1/workloads/workspaces/{workloadId}/resume", 400): "Error",
    ("get", "/api/v1/workloads", 400): "Error",
    ("get", "/api/v1/clusters", 400): "Error",
}
#: Statuses an injected fault answers with (``/_simulator/faults`` ``error_status``), any route.
FAULT_STATUSES = frozenset({401, 403, 429, 500, 502, 503, 504})
#: Of those, the ones the simulator never chooses (401 it does: bad credentials or token; 403 too:
#: an account that is not a member of the project), so an unmarked one is a bug (a 500 from a
#: crash), even where the spec declares it.
FAULT_ONLY = FAULT_STATUSES - {401, 403}


def load_spec() -> dict[str, Any]:
    spec = json.loads(SPEC_PATH.read_text())
    spec["servers"] = [{"url": "/"}]
    spec["paths"]["/api/v1/token"]["post"]["security"] = []
    return spec


SPEC = load_spec()
OPENAPI = OpenAPI.from_dict(SPEC)
_REGISTRY = Registry().with_resource(
    "urn:runai-api", Resource.from_contents(SPEC, default_specification=DRAFT4)
)
_TEMPLATES = [
    (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "/?$"), path) for path in SPEC["paths"]
]


def template_of(path: str) -> str | None:
    # the literal /workspaces route must win over /workloads/{workloadId}
    for pattern, template in sorted(_TEMPLATES, key=lambda t: "{" in t[1]):
        if pattern.match(path):
            return template
    return None


class _Request:
    """httpx.Request as openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("Content-Type", "application/json")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query, keep_blank_values=True)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("Content-Type", "")
        self.headers = Headers(dict(response.headers))


@dataclass
class Exchange:
    request: httpx.Request
    response: httpx.Response
    request_must_conform: bool

    @property
    def fault(self) -> bool:
        """Whether an injected fault answered (the simulator marks those answers)."""
        return self.response.headers.get(FAULT_HEADER) == "injected"

    def __str__(self) -> str:
        return f"{self.request.method} {self.request.url} -> {self.response.status_code}"


def undeclared_schema(
    method: str, template: str, status: int, fault: bool = False
) -> tuple[bool, str | None]:
    for key in ((method, template, status), (ANY, template, status)):
        if key in UNDECLARED:
            return True, UNDECLARED[key]
    if fault and status in FAULT_STATUSES:
        return True, "Error"
    return False, None


def declared(method: str, template: str, status: int) -> bool:
    return str(status) in SPEC["paths"][template][method]["responses"]


def check(exchange: Exchange) -> None:
    """Raise AssertionError saying what in this exchange breaks the spec."""
    request, response = _Request(exchange.request), _Response(exchange.response)
    if request.path.startswith("/_simulator/"):
        return
    template = template_of(request.path)
    assert template is not None, f"{exchange}: path not in the spec"
    assert request.method in SPEC["paths"][template], f"{exchange}: method not in the spec"
    assert response.status_code not in FAULT_ONLY or exchange.fault, (
        f"{exchange}: no injected fault answered, and the simulator gives no such status itself"
    )
    if exchange.request_must_conform:
        try:
            OPENAPI.validate_request(request)
        except Exception as exc:
            raise AssertionError(f"{exchange}: request breaks the spec: {_why(exc)}") from None
    if declared(request.method, template, response.status_code):
        try:
            OPENAPI.validate_response(request, response)
        except Exception as exc:
            raise AssertionError(f"{exchange}: answer breaks the spec: {_why(exc)}") from None
        return
    known, schema = undeclared_schema(
        request.method, template, response.status_code, exchange.fault
    )
    assert known, f"{exchange}: status {response.status_code} is neither in the spec nor listed"
    if schema is None:
        assert not exchange.response.content, f"{exchange}: expected no body"
        return
    validator = OAS30Validator(
        {"$ref": f"urn:runai-api#/components/schemas/{schema}"},
        registry=_REGISTRY,
        format_checker=oas30_format_checker,
    )
    errors = [e.message for e in validator.iter_errors(exchange.response.json())]
    assert not errors, f"{exchange}: body is not a {schema}: {errors}"


def _why(exc: BaseException) -> str:
    """The leaf schema errors (with their paths) behind an openapi-core exception."""
    leaves = [
        f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in getattr(exc, "schema_errors", None) or []
    ]
    if exc.__cause__ is not None:
        leaves.append(_why(exc.__cause__))
    return " / ".join(leaves) or f"{type(exc).__name__}: {str(exc)[:300]}"


def from_record(base_url: str, record: dict[str, Any]) -> Exchange:
    """An exchange the simulator kept (``GET /_simulator/exchanges``), as the test would have seen
    it: the Authorization value is not kept, so a placeholder stands in after its scheme."""
    asked, answered = record["request"], record["response"]
    where = f"{record['method']} {record['path']}"
    assert not answered["truncated"], f"{where}: answer too long to check"
    headers = {}
    if asked["contentType"] is not None:
        headers["Content-Type"] = asked["contentType"]
    if asked["authorization"]:
        headers["Authorization"] = f"{asked['authorization']} not-kept"
    query = f"?{record['query']}" if record["query"] else ""
    request = httpx.Request(
        record["method"],
        f"{base_url}{record['path']}{query}",
        headers=headers,
        content=asked["body"].encode(),
    )
    response_headers = {FAULT_HEADER: "injected"} if record["fault"] else {}
    if answered["contentType"] is not None:
        response_headers["Content-Type"] = answered["contentType"]
    response = httpx.Response(
        record["status"], headers=response_headers, content=answered["body"].encode()
    )
    conform = not asked["exempt"] and not asked["truncated"]
    return Exchange(request, response, request_must_conform=conform)


class RecordingTransport(httpx.AsyncBaseTransport):
    """A real loopback transport that keeps every exchange for the spec check."""

    def __init__(self, exchanges: list[Exchange], request_must_conform: bool = True) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._exchanges = exchanges
        self._conform = request_must_conform

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._conform:  # so the simulator's own record exempts the request too
            request.headers[EXEMPT_HEADER] = EXEMPT_VALUE
        response = await self._inner.handle_async_request(request)
        await response.aread()
        self._exchanges.append(Exchange(request, response, self._conform))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
