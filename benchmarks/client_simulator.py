"""Client-to-simulator latency, throughput and token economy, measured side by side in one run.

The floor is plain httpx with a token fetched once: the same HTTP exchange with none of the
client's work (token cache, error mapping, models). Ratios near 1 mean the client adds little.

    python benchmarks/client_simulator.py [--calls 1000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from jupyter_runai.client import AsyncRunaiClient, ClientCredentials
from jupyter_runai.simulator import Simulator


async def timed(calls: int, op: Callable[[], Awaitable[object]]) -> list[float]:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await op()
        samples.append(time.perf_counter() - started)
    return samples


async def throughput(calls: int, concurrency: int, op: Callable[[], Awaitable[object]]) -> float:
    queue = iter(range(calls))

    async def worker() -> None:
        for _ in queue:
            await op()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - started)


def token_requests(sim: Simulator) -> int:
    return httpx.get(f"{sim.url}/_simulator/stats").json()["requests"].get("POST /api/v1/token", 0)


async def main(calls: int, concurrency: int) -> None:
    with Simulator(time_scale=1000) as sim:
        client = AsyncRunaiClient(sim.url, ClientCredentials(sim.client_id, sim.client_secret))
        ws = await client.create_workspace("bench", "team-a", image="busybox")
        token = await client.tokens.get()
        plain = httpx.AsyncClient(base_url=sim.url, headers={"Authorization": f"Bearer {token}"})
        path = f"/api/v1/workloads/{ws.id}"

        async def raw_get() -> None:
            (await plain.get(path)).raise_for_status()

        async def client_get() -> None:
            await client.get_workspace(ws.id)

        await timed(50, raw_get)  # warm both connection pools
        await timed(50, client_get)
        raw_lat, client_lat = [], []
        for _ in range(5):  # interleave, so drift hits both sides alike
            raw_lat += await timed(calls // 5, raw_get)
            client_lat += await timed(calls // 5, client_get)
        raw_tput = await throughput(calls, concurrency, raw_get)
        client_tput = await throughput(calls, concurrency, client_get)
        client_calls = 2 + 50 + calls + calls  # create (2 calls), warm-up, latency, throughput
        tokens = token_requests(sim)
        await plain.aclose()
        await client.aclose()

    def ms(samples: list[float], q: float) -> float:
        return statistics.quantiles(samples, n=100)[int(q) - 1] * 1000

    raw_med, client_med = statistics.median(raw_lat) * 1000, statistics.median(client_lat) * 1000
    print(f"GET /api/v1/workloads/{{id}} on loopback, {calls} sequential calls per side")
    print(f"{'':24}{'plain httpx':>14}{'client':>12}{'ratio':>9}")
    print(f"{'median latency (ms)':24}{raw_med:14.3f}{client_med:12.3f}{client_med / raw_med:9.2f}")
    print(
        f"{'p95 latency (ms)':24}{ms(raw_lat, 95):14.3f}{ms(client_lat, 95):12.3f}"
        f"{ms(client_lat, 95) / ms(raw_lat, 95):9.2f}"
    )
    print(
        f"{f'throughput, {concurrency} at once':24}{raw_tput:12.0f}/s{client_tput:10.0f}/s"
        f"{client_tput / raw_tput:9.2f}"
    )
    print(
        f"token requests: {tokens} for {client_calls} client calls "
        f"({tokens * 1000 / client_calls:.2f} per 1,000)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.concurrency))
