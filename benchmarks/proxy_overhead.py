"""The server extension's cost, measured side by side in one run on loopback.

1. Latency: the median of a workspace GET through the extension, against the sum of the two
   requests it cannot avoid: Jupyter's own authenticated ``GET /api/status`` and the same
   workspace GET sent straight to the simulator. Target: at most 1.2 times that sum.
2. Upstream list calls per poll interval with 1, 10 and 50 open event streams. Target: one.

The simulator and Jupyter run as separate processes, as they would in a deployment.

    python benchmarks/proxy_overhead.py [--calls 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time

import httpx
from processes import TOKEN, free_port, start, wait_for

INTERVAL = 0.5


async def timed_calls(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], n: int
) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = await http.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return samples


async def latency(sim: str, lab: str, calls: int) -> None:
    jupyter = {"Authorization": f"token {TOKEN}"}
    async with httpx.AsyncClient(timeout=30) as http:
        token = (
            await http.post(
                f"{sim}/api/v1/token",
                json={
                    "grantType": "client_credentials",
                    "clientID": "sim-client",
                    "clientSecret": "sim-secret",
                },
            )
        ).json()["accessToken"]
        bearer = {"Authorization": f"Bearer {token}"}
        created = await http.post(
            f"{lab}/runai/api/workspaces",
            json={"name": "bench", "project": "team-a", "image": "busybox"},
            headers=jupyter,
        )
        wid = created.json()["id"]
        targets = {
            "extension": (f"{lab}/runai/api/workspaces/{wid}", jupyter),
            "jupyter": (f"{lab}/api/status", jupyter),
            "runai": (f"{sim}/api/v1/workloads/{wid}", bearer),
        }
        for url, headers in targets.values():  # warm up connections and caches
            await timed_calls(http, url, headers, 50)
        samples: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(calls):  # one call each in turn: drift and noise hit all three alike
            for name, (url, headers) in targets.items():
                samples[name] += await timed_calls(http, url, headers, 1)
    med = {name: statistics.median(values) for name, values in samples.items()}
    floor = med["jupyter"] + med["runai"]
    print(f"workspace GET, {calls} calls each, interleaved one by one, medians:")
    print(f"  Jupyter GET /api/status                   {med['jupyter']:7.3f} ms")
    print(f"  simulator GET /api/v1/workloads/{{id}}      {med['runai']:7.3f} ms")
    print(f"  sum (the unavoidable cost)                {floor:7.3f} ms")
    print(f"  extension GET /runai/api/workspaces/{{id}}  {med['extension']:7.3f} ms")
    ratio = med["extension"] / floor
    print(f"  ratio extension / sum                     {ratio:7.2f}  (target <= 1.2)")


async def poller(sim: str, lab: str) -> None:
    jupyter = {"Authorization": f"token {TOKEN}"}
    print(f"upstream list calls per {INTERVAL:g} s poll interval, with N open event streams:")
    for n in (1, 10, 50):
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=100)) as http:
            streams = []
            for _ in range(n):
                stream = http.stream("GET", f"{lab}/runai/api/events", headers=jupyter)
                response = await stream.__aenter__()
                streams.append((stream, response))
            await asyncio.sleep(2 * INTERVAL)  # all subscribed, poller in its stride
            await http.delete(f"{sim}/_simulator/stats")
            seconds = 10 * INTERVAL
            await asyncio.sleep(seconds)
            counts = (await http.get(f"{sim}/_simulator/stats")).json()["requests"]
            calls = counts.get("GET /api/v1/workloads", 0)
            print(f"  {n:3d} streams: {calls / (seconds / INTERVAL):.2f} calls per interval")
            for stream, _ in streams:
                await stream.__aexit__(None, None, None)
        await asyncio.sleep(2 * INTERVAL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    sim_port, lab_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as root:
        processes = start(sim_port, lab_port, root, time_scale=1000, poll_interval=INTERVAL)
        try:
            sim, lab = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{lab_port}"
            wait_for(f"{sim}/_simulator/stats")
            wait_for(f"{lab}/runai/api/status", {"Authorization": f"token {TOKEN}"})
            asyncio.run(latency(sim, lab, args.calls))
            asyncio.run(poller(sim, lab))
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
