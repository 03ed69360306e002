"""Helpers the tests share: clients on the recording transport, and the simulator's hooks."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

import httpx
from conformance import Exchange, RecordingTransport, check, from_record

from jupyter_runai.client import AsyncRunaiClient, ClientCredentials, RetryPolicy
from jupyter_runai.simulator import Simulator

#: 50x: a workspace is Running ~70 ms after create.
TIME_SCALE = 50.0
FAST_RETRY = RetryPolicy(attempts=4, backoff_s=0.01, max_backoff_s=0.05)


def make_client(sim: Simulator, exchanges: list[Exchange], **kwargs: Any) -> AsyncRunaiClient:
    kwargs.setdefault("credentials", ClientCredentials(sim.client_id, sim.client_secret))
    kwargs.setdefault("retry", FAST_RETRY)
    return AsyncRunaiClient(sim.url, transport=RecordingTransport(exchanges), **kwargs)


def set_faults(sim: Simulator, **faults: Any) -> dict[str, Any]:
    """Set faults through the simulator's HTTP hook, as a test harness outside would."""
    response = httpx.post(f"{sim.url}/_simulator/faults", json=faults)
    assert response.status_code == 200, response.text
    return response.json()


def set_clock(sim: Simulator, **change: Any) -> dict[str, Any]:
    """``set_clock(sim, frozen=True)``, ``set_clock(sim, advance=1.5)``: the phase clock."""
    response = httpx.post(f"{sim.url}/_simulator/clock", json=change)
    assert response.status_code == 200, response.text
    return response.json()


def reset(sim: Simulator) -> None:
    """Back to the seed: no workspaces, faults or stats, a real clock."""
    response = httpx.post(f"{sim.url}/_simulator/reset")
    assert response.status_code == 204, response.text


def wait_until(condition: Callable[[], Any], timeout: float = 10, what: str = "") -> Any:
    """Poll ``condition`` every few ms until it is truthy (returned), or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, (
            f"timed out after {timeout} s waiting for {what or condition}"
        )
        time.sleep(0.01)
    return result


async def async_wait_until(
    condition: Callable[[], Any], timeout: float = 10, what: str = ""
) -> Any:
    """``wait_until`` in an event loop; ``condition`` may return an awaitable."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        assert time.monotonic() < deadline, (
            f"timed out after {timeout} s waiting for {what or condition}"
        )
        await asyncio.sleep(0.01)


def stats(sim: Simulator) -> dict[str, int]:
    return httpx.get(f"{sim.url}/_simulator/stats").json()["requests"]


def recent_requests(sim: Simulator) -> list[dict[str, Any]]:
    """What the simulator's latest requests carried: header names, Authorization scheme."""
    return httpx.get(f"{sim.url}/_simulator/stats").json()["recent"]


def issue_token(sim: Simulator) -> str:
    response = httpx.post(
        f"{sim.url}/api/v1/token",
        json={
            "grantType": "client_credentials",
            "clientID": sim.client_id,
            "clientSecret": sim.client_secret,
        },
    )
    return response.json()["accessToken"]


def bearer(sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(sim)}"}


def sim_workspaces(sim) -> list[dict]:
    """What Run:ai (the simulator) really has, asked directly."""
    answer = httpx.get(f"{sim.url}/api/v1/workloads", params={"limit": 500}, headers=bearer(sim))
    return answer.json()["workloads"]


def sim_names(sim) -> set[str]:
    return {w["name"] for w in sim_workspaces(sim)}


_checked_up_to: dict[int, int] = {}  # id(simulator) -> seq of the first exchange not yet checked


def check_served(simulator: Simulator) -> None:
    """Check every exchange the simulator served since the last check against the spec."""
    since = _checked_up_to.get(id(simulator), 0)
    answer = httpx.get(f"{simulator.url}/_simulator/exchanges", params={"since": since}).json()
    _checked_up_to[id(simulator)] = answer["next"]
    assert not answer["dropped"], f"{answer['dropped']} exchanges fell out of the record unchecked"
    for record in answer["exchanges"]:
        check(from_record(simulator.url, record))
