"""One exception hierarchy for every way a Run:ai call can fail.

Built from the API's error body ``{code, message, details, complianceIssues}``. Messages are
written for people and never carry a secret, a token or a request body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ComplianceIssue:
    """One field that broke one rule, as Run:ai reports it (or as we check it before a call)."""

    field: str
    details: str
    rule: str | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.details}"


class RunaiError(Exception):
    """Base class. ``status`` is the HTTP status (None when no answer came back); ``reason`` the
    jupyter-runai API's reason code, when the error came from it (server/errors.py)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        details: str | None = None,
        retry_after: float | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details
        self.retry_after = retry_after
        self.reason = reason

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback through this library: the one sentence
        (the HTTP detail, when there is one, is in ``details``)."""
        return [f"{type(self).__name__}: {self.message}"]


class RunaiConfigError(RunaiError):
    """No URL or no usable credentials were configured."""


class RunaiBadRequest(RunaiError):
    """400: the request breaks a rule; ``issues`` names each field and rule."""

    def __init__(
        self, message: str, issues: list[ComplianceIssue] | None = None, **kw: Any
    ) -> None:
        self.issues = list(issues or [])
        untold = [str(i) for i in self.issues if str(i) not in message]
        if untold:
            message = f"{message} ({'; '.join(untold)})"
        super().__init__(message, **kw)


class InvalidRequest(RunaiBadRequest, ValueError):
    """Bad input caught before any call was made (a bad name, quantity or GPU request)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}", status=None)
        self.issues = [ComplianceIssue(field, rule)]


class RunaiUnauthorized(RunaiError):
    """401: the credentials or token were not accepted."""


class RunaiForbidden(RunaiError):
    """403: authenticated, but not allowed to do this."""


class RunaiNotFound(RunaiError):
    """404: no such workspace, project or cluster."""


class RunaiConflict(RunaiError):
    """409: e.g. a workspace of that name already exists in the project."""


class RunaiUnavailable(RunaiError):
    """Run:ai could not be reached or answered 429/5xx (after the retries allowed)."""


class RunaiTimeout(RunaiError):
    """No answer in time, or a wait for a phase ran out."""


_BY_STATUS: dict[int, type[RunaiError]] = {
    400: RunaiBadRequest,
    401: RunaiUnauthorized,
    403: RunaiForbidden,
    404: RunaiNotFound,
    409: RunaiConflict,
    504: RunaiTimeout,
}


def from_response(
    status: int, body: Any, what: str, retry_after: float | None = None
) -> RunaiError:
    """The exception for an error answer; ``what`` says which call failed (``GET /api/...``)."""
    body = body if isinstance(body, dict) else {}
    message = body.get("message") if isinstance(body.get("message"), str) else None
    text = f"{what} failed with HTTP {status}" + (f": {message}" if message else "")
    details = body.get("details") if isinstance(body.get("details"), str) else None
    cls = _BY_STATUS.get(status, RunaiUnavailable if status == 429 or status >= 500 else RunaiError)
    if cls is RunaiBadRequest:
        issues = [
            ComplianceIssue(
                str(item.get("field", "")), str(item.get("details", "")), item.get("rule")
            )
            for item in body.get("complianceIssues") or []
            if isinstance(item, dict)
        ]
        return RunaiBadRequest(text, issues, status=status, details=details)
    return cls(text, status=status, details=details, retry_after=retry_after)


def may_have_happened(exc: RunaiError, done: str) -> RunaiError:
    """``exc``, saying that an earlier attempt, unanswered, may have done it: the caller must
    not read the error as "nothing happened"."""
    exc.message = (
        f"{exc.message}; the workspace may have been {done} all the same: look before trying again"
    )
    exc.args = (exc.message,)
    return exc
