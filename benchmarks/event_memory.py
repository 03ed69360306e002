"""The event stream's memory, measured on loopback with the server as a process of its own.

1. Memory per idle subscriber: the Jupyter server's RSS with 0, 100 and 200 open event streams
   that read normally (no workspaces changing), divided by the number of streams.
2. Memory under churn with clients that stop reading: 200 event streams, half reading normally
   and half raw sockets that send the GET and never read again (a small receive buffer, so the
   kernel fills up at once), while 20 workspaces with long image names and environments are
   created, suspended, resumed and deleted through the extension for 3 minutes. The server's RSS
   every 10 s, its slope over the last two minutes (target: flat after the first minute), and how
   many non-reading streams the server still holds at the end (target: none, each is closed
   after ``WRITE_TIMEOUT_S`` without progress). Beside RSS, what the kernel holds: the unsent
   bytes queued on each non-reading connection (``/proc/net/tcp``) and all TCP buffer memory
   (``/proc/net/sockstat``, machine-wide), which a stalled client fills before a write blocks.

The simulator and Jupyter run as separate processes, as they would in a deployment.

    python benchmarks/event_memory.py [--duration 180] [--pause 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import tempfile
import time
from typing import Any

import httpx
from processes import TOKEN, free_port, start, wait_for

HEADERS = {"Authorization": f"token {TOKEN}"}
EVENTS = "/runai/api/events"
WORKSPACES = "/runai/api/workspaces"
CHURN_WORKSPACES = 20
SAMPLE_S = 10
#: An image reference a real deployment might use, about 300 bytes, so events carry some bytes.
IMAGE = (
    "registry.internal.example.com:5000/research-platform/notebooks/"
    "pytorch-cuda-jupyterlab-with-extensions-and-domain-specific-libraries:"
    "2024.06.01-py3.11-torch2.3.1-cuda12.4.1-cudnn9-ubuntu22.04-"
    "build.20240601.1234567890abcdef1234567890abcdef12345678-"
    "reproducible-pinned-dependencies-for-team-experiments-and-long-running-training-jobs"
)
ENV = {f"EXPERIMENT_SETTING_{k:02d}": f"value-{k:02d}-" + "x" * 100 for k in range(20)}


# -- the server process, seen from /proc ---------------------------------------------------------
def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_peers(pid: int, port: int) -> dict[int, int]:
    """Client port -> bytes the kernel holds unsent, for each established connection the server
    process holds on ``port``."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    peers = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            next(handle)
            for line in handle:
                fields = line.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                if state == "01" and inode in inodes and int(local.rsplit(":", 1)[1], 16) == port:
                    peers[int(remote.rsplit(":", 1)[1], 16)] = int(fields[4].split(":")[0], 16)
    return peers


def kernel_tcp_mb() -> float:
    """Memory the kernel holds for TCP buffers, machine-wide (``/proc/net/sockstat``)."""
    with open("/proc/net/sockstat") as handle:
        for line in handle:
            if line.startswith("TCP:"):
                fields = line.split()
                return int(fields[fields.index("mem") + 1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return float("nan")


def count_in(path: str, text: str) -> int:
    with open(path) as handle:
        return handle.read().count(text)


async def settled_rss(pid: int, wait: float = 5) -> float:
    """Median of three samples a second apart, after ``wait`` seconds of quiet."""
    await asyncio.sleep(wait)
    samples = []
    for _ in range(3):
        samples.append(rss_mb(pid))
        await asyncio.sleep(1)
    return statistics.median(samples)


# -- clients ------------------------------------------------------------------------------------
class Reader:
    """An event stream that reads everything, as a browser view does."""

    def __init__(self, http: httpx.AsyncClient, lab: str) -> None:
        self.bytes = 0
        self.snapshot = asyncio.Event()
        self.task = asyncio.ensure_future(self._read(http, lab))

    async def _read(self, http: httpx.AsyncClient, lab: str) -> None:
        tail = b""
        async with http.stream("GET", f"{lab}{EVENTS}", headers=HEADERS) as response:
            if response.status_code != 200:
                raise RuntimeError(f"events answered {response.status_code}")
            async for chunk in response.aiter_raw():
                self.bytes += len(chunk)
                if b"event: snapshot" in tail + chunk:
                    self.snapshot.set()
                tail = chunk[-32:]

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def open_readers(http: httpx.AsyncClient, lab: str, n: int) -> list[Reader]:
    readers = [Reader(http, lab) for _ in range(n)]
    await asyncio.wait_for(asyncio.gather(*(r.snapshot.wait() for r in readers)), 60)
    return readers


def stalled_stream(port: int) -> socket.socket:
    """An event stream whose client sends the request and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        (
            f"GET {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: token {TOKEN}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
    )
    return sock


async def churn_worker(
    http: httpx.AsyncClient, lab: str, index: int, pause: float, deadline: float, stats: dict
) -> None:
    """Create, suspend, resume and delete one workspace through the extension, until the
    deadline; every answer's status is counted."""
    body = {
        "name": f"churn-{index:02d}",
        "project": ("team-a", "team-b")[index % 2],
        "image": IMAGE,
        "env": ENV,
    }

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        try:
            response = await http.request(method, f"{lab}{path}", headers=HEADERS, **kwargs)
        except httpx.HTTPError as exc:
            stats[type(exc).__name__] = stats.get(type(exc).__name__, 0) + 1
            return None
        key = f"{method} {response.status_code}"
        stats[key] = stats.get(key, 0) + 1
        return response

    await asyncio.sleep(index * pause / CHURN_WORKSPACES)  # spread the workers out
    while time.monotonic() < deadline:
        created = await call("POST", WORKSPACES, json=body)
        await asyncio.sleep(pause)
        if created is None or created.status_code != 202:
            continue
        wid = created.json()["id"]
        for action in ("suspend", "resume"):
            await call("POST", f"{WORKSPACES}/{wid}/{action}")
            await asyncio.sleep(pause)
        await call("DELETE", f"{WORKSPACES}/{wid}")
        for _ in range(100):  # at time scale 20 it is gone within a poll interval or two
            gone = await http.get(f"{lab}{WORKSPACES}/{wid}", headers=HEADERS)
            if gone.status_code == 404:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(pause)


def slope_mb_per_min(points: list[tuple[float, float]]) -> float:
    ts = [t for t, _ in points]
    ys = [y for _, y in points]
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    num = sum((t - mt) * (y - my) for t, y in points)
    den = sum((t - mt) ** 2 for t in ts)
    return num / den * 60


# -- the two measurements ---------------------------------------------------------------------
async def idle(http: httpx.AsyncClient, lab: str, pid: int) -> list[Reader]:
    warm = await open_readers(http, lab, 5)  # the stream's code paths loaded once
    for reader in warm:
        await reader.close()
    base = await settled_rss(pid)
    readers = await open_readers(http, lab, 100)
    at_100 = await settled_rss(pid)
    readers += await open_readers(http, lab, 100)
    at_200 = await settled_rss(pid)
    print("1. server RSS with idle event streams that read normally (no workspaces changing):")
    print(f"     0 streams  {base:7.1f} MB")
    print(f"   100 streams  {at_100:7.1f} MB   {(at_100 - base) * 1024 / 100:6.1f} KB/stream")
    print(f"   200 streams  {at_200:7.1f} MB   {(at_200 - base) * 1024 / 200:6.1f} KB/stream")
    return readers


async def churn(
    http: httpx.AsyncClient,
    lab: str,
    port: int,
    pid: int,
    readers: list[Reader],
    duration: float,
    pause: float,
    log_path: str,
) -> None:
    stalled = [stalled_stream(port) for _ in range(100)]
    stalled_ports = {s.getsockname()[1] for s in stalled}
    stats: dict[str, int] = {}
    try:
        await asyncio.sleep(1)
        held = server_peers(pid, port).keys() & stalled_ports
        print(
            f"\n2. {len(readers)} reading + {len(stalled)} non-reading streams "
            f"({len(held)} non-reading held by the server), "
            f"{CHURN_WORKSPACES} workspaces churned through the extension, {duration:g} s:"
        )
        print(
            "     t   RSS MB  server CPU  KB/s to each reader  readers alive  non-reading held"
            "  unsent KB each (median)  kernel TCP MB"
        )
        started = time.monotonic()
        deadline = started + duration
        workers = [
            asyncio.ensure_future(churn_worker(http, lab, i, pause, deadline, stats))
            for i in range(CHURN_WORKSPACES)
        ]
        series: list[tuple[float, float]] = []
        held_series: list[int] = []
        last_bytes, last_cpu, last_t = sum(r.bytes for r in readers), cpu_seconds(pid), started
        for step in range(int(duration // SAMPLE_S) + 1):
            await asyncio.sleep(max(0.0, started + step * SAMPLE_S - time.monotonic()))
            now, rss = time.monotonic(), rss_mb(pid)
            series.append((now - started, rss))
            total, cpu = sum(r.bytes for r in readers), cpu_seconds(pid)
            rate = (total - last_bytes) / max(now - last_t, 1e-9) / 1024 / len(readers)
            load = (cpu - last_cpu) / max(now - last_t, 1e-9) * 100
            peers = server_peers(pid, port)
            held = peers.keys() & stalled_ports
            held_series.append(len(held))
            unsent = statistics.median([peers[p] for p in held]) / 1024 if held else 0.0
            alive = sum(not r.task.done() for r in readers)
            print(
                f"  {now - started:4.0f}  {rss:7.1f}  {load:8.0f} %  {rate:19.1f}  {alive:13d}"
                f"  {len(held):16d}  {unsent:23.0f}  {kernel_tcp_mb():13.0f}"
            )
            last_bytes, last_cpu, last_t = total, cpu, now
        await asyncio.wait_for(asyncio.gather(*workers), 60)
    finally:
        for sock in stalled:
            sock.close()
    window = min(120.0, duration * 2 / 3)  # the last two minutes of a full run
    tail = [(t, y) for t, y in series if t >= duration - window - 1]
    ys = [y for _, y in tail]
    held_at = [(t, n) for (t, _), n in zip(series, held_series, strict=True)]
    first_closed = next((f"{t:.0f} s" for t, n in held_at if n < len(stalled)), "never")
    all_closed = next((f"{t:.0f} s" for t, n in held_at if n == 0), "never")
    dropped = count_in(log_path, "client stopped reading")
    print(
        f"   slope over the last {window:.0f} s: {slope_mb_per_min(tail):+.2f} MB/min "
        f"(range {min(ys):.1f} - {max(ys):.1f} MB); "
        f"t=0 to the end: {series[-1][1] - series[0][1]:+.1f} MB"
    )
    print(
        f"   non-reading streams still held at the end: {len(held)} of {len(stalled)} "
        f"(first closed by t={first_closed}, all by t={all_closed}); "
        f"server log lines 'closing an event stream whose client stopped reading': {dropped}"
    )
    print(f"   readers still connected: {alive} of {len(readers)}")
    print(f"   churn answers: {dict(sorted(stats.items()))}")


async def run(lab: str, port: int, pid: int, duration: float, pause: float, log: str) -> None:
    timeout = httpx.Timeout(30, read=None)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with (
        httpx.AsyncClient(timeout=timeout, limits=limits) as streams,
        httpx.AsyncClient(timeout=30) as http,
    ):
        readers = await idle(streams, lab, pid)
        for reader in readers[100:]:
            await reader.close()
        readers = readers[:100]
        try:
            await churn(http, lab, port, pid, readers, duration, pause, log)
        finally:
            for reader in readers:
                await reader.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of churn")
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds between one workspace's actions"
    )
    args = parser.parse_args()
    sim_port, lab_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as root:
        log_path = os.path.join(root, "server.log")
        with open(log_path, "w") as log:
            processes = start(sim_port, lab_port, root, time_scale=20, poll_interval=1, log=log)
            try:
                sim, lab = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{lab_port}"
                wait_for(f"{sim}/_simulator/stats")
                wait_for(f"{lab}/runai/api/status", HEADERS)
                pid = processes[1].pid  # `jupyter server` execs in place: the same process
                asyncio.run(run(lab, lab_port, pid, args.duration, args.pause, log_path))
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=10)


if __name__ == "__main__":
    main()
