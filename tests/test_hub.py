"""JupyterHub deployments, on a real hub (examples/jupyterhub/jupyterhub_config.py): the hub
service holds the Run:ai credentials, and every user sees and touches only their own workspaces."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from extension import check_answer
from harness import bearer, stats
from hubharness import descendants, process_environ, runai_env, wait_for
from jupyter_client import BlockingKernelClient
from live import Kernel

BUSYBOX = {"project": "team-a", "image": "busybox"}
MUTATING = ("POST /api/v1/workloads/workspaces", "DELETE ", "/suspend", "/resume")


def api(hub, user: str, token: str, method: str, path: str, body=None) -> httpx.Response:
    """The user's own server's runai/api, through the hub's proxy, as the browser calls it;
    every answer is checked against openapi.yaml."""
    prefix = f"/user/{user}/runai/api"
    answer = hub.request(method, f"{prefix}/{path}", token, json=body)
    check_answer(answer, prefix)
    return answer


def service(hub, token: str, method: str, path: str, body=None) -> httpx.Response:
    """The hub service's API itself, through the proxy (the same contract)."""
    prefix = "/services/runai/api"
    answer = hub.request(method, f"{prefix}/{path}", token or None, json=body)
    check_answer(answer, prefix)
    return answer


def reset_stats(sim) -> None:
    httpx.delete(f"{sim.url}/_simulator/stats")


def mutations(sim) -> list[str]:
    return [route for route in stats(sim) if any(m in route for m in MUTATING)]


@pytest.fixture(scope="module")
def people(hub):
    """alice and bob (group team-a -> project team-a) with running servers in hub mode, carol
    (group vision -> team-b), and the hub admin; a token each."""
    for name in ("alice", "bob"):
        hub.start_server(name)
    for name in ("carol", "admin"):
        hub.create_user(name)
    return {name: hub.user_token(name) for name in ("alice", "bob", "carol", "admin")}


def test_server_is_in_hub_mode_and_holds_no_credentials(hub, people):
    status = api(hub, "alice", people["alice"], "GET", "status").json()
    assert status["mode"] == "hub"
    assert status["user"] == "alice"
    assert status["configured"] and status["credentials_accepted"]


def test_users_see_and_touch_only_their_own_workspaces(hub, hub_sim, people):
    alice, bob = people["alice"], people["bob"]
    created = api(hub, "alice", alice, "POST", "workspaces", {"name": "alice-nb", **BUSYBOX})
    assert created.status_code == 202, created.text
    mine = created.json()
    assert mine["owner"] == "alice"
    bobs = api(hub, "bob", bob, "POST", "workspaces", {"name": "bob-nb", **BUSYBOX}).json()

    names = {w["name"] for w in api(hub, "alice", alice, "GET", "workspaces").json()["workspaces"]}
    assert "alice-nb" in names and "bob-nb" not in names
    names = {w["name"] for w in api(hub, "bob", bob, "GET", "workspaces").json()["workspaces"]}
    assert "bob-nb" in names and "alice-nb" not in names
    # the query string is forwarded as it is: a project filter reaches the service
    filtered = api(hub, "alice", alice, "GET", "workspaces?project=team-b").json()["workspaces"]
    assert filtered == []
    filtered = api(hub, "alice", alice, "GET", "workspaces?project=team-a").json()["workspaces"]
    assert [w["name"] for w in filtered] == ["alice-nb"]

    reset_stats(hub_sim)
    wid = mine["id"]
    for method, path in [
        ("GET", f"workspaces/{wid}"),
        ("POST", f"workspaces/{wid}/suspend"),
        ("POST", f"workspaces/{wid}/resume"),
        ("DELETE", f"workspaces/{wid}"),
    ]:
        answer = api(hub, "bob", bob, method, path)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["reason"] == "not_found"
    assert mutations(hub_sim) == []  # nothing of bob's reached Run:ai's mutating endpoints

    everyone = service(hub, people["admin"], "GET", "workspaces").json()["workspaces"]
    owners = {w["name"]: w["owner"] for w in everyone}
    assert owners["alice-nb"] == "alice" and owners["bob-nb"] == "bob"

    suspended = api(hub, "alice", alice, "POST", f"workspaces/{wid}/suspend")
    assert suspended.status_code == 202
    assert "jupyter-runai audit: user=alice action=suspend" in hub.service_log_text()
    assert api(hub, "bob", bob, "DELETE", f"workspaces/{bobs['id']}").status_code == 202


def test_the_service_refuses_strangers_and_tokens_without_its_scope(hub, hub_sim, people):
    reset_stats(hub_sim)
    anonymous = service(hub, "", "GET", "workspaces")
    assert anonymous.status_code == 403 and anonymous.json()["reason"] == "forbidden"
    narrow = hub.user_token("alice", scopes=["read:users:name!user=alice"])
    refused = service(hub, narrow, "GET", "workspaces")
    assert refused.status_code == 403
    assert "access:services!service=runai" in refused.json()["message"]
    assert stats(hub_sim) == {"GET /_simulator/stats": 1}  # nothing reached Run:ai


def test_nobody_can_claim_a_workspace_for_someone_else(hub, hub_sim, people):
    reset_stats(hub_sim)
    body = {"name": "fake", **BUSYBOX, "annotations": [{"name": "jupyter-runai/owner"}]}
    refused = service(hub, people["bob"], "POST", "workspaces", body)
    assert refused.status_code == 400 and refused.json()["issues"][0]["field"] == "annotations"
    assert mutations(hub_sim) == []


def test_groups_map_to_projects(hub, hub_sim, people):
    carol = people["carol"]
    projects = [p["name"] for p in service(hub, carol, "GET", "projects").json()["projects"]]
    assert projects == ["team-b"]
    reset_stats(hub_sim)
    refused = service(hub, carol, "POST", "workspaces", {"name": "carol-nb", **BUSYBOX})
    assert refused.status_code == 403
    body = refused.json()
    assert body["reason"] == "project_not_allowed"
    assert "team-a" in body["message"] and "team-b" in body["message"]
    assert mutations(hub_sim) == []
    admin_projects = service(hub, people["admin"], "GET", "projects").json()["projects"]
    assert {p["name"] for p in admin_projects} == {"team-a", "team-b"}


def test_gpu_limit_names_what_holds_the_gpus(hub, hub_sim, people):
    bob = people["bob"]
    first = api(hub, "bob", bob, "POST", "workspaces", {"name": "bob-big", **BUSYBOX, "gpu": 3})
    assert first.status_code == 202, first.text
    reset_stats(hub_sim)
    refused = api(hub, "bob", bob, "POST", "workspaces", {"name": "bob-more", **BUSYBOX, "gpu": 2})
    assert refused.status_code == 403
    body = refused.json()
    assert body["reason"] == "gpu_limit"
    assert "at most 4 GPUs" in body["message"] and "bob-big (3)" in body["message"]
    assert mutations(hub_sim) == []
    wid = first.json()["id"]
    assert api(hub, "bob", bob, "POST", f"workspaces/{wid}/suspend").status_code == 202
    second = api(hub, "bob", bob, "POST", "workspaces", {"name": "bob-more", **BUSYBOX, "gpu": 2})
    assert second.status_code == 202
    # resuming the 3-GPU one would make 5: refused, and the stopped one stays stopped
    refused = api(hub, "bob", bob, "POST", f"workspaces/{wid}/resume")
    assert refused.status_code == 403 and "bob-more (2)" in refused.json()["message"]
    for workspace in (wid, second.json()["id"]):
        assert api(hub, "bob", bob, "DELETE", f"workspaces/{workspace}").status_code == 202


def test_the_gpu_limit_holds_for_creates_at_the_same_moment(hub, people):
    bob = people["bob"]
    bodies = [{"name": f"bob-race{i}", **BUSYBOX, "gpu": 3} for i in range(3)]
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda b: api(hub, "bob", bob, "POST", "workspaces", b), bodies))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202, 403, 403], [a.text for a in answers]  # 3 + 3 > 4: only one
    made = next(a.json() for a in answers if a.status_code == 202)
    assert api(hub, "bob", bob, "DELETE", f"workspaces/{made['id']}").status_code == 202


# -- kernels ---------------------------------------------------------------------------------------
class HubKernel(Kernel):
    def shutdown(self) -> None:
        self.client.stop_channels()
        self.server.request("DELETE", f"/user/{self.user}/api/kernels/{self.id}", self.token)


@contextmanager
def hub_kernel(hub, user: str, token: str) -> Iterator[HubKernel]:
    """A real kernel started by the user's single-user server, driven over its ZMQ ports."""
    answer = hub.request("POST", f"/user/{user}/api/kernels", token, json={"name": "python3"})
    assert answer.status_code == 201, answer.text
    kernel_id = answer.json()["id"]
    found: list[Path] = []

    def connection_file() -> bool:
        found[:] = list(hub.workdir.rglob(f"kernel-{kernel_id}.json"))
        return bool(found)

    wait_for(connection_file, 30, "the kernel's connection file")
    client = BlockingKernelClient(connection_file=str(found[0]))
    client.load_connection_file()
    # no heartbeat: a kernel still starting on a busy machine misses its 1 s beat and
    # wait_for_ready calls it dead; readiness is the kernel_info reply, with a deadline
    client.start_channels(hb=False)
    client.wait_for_ready(timeout=60)
    kernel = HubKernel(hub, kernel_id, client)
    kernel.user, kernel.token = user, token
    try:
        yield kernel
    finally:
        kernel.shutdown()


def test_kernel_magics_and_panel_see_only_their_users_workspaces(hub, people):
    alice, bob = people["alice"], people["bob"]
    assert (
        api(hub, "bob", bob, "POST", "workspaces", {"name": "bob-k", **BUSYBOX}).status_code == 202
    )
    with hub_kernel(hub, "alice", alice) as kernel:
        kernel.ok("import jupyter_runai as runai")
        ws = kernel.value("runai.create('alice-k', project='team-a', image='busybox').name")
        assert ws == "alice-k"
        names = kernel.value("[w.name for w in runai.workspaces()]")
        assert "alice-k" in names and "bob-k" not in names
        kernel.ok("%load_ext jupyter_runai")
        listed = kernel.ok("%runai list").text() + kernel.ok("%runai list").stdout
        assert "alice-k" in listed and "bob-k" not in listed
        kernel.ok("p = runai.panel()")
        rows = kernel.value("sorted(r.view['name'] for r in p.table.rows.values())")
        assert "alice-k" in rows and "bob-k" not in rows
        kernel.ok("p.close()")
        refused = kernel.run("%runai delete bob-k -p team-a -y")
        assert "bob-k" in refused.stdout + refused.stderr  # not found for her
    names = {w["name"] for w in api(hub, "bob", bob, "GET", "workspaces").json()["workspaces"]}
    assert "bob-k" in names


# -- secrets ---------------------------------------------------------------------------------------
def test_no_run_ai_secret_in_any_user_process_or_log(hub, hub_sim, people):
    alice = people["alice"]
    secret = hub_sim.client_secret
    terminal = hub.request("POST", "/user/alice/api/terminals", alice)
    assert terminal.status_code == 200, terminal.text
    with hub_kernel(hub, "alice", alice):
        server = hub.server_pid("alice")
        processes = {pid: command_line(pid) for pid in [server, *descendants(server)]}
        kinds = " ".join(processes.values())
        assert "ipykernel" in kinds and ("bash" in kinds or "sh" in kinds), processes
        for pid in processes:
            environ = process_environ(pid)
            assert not {"RUNAI_CLIENT_SECRET", "RUNAI_CLIENT_ID", "RUNAI_TOKEN"} & set(environ)
            assert secret not in json.dumps(environ), processes[pid]
    name = terminal.json()["name"]
    hub.request("DELETE", f"/user/alice/api/terminals/{name}", alice)
    for log in (hub.log_text(), hub.service_log_text()):
        assert secret not in log
        assert "eyJ" not in log  # no JWT (a Run:ai bearer token) either
        for token in people.values():
            assert token not in log


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


# -- one poller for the whole hub ------------------------------------------------------------------
@contextmanager
def streams(
    hub, tokens: list[str], path: str = "/services/runai/api/events"
) -> Iterator[list[list[str]]]:
    """Event streams held open by several users (the service's, or ``path``); the event names
    each got, and "end" when the stream ended."""
    received: list[list[str]] = [[] for _ in tokens]
    stop = threading.Event()
    clients = [httpx.Client(base_url=hub.url, timeout=httpx.Timeout(10, read=30)) for _ in tokens]

    def follow(i: int, token: str) -> None:
        try:
            with clients[i].stream(
                "GET", path, headers={"Authorization": f"token {token}"}
            ) as answer:
                for line in answer.iter_lines():
                    if line.startswith("event: "):
                        received[i].append(line[7:])
                    if stop.is_set():
                        return
        except httpx.HTTPError:
            pass
        received[i].append("end")

    threads = [
        threading.Thread(target=follow, args=(i, t), daemon=True) for i, t in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    try:
        yield received
    finally:
        stop.set()
        for client in clients:
            client.close()
        for thread in threads:
            thread.join(timeout=10)


def test_five_users_streams_cost_one_list_call_per_interval(hub, hub_sim):
    names = [f"viewer{i}" for i in range(5)]
    tokens = []
    for name in names:
        hub.create_user(name)
        tokens.append(hub.user_token(name))
    with streams(hub, tokens) as received:
        wait_for(lambda: all("snapshot" in r for r in received), 30, "every stream's snapshot")
        reset_stats(hub_sim)
        started = time.monotonic()
        wait_for(lambda: stats(hub_sim).get("GET /api/v1/workloads", 0) >= 10, 30, "ten polls")
        elapsed = time.monotonic() - started
        calls = stats(hub_sim).get("GET /api/v1/workloads", 0)
    interval = 0.2  # the service's poll interval in the test hub
    # one poller cannot call more often than once an interval; five would call five times as often
    assert calls <= elapsed / interval + 2, (calls, elapsed)


# -- the service restarts; idle servers are culled; internal_ssl --------------------------------
def service_pid(hub) -> int:
    pids = [p for p in descendants(hub.process.pid) if "jupyter_runai.hub" in command_line(p)]
    assert len(pids) == 1, pids
    return pids[0]


def test_service_restart_keeps_ownership_and_views_recover(hub, people):
    alice, bob = people["alice"], people["bob"]
    created = api(hub, "alice", alice, "POST", "workspaces", {"name": "alice-rs", **BUSYBOX})
    assert created.status_code == 202
    wid = created.json()["id"]
    before = service_pid(hub)
    with streams(hub, [alice], "/user/alice/runai/api/events") as received:
        wait_for(lambda: "snapshot" in received[0], 30, "alice's view")
        os.kill(before, signal.SIGTERM)
        wait_for(lambda: "end" in received[0], 30, "the view to notice")
    # JupyterHub restarts a managed service it sees exit (it looks every 30 s)
    wait_for(lambda: service_pid_or_none(hub) not in (None, before), 60, "the service's restart")
    wait_for(
        lambda: api(hub, "alice", alice, "GET", "status").json().get("reachable"),
        30,
        "the service to answer",
    )
    mine = api(hub, "alice", alice, "GET", f"workspaces/{wid}")
    assert mine.status_code == 200 and mine.json()["owner"] == "alice"  # read back from Run:ai
    assert api(hub, "bob", bob, "GET", f"workspaces/{wid}").status_code == 404
    with streams(hub, [alice], "/user/alice/runai/api/events") as received:
        wait_for(lambda: "snapshot" in received[0], 30, "alice's view again")
    assert api(hub, "alice", alice, "DELETE", f"workspaces/{wid}").status_code == 202


def service_pid_or_none(hub) -> int | None:
    try:
        return service_pid(hub)
    except AssertionError:
        return None


def server_activity(hub, user: str) -> str:
    return hub.user_model(user)["servers"][""]["last_activity"]


def hub_has_looked(hub, bob: str) -> None:
    """Make bob's server active through the proxy and wait until the hub has seen it: the hub
    has then read the proxy's activity of every route at least once since this call."""
    before = server_activity(hub, "bob")
    assert hub.request("GET", "/user/bob/api/status", bob).status_code == 200
    wait_for(lambda: server_activity(hub, "bob") != before, 30, "the hub's activity sweep")


def test_an_open_view_does_not_keep_an_idle_server_alive(hub, hub_sim, people):
    alice, bob = people["alice"], people["bob"]
    created = api(hub, "alice", alice, "POST", "workspaces", {"name": "alice-idle", **BUSYBOX})
    wid = created.json()["id"]
    with streams(hub, [alice], "/user/alice/runai/api/events") as received:
        wait_for(lambda: "snapshot" in received[0], 30, "alice's view")
        hub_has_looked(hub, bob)
        idle_since = server_activity(hub, "alice")
        seen = len(received[0])
        suspended = httpx.post(
            f"{hub_sim.url}/api/v1/workloads/workspaces/{wid}/suspend", headers=bearer(hub_sim)
        )
        assert suspended.status_code == 202  # behind Jupyter's back: the view still sees it
        wait_for(lambda: "workspace" in received[0][seen:], 30, "the change in alice's view")
        hub_has_looked(hub, bob)
        assert server_activity(hub, "alice") == idle_since
    assert api(hub, "alice", alice, "DELETE", f"workspaces/{wid}").status_code == 202


def test_internal_ssl_kernels_reach_the_api(hub_factory, hub_sim):
    hub = hub_factory(internal_ssl=True, runai_env=runai_env(hub_sim))
    hub.start_server("alice")
    token = hub.user_token("alice")
    status = api(hub, "alice", token, "GET", "status").json()
    assert status["mode"] == "hub" and status["reachable"]
    with hub_kernel(hub, "alice", token) as kernel:
        kernel.ok("import os, jupyter_runai as runai")
        assert kernel.value("bool(os.environ.get('JUPYTER_RUNAI_SOCKET'))")
        created = kernel.value("runai.create('alice-tls', project='team-a', image='busybox').name")
        assert created == "alice-tls"
        assert "alice-tls" in kernel.value("[w.name for w in runai.workspaces()]")
        kernel.ok("runai.workspace('alice-tls').delete()")
