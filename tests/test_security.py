"""Authentication, XSRF, the route allow-list, and where secrets must never appear."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from harness import async_wait_until, recent_requests, stats, wait_until
from hubharness import descendants
from jupyter_client import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from live import free_port
from sse import events

from jupyter_runai.server.handlers import handlers

UNKNOWN_ID = "3f0f8c52-8d8e-4a3c-9b59-2d4b8d1c7a10"
ROUTES = [
    ("GET", "status"),
    ("GET", "projects"),
    ("GET", "clusters"),
    ("GET", "workspaces"),
    ("POST", "workspaces"),
    ("GET", f"workspaces/{UNKNOWN_ID}"),
    ("DELETE", f"workspaces/{UNKNOWN_ID}"),
    ("POST", f"workspaces/{UNKNOWN_ID}/suspend"),
    ("POST", f"workspaces/{UNKNOWN_ID}/resume"),
    ("GET", "events"),
    ("GET", "no/such/route"),
]


@pytest.fixture
def server(jp_serverapp, http_server_client, http_server_port, jp_base_url):
    """The test server's URL prefix for our API (listening)."""
    return f"http://127.0.0.1:{http_server_port[-1]}{jp_base_url}"


def test_every_handler_is_authenticated_and_authorized(jp_serverapp):
    """The extension template's check_auth, plus @authorized with resource 'runai'."""
    web_app = jp_serverapp.web_app
    checked = 0
    for pattern, handler in handlers():
        assert web_app._check_handler_auth(pattern, handler) == [], handler.__name__
        assert handler.auth_resource == "runai"
        for verb in handler.SUPPORTED_METHODS:
            method = getattr(handler, verb.lower())
            if not method.__module__.startswith("jupyter_runai"):
                continue  # Jupyter's own (e.g. APIHandler.options for CORS preflight)
            if verb == "OPTIONS":  # the CORS preflight: no credentials, no body, no Run:ai
                assert getattr(method, "__allow_unauthenticated", False), handler.__name__
                continue
            # each decorator's wrapper, outermost first, named by where its code lives (wraps()
            # copies __qualname__, and co_qualname is Python 3.11+: the package claims 3.10)
            chain = []
            while method is not None:
                code = method.__code__
                chain.append(f"{Path(code.co_filename).parent.name}/{code.co_name}")
                method = getattr(method, "__wrapped__", None)
            assert chain[0] == "tornado/wrapper", (handler.__name__, verb, chain)  # authenticated
            assert "auth/inner" in chain, (handler.__name__, verb, chain)  # authorized
            checked += 1
    assert checked >= 9  # every verb of every route above


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_anonymous_requests_are_refused(server, sim, method, path):
    async with httpx.AsyncClient() as http:
        response = await http.request(
            method, f"{server}runai/api/{path}", content=b"{}" if method == "POST" else None
        )
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("application/json")
    assert stats(sim) == {"GET /_simulator/stats": 1}  # nothing reached Run:ai


async def test_wrong_token_is_refused(server):
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{server}runai/api/workspaces", headers={"Authorization": "token nope"}
        )
    assert response.status_code == 403


async def cookie_session(server: str, token: str) -> httpx.AsyncClient:
    """Log in through Jupyter's login page, as a browser does; the client keeps the cookies."""
    http = httpx.AsyncClient(follow_redirects=False)
    page = await http.get(f"{server}login")
    xsrf = http.cookies.get("_xsrf") or re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(
        1
    )
    login = await http.post(f"{server}login", data={"password": token, "_xsrf": xsrf})
    assert login.status_code == 302, login.text
    return http


async def test_xsrf_is_enforced_for_cookie_posts(server, jp_serverapp, api):
    created = (
        await api("POST", "workspaces", {"name": "nb", "project": "team-a", "image": "busybox"})
    ).body
    http = await cookie_session(server, jp_serverapp.identity_provider.token)
    url = f"{server}runai/api/workspaces/{created['id']}/suspend"
    without = await http.post(url)
    assert without.status_code == 403
    assert "_xsrf" in without.json()["message"]
    forged = await http.post(url, headers={"X-XSRFToken": "forged"})
    assert forged.status_code == 403
    ok = await http.post(url, headers={"X-XSRFToken": http.cookies["_xsrf"]})
    assert ok.status_code == 202
    assert (await http.get(f"{server}runai/api/status")).status_code == 200  # GET needs no XSRF
    await http.aclose()


async def test_browser_credentials_are_not_forwarded(server, jp_serverapp, sim, jp_auth_header):
    async with httpx.AsyncClient() as http:
        await http.get(
            f"{server}runai/api/workspaces",
            headers={
                **jp_auth_header,
                "Cookie": "session=browser-cookie",
                "X-Forwarded-For": "1.2.3.4",
            },
        )
    recent = recent_requests(sim)
    upstream = [r for r in recent if r["request"] != "POST /api/v1/token"]
    assert upstream, recent
    for request in upstream:
        assert request["authorization"] == "Bearer"
        assert "Cookie" not in request["headers"] and "X-Forwarded-For" not in request["headers"]


@pytest.fixture
def secret_from_env(runai_config, monkeypatch, sim):
    """The secret reaches the server only through the environment, as in a container."""
    monkeypatch.setenv("RUNAI_CLIENT_SECRET", sim.client_secret)
    monkeypatch.setenv("RUNAI_TOKEN_UNRELATED", "x")
    del runai_config["client_secret"]
    return sim.client_secret


async def kernel_environment(km: AsyncKernelManager) -> dict[str, str]:
    """The environment of a real kernel started the way this server starts kernels."""
    outputs: list[dict] = []
    kernel_id = await km.start_kernel(kernel_name="python3")
    kernel = km.get_kernel(kernel_id)
    client = kernel.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        reply = await client.execute_interactive(
            "import json, os; print(json.dumps(dict(os.environ)))",
            timeout=60,
            output_hook=outputs.append,
        )
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        await km.shutdown_kernel(kernel_id, now=True)
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    return json.loads(text)


async def test_secrets_never_leak(
    secret_from_env, api, server, jp_serverapp, jp_auth_header, caplog, sim
):
    caplog.set_level(logging.DEBUG)
    secret = secret_from_env
    assert "RUNAI_CLIENT_SECRET" not in os.environ  # read, then scrubbed
    bodies = []
    created = await api(
        "POST", "workspaces", {"name": "nb", "project": "team-a", "image": "busybox"}
    )
    assert created.status == 202  # the secret from the environment works
    for method, path in [*ROUTES[:-2], ("POST", "workspaces")]:
        bodies.append(
            (
                await api(
                    method, path, {"name": "Bad"} if method == "POST" else None, contract=False
                )
            ).text
        )
    async with events(f"{server}runai/api/events", jp_auth_header) as stream:
        bodies.append(json.dumps(await stream.next()))
    upstream = jp_serverapp.web_app.settings["runai_upstream"]
    client = await upstream.client()
    bearer = await client.tokens.get()
    assert (
        secret not in repr(upstream) and bearer not in repr(upstream) and secret not in repr(client)
    )
    kernel_env = await kernel_environment(jp_serverapp.kernel_manager)
    assert "RUNAI_CLIENT_SECRET" not in kernel_env
    assert "RUNAI_TOKEN_UNRELATED" in kernel_env  # only Run:ai's own secrets are removed
    log_text = caplog.text
    assert "audit" in log_text
    for where, text in [
        ("responses", "\n".join(bodies)),
        ("log", log_text),
        ("kernel env", json.dumps(kernel_env)),
    ]:
        assert secret not in text, where
        assert bearer not in text, where
        assert bearer.split(".")[2] not in text, where  # not even the signature


async def test_events_refuse_anonymous_before_subscribing(server, jp_serverapp):
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server}runai/api/events")
    assert response.status_code == 403
    assert jp_serverapp.web_app.settings["runai_upstream"].poller.subscribers == 0


async def test_stream_ends_cleanly_when_the_client_goes(server, jp_serverapp, jp_auth_header):
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    async with events(f"{server}runai/api/events", jp_auth_header) as stream:
        await stream.next()
        assert poller.subscribers == 1
    await async_wait_until(lambda: poller.subscribers == 0, what="the stream to let go")


RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
#: Run in a kernel: which processes' start-up environment (that this user can read) holds the
#: needle; and whether the kernel's parent (its server) refused to show its own.
SCAN_PROC = """
import os
needle = {needle!r}.encode()
found, refused_parent = [], False
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        if needle in open(f'/proc/{{pid}}/environ', 'rb').read():
            found.append(int(pid))
    except OSError:
        refused_parent = refused_parent or int(pid) == os.getppid()
print('FOUND', found, 'SERVER_REFUSED', refused_parent)
"""


@pytest.mark.parametrize(("launcher", "given"), [("exec", "env"), ("sh", "env"), ("sh", "file")])
def test_what_a_kernel_can_read_of_a_secret_given_in_the_environment(
    sim, unix_users, launcher, given
):
    """A single-user server as an unprivileged user (root reads every /proc: it proves
    nothing), the secret in its environment or in a file. From the environment the server pops
    it and hides its own /proc entry, so its kernels cannot read it there. Started with exec, no
    other process of the user holds it; started by a shell that stays (``sh -c 'jupyter server
    ...; echo done'``), the shell does, the user's kernels can read it there, and the server's
    log says so, naming that process and how to avoid it. From a file, no environment holds it
    (a file others can read is named in the log, with its mode)."""
    home = unix_users.home("alice") / f"solo-{launcher}-{given}"
    runtime = home / "runtime"
    runtime.mkdir(parents=True)
    secret_file = home / "client-secret"
    secret_file.write_text(sim.client_secret + "\n")
    secret_file.chmod(0o644)
    for path in (home, runtime, secret_file):
        shutil.chown(path, "alice", "alice")
    port = free_port()
    server = shlex.join(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={port}",
            "--IdentityProvider.token=proc-test",
            f"--ServerApp.root_dir={home}",
        ]
    )
    script = f"exec {server}" if launcher == "exec" else f"{server}; echo done"
    env = {
        "PATH": os.defpath,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "RUNAI_URL": sim.url,
        "RUNAI_CLIENT_ID": sim.client_id,
    }
    if given == "env":
        env["RUNAI_CLIENT_SECRET"] = sim.client_secret
    else:
        env["RUNAI_CLIENT_SECRET_FILE"] = str(secret_file)
    log = home / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                shutil.which("runuser") or "/usr/sbin/runuser",
                "-u",
                "alice",
                "--",
                "sh",
                "-c",
                script,
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    http = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/", headers={"Authorization": "token proc-test"}
    )
    try:

        def ready() -> bool:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(httpx.TransportError):
                return http.get("runai/api/status").status_code == 200
            return False

        wait_until(ready, 60, "the server as an unprivileged user")
        kernel_id = http.post("api/kernels", json={"name": "python3"}).json()["id"]
        client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel_id}.json"))
        client.load_connection_file()
        # no heartbeat: a kernel still starting on a busy machine misses its 1 s beat and
        # wait_for_ready calls it dead; readiness is the kernel_info reply, with a deadline
        client.start_channels(hb=False)
        client.wait_for_ready(timeout=60)
        out: list[str] = []
        client.execute_interactive(
            SCAN_PROC.format(needle=sim.client_secret),
            timeout=60,
            output_hook=lambda m: out.append(m["content"].get("text", "")),
        )
        client.stop_channels()
        said = "".join(out).strip()
        assert http.get("runai/api/workspaces").status_code == 200  # and the server works
        text = log.read_text()
        assert sim.client_secret not in text
        if given == "file":
            assert said == "FOUND [] SERVER_REFUSED True", (said, text[-2000:])
            assert "came from the environment" not in text
            assert (
                f"client_secret_file (RUNAI_CLIENT_SECRET_FILE) {secret_file} is readable by "
                "other users (mode 0644: readable by every user): make it 0600"
            ) in text
            return
        assert "RUNAI_CLIENT_SECRET came from the environment" in text, text[-3000:]
        if launcher == "exec":
            assert said == "FOUND [] SERVER_REFUSED True", (said, text[-2000:])
            assert "no process that started it still holds it" in text
        else:
            (shell,) = [p for p in descendants(process.pid) if comm(p) == "sh"]
            assert said == f"FOUND [{shell}] SERVER_REFUSED True", (said, text[-2000:])
            assert f"still holds it in its environment: pid {shell} (sh)" in text
            assert "start the server with exec" in text and "RUNAI_CLIENT_SECRET_FILE" in text
    finally:
        http.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
