"""The Run:ai settings shared by the server extension (``c.RunaiApp``) and the hub service
(``c.RunaiHub``): one definition, each falling back to the environment the way container images,
spawners and hub-managed services configure things. Each secret has a file twin
(``client_secret_file``, ``token_file``), the Docker and Kubernetes convention, which keeps it out
of every process environment."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any

from traitlets import Bool, Float, Int, List, Unicode, default
from traitlets.config import Configurable

#: Environment variables that hold Run:ai secrets; removed from the process environment once read.
SECRET_ENV = ("RUNAI_CLIENT_SECRET", "RUNAI_TOKEN")
#: The setting each of them feeds, and its file twin.
SECRET_SETTINGS = {"RUNAI_CLIENT_SECRET": "client_secret", "RUNAI_TOKEN": "token"}


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
    client_secret_file = Unicode(
        "",
        config=True,
        help="A file holding the Run:ai client secret, instead of client_secret (env "
        "RUNAI_CLIENT_SECRET_FILE): read at start and again when Run:ai refuses it, so a rotated "
        "secret needs no restart. Make it 0600, owned by the user this runs as.",
    )
    token = Unicode(
        "",
        config=True,
        help="A pre-issued Run:ai bearer token, instead of client credentials (env RUNAI_TOKEN, "
        "removed from the environment once read). It cannot be refreshed.",
    )
    token_file = Unicode(
        "",
        config=True,
        help="A file holding a Run:ai bearer token, instead of token (env RUNAI_TOKEN_FILE): read "
        "at start and again when Run:ai refuses it, so whoever renews the token writes the file.",
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
    default_gpu = Float(
        1.0,
        min=0,
        config=True,
        help="GPUs the create forms (the sidebar's and the notebook panel's) propose for a new "
        "workspace: jupyter-runai is for GPU workspaces (env RUNAI_DEFAULT_GPU).",
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

    @default("client_secret_file")
    def _client_secret_file_default(self) -> str:
        return os.environ.get("RUNAI_CLIENT_SECRET_FILE", "")

    @default("token")
    def _token_default(self) -> str:
        return os.environ.get("RUNAI_TOKEN", "")

    @default("token_file")
    def _token_file_default(self) -> str:
        return os.environ.get("RUNAI_TOKEN_FILE", "")

    @default("use_cli_login")
    def _use_cli_login_default(self) -> bool:
        return bool(os.environ.get("RUNAI_CLI_CONFIG_PATH"))

    @default("default_gpu")
    def _default_gpu_default(self) -> float:
        try:
            return float(os.environ.get("RUNAI_DEFAULT_GPU", "1"))
        except ValueError:
            return 1.0

    @default("default_project")
    def _default_project_default(self) -> str:
        return os.environ.get("RUNAI_PROJECT", "")

    def runai_settings(self) -> dict[str, Any]:
        """Every setting's value, read now (so secrets from the environment are captured), then
        the secrets are removed from the environment. ``secrets_from_env`` names the variables
        whose values were used."""
        values = {name: getattr(self, name) for name in RunaiSettings.class_own_traits()}
        values["secrets_from_env"] = [
            name
            for name, setting in SECRET_SETTINGS.items()
            if values[setting] and os.environ.get(name) == values[setting]
        ]
        for name in SECRET_ENV:
            os.environ.pop(name, None)
        return values


def environment_holders(name: str, value: str) -> list[tuple[int, str]]:
    """The processes above this one (pid, command name) whose start-up environment still holds
    ``name=value``, as far as this process can read them: a launcher such as
    ``sh -c 'jupyter server ...; echo done'`` keeps the secret it passed on, readable by every
    process of its user. Root-owned or hidden ancestors are not readable and not listed."""
    needle = f"{name}={value}".encode()
    holders: list[tuple[int, str]] = []
    pid = os.getppid()
    while pid > 1:
        proc = Path(f"/proc/{pid}")
        try:
            status = (proc / "stat").read_text()
            parent = int(status[status.rindex(")") + 2 :].split()[1])
            command = (proc / "comm").read_text().strip()
        except (OSError, ValueError, IndexError):
            break
        try:
            held = needle in (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            held = False
        if held:
            holders.append((pid, command))
        pid = parent
    return holders


def launcher_warning(settings: dict[str, Any]) -> str | None:
    """What to tell the log when a secret came from the environment: who may still read it
    there, and how to avoid that."""
    names = settings.get("secrets_from_env") or []
    if not names:
        return None
    held = sorted(
        {
            f"pid {pid} ({command})"
            for name in names
            for pid, command in environment_holders(name, settings[SECRET_SETTINGS[name]])
        }
    )
    files = " or ".join(f"{name}_FILE" for name in names)
    where = (
        f"the process that started it still holds it in its environment: {', '.join(held)}, "
        "readable by every process of this user (its kernels and terminals too)"
        if held
        else "no process that started it still holds it, as far as this process can see, but "
        "any launcher that does (a shell that runs it without exec) is readable by every "
        "process of this user"
    )
    return (
        f"{' and '.join(names)} came from the environment. This process hides its own "
        f"/proc entry; {where}. To avoid that, start the server with exec (no launcher left "
        f"behind), or give the secret in a file: {files}"
    )


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
