"""Calling the server extension's API in tests, with every answer checked against openapi.yaml."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib.resources import files
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from tornado.httpclient import HTTPResponse
from werkzeug.datastructures import Headers, ImmutableMultiDict

CONTRACT = yaml.safe_load(files("jupyter_runai.server").joinpath("openapi.yaml").read_text())


def contract_for(base_url: str) -> OpenAPI:
    return contract_at(f"{base_url.rstrip('/')}/runai/api")


@functools.cache
def contract_at(prefix: str) -> OpenAPI:
    """The contract of the API served under ``prefix`` (a server's, or the hub service's)."""
    return OpenAPI.from_dict({**CONTRACT, "servers": [{"url": prefix}]})


def check_answer(response: httpx.Response, prefix: str) -> None:
    """An answer of the API under ``prefix``, as httpx got it, is JSON and matches openapi.yaml."""
    content_type = response.headers.get("Content-Type", "").split(";")[0]
    assert content_type == "application/json", (response.status_code, response.text[:200])
    request = _Request(
        response.request.method,
        str(response.request.url),
        response.request.content or None,
        {"Content-Type": "application/json"},
    )
    answer = SimpleNamespace(
        data=response.content,
        status_code=response.status_code,
        content_type=content_type,
        headers=Headers(dict(response.headers)),
    )
    contract_at(prefix).validate_response(request, answer)


class _Request:
    def __init__(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = method.lower()
        self.body = body
        self.content_type = "application/json"
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(parts.query)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: HTTPResponse) -> None:
        self.data = response.body
        self.status_code = response.code
        self.content_type = response.headers.get("Content-Type", "").split(";")[0]
        self.headers = Headers(dict(response.headers.get_all()))


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    text: str


async def call(
    jp_fetch: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    base_url: str = "/",
    contract: bool = True,
    **kwargs: Any,
) -> Answer:
    """``method`` on ``runai/api/<path>``; the answer must match openapi.yaml (and be JSON)."""
    raw = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    response: HTTPResponse = await jp_fetch(
        "runai",
        "api",
        *path.split("/"),
        method=method,
        body=raw if raw is not None else (b"" if method in ("POST", "PUT") else None),
        raise_error=False,
        allow_nonstandard_methods=True,
        **kwargs,
    )
    text = response.body.decode()
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        f"{method} {path}: not JSON: {response.headers.get('Content-Type')}: {text[:200]}"
    )
    answer = Answer(response.code, json.loads(text), dict(response.headers.get_all()), text)
    if contract:
        request = _Request(
            method,
            response.effective_url,
            raw.encode() if isinstance(raw, str) else raw,
            {"Content-Type": "application/json"},
        )
        contract_for(base_url).validate_response(request, _Response(response))
    return answer
