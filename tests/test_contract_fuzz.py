"""Schemathesis against openapi.yaml: every operation of a live server (a real ``jupyter server``
with jupyter-runai, on a real simulator), authenticated with its token, with what the schema
generates (valid and invalid data, undeclared methods, missing auth) and hostile requests added
on top (NaN and Infinity in raw JSON, JSON nested 1,000 deep, oversized strings, control
characters, non-UUID ids, wrong types and content types).

Never a 5xx; every answer matches openapi.yaml (schemathesis's conformance checks), and every
error is JSON ``{message, reason, upstream_status}``. ``GET events`` never ends: schemathesis
reads its first event (``max-stream-events``) and hangs up. Deterministic: a fixed seed,
derandomized hypothesis, a bounded number of examples.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections import Counter
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import schemathesis
import yaml
from hypothesis import settings
from hypothesis import strategies as st
from live import TOKEN, LiveServer
from openapi_schema_validator import OAS30Validator
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jupyter_runai.client.create_body import FIELDS

OPENAPI = str(files("jupyter_runai.server").joinpath("openapi.yaml"))
AUTH = {"Authorization": f"token {TOKEN}"}
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20240611,
        "headers": AUTH,
        "request-timeout": 10,
        # GET events is a stream that never ends: its first event (the snapshot) is enough
        "max-stream-events": 1,
        "generation": {"max-examples": 60, "deterministic": True, "database": "none"},
        "phases": {"coverage": {"generate-duplicate-query-parameters": True}},
        "checks": {
            # schemathesis wants 401 for a missing Authorization header; Jupyter answers 403
            # (as openapi.yaml says): check() below holds every such answer to that
            "missing_required_header": {"enabled": False},
            # it also wants an Allow header on 405, which Tornado does not send: check() holds
            # undeclared methods to a JSON 405
            "unsupported_method": {"enabled": False},
        },
        "operations": [
            {
                # OpenAPI 3.0 cannot state every create rule (env names are x-propertyNames,
                # namePrefix shortens name, the project must exist): a schema-valid body may
                # rightly get a 400 with issues
                "include-path": "/workspaces",
                "include-method": "POST",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # schemathesis holds each event of a stream to the schema; openapi.yaml (OpenAPI
                # 3.0, no itemSchema) describes the whole stream, a string: check() checks the
                # snapshot's data against the contract's Workspace and Error instead
                "include-path": "/events",
                "checks": {"response_schema_conformance": {"enabled": False}},
            },
        ],
    }
)
schema = schemathesis.openapi.from_path(OPENAPI, config=CONFIG)
#: what conforming answers to hostile requests means (the case's own data checks don't apply:
#: the request was replaced after schemathesis generated it)
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
STREAM_CONFORMANCE = CONFORMANCE[:3]
SENT: Counter[tuple[str, str]] = Counter()
CONTRACT = yaml.safe_load(Path(OPENAPI).read_text())
#: the data of ``event: snapshot``, as openapi.yaml's GET events describes it (error: Error|null)
SNAPSHOT = OAS30Validator(
    {
        "type": "object",
        "required": ["workspaces", "error"],
        "properties": {
            "workspaces": {"type": "array", "items": {"$ref": "#/components/schemas/Workspace"}},
            "error": {
                "type": "object",
                "nullable": True,
                "required": CONTRACT["components"]["schemas"]["Error"]["required"],
            },
        },
        "components": CONTRACT["components"],
    }
)


# -- hostile values, beyond what the schema generates -------------------------------------------
def _deep_array(n: int) -> str:
    return "[" * n + "]" * n


def _deep_object(n: int) -> str:
    return '{"a":' * n + "1" + "}" * n


JSON_VALUES = st.sampled_from(
    [
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "-1e400",
        "9" * 5000,
        "0.1e-99999",
        _deep_array(1000),
        _deep_object(1000),
        '[{"port": NaN}]',
        json.dumps("x" * 40_000),
        json.dumps("x" * 300_000),
        json.dumps("\x00\x01\x1b[31m\x7f\u2028\u202e"),
        '"\\ud800"',
        '"\\udfff\\ud800"',
        json.dumps("a\nb\r\nc\td"),
        "true",
        "null",
        "[]",
        "{}",
        "-1",
        "3.5",
        json.dumps(["team-a"]),
        json.dumps({"$ne": None}),
    ]
)
RAW_BODIES = st.sampled_from(
    [
        b"",
        b"{",
        b'{"name": "x"',
        b"{}{}",
        b"\xff\xfe\x00{",
        b"\x00",
        b'{"name": "a", "name": "b", "project": "team-a", "image": "busybox"}',
        b"{" + b'"a":' * 5000 + b"1" + b"}" * 5000,
    ]
)
VALID = {"name": '"fuzz"', "project": '"team-a"', "image": '"busybox"'}


def _object(fields: dict[str, str]) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in fields.items()) + "}"


def _nested(field: str, value: str) -> str:
    """``value`` inside a list item or a map: where a shallow check would not look."""
    inner = {"tools": '[{"port": %s}]', "pvcs": '[{"claimName": "c", "path": %s}]'}
    return inner.get(field, '{"A": %s}' if field == "env" else "%s") % value


CREATE_BODIES = st.one_of(
    JSON_VALUES,
    RAW_BODIES,
    st.builds(
        lambda field, value: _object({**VALID, field: _nested(field, value)}),
        st.sampled_from([*FIELDS, "colour", "", "__proto__"]),
        JSON_VALUES,
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/json;;;",
        "",
    ]
)
NON_UUIDS = st.one_of(
    st.sampled_from(
        [
            "0",
            "-1",
            "null",
            "NaN",
            "Infinity",
            "undefined",
            "true",
            "..",
            ".",
            " ",
            "%00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "e3e70682-c209-4cac-a29f-6fbed82c07cd/../../status",
            "E3E70682-C209-4CAC-A29F-6FBED82C07CD",
            "{e3e70682-c209-4cac-a29f-6fbed82c07cd}",
            "e3e70682c2094caca29f6fbed82c07cd",
            "e3e70682-c209-4cac-a29f-6fbed82c07cd\n",
            "e3e70682-c209-4cac-a29f-6fbed82c07c\u0434",
            "\u202e\u0000\x1b",
            "x" * 5000,
        ]
    ),
    st.text(max_size=40),
)
TOKENS = st.sampled_from(
    [
        "",
        "token",
        "token ",
        f"token {TOKEN}x",
        f"token {TOKEN[:-1]}",
        f"token {TOKEN} {TOKEN}",
        "token " + "x" * 10_000,
        "token caf\u00e9",
        "Basic Zm9vOmJhcg==",
        "Bearer",
    ]
)
QUERIES = st.one_of(
    st.fixed_dictionaries(
        {"project": st.sampled_from(["", "x" * 5000, "\x00\x1b", "../team-a", "NaN", "team-a"])}
    ),
    st.dictionaries(st.text(max_size=10), st.text(max_size=30), min_size=1, max_size=4),
)


def hostile(method: str, path: str, known: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """How to spoil a request to ``method path``: ``{body, headers, id, params}`` overrides."""
    body = CREATE_BODIES if (method, path) == ("POST", "/workspaces") else JSON_VALUES
    choices = [
        st.builds(lambda b: {"body": b}, body),
        st.builds(lambda b, t: {"body": b, "headers": {"Content-Type": t}}, body, CONTENT_TYPES),
        st.builds(lambda p: {"params": p}, QUERIES),
        st.builds(lambda a: {"headers": {"Authorization": a}}, TOKENS),
    ]
    if "{id}" in path:
        ids = st.one_of(
            st.sampled_from(known), st.uuids().map(str), NON_UUIDS, NON_UUIDS.map(_quoted)
        )
        choices.append(st.builds(lambda i: {"id": i}, ids))
    return st.one_of(choices)


def _quoted(value: str) -> str:
    return quote(value, safe="")


# -- the server under test ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def known(live: LiveServer) -> list[str]:
    """Real workspaces, so that ids sometimes name one (then suspend, resume, delete act)."""
    ids = []
    for name in ("fuzz-a", "fuzz-b", "fuzz-c"):
        answer = live.http.post(
            "runai/api/workspaces", json={"name": name, "project": "team-a", "image": "busybox"}
        )
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["id"])
    return ids


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    """Keep-alive, and no cookies: a login cookie from one answer must not authenticate the
    next request (requests are authenticated by their token, or by nothing at all)."""
    with requests.Session() as http:
        http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        yield http


def check(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """What every answer must be, whatever was asked."""
    request = response.request
    where = f"{request.method} {request.url}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:500]}"
    content_type = response.headers.get("content-type", [""])[0].split(";")[0]
    if request.method == "OPTIONS" and response.status_code == 204:
        # a CORS preflight answer may have no body, but then it claims no JSON either
        assert not response.content and content_type != "application/json", where
        return
    if content_type == "text/event-stream":
        assert response.status_code == 200, where
        fields = dict(
            line.split(": ", 1) for line in response.text.splitlines() if line[:1] not in ":"
        )
        assert fields["event"] == "snapshot", f"{where}: {response.text[:300]}"
        SNAPSHOT.validate(json.loads(fields["data"]))
        return
    assert content_type == "application/json", f"{where}: {content_type}: {response.text[:300]}"
    try:
        body = json.loads(response.text)
    except ValueError:
        pytest.fail(f"{where}: {response.status_code}, not JSON: {response.text!r:.300}")
    if response.status_code >= 400:
        assert isinstance(body, dict), f"{where}: {response.text[:300]}"
        assert {"message", "reason", "upstream_status"} <= set(body), f"{where}: {body}"
        assert isinstance(body["message"], str) and isinstance(body["reason"], str), body
        assert body["upstream_status"] is None or isinstance(body["upstream_status"], int), body
    if request.headers.get("Authorization") != AUTH["Authorization"]:
        assert response.status_code == 403, f"{where}: {response.status_code} without the token"
    if request.method.lower() not in [*CONTRACT["paths"][case.path], "options"]:
        assert response.status_code == 405, f"{where}: {response.status_code} (undeclared)"


@schema.parametrize()
def test_schemathesis(case, live, session):
    """What schemathesis makes of openapi.yaml: examples, coverage (boundaries, missing or
    generated auth, undeclared methods, duplicate query parameters) and fuzzing."""
    SENT["schemathesis", case.operation.label] += 1
    check(case, case.call_and_validate(base_url=f"{live.url}runai/api", session=session))


@schema.given(data=st.data())
@schema.parametrize()
@settings(max_examples=120)
def test_hostile(case, data, live, known, session):
    """A generated request spoiled by a hostile body, content type, id, query or token."""
    spoil = data.draw(hostile(case.method, case.path, known), label="hostile")
    SENT["hostile", case.operation.label] += 1
    kwargs: dict[str, Any] = {}
    if "id" in spoil:
        case.path_parameters = {**(case.path_parameters or {}), "id": spoil["id"]}
    if "body" in spoil:
        raw = spoil["body"]
        kwargs["data"] = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
        kwargs["headers"] = {"Content-Type": "application/json"}
    kwargs["headers"] = {**kwargs.get("headers", {}), **spoil.get("headers", {})}
    if "params" in spoil:
        kwargs["params"] = spoil["params"]
    response = case.call(base_url=f"{live.url}runai/api", session=session, **kwargs)
    # the request is no longer the one generated: only the answer's conformance applies (and
    # for the stream, not schemathesis's reading of its schema: see CONFIG)
    checks = [c for c in CONFORMANCE if case.path != "/events" or c in STREAM_CONFORMANCE]
    case.validate_response(response, checks=checks)
    check(case, response)


@pytest.mark.parametrize(
    ("header", "answer"),
    [
        (b"Content-Type: application/json\x7f", b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        (b"X-Spoiled: a\x01b", b"HTTP/1.1 400 Bad Request\r\n\r\n"),
        (b"X-Long: " + b"x" * 70_000, b""),  # past Tornado's max_header_size: closed
    ],
)
def test_malformed_http_is_refused_before_the_api(live, header, answer):
    """What HTTP forbids (a control character in a header value, a header block too large)
    never reaches the extension: Tornado's HTTP/1 parser answers a bare 400 (no body, so no
    JSON: nothing the extension can change) or hangs up. Never a 5xx, and the server goes on."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        sock.sendall(
            b"GET /runai/api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + f"Authorization: token {TOKEN}\r\n".encode()
            + header
            + b"\r\n\r\n"
        )
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += chunk
    assert received == answer
    assert live.http.get("runai/api/status").status_code == 200


def test_every_operation_was_fuzzed():
    """Both tests reached every operation in openapi.yaml (this runs after them)."""
    operations = {result.ok().label for result in schema.get_all_operations()}
    assert len(operations) == 10
    for test in ("schemathesis", "hostile"):
        assert {label for kind, label in SENT if kind == test} == operations, SENT
    print(f"requests sent per test and operation: {dict(SENT)}")
