"""What went wrong, in the user's words: one table for the notebook panel and the sidebar (their
front end reads it from ``labextension/src/createSchema.json``, generated from here by
``labextension/scripts/create_schema.py``) and the sentences the kernel says itself. The HTTP
detail (method, path, status, Run:ai's own text) never shows there: it goes to the
``jupyter_runai.panel`` log and to the panel's ``error_log``."""

from __future__ import annotations

import logging
import time

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

log = logging.getLogger("jupyter_runai.panel")

#: Reasons of the extension's error events that name a setting to fix: their text is the advice.
ADVICE = {"credentials_rejected", "not_configured", "forbidden", "project_not_allowed"}

#: What a failed Suspend / Resume / Delete says, by the reason of the extension's error
#: (server/errors.py), with {verb} and {name}. One table for the panel and the sidebar
#: (labextension/scripts/create_schema.py copies it into the sidebar's rules).
ACTION_WORDS = {
    "not_found": "{verb} failed: {name} no longer exists.",
    "timeout": "{verb}: no answer in time; it may have happened all the same: watch its phase.",
    "unavailable": "{verb} failed: Run:ai is not answering right now; try again in a moment.",
    "unreachable": "{verb} failed: Run:ai is not answering right now; try again in a moment.",
    "conflict": "{verb} failed: {name} is busy changing phase; try again when it settles.",
    # hub mode: the hub's jupyter-runai service, not Run:ai, did not answer (server/forward.py)
    "service_timeout": "{verb}: the jupyter-runai service did not answer in time; it may have "
    "happened all the same: watch its phase.",
    "service_unavailable": "{verb} failed: the jupyter-runai service is not answering right now; "
    "try again in a moment.",
}
#: Why live updates stopped, when the extension gives no advice (Run:ai is down or slow).
NOT_ANSWERING = "Run:ai is not answering right now: this shows what it said last, and reconnects."
#: ... and when it is the hub's jupyter-runai service that does not answer, by reason.
SERVICE_NOT_ANSWERING = (
    "The jupyter-runai service is not answering right now: this shows what it said last, "
    "and reconnects."
)
CONNECTION_WORDS = {
    "service_timeout": SERVICE_NOT_ANSWERING,
    "service_unavailable": SERVICE_NOT_ANSWERING,
}
#: Reasons of a refused action whose message is the extension's own advice (a setting, a limit).
REFUSALS = ADVICE | {"gpu_limit"}
#: Reasons that say only that something did not answer (nothing happened): moot once it does.
OUTAGES = {"unavailable", "unreachable", "service_unavailable"}
_NO_ANSWER = (
    "No answer in time: the workspace may have been created all the same; look at the list "
    "before trying again."
)
#: What a failed create says, by reason: the form field it concerns (None: the whole form) and
#: the words, with {name} and {project}. One table for the panel and the sidebar's dialog.
CREATE_WORDS: dict[str, tuple[str | None, str]] = {
    "conflict": ("name", "{project} already has a workspace named {name}: choose another name."),
    "timeout": (None, _NO_ANSWER),
    "service_timeout": (None, _NO_ANSWER),
    "unavailable": (None, "Not created: Run:ai is not answering right now; try again in a moment."),
    "unreachable": (None, "Not created: Run:ai is not answering right now; try again in a moment."),
    "service_unavailable": (
        None,
        "Not created: the jupyter-runai service is not answering right now; try again in a moment.",
    ),
}
#: A refused create whose message is Run:ai's own report, beside the project.
NOT_ALLOWED_IN = "Run:ai does not let you create workspaces in {project}."
#: What marks a message as Run:ai's own HTTP report (method, path, status), kept out of sight.
HTTP_MARKS = ("HTTP", "/api/")
#: Stand for Run:ai's own HTTP report, which stays in the log.
REFUSED = "Run:ai refused it."
NOT_ALLOWED = "Run:ai does not allow it."

#: The jupyter-runai API's reasons (server/errors.py answers these) and the exception each
#: is in Python; the first reason of a kind is the one an error without a reason gets.
REASON_CLASSES: list[tuple[str, type[RunaiError]]] = [
    ("invalid", RunaiBadRequest),
    ("not_configured", RunaiConfigError),
    ("credentials_rejected", RunaiUnauthorized),
    ("forbidden", RunaiForbidden),
    ("project_not_allowed", RunaiForbidden),
    ("not_found", RunaiNotFound),
    ("conflict", RunaiConflict),
    ("timeout", RunaiTimeout),
    ("service_timeout", RunaiTimeout),
    ("unavailable", RunaiUnavailable),
    ("service_unavailable", RunaiUnavailable),
]


def reason_of(exc: RunaiError) -> str:
    """The API's reason code for an error that came without one (from Run:ai directly)."""
    return next(
        (reason for reason, kind in REASON_CLASSES if isinstance(exc, kind)), "upstream_error"
    )


class ErrorLog(list):
    """The HTTP detail of the panel's errors, newest last (the last 50)."""

    def add(self, what: str, detail: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {what}: {detail}"
        log.info("%s", line)
        self.append(line)
        del self[:-50]

    def __repr__(self) -> str:
        return "\n".join(self) or "No errors."


#: What a Python API call's exception says, by reason, when the message was Run:ai's own HTTP
#: report (that stays in the exception's ``details``).
EXCEPTION_WORDS = {
    "not_found": "Run:ai has no such workspace (it may have been deleted).",
    "conflict": "Run:ai refused it: the workspace is changing phase, or the name is taken.",
    "forbidden": "Run:ai does not allow it for these credentials.",
    "credentials_rejected": "Run:ai rejected the credentials.",
    "timeout": "No answer in time: it may have happened all the same.",
    "unavailable": "Run:ai is not answering right now; try again in a moment.",
    "unreachable": "Run:ai is not answering right now; try again in a moment.",
    "invalid": "Run:ai refused the request",  # its issues follow, field by field
}


def for_user(exc: RunaiError, reason: str | None = None) -> RunaiError:
    """The same exception, its message in the user's words when it was Run:ai's HTTP report
    (which moves to ``details``); the field names of Run:ai's issues are the create body's."""
    from ..client import RunaiBadRequest
    from ..client.create_body import field_of

    if not any(mark in exc.message for mark in HTTP_MARKS):
        return exc
    reason = reason or exc.reason or reason_of(exc)
    said = EXCEPTION_WORDS.get(reason, REFUSED)
    kind = type(exc)
    common = {"status": exc.status, "details": exc.message, "reason": reason}
    if isinstance(exc, RunaiBadRequest):
        issues = [type(i)(field_of(i.field), i.details, i.rule) for i in exc.issues]
        return kind(said, issues, **common)  # each issue is added to the sentence
    try:
        return kind(said, retry_after=exc.retry_after, **common)
    except TypeError:  # a subclass with arguments of its own: keep it as it was
        return exc


def plain(message: str, fallback: str) -> str:
    """The extension's own advice as it is; Run:ai's HTTP report replaced by ``fallback``."""
    return fallback if any(mark in message for mark in HTTP_MARKS) else message
