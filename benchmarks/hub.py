"""JupyterHub deployments, measured side by side in one run on loopback.

1. Upstream list calls per poll interval with 1, 10 and 50 hub users, two open event streams
   each, on the hub service (one poller for the whole hub). Against it, the per-server
   alternative: N independent pollers, as N single-user servers that each hold credentials would
   run. Fifty real servers do not fit a small machine, so the alternative is N instances of the
   extension's own poller (``jupyter_runai.server.upstream.Upstream``) in this process, each with
   its own credentials and client, against the same simulator. Target for the hub: one.
2. The added latency of a workspace GET in hub mode (proxy -> the user's server, which forwards
   -> hub service -> Run:ai) against the same GET through a server that holds Run:ai credentials
   itself (a second hub with per-user credentials: proxy -> server -> Run:ai), interleaved call
   by call; medians and p95. Target: at most 1.3 times. Beside them, the floor of any design with
   a process between the server and Run:ai: a per-user-credentials server whose Run:ai URL is a
   bare forwarding hop (benchmarks/bare_hop.py: Tornado + httpx's transport, nothing else).

Both hubs run examples/jupyterhub/jupyterhub_config.py through tests/hubharness.py, and the
simulator runs as a process of its own, as it would in a deployment.

    python benchmarks/hub.py [--calls 1000] [--interval 0.5] [--window 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from hubharness import AS_ROOT, Hub, UnixUsers, free_port, runai_env
from processes import wait_for

from jupyter_runai.server.access import Access
from jupyter_runai.server.upstream import Upstream
from jupyter_runai.simulator.runner import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
)

USERS = (1, 10, 50)
STREAMS_PER_USER = 2
#: alice is in the example's group team-a, so the hub service lets her use project team-a.
USER = "alice"
#: On the per-user hub, bob's server reaches Run:ai through the bare hop.
HOP_USER = "bob"
BUSYBOX = {"project": "team-a", "image": "busybox"}
LIST = "GET /api/v1/workloads"


# -- processes -------------------------------------------------------------------------------------
def start_simulator(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_runai.simulator",
            "--port",
            str(port),
            "--time-scale",
            "50",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(f"http://127.0.0.1:{port}/_simulator/stats", timeout=30, process=process)
    return process


def list_calls(sim: str) -> int:
    return httpx.get(f"{sim}/_simulator/stats").json()["requests"].get(LIST, 0)


def reset(sim: str) -> None:
    httpx.delete(f"{sim}/_simulator/stats").raise_for_status()


def wait_quiet(sim: str, interval: float) -> None:
    """Until no poller lists any more (the previous measurement's have stopped), bounded."""
    for _ in range(20):
        reset(sim)
        time.sleep(2 * interval)
        if list_calls(sim) == 0:
            return
    raise SystemExit("pollers of the previous measurement are still listing")


# -- 1. list calls per interval ------------------------------------------------------------------
async def hub_streams(hub: Hub, sim: str, tokens: list[str], interval: float, window: int) -> float:
    """List calls per interval while every user holds STREAMS_PER_USER streams on the service."""
    got = [asyncio.Event() for _ in range(len(tokens) * STREAMS_PER_USER)]
    limits = httpx.Limits(max_connections=len(got) + 10)
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None), limits=limits) as http:

        async def follow(token: str, snapshot: asyncio.Event) -> None:
            headers = {"Authorization": f"token {token}"}
            url = f"{hub.url}/services/runai/api/events"
            async with http.stream("GET", url, headers=headers) as answer:
                if answer.status_code != 200:
                    await answer.aread()
                    raise SystemExit(f"events: {answer.status_code} {answer.text[:300]}")
                async for line in answer.aiter_lines():
                    if line == "event: snapshot":
                        snapshot.set()

        tasks = [
            asyncio.ensure_future(follow(tokens[i // STREAMS_PER_USER], event))
            for i, event in enumerate(got)
        ]
        snapshots = asyncio.ensure_future(asyncio.gather(*(event.wait() for event in got)))
        try:
            done, _ = await asyncio.wait(
                [snapshots, *tasks], timeout=60, return_when=asyncio.FIRST_COMPLETED
            )
            for task in done & set(tasks):
                task.result()  # a stream that failed: say why
                raise SystemExit("an event stream ended before the measurement")
            if snapshots not in done:
                raise SystemExit("not every event stream got its snapshot within 60 s")
            return await count(sim, interval, window)
        finally:
            for task in [*tasks, snapshots]:
                task.cancel()
            await asyncio.gather(*tasks, snapshots, return_exceptions=True)


async def server_pollers(sim: str, n: int, interval: float, window: int) -> float:
    """List calls per interval of n independent pollers (one per would-be server), each with
    STREAMS_PER_USER subscribers."""
    log = logging.getLogger("jupyter_runai.benchmark")
    upstreams = [Upstream(settings(sim, interval), log) for _ in range(n)]
    queues = [
        (upstream, upstream.poller.subscribe(Access.everything("u")))
        for upstream in upstreams
        for _ in range(STREAMS_PER_USER)
    ]
    try:
        firsts = await asyncio.wait_for(asyncio.gather(*(q.get() for _, q in queues)), 60)
        if any(name != "snapshot" for name, _ in firsts):
            raise SystemExit(f"a poller did not start with a snapshot: {firsts}")
        return await count(sim, interval, window)
    finally:
        for upstream, queue in queues:
            upstream.poller.unsubscribe(queue)
        await asyncio.gather(*(upstream.close() for upstream in upstreams))


def settings(sim: str, interval: float) -> dict[str, Any]:
    """What RunaiSettings.runai_settings() gives a server configured with client credentials."""
    return {
        "url": sim,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "token": "",
        "use_cli_login": False,
        "default_project": "",
        "allowed_projects": [],
        "request_timeout": 30.0,
        "verify_tls": True,
        "ca_bundle": "",
        "poll_interval": interval,
        "simulator": False,
        "simulator_time_scale": 1.0,
    }


async def count(sim: str, interval: float, window: int) -> float:
    async with httpx.AsyncClient() as http:
        await asyncio.sleep(interval)  # every poller in its stride
        (await http.delete(f"{sim}/_simulator/stats")).raise_for_status()
        await asyncio.sleep(window * interval)
        stats = (await http.get(f"{sim}/_simulator/stats")).json()["requests"]
    return stats.get(LIST, 0) / window


def pollers(hub: Hub, sim: str, interval: float, window: int) -> None:
    tokens = []
    for i in range(max(USERS)):
        hub.create_user(f"viewer{i}")
        tokens.append(hub.user_token(f"viewer{i}"))
    rows = []
    for n in USERS:
        wait_quiet(sim, interval)
        shared = asyncio.run(hub_streams(hub, sim, tokens[:n], interval, window))
        wait_quiet(sim, interval)
        separate = asyncio.run(server_pollers(sim, n, interval, window))
        rows.append((n, shared, separate))
    print(
        f"upstream list calls per {interval:g} s poll interval, counted over {window} intervals, "
        f"{STREAMS_PER_USER} event streams per user:"
    )
    print("  users   hub service   per-server pollers")
    for n, shared, separate in rows:
        print(f"  {n:5d}   {shared:11.2f}   {separate:18.2f}")
    print(
        "  (per-server pollers: N instances of the extension's poller, Upstream(settings, log), "
        "in this\n   process, each with its own credentials and client, not N real servers)"
    )


# -- 2. latency ----------------------------------------------------------------------------------
def prepare(hub: Hub, mode: str, user: str = USER) -> tuple[str, str]:
    """``user``'s running server on ``hub``, checked to be in ``mode``; a workspace of theirs
    and their token."""
    hub.start_server(user)
    token = hub.user_token(user)
    base = f"/user/{user}/runai/api"
    status = hub.request("GET", f"{base}/status", token).json()
    if status.get("mode") != mode or not status.get("credentials_accepted"):
        raise SystemExit(f"the {mode} server is not ready: {status}\n{hub.logs()[-3000:]}")
    created = hub.request(
        "POST", f"{base}/workspaces", token, json={"name": f"bench-{mode}-{user}", **BUSYBOX}
    )
    if created.status_code != 202:
        raise SystemExit(f"create in {mode} mode: {created.status_code} {created.text}")
    return f"{hub.url}{base}/workspaces/{created.json()['id']}", token


def timed(http: httpx.Client, url: str, token: str) -> float:
    started = time.perf_counter()
    answer = http.get(url, headers={"Authorization": f"token {token}"})
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"GET {url}: {answer.status_code} {answer.text[:300]}")
    return elapsed


def latency(hub: Hub, direct: Hub, calls: int) -> None:
    targets = {
        "hub": prepare(hub, "hub"),
        "direct": prepare(direct, "direct"),
        "hop": prepare(direct, "direct", HOP_USER),
    }
    samples: dict[str, list[float]] = {name: [] for name in targets}
    with httpx.Client(timeout=30) as http:
        for url, token in targets.values():  # warm up connections and caches
            for _ in range(50):
                timed(http, url, token)
        for _ in range(calls):  # one call each in turn: drift and noise hit both alike
            for name, (url, token) in targets.items():
                samples[name].append(timed(http, url, token))
    med = {name: statistics.median(values) for name, values in samples.items()}
    p95 = {name: statistics.quantiles(values, n=20)[18] for name, values in samples.items()}
    route = f"/user/{USER}/runai/api/workspaces/{{id}}"
    print(f"workspace GET {route}, {calls} calls each, interleaved one by one:")
    print("                                                        median       p95")
    print(
        "  hub mode (proxy -> server -> hub service -> Run:ai)  "
        f"{med['hub']:7.2f} ms {p95['hub']:7.2f} ms"
    )
    print(
        "  per-user credentials (proxy -> server -> Run:ai)     "
        f"{med['direct']:7.2f} ms {p95['direct']:7.2f} ms"
    )
    print(
        "  per-user, Run:ai behind a bare hop (the floor)       "
        f"{med['hop']:7.2f} ms {p95['hop']:7.2f} ms"
    )
    print(
        "  ratio hub / per-user                                 "
        f"{med['hub'] / med['direct']:7.2f}    {p95['hub'] / p95['direct']:7.2f}"
        "     (target <= 1.3)"
    )
    print(
        "  ratio bare hop / per-user                            "
        f"{med['hop'] / med['direct']:7.2f}    {p95['hop'] / p95['direct']:7.2f}"
        "     (any extra process)"
    )


# -- main ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="GETs per target (default 1000)")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="poll interval, s (default 0.5)"
    )
    parser.add_argument("--window", type=int, default=20, help="intervals counted (default 20)")
    args = parser.parse_args()
    sim_port = free_port()
    sim = f"http://127.0.0.1:{sim_port}"
    started = time.monotonic()
    simulator = start_simulator(sim_port)
    hop_port = free_port()
    hop = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bare_hop.py")), str(hop_port), sim]
    )
    hop_url = f"http://127.0.0.1:{hop_port}"
    wait_for(f"{hop_url}/_simulator/stats", timeout=30, process=hop)
    hubs: list[Hub] = []
    # run as root (as here), the example starts each user's server as that Unix user
    users = UnixUsers((USER, HOP_USER)).create() if AS_ROOT else None
    with tempfile.TemporaryDirectory() as root:
        credentials = SimpleNamespace(
            url=sim, client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET
        )
        env = runai_env(credentials, Path(root, "service"))
        try:
            hub = Hub(Path(root, "hub"), runai_env=env, service_poll_interval=args.interval)
            hubs.append(hub)
            hub.start()
            direct = Hub(Path(root, "per-user"), runai_env=env, per_user=True)
            hubs.append(direct)
            direct.start()
            give_own_credentials(direct, USER, sim)
            give_own_credentials(direct, HOP_USER, hop_url)
            latency(hub, direct, args.calls)
            print()
            pollers(hub, sim, args.interval, args.window)
        finally:
            for started_hub in reversed(hubs):
                started_hub.stop()
            for process in (hop, simulator):
                process.terminate()
                process.wait(timeout=30)
            if users is not None:
                users.remove()
    print(f"\n(whole run {time.monotonic() - started:.0f} s)")


def give_own_credentials(hub: Hub, name: str, sim: str) -> None:
    """Store Run:ai credentials in ``name``'s auth_state, where per_user_credentials.py's
    auth_state_hook reads them at spawn. A real deployment's authenticator stores them at login;
    the example's DummyAuthenticator stores none, so the harness's admin token (admin:auth_state)
    sets them through the hub's REST API instead."""
    hub.create_user(name)
    auth_state = {
        "runai_url": sim,
        "runai_client_id": DEFAULT_CLIENT_ID,
        "runai_client_secret": DEFAULT_CLIENT_SECRET,
    }
    answer = hub.api("PATCH", f"users/{name}", json={"auth_state": auth_state})
    if answer.status_code != 200:
        raise SystemExit(f"auth_state of {name}: {answer.status_code} {answer.text}")


if __name__ == "__main__":
    main()
