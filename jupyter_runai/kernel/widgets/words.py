"""What went wrong, in the user's words: what the panel shows next to a field, on a row or in
the status line. The HTTP detail (method, path, status, Run:ai's own text) never shows there:
it goes to the ``jupyter_runai.panel`` log and to the panel's ``error_log``."""

from __future__ import annotations

import logging
import time

from ...client import (
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
#: What marks a message as Run:ai's own HTTP report (method, path, status), kept out of sight.
HTTP_MARKS = ("HTTP", "/api/")
#: Stand for Run:ai's own HTTP report, which stays in the log.
REFUSED = "Run:ai refused it."
NOT_ALLOWED = "Run:ai does not allow it."

_REASON_OF = {
    RunaiNotFound: "not_found",
    RunaiTimeout: "timeout",
    RunaiUnavailable: "unavailable",
    RunaiConflict: "conflict",
}


class ErrorLog(list):
    """The HTTP detail of the panel's errors, newest last (the last 50)."""

    def add(self, what: str, detail: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {what}: {detail}"
        log.info("%s", line)
        self.append(line)
        del self[:-50]

    def __repr__(self) -> str:
        return "\n".join(self) or "No errors."


def plain(message: str, fallback: str) -> str:
    """The extension's own advice as it is; Run:ai's HTTP report replaced by ``fallback``."""
    return fallback if any(mark in message for mark in HTTP_MARKS) else message


def for_action(exc: RunaiError, action: str, name: str) -> str:
    """A row's failed Suspend / Resume / Delete."""
    verb = action.capitalize()
    reason = next((r for kind, r in _REASON_OF.items() if isinstance(exc, kind)), None)
    if reason is not None:
        return ACTION_WORDS[reason].format(verb=verb, name=name)
    if isinstance(exc, (RunaiForbidden, RunaiUnauthorized, RunaiConfigError)):
        return f"{verb} refused: " + plain(exc.message, NOT_ALLOWED)
    return f"{verb} failed: " + plain(exc.message, REFUSED)


def is_outage(text: str) -> bool:
    """Whether a row's error says only that Run:ai did not answer: moot once it answers again."""
    return any(
        text == ACTION_WORDS[reason].format(verb=verb, name="")
        for reason in ("unavailable", "unreachable", "service_unavailable")
        for verb in ("Suspend", "Resume", "Delete")
    )


def for_create(exc: RunaiError, name: str, project: str) -> tuple[str | None, str]:
    """A failed create: (the form field it concerns, or None for the whole form; the words)."""
    if isinstance(exc, RunaiConflict):
        return "name", f"{project} already has a workspace named {name}: choose another name."
    if isinstance(exc, RunaiTimeout):
        return None, (
            "No answer in time: the workspace may have been created all the same; "
            "look at the table before trying again."
        )
    if isinstance(exc, RunaiUnavailable):
        return None, "Not created: Run:ai is not answering right now; try again in a moment."
    if isinstance(exc, (RunaiForbidden, RunaiUnauthorized, RunaiConfigError)):
        return "project", "Not allowed: " + plain(
            exc.message, f"Run:ai does not let you create workspaces in {project}."
        )
    own = plain(exc.message or "", "")  # the extension's own words (a GPU limit...), if any
    return None, f"Not created: {own}" if own else "Not created: Run:ai refused the request."


def for_connection(message: str | None, reason: str | None) -> str:
    """Why live updates stopped (an error event of the extension's stream, or a broken
    stream): advice when the extension gives one, else plain words."""
    if reason in ADVICE and message:
        return message
    return CONNECTION_WORDS.get(reason or "", NOT_ANSWERING)
