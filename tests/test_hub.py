"""JupyterHub deployments, on a real hub (examples/jupyterhub/jupyterhub_config.py): the hub
service holds the Run:ai credentials, and every user sees and touches only their own workspaces."""

from __future__ import annotations

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from harness import bearer, stats
from hubapi import api, command_line, hub_kernel, service, service_pid, service_pid_or_none, streams
from hubharness import descendants, process_environ, runai_env, wait_for

BUSYBOX = {"project": "team-a", "image": "busybox"}
MUTATING = ("POST /api/v1/workloads/workspaces", "DELETE ", "/suspend", "/resume")


def reset_stats(sim) -> None:
    httpx.delete(f"{sim.url}/_simulator/stats")


def mutations(sim) -> list[str]:
    return [route for route in stats(sim) if any(m in route for m in MUTATING)]


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
        rows = kernel.value("sorted(w['name'] for w in p.workspaces)")
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


# -- one poller for the whole hub ------------------------------------------------------------------
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
def test_service_restart_keeps_ownership_and_views_recover(hub, people):
    alice, bob = people["alice"], people["bob"]
    created = api(hub, "alice", alice, "POST", "workspaces", {"name": "alice-rs", **BUSYBOX})
    assert created.status_code == 202
    wid = created.json()["id"]
    before = service_pid(hub)
    with streams(hub, [alice], "/user/alice/runai/api/events") as received:
        wait_for(lambda: "snapshot" in received[0], 30, "alice's view")
        os.kill(before, signal.SIGTERM)
        # the view stays open and says the service is gone, then gets a fresh snapshot once
        # JupyterHub has restarted the service (it looks every 30 s)
        wait_for(lambda: "error" in received[0], 30, "the view to say the service is gone")
        gone = received[0].index("error")
        wait_for(
            lambda: service_pid_or_none(hub) not in (None, before), 60, "the service's restart"
        )
        wait_for(lambda: "snapshot" in received[0][gone:], 30, "alice's view to recover")
        assert "end" not in received[0]
    mine = api(hub, "alice", alice, "GET", f"workspaces/{wid}")
    assert mine.status_code == 200 and mine.json()["owner"] == "alice"  # read back from Run:ai
    assert api(hub, "bob", bob, "GET", f"workspaces/{wid}").status_code == 404
    assert api(hub, "alice", alice, "DELETE", f"workspaces/{wid}").status_code == 202


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


def test_the_internal_ssl_switch_works_and_kernels_reach_the_api(hub_factory, hub_sim, tmp_path):
    """JUPYTERHUB_INTERNAL_SSL=1, the example's one switch: hub, proxy (its API on https) and
    servers on mutual TLS; the service stays on http (JupyterHub 6.1.1 checks a managed https
    service with its server-side TLS context and gives up); kernels reach their server's API
    through a Unix socket, as they have no client certificate."""
    hub = hub_factory(internal_ssl=True, runai_env=runai_env(hub_sim, tmp_path / "service"))
    # it started, so the hub reached the proxy's API: on https, as internal_ssl needs
    hub.start_server("bob")
    token = hub.user_token("bob")
    env = process_environ(hub.server_pid("bob"))
    assert env["JUPYTERHUB_API_URL"].startswith("https://") and env["JUPYTERHUB_SSL_CERTFILE"]
    answer = hub.request("GET", "/services/runai/api/status", token)
    assert answer.status_code == 200, f"{answer.text}\n{hub.logs()}"
    status = api(hub, "bob", token, "GET", "status").json()
    assert status["mode"] == "hub" and status["reachable"]
    with hub_kernel(hub, "bob", token) as kernel:
        kernel.ok("import os, jupyter_runai as runai")
        assert kernel.value("bool(os.environ.get('JUPYTER_RUNAI_SOCKET'))")
        created = kernel.value("runai.create('bob-tls', project='team-a', image='busybox').name")
        assert created == "bob-tls"
        assert "bob-tls" in kernel.value("[w.name for w in runai.workspaces()]")
        kernel.ok("runai.workspace('bob-tls').delete()")
