"""The Run:ai settings shared by the server extension (``c.RunaiApp``) and the hub service
(``c.RunaiHub``): one definition, each falling back to the environment the way container images,
spawners and hub-managed services configure things."""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

from traitlets import Bool, Float, Int, List, Unicode, default
from traitlets.config import Configurable

#: Environment variables that hold Run:ai secrets; removed from the process environment once read.
SECRET_ENV = ("RUNAI_CLIENT_SECRET", "RUNAI_TOKEN")


class RunaiSettings(Configurable):
    """Where Run:ai is, how to authenticate, and what to offer."""

    url = Unicode(
        "",
        config=True,
        help="Run:ai control plane URL, e.g. https://<tenant>.run.ai (env RUNAI_URL).",
    )
    client_id = Unicode(
        "", config=True, help="Run:ai service account / access key id (env RUNAI_CLIENT_ID)."
    )
    client_secret = Unicode(
        "",
        config=True,
        help="Run:ai client secret (env RUNAI_CLIENT_SECRET, removed from the environment once "
        "read so that processes started later never see it).",
    )
    token = Unicode(
        "",
        config=True,
        help="A pre-issued Run:ai bearer token, instead of client credentials (env RUNAI_TOKEN, "
        "removed from the environment once read). It cannot be refreshed.",
    )
    use_cli_login = Bool(
        False,
        config=True,
        help="Use the Run:ai CLI v2 login of this process's user (~/.runai, or "
        "RUNAI_CLI_CONFIG_PATH, which turns this on by itself) instead of client credentials.",
    )
    default_project = Unicode(
        "", config=True, help="Project that forms and magics preselect (env RUNAI_PROJECT)."
    )
    allowed_projects = List(
        Unicode(),
        default_value=[],
        config=True,
        help="Projects offered here; empty means all the credentials can see.",
    )
    request_timeout = Float(30.0, config=True, help="Seconds to wait for Run:ai to answer.")
    verify_tls = Bool(True, config=True, help="Verify Run:ai's TLS certificate.")
    ca_bundle = Unicode(
        "",
        config=True,
        help="Path to a CA bundle for Run:ai's certificate (by default, SSL_CERT_FILE or the "
        "system's, as httpx finds them).",
    )
    poll_interval = Float(
        5.0,
        config=True,
        help="Seconds between the shared poller's list calls while anyone watches events.",
    )
    simulator = Bool(
        False,
        config=True,
        help="Run an embedded Run:ai simulator and use it (demos, Binder). Status and the log "
        "say so.",
    )
    simulator_time_scale = Float(
        1.0, config=True, help="How much faster than real time the embedded simulator runs."
    )
    simulator_port = Int(
        0,
        min=0,
        max=65535,
        config=True,
        help="Port of the embedded simulator on 127.0.0.1 (0: any free port).",
    )

    @default("url")
    def _url_default(self) -> str:
        return os.environ.get("RUNAI_URL", "")

    @default("client_id")
    def _client_id_default(self) -> str:
        return os.environ.get("RUNAI_CLIENT_ID", "")

    @default("client_secret")
    def _client_secret_default(self) -> str:
        return os.environ.get("RUNAI_CLIENT_SECRET", "")

    @default("token")
    def _token_default(self) -> str:
        return os.environ.get("RUNAI_TOKEN", "")

    @default("use_cli_login")
    def _use_cli_login_default(self) -> bool:
        return bool(os.environ.get("RUNAI_CLI_CONFIG_PATH"))

    @default("default_project")
    def _default_project_default(self) -> str:
        return os.environ.get("RUNAI_PROJECT", "")

    def runai_settings(self) -> dict[str, Any]:
        """Every setting's value, read now (so secrets from the environment are captured), then
        the secrets are removed from the environment."""
        values = {name: getattr(self, name) for name in RunaiSettings.class_own_traits()}
        for name in SECRET_ENV:
            os.environ.pop(name, None)
        return values


def hide_process() -> bool:
    """Make this process's ``/proc/<pid>`` entries (its start-up environment, its memory)
    unreadable to other processes of the same user, the kernels and terminals it starts
    included, and refuse them ptrace. Removing a secret from ``os.environ`` does not remove it
    from ``/proc/<pid>/environ``; this does (Linux ``prctl(PR_SET_DUMPABLE, 0)``). Root, or a
    process with CAP_SYS_PTRACE, can still read it. Returns whether it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    pr_set_dumpable = 4
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(pr_set_dumpable, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
