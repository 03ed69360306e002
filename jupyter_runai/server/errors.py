"""How a failure becomes an answer of the extension's API: JSON ``{message, reason,
upstream_status}`` with the right status, never an HTML page or a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..client import (
    RunaiBadRequest,
    RunaiConfigError,
    RunaiConflict,
    RunaiError,
    RunaiForbidden,
    RunaiNotFound,
    RunaiTimeout,
    RunaiUnauthorized,
    RunaiUnavailable,
)

NOT_CONFIGURED = (
    "jupyter-runai is not configured: set RUNAI_URL (or c.RunaiApp.url) and one way to "
    "authenticate: RUNAI_CLIENT_ID and RUNAI_CLIENT_SECRET_FILE (a file holding the secret of a "
    "service account or access key; or RUNAI_CLIENT_SECRET), RUNAI_TOKEN_FILE or RUNAI_TOKEN "
    "(a bearer token), or a Run:ai CLI login (`runai login`, with "
    "RUNAI_CLI_CONFIG_PATH or c.RunaiApp.use_cli_login); under JupyterHub, "
    "RUNAI_HUB_SERVICE_URL to use the hub's jupyter-runai service"
)


class ProjectNotAllowed(RunaiForbidden):
    """The project exists, maybe, but this Jupyter deployment does not offer it (to this user)."""


class GpuLimitReached(RunaiForbidden):
    """The hub's per-user limit on GPUs held at once would be passed."""


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def reply_for(exc: RunaiError) -> Reply:
    """The extension's answer for a client error (upstream or local)."""
    upstream = exc.status

    def make(status: int, reason: str, message: str | None = None, **extra: Any) -> Reply:
        body = {"message": message or exc.message, "reason": reason, "upstream_status": upstream}
        return Reply(status, {**body, **extra})

    if isinstance(exc, RunaiBadRequest):
        issues = [{"field": i.field, "details": i.details} for i in exc.issues]
        return make(400, "invalid", issues=issues)
    if isinstance(exc, RunaiConfigError):
        return make(503, "not_configured", f"{NOT_CONFIGURED} ({exc.message})")
    if isinstance(exc, ProjectNotAllowed):
        return make(403, "project_not_allowed")
    if isinstance(exc, GpuLimitReached):
        return make(403, "gpu_limit")
    if isinstance(exc, RunaiUnauthorized):
        return make(
            502,
            "credentials_rejected",
            f"Run:ai rejected this server's credentials: check c.RunaiApp.client_id and "
            f"c.RunaiApp.client_secret or client_secret_file (or RUNAI_CLIENT_ID and "
            f"RUNAI_CLIENT_SECRET or RUNAI_CLIENT_SECRET_FILE), or c.RunaiApp.token or "
            f"token_file. Run:ai said: {exc.message}",
        )
    if isinstance(exc, RunaiForbidden):
        return make(403, "forbidden")
    if isinstance(exc, RunaiNotFound):
        return make(404, "not_found")
    if isinstance(exc, RunaiConflict):
        return make(409, "conflict")
    if isinstance(exc, RunaiTimeout):
        return make(504, "timeout")
    if isinstance(exc, RunaiUnavailable) and upstream in (429, 503):
        reply = make(503, "unavailable")
        reply.headers["Retry-After"] = f"{max(1, round(exc.retry_after or 5))}"
        return reply
    if isinstance(exc, RunaiUnavailable) and upstream is None:
        return make(502, "unreachable")
    return make(502, "upstream_error")
