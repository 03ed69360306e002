"""The exchanges the simulator served on the Run:ai API paths (``GET /_simulator/exchanges``).

Tests fetch them to check every request and answer against the official spec, whichever process
made the request (the test's client, a Jupyter server, the hub service, a kernel). Kept: method,
path, query, the request's Content-Type and Authorization *scheme* (never a value), its body, the
status, the answer's Content-Type and body, and whether an injected fault answered. The token
endpoint's secrets (the client secret asked with, the tokens answered) are masked. Bounded: the
latest ``size``; ``seq`` numbers them from 0.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

#: Sent by a test's client on requests it makes malformed on purpose: the spec check then holds
#: only the answer to the spec, not the request.
EXEMPT_HEADER = "X-Simulator-Test"
EXEMPT_VALUE = "nonconforming-request"
#: Set on answers an injected fault gave (``/_simulator/faults``): the only answers whose status
#: may be a fault status the spec does not declare for the route.
FAULT_HEADER = "X-Simulator-Fault"
#: Keys of the token request that carry secrets (matched case-insensitively, as the endpoint does).
SECRET_KEYS = frozenset({"clientsecret", "appsecret", "accesstoken", "idtoken", "refreshtoken"})
MASK = "********"
#: Bodies are kept up to this size; a longer one is cut and marked ``truncated``.
MAX_BODY = 1 << 20


def _text(body: bytes) -> tuple[str, bool]:
    return body[:MAX_BODY].decode("utf-8", "replace"), len(body) > MAX_BODY


def mask_secrets(body: bytes) -> bytes:
    """A token request's or answer's body with secret values masked; all of it if it is not a
    JSON object."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return b"" if not body else MASK.encode()
    if not isinstance(data, dict):
        return MASK.encode()
    masked = {
        key: MASK if key.lower() in SECRET_KEYS and isinstance(value, str) else value
        for key, value in data.items()
    }
    return json.dumps(masked).encode()


class ExchangeLog:
    def __init__(self, size: int = 2000) -> None:
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)
        self.count = 0  # exchanges recorded since start (or the last clear): the next seq

    def add(self, entry: dict[str, Any]) -> None:
        entry["seq"] = self.count
        self.count += 1
        self.entries.append(entry)

    def since(self, seq: int) -> dict[str, Any]:
        """Exchanges numbered ``seq`` on; ``dropped``: how many of those are no longer held."""
        held = [e for e in self.entries if e["seq"] >= seq]
        first = self.entries[0]["seq"] if self.entries else self.count
        return {"exchanges": held, "next": self.count, "dropped": max(0, first - max(seq, 0))}

    def clear(self) -> None:
        self.entries.clear()
        self.count = 0


def entry(
    method: str,
    path: str,
    query: str,
    request_headers: Any,
    request_body: bytes,
    status: int,
    response_content_type: str | None,
    response_body: bytes,
    fault: bool,
) -> dict[str, Any]:
    if path.rstrip("/") == "/api/v1/token":
        request_body, response_body = mask_secrets(request_body), mask_secrets(response_body)
    body, request_cut = _text(request_body)
    answer, answer_cut = _text(response_body)
    return {
        "method": method,
        "path": path,
        "query": query,
        "request": {
            "contentType": request_headers.get("Content-Type"),
            "authorization": request_headers.get("Authorization", "").partition(" ")[0] or None,
            "exempt": request_headers.get(EXEMPT_HEADER) == EXEMPT_VALUE,
            "body": body,
            "truncated": request_cut,
        },
        "status": status,
        "response": {
            "contentType": response_content_type,
            "body": answer,
            "truncated": answer_cut,
        },
        "fault": fault,
    }
