"""Helpers for tests of a real hub (tests/hubharness.py): the API through the proxy, each answer
checked against openapi.yaml; kernels a user's server starts; event streams held open; the runai
service's process."""

from __future__ import annotations

import pwd
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from extension import check_answer
from hubharness import descendants, wait_for
from jupyter_client import BlockingKernelClient
from live import Kernel


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
        for home in (hub.workdir, *unix_home(user)):  # a Unix user's server: their own home
            found[:] = list(home.rglob(f"kernel-{kernel_id}.json"))
            if found:
                return True
        return False

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


def unix_home(user: str) -> list[Path]:
    try:
        return [Path(pwd.getpwnam(user).pw_dir)]
    except KeyError:
        return []


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


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


def service_pid(hub) -> int:
    pids = [p for p in descendants(hub.process.pid) if "jupyter_runai.hub" in command_line(p)]
    assert len(pids) == 1, pids
    return pids[0]


def service_pid_or_none(hub) -> int | None:
    try:
        return service_pid(hub)
    except AssertionError:
        return None
