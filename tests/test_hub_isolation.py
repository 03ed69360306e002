"""The hub as a platform engineer deploys it (examples/jupyterhub, the secret given as the README
says: a file whose path the hub passes on), tried as its users would: what a user can read holds
no Run:ai secret, a revoked token or a removed group stops working within seconds, and a stopped
service hangs nobody."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import httpx
import pytest
from hubapi import api, hub_kernel, service, service_pid, streams
from hubharness import (
    REPO,
    SERVICE_TIMEOUT_S,
    descendants,
    process_environ,
    run_as,
    wait_for,
)

BUSYBOX = {"project": "team-a", "image": "busybox"}
#: Revocation and group removal take effect within this long (the service trusts the hub 10 s).
REVOCATION_S = 15
#: A stopped service is answered for within its timeout plus this much (a busy 2-core machine).
SLACK_S = 4


def test_no_file_or_process_a_user_can_read_holds_the_secret(hub, hub_sim, people, unix_users):
    secret = hub_sim.client_secret
    secret_file = Path(hub.env["RUNAI_CLIENT_SECRET_FILE"])
    # a platform's folders are usually open to pass through: only the modes the example and the
    # README set can keep alice out
    unix_users.open_the_way(hub.workdir)
    unix_users.open_the_way(secret_file.parent.parent)
    # what users run: alice's and bob's kernels, alice's terminal
    terminal = hub.request("POST", "/user/alice/api/terminals", people["alice"])
    assert terminal.status_code == 200, terminal.text
    # bob's server's own hub token: alice must not be able to read his processes either
    bobs_token = process_environ(hub.server_pid("bob"))["JUPYTERHUB_API_TOKEN"]
    with hub_kernel(hub, "alice", people["alice"]), hub_kernel(hub, "bob", people["bob"]):
        scanned = json.loads(
            run_as(
                "alice",
                [
                    sys.executable,
                    str(REPO / "tests" / "readable_by_me.py"),
                    str(hub.data_dir),  # the hub's database, cookie secret, certificates
                    str(secret_file.parent),  # the service's secret
                    str(hub.workdir),
                    str(REPO / "examples"),
                    str(unix_users.home("alice")),
                ],
                # the secret, a control (her own server's environment, which she can read),
                # and what only bob's processes hold
                stdin=f"{secret}\nJUPYTERHUB_USER=alice\n{bobs_token}\n",
            )
        )
    hub.request("DELETE", f"/user/alice/api/terminals/{terminal.json()['name']}", people["alice"])
    assert scanned["hits"]["0"] == [], scanned
    assert scanned["hits"]["1"], f"the scan read none of alice's own processes: {scanned}"
    assert scanned["hits"]["2"] == [], scanned  # each server runs as its own user
    assert scanned["environs"] >= 3 and scanned["cmdlines"] > scanned["environs"], scanned
    # the hub's state and the service's secret: not even readable, let alone holding it
    files = scanned["files"]
    assert files[str(hub.data_dir)] == files[str(secret_file.parent)] == 0, files
    assert files[str(REPO / "examples")] > 0, files  # (what she may read, she did)
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    assert oct(secret_file.parent.stat().st_mode & 0o777) == "0o700"

    # as root: neither the hub nor its proxy holds the secret, nor does the hub's database
    hub_processes = {hub.process.pid, *descendants(hub.process.pid)}
    proxy = [pid for pid in hub_processes if "configurable-http-proxy" in command(pid)]
    assert proxy, "no proxy process found"
    for pid in (hub.process.pid, *proxy):
        environ = "\0".join(f"{k}={v}" for k, v in process_environ(pid).items())
        assert secret not in environ and "RUNAI_CLIENT_SECRET=" not in environ, command(pid)
    with sqlite3.connect(hub.data_dir / "jupyterhub.sqlite") as database:
        dumped = "\n".join(database.iterdump())
    assert secret not in dumped
    assert str(secret_file) in dumped  # what the hub keeps of it: the path
    assert secret not in hub.log_text()


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


# -- revocation -------------------------------------------------------------------------------
def test_a_revoked_token_stops_working_within_seconds(hub):
    hub.create_user("erin")
    made = hub.api("POST", "users/erin/tokens", json={"note": "revoked by the test"})
    assert made.status_code == 201, made.text
    token, token_id = made.json()["token"], made.json()["id"]
    assert service(hub, token, "GET", "workspaces").status_code == 200  # now cached as good
    assert hub.api("DELETE", f"users/erin/tokens/{token_id}").status_code == 204
    revoked = time.monotonic()
    wait_for(
        lambda: service(hub, token, "GET", "workspaces").status_code == 403,
        REVOCATION_S,
        "the service to refuse the revoked token",
        interval=0.5,
    )
    assert time.monotonic() - revoked <= REVOCATION_S


def test_a_removed_group_stops_working_within_seconds(hub, hub_sim):
    hub.create_user("dave")
    token = hub.user_token("dave")
    joined = hub.api("POST", "groups/team-a/users", json={"users": ["dave"]})
    assert joined.status_code == 200, joined.text

    def projects() -> list[str]:
        return [p["name"] for p in service(hub, token, "GET", "projects").json()["projects"]]

    assert projects() == ["team-a"]  # now cached: dave is in team-a
    left = hub.api("DELETE", "groups/team-a/users", json={"users": ["dave"]})
    assert left.status_code == 200, left.text
    removed = time.monotonic()
    wait_for(lambda: projects() == [], REVOCATION_S, "team-a to leave dave's projects", 0.5)
    assert time.monotonic() - removed <= REVOCATION_S
    refused = service(hub, token, "POST", "workspaces", {"name": "dave-nb", **BUSYBOX})
    assert refused.status_code == 403 and refused.json()["reason"] == "project_not_allowed"


# -- a stopped service -------------------------------------------------------------------------
@pytest.fixture
def stopped_service(hub):
    """The runai service, SIGSTOPped (a hung process: connections are accepted, nothing is
    answered), and let go again after the test."""
    pid = service_pid(hub)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGCONT)


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_stopped_service_hangs_no_user(hub, people, stopped_service):
    alice = people["alice"]
    bound = SERVICE_TIMEOUT_S + SLACK_S
    with hub_kernel(hub, "alice", alice) as kernel:
        kernel.ok("import jupyter_runai as runai\n%load_ext jupyter_runai")

        # an action: a JSON 504 in the user's words within the bound, saying it may still
        # happen (it was sent); then every call is answered at once, with nothing sent
        unknown = "3f0f8c52-8d8e-4a3c-9b59-2d4b8d1c7a10"
        answer, took = timed(
            lambda: api(hub, "alice", alice, "POST", f"workspaces/{unknown}/suspend")
        )
        assert answer.status_code == 504 and took <= bound, (answer.text, took)
        assert answer.json()["reason"] == "service_timeout"
        message = answer.json()["message"]
        assert message.startswith("the jupyter-runai service is not answering"), message
        assert "may still take effect" in message
        answer, took = timed(lambda: api(hub, "alice", alice, "GET", "projects"))
        assert answer.status_code == 503 and took <= SLACK_S, (answer.text, took)
        assert answer.json()["reason"] == "service_unavailable"

        # the magic and the panel say so too
        listed, took = timed(lambda: kernel.run("%runai list"))
        assert "the jupyter-runai service is not answering" in listed.stderr, listed.stderr
        assert took <= bound, took
        kernel.ok("p = runai.panel()")  # its front end words these (words.CONNECTION_WORDS)
        assert "jupyter-runai service is not answering" in kernel.value("p.status['message']")
        assert kernel.value("p.state['error']['reason']") == "service_unavailable"
        kernel.ok("p.close()")

        # the event stream: its headers at once, an error event within the bound, kept open
        with httpx.Client(base_url=hub.url, timeout=httpx.Timeout(10, read=30)) as http:
            started = time.monotonic()
            with http.stream(
                "GET",
                "/user/alice/runai/api/events",
                headers={"Authorization": f"token {alice}"},
            ) as events:
                assert events.status_code == 200
                assert events.headers["content-type"] == "text/event-stream"
                assert time.monotonic() - started <= SLACK_S
                lines = events.iter_lines()
                event = next(line for line in lines if line.startswith("event: "))
                data = json.loads(next(lines).removeprefix("data: "))
                assert event == "event: error" and time.monotonic() - started <= bound
                assert data["reason"] == "service_timeout"
                assert "not answering" in data["message"]

    # the service comes back: calls and streams work again
    os.kill(stopped_service, signal.SIGCONT)
    wait_for(
        lambda: api(hub, "alice", alice, "GET", "workspaces").status_code == 200,
        SERVICE_TIMEOUT_S + 10,
        "the service to answer again",
    )
    with streams(hub, [alice], "/user/alice/runai/api/events") as received:
        wait_for(lambda: "snapshot" in received[0], 30, "alice's view")
