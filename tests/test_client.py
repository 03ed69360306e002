"""The Run:ai client against the real simulator over loopback."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import time

import httpx
import pytest
from conformance import RecordingTransport
from harness import (
    check_served,
    issue_token,
    make_client,
    set_clock,
    set_faults,
    sim_workspaces,
    stats,
)

from jupyter_runai.client import (
    AsyncRunaiClient,
    BearerToken,
    ClientCredentials,
    InvalidRequest,
    Phase,
    RetryPolicy,
    RunaiBadRequest,
    RunaiClient,
    RunaiConfigError,
    RunaiConflict,
    RunaiError,
    RunaiForbidden,
    RunaiNotFound,
    RunaiTimeout,
    RunaiUnauthorized,
    RunaiUnavailable,
    SecretFile,
    Tool,
    credentials_from_env,
)
from jupyter_runai.client.auth import jwt_expiry, secret_setting
from jupyter_runai.simulator import Simulator


async def test_projects_and_clusters(client, sim):
    projects = {p.name: p for p in await client.list_projects()}
    clusters = await client.list_clusters()
    assert set(projects) == {"team-a", "team-b"}
    assert projects["team-a"].gpu_quota == 4
    assert projects["team-b"].gpu_quota == 8
    assert [c.name for c in clusters] == ["sim-cluster"]
    assert projects["team-a"].cluster_id == clusters[0].id
    assert (await client.project("team-b")).id == projects["team-b"].id
    assert (await client.project(projects["team-a"].id)).name == "team-a"


async def test_workspace_lifecycle(client, raw, sim):
    ws = await client.create_workspace(
        "notebook",
        "team-a",
        image="jupyter/scipy-notebook",
        gpu=1,
        cpu=2,
        memory="8G",
        env={"MODE": "dev"},
        tools=[Tool(8888, "jupyter-notebook", "Jupyter")],
    )
    assert ws.name == "notebook"
    assert ws.project_name == "team-a"
    assert ws.phase is Phase.CREATING
    running = await client.wait_for_phase(ws.id, Phase.RUNNING, timeout=5)
    assert running.gpu_allocated == 1
    assert running.urls and running.urls[0].endswith("/8888/")
    listed = await client.list_workspaces("team-a")
    assert [w.id for w in listed] == [ws.id]
    assert listed[0].raw["environmentVariables"] == {"MODE": "dev"}

    # each action's in-between phase is read with the clock stopped: at this simulator's speed
    # it lasts tens of milliseconds, which a busy machine can miss
    set_clock(sim, frozen=True)
    await client.suspend_workspace(ws.id)
    assert (await client.get_workspace(ws.id)).phase is Phase.STOPPING
    set_clock(sim, frozen=False)
    stopped = await client.wait_for_phase(ws.id, Phase.STOPPED, timeout=5)
    assert stopped.gpu_allocated == 0

    set_clock(sim, frozen=True)
    await client.resume_workspace(ws.id)
    assert (await client.get_workspace(ws.id)).phase is Phase.RESUMING
    set_clock(sim, frozen=False)
    await client.wait_for_phase(ws.id, "Running", timeout=5)

    set_clock(sim, frozen=True)
    await client.delete_workspace(ws.id)
    assert (await client.get_workspace(ws.id)).phase is Phase.DELETING
    set_clock(sim, advance=1 / 50)  # Deleting takes 1 s
    with pytest.raises(RunaiNotFound):
        await client.get_workspace(ws.id)
    assert await client.list_workspaces("team-a") == []
    gone = await raw.get(
        "/api/v1/workloads",
        params={"deleted": "true"},
        headers={"Authorization": f"Bearer {await client.tokens.get()}"},
    )
    [deleted] = gone.json()["workloads"]
    assert deleted["id"] == ws.id and deleted["deletedAt"]


async def test_name_prefix_and_gpu_portion(client):
    ws = await client.create_workspace(
        "exp", "team-b", image="pytorch/pytorch", gpu=0.5, name_prefix=True
    )
    assert ws.name.startswith("exp-") and len(ws.name) == len("exp-") + 5
    assert ws.requested_name == "exp"
    assert ws.gpu_requested == 0.5
    running = await client.wait_for_phase(ws.id, timeout=5)
    assert running.gpu_allocated == 0.5


async def test_pending_until_gpus_free_up(client, sim):
    big = await client.create_workspace("big", "team-a", image="python:3.11", gpu=4)
    await client.wait_for_phase(big.id, Phase.RUNNING, timeout=5)
    waiting = await client.create_workspace("waiting", "team-a", image="python:3.11", gpu=2)
    set_clock(sim, advance=1)  # far past the 70 ms a workspace that fits needs to start
    pending = await client.get_workspace(waiting.id)
    assert pending.phase is Phase.PENDING
    assert "quota" in (pending.phase_message or "")
    assert pending.raw["pendingSchedulingMessages"][0]["phaseReason"] == "NonPreemptibleOverQuota"
    await client.suspend_workspace(big.id)
    running = await client.wait_for_phase(waiting.id, Phase.RUNNING, timeout=5)
    assert running.gpu_allocated == 2


async def test_bad_request_names_the_field(client, sim):
    with pytest.raises(RunaiBadRequest) as caught:
        await client.create_workspace("huge", "team-a", image="python:3.11", gpu=5)
    assert caught.value.status == 400
    [issue] = caught.value.issues
    assert issue.field == "compute.gpuDevicesRequest"
    assert "no more than 4" in issue.details
    assert "compute.gpuDevicesRequest" in str(caught.value)
    assert await client.list_workspaces() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "Bad_Name"}, "name"),
        ({"name": "9lives"}, "name"),
        ({"name": "trailing-"}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"image": " "}, "image"),
        ({"memory": "lots"}, "memory"),
        ({"gpu": -1}, "gpu"),
        ({"gpu": 1.5}, "gpu"),
        ({"env": {"1BAD": "x"}}, "env.1BAD"),
        ({"env": {"A\n": "x"}}, "env.'A\\n'"),
        ({"gpu": float("inf")}, "gpu"),
        ({"cpu": float("nan")}, "cpu"),
        ({"memory": "8G\n"}, "memory"),
        ({"image": "x" * 1025}, "image"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_input_is_refused_before_any_call(client, sim, kwargs, field):
    args = {"name": "fine", "project": "team-a", "image": "python:3.11", **kwargs}
    with pytest.raises(InvalidRequest) as caught:
        await client.create_workspace(**args)
    assert caught.value.issues[0].field == field
    assert field in str(caught.value)
    assert "POST /api/v1/workloads/workspaces" not in stats(sim)


async def test_name_error_states_the_rule(client):
    with pytest.raises(InvalidRequest, match="lowercase letters, digits and '-'"):
        await client.create_workspace("My_Workspace", "team-a", image="python:3.11")


async def test_unknown_project(client):
    with pytest.raises(RunaiNotFound, match=r"no Run:ai project 'team-z'.*team-a, team-b"):
        await client.create_workspace("ws", "team-z", image="python:3.11")


async def test_conflict_on_duplicate_name(client):
    await client.create_workspace("twin", "team-a", image="python:3.11")
    with pytest.raises(RunaiConflict, match="already exists"):
        await client.create_workspace("twin", "team-a", image="python:3.11")
    assert len(await client.list_workspaces("team-a")) == 1


async def test_not_found(client):
    with pytest.raises(RunaiNotFound, match="HTTP 404"):
        await client.get_workspace("3f0f8c52-8d8e-4a3c-9b59-2d4b8d1c7a10")
    with pytest.raises(InvalidRequest, match="not a UUID"):
        await client.suspend_workspace("../../api/v1/token")


async def test_unauthorized_names_the_setting_and_hides_the_secret(sim, exchanges):
    secret = "definitely-wrong-secret"
    runai = make_client(sim, exchanges, credentials=ClientCredentials(sim.client_id, secret))
    with pytest.raises(RunaiUnauthorized) as caught:
        await runai.list_projects()
    message = str(caught.value)
    assert "RUNAI_CLIENT_SECRET" in message
    assert secret not in message and secret not in repr(runai) and secret not in repr(caught.value)
    await runai.aclose()


def add_account(sim, client_id: str, secret: str, projects: list[str] | None = None) -> None:
    answer = httpx.post(
        f"{sim.url}/_simulator/accounts",
        json={"clientId": client_id, "clientSecret": secret, "projects": projects},
    )
    assert answer.status_code == 204, answer.text


def secret_file(path, text: str, mode: int = 0o600):
    path.write_text(text + "\n")
    path.chmod(mode)
    return path


async def test_a_secret_file_is_read_again_when_run_ai_refuses_it(sim, exchanges, tmp_path):
    """A rotated secret needs no restart: the new one is written to the file, Run:ai refuses the
    old one, and the client reads the file again and carries on."""
    add_account(sim, "rotating", "first-secret")
    path = secret_file(tmp_path / "secret", "first-secret")
    credentials = ClientCredentials("rotating", SecretFile(path, "RUNAI_CLIENT_SECRET_FILE"))
    runai = make_client(sim, exchanges, credentials=credentials)
    assert {p.name for p in await runai.list_projects()} == {"team-a", "team-b"}
    assert "first-secret" not in repr(runai) and str(path) in repr(credentials)

    add_account(sim, "rotating", "second-secret")  # rotated in Run:ai, and in the file
    secret_file(path, "second-secret")
    set_clock(sim, advance=7200)  # the token issued with the first one expires
    assert {p.name for p in await runai.list_projects()} == {"team-a", "team-b"}
    # the first token; the refused old secret; the new secret read from the file
    assert stats(sim)["POST /api/v1/token"] == 3
    await runai.aclose()


async def test_a_refused_secret_file_names_the_file_not_the_secret(sim, exchanges, tmp_path):
    path = secret_file(tmp_path / "secret", "not-the-secret")
    credentials = ClientCredentials(sim.client_id, SecretFile(path, "RUNAI_CLIENT_SECRET_FILE"))
    runai = make_client(sim, exchanges, credentials=credentials)
    with pytest.raises(RunaiUnauthorized) as caught:
        await runai.list_projects()
    assert f"the secret in {path} (RUNAI_CLIENT_SECRET_FILE)" in caught.value.message
    assert "not-the-secret" not in caught.value.message + repr(caught.value)
    await runai.aclose()


async def test_a_bearer_token_file_is_read_again_when_refused(sim, exchanges, tmp_path):
    path = secret_file(tmp_path / "token", "not.a.token")
    runai = make_client(
        sim, exchanges, credentials=BearerToken(SecretFile(path, "RUNAI_TOKEN_FILE"))
    )
    with pytest.raises(RunaiUnauthorized, match=f"the bearer token in {path}"):
        await runai.list_workspaces()
    secret_file(path, issue_token(sim))  # whoever renews it writes the file
    assert await runai.list_workspaces() == []
    await runai.aclose()


def test_secret_files_unreadable_empty_or_open_to_others(tmp_path):
    with pytest.raises(RunaiConfigError, match=r"cannot read RUNAI_TOKEN_FILE .*missing"):
        SecretFile(tmp_path / "missing", "RUNAI_TOKEN_FILE")
    with pytest.raises(RunaiConfigError, match=r"RUNAI_TOKEN_FILE .* is empty"):
        SecretFile(secret_file(tmp_path / "empty", ""), "RUNAI_TOKEN_FILE")
    said: list[str] = []

    def warn(text: str, *args: object) -> None:
        said.append(text % args)

    loose = secret_file(tmp_path / "loose", "s3cret", mode=0o644)
    secret = secret_setting("", str(loose), "x", "RUNAI_CLIENT_SECRET_FILE", warn)
    assert isinstance(secret, SecretFile) and secret.value == "s3cret"
    assert said == [
        f"jupyter-runai: RUNAI_CLIENT_SECRET_FILE {loose} is readable by other users (mode 0644: "
        "readable by every user): make it 0600, owned by the user this runs as"
    ]
    said.clear()
    secret_setting("", str(secret_file(tmp_path / "tight", "s3cret")), "x", "F", warn)
    assert said == []
    with pytest.raises(RunaiConfigError, match="RUNAI_TOKEN and RUNAI_TOKEN_FILE are both set"):
        credentials_from_env({"RUNAI_TOKEN": "a", "RUNAI_TOKEN_FILE": str(loose)})
    from_env = credentials_from_env(
        {"RUNAI_CLIENT_ID": "id", "RUNAI_CLIENT_SECRET_FILE": str(tmp_path / "tight")}
    )
    assert isinstance(from_env, ClientCredentials) and from_env.secret == "s3cret"


async def test_bearer_token_refused(sim, exchanges):
    runai = make_client(sim, exchanges, credentials=BearerToken("not.a.token"))
    with pytest.raises(RunaiUnauthorized, match="RUNAI_TOKEN"):
        await runai.list_workspaces()
    assert "not.a.token" not in repr(runai)
    await runai.aclose()


async def test_forbidden(client, sim):
    set_faults(sim, error_rate=1, error_status=403, match="GET /api/v1/clusters")
    with pytest.raises(RunaiForbidden, match="sufficient permissions"):
        await client.list_clusters()
    assert stats(sim)["GET /api/v1/clusters"] == 1  # a 403 is an answer, not retried


async def test_unavailable_after_retries(client, sim):
    set_faults(sim, error_rate=1, error_status=503, match="GET /api/v1/workloads")
    with pytest.raises(RunaiUnavailable, match="HTTP 503") as caught:
        await client.list_workspaces()
    assert caught.value.status == 503
    assert stats(sim)["GET /api/v1/workloads"] == client.retry.attempts


async def test_unreachable():
    runai = AsyncRunaiClient("http://127.0.0.1:9", BearerToken("t.t.t"), timeout=2)
    with pytest.raises(RunaiUnavailable, match=r"cannot reach Run:ai at http://127.0.0.1:9"):
        await runai.list_clusters()
    await runai.aclose()


async def test_timeout(sim, exchanges):
    runai = make_client(sim, exchanges, timeout=0.2)
    set_faults(sim, latency_ms=1000, match="GET /api/v1/clusters")
    with pytest.raises(RunaiTimeout, match=r"within 0\.2s"):
        await runai.list_clusters()
    await runai.aclose()


async def test_transient_errors_are_retried(client, sim):
    set_faults(sim, error_rate=1, error_status=502, match="GET /api/v1/clusters", times=2)
    assert [c.name for c in await client.list_clusters()] == ["sim-cluster"]
    assert stats(sim)["GET /api/v1/clusters"] == 3


async def test_dropped_connections_are_retried_for_reads_and_actions(client, sim):
    ws = await client.create_workspace("flaky", "team-a", image="busybox")
    set_faults(sim, drop_connections=1, match="GET /api/v1/clusters", times=1)
    assert [c.name for c in await client.list_clusters()] == ["sim-cluster"]
    assert stats(sim)["GET /api/v1/clusters"] == 2
    route = "POST /api/v1/workloads/workspaces/{workloadId}/suspend"
    set_faults(sim, error_rate=1, error_status=503, match=route, times=1)
    await client.suspend_workspace(ws.id)
    assert stats(sim)[route] == 2
    assert (await client.get_workspace(ws.id)).phase in (Phase.STOPPING, Phase.STOPPED)


async def test_retry_after_is_honoured(client, sim):
    set_faults(
        sim, error_rate=1, error_status=429, retry_after=0.4, match="GET /api/v1/clusters", times=1
    )
    started = time.monotonic()
    await client.list_clusters()
    assert time.monotonic() - started >= 0.4
    assert stats(sim)["GET /api/v1/clusters"] == 2


async def test_one_token_request_for_100_concurrent_calls(client, sim):
    results = await asyncio.gather(*(client.list_clusters() for _ in range(100)))
    assert all(r[0].name == "sim-cluster" for r in results)
    counts = stats(sim)
    assert counts["POST /api/v1/token"] == 1
    assert counts["GET /api/v1/clusters"] == 100


async def test_token_refreshed_before_expiry(client, sim):
    set_faults(sim, token_lifetime_s=3)  # refreshed 0.3 s (a tenth of 3 s) before its exp
    await client.list_clusters()
    first = await client.tokens.get()
    expires = jwt_expiry(first)
    assert expires is not None
    calls = 1
    deadline = time.monotonic() + 10
    while await client.tokens.get() == first:
        assert time.monotonic() < deadline, "the token was never refreshed"
        await client.list_clusters()
        calls += 1
        await asyncio.sleep(0.02)  # poll interval, not a synchronisation
    assert time.time() < expires  # replaced before it expired...
    counts = stats(sim)
    assert counts["POST /api/v1/token"] == 2
    assert counts["GET /api/v1/clusters"] == calls  # ...so no call was refused with a 401


async def test_short_lived_token_serves_many_calls(client, sim):
    """The refresh margin is a tenth of the token's lifetime (at most 60 s), not a fixed 60 s:
    a 3 s token is reused, rather than replaced before every call."""
    set_faults(sim, token_lifetime_s=3)
    for _ in range(20):
        await client.list_clusters()
    counts = stats(sim)
    assert counts["GET /api/v1/clusters"] == 20
    assert counts["POST /api/v1/token"] == 1


async def test_refused_token_is_refreshed_once(client, sim):
    await client.list_clusters()
    set_faults(sim, error_rate=1, error_status=401, match="GET /api/v1/clusters", times=1)
    assert (await client.list_clusters())[0].name == "sim-cluster"
    counts = stats(sim)
    assert counts["POST /api/v1/token"] == 2
    assert counts["GET /api/v1/clusters"] == 3


async def test_create_that_timed_out_after_commit_is_not_duplicated(sim, exchanges):
    runai = make_client(sim, exchanges, timeout=1)
    await runai.list_projects()
    # the simulator commits the create, then answers too late for the client
    set_faults(sim, latency_ms=5000, match="POST /api/v1/workloads/workspaces", times=1)
    ws = await runai.create_workspace("once", "team-a", image="python:3.11")
    [only] = await runai.list_workspaces("team-a")
    assert only.id == ws.id and only.name == "once"
    assert stats(sim)["POST /api/v1/workloads/workspaces"] == 1
    await runai.aclose()


async def test_create_whose_connection_dropped_is_not_duplicated(client, sim):
    await client.list_projects()
    set_faults(sim, drop_connections=1, match="POST /api/v1/workloads/workspaces", times=1)
    ws = await client.create_workspace("dropped", "team-a", image="python:3.11", name_prefix=True)
    [only] = await client.list_workspaces("team-a")
    assert only.id == ws.id and only.name.startswith("dropped-")
    assert stats(sim)["POST /api/v1/workloads/workspaces"] == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_create_that_failed_with_5xx_looks_before_trying_again(client, sim, status):
    """A 5xx may come after Run:ai acted: the client searches before it posts again."""
    await client.list_projects()
    route = "POST /api/v1/workloads/workspaces"
    set_faults(sim, error_rate=1, error_status=status, match=route, times=1)
    ws = await client.create_workspace("maybe", "team-a", image="python:3.11")
    counts = stats(sim)
    assert counts[route] == 2
    assert counts["GET /api/v1/workloads"] == 1  # the search for the request id
    assert [w["id"] for w in sim_workspaces(sim)] == [ws.id]


async def test_create_refused_with_429_is_retried_without_searching(sim, exchanges):
    """A 429 means Run:ai did nothing: post again after Retry-After, with no search."""
    runai = make_client(sim, exchanges)
    await runai.list_projects()
    route = "POST /api/v1/workloads/workspaces"
    set_faults(sim, error_rate=1, error_status=429, retry_after=0.1, match=route, times=3)
    started = time.monotonic()
    ws = await runai.create_workspace("busy", "team-a", image="python:3.11")
    assert time.monotonic() - started >= 3 * 0.1  # Retry-After honoured each time
    counts = stats(sim)
    assert counts[route] == runai.retry.attempts == 4
    assert "GET /api/v1/workloads" not in counts  # no search...
    assert "GET /api/v1/workloads/workspaces/{workloadId}" not in counts
    assert [(w["id"], w["name"]) for w in sim_workspaces(sim)] == [(ws.id, "busy")]  # ...no twin
    await runai.aclose()


async def test_creates_under_heavy_429s_neither_search_nor_duplicate(sim, exchanges):
    """Ten creates while half of all creates are refused with 429, under a generous budget."""
    patient = RetryPolicy(attempts=30, backoff_s=0.01, max_backoff_s=0.05)
    runai = make_client(sim, exchanges, retry=patient)
    await runai.list_projects()
    route = "POST /api/v1/workloads/workspaces"
    set_faults(sim, error_rate=0.5, error_status=429, retry_after=0.01, match=route)
    created = await asyncio.gather(
        *(runai.create_workspace(f"ws-{i}", "team-a", image="busybox") for i in range(10))
    )
    set_faults(sim, error_rate=0)
    counts = stats(sim)
    assert "GET /api/v1/workloads" not in counts
    assert counts[route] >= 10
    assert sorted((w["name"], w["id"]) for w in sim_workspaces(sim)) == sorted(
        (w.name, w.id) for w in created
    )
    await runai.aclose()


async def test_create_429_retry_after_is_capped(sim, exchanges):
    runai = make_client(
        sim, exchanges, retry=RetryPolicy(attempts=4, backoff_s=0.01, max_retry_after_s=0.05)
    )
    await runai.list_projects()
    route = "POST /api/v1/workloads/workspaces"
    set_faults(sim, error_rate=1, error_status=429, retry_after=600, match=route, times=1)
    ws = await asyncio.wait_for(runai.create_workspace("capped", "team-a", image="busybox"), 10)
    assert stats(sim)[route] == 2
    assert [w["id"] for w in sim_workspaces(sim)] == [ws.id]
    await runai.aclose()


async def test_create_refused_with_503_is_tried_again(client, sim):
    await client.list_projects()
    set_faults(
        sim, error_rate=1, error_status=503, match="POST /api/v1/workloads/workspaces", times=1
    )
    ws = await client.create_workspace("again", "team-a", image="python:3.11")
    [only] = await client.list_workspaces("team-a")
    assert only.id == ws.id
    assert stats(sim)["POST /api/v1/workloads/workspaces"] == 2


async def test_paging_over_more_than_500(client, sim):
    project = await client.project("team-b")
    await asyncio.gather(
        *(client.create_workspace(f"ws-{i}", project.name, image="busybox") for i in range(620))
    )
    before = stats(sim).get("GET /api/v1/workloads", 0)
    listed = await client.list_workspaces("team-b")
    assert len(listed) == 620
    assert len({w.id for w in listed}) == 620
    assert stats(sim)["GET /api/v1/workloads"] - before == 2


async def test_filters_by_phase_and_name(client):
    a = await client.create_workspace("alpha", "team-a", image="busybox")
    b = await client.create_workspace("beta", "team-b", image="busybox")
    await client.wait_for_phase(a.id, timeout=5)
    await client.suspend_workspace(a.id)
    await client.wait_for_phase(a.id, Phase.STOPPED, timeout=5)
    await client.wait_for_phase(b.id, timeout=5)
    assert [w.name for w in await client.list_workspaces(phase=Phase.STOPPED)] == ["alpha"]
    assert [w.name for w in await client.list_workspaces(phase="Running")] == ["beta"]
    assert [w.name for w in await client.list_workspaces(name="beta")] == ["beta"]
    assert {w.name for w in await client.list_workspaces(submitted_by="sim-client")} == {
        "alpha",
        "beta",
    }


async def test_wait_times_out_with_the_phase_it_saw(client):
    big = await client.create_workspace("big", "team-a", image="busybox", gpu=4)
    await client.wait_for_phase(big.id, timeout=5)
    stuck = await client.create_workspace("stuck", "team-a", image="busybox", gpu=1)
    with pytest.raises(RunaiTimeout, match=r"stuck is still Pending after 0\.3s"):
        await client.wait_for_phase(stuck.id, Phase.RUNNING, timeout=0.3, poll_s=0.05)


async def test_legacy_status_codes(exchanges):
    with Simulator(time_scale=50, legacy_status_codes=True) as old:
        runai = make_client(old, exchanges)
        ws = await runai.create_workspace("old", "team-a", image="busybox")
        await runai.delete_workspace(ws.id)
        assert (await runai.get_workspace(ws.id)).phase is Phase.DELETING
        await runai.aclose()
        check_served(old)  # what it served, legacy codes and all, as the spec allows
    assert [e.response.status_code for e in exchanges if e.request.method != "GET"][-2:] == [
        200,
        204,
    ]


async def test_settings_from_the_environment(sim, monkeypatch, exchanges):
    monkeypatch.setenv("RUNAI_URL", sim.url)
    monkeypatch.setenv("RUNAI_CLIENT_ID", sim.client_id)
    monkeypatch.setenv("RUNAI_CLIENT_SECRET", sim.client_secret)
    runai = AsyncRunaiClient(transport=RecordingTransport(exchanges))
    assert [c.name for c in await runai.list_clusters()] == ["sim-cluster"]
    assert sim.client_secret not in repr(runai)
    await runai.aclose()


async def test_missing_settings_are_explained(monkeypatch):
    for name in ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RunaiConfigError, match="RUNAI_CLIENT_ID and RUNAI_CLIENT_SECRET"):
        AsyncRunaiClient()
    monkeypatch.setenv("RUNAI_CLIENT_ID", "someone")
    with pytest.raises(
        RunaiConfigError, match=r"RUNAI_CLIENT_SECRET \(or RUNAI_CLIENT_SECRET_FILE\) is not set"
    ):
        AsyncRunaiClient()
    monkeypatch.setenv("RUNAI_CLIENT_SECRET", "s")
    with pytest.raises(RunaiConfigError, match="no Run:ai URL: set RUNAI_URL"):
        AsyncRunaiClient()


async def test_cli_login_files(sim, tmp_path, monkeypatch, exchanges):
    for name in ("RUNAI_URL", "RUNAI_CLIENT_ID", "RUNAI_CLIENT_SECRET", "RUNAI_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    token = issue_token(sim)
    config = tmp_path / "runai-cli"
    config.mkdir()
    encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    (config / "authentication.json").write_text(json.dumps({"accessToken": encoded}))
    (config / "config.json").write_text(
        json.dumps({"control_plane": {"url": sim.url}, "cluster": {"uuid": "x"}})
    )
    monkeypatch.setenv("RUNAI_CLI_CONFIG_PATH", str(config))
    runai = AsyncRunaiClient(transport=RecordingTransport(exchanges))
    assert runai.url == sim.url
    assert [c.name for c in await runai.list_clusters()] == ["sim-cluster"]
    assert stats(sim)["POST /api/v1/token"] == 1  # only the one this test made for the CLI
    await runai.aclose()


def test_sync_facade(sim, exchanges):
    with RunaiClient(
        sim.url,
        ClientCredentials(sim.client_id, sim.client_secret),
        transport=RecordingTransport(exchanges),
    ) as runai:
        ws = runai.create_workspace("script", "team-a", image="busybox", gpu=1)
        assert runai.wait_for_phase(ws.id, timeout=5).phase is Phase.RUNNING
        assert [w.name for w in runai.list_workspaces("team-a")] == ["script"]
        runai.suspend_workspace(ws.id)
        assert runai.wait_for_phase(ws.id, "Stopped", timeout=5).gpu_allocated == 0
        assert runai.workspace_spec(ws.id)["spec"]["image"] == "busybox"
        assert sim.client_secret not in repr(runai)
    # "the same, blocking": every operation of the async client (README's list) is here too
    operations = {
        name
        for name, value in vars(AsyncRunaiClient).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(value) and name != "aclose"
    }
    assert operations <= set(dir(RunaiClient)), operations - set(dir(RunaiClient))


async def test_sync_facade_inside_a_running_loop(sim, exchanges):
    """A kernel's cell runs inside an event loop; the facade must not need it."""
    credentials = ClientCredentials(sim.client_id, sim.client_secret)
    transport = RecordingTransport(exchanges)
    with RunaiClient(sim.url, credentials, transport=transport) as runai:
        assert [p.name for p in runai.list_projects()] == ["team-a", "team-b"]


async def test_failed_wait_is_an_error_not_a_hang(client):
    with pytest.raises(RunaiError):
        await client.wait_for_phase("3f0f8c52-8d8e-4a3c-9b59-2d4b8d1c7a10", timeout=1)
