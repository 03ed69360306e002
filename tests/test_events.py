"""The event stream and the one shared poller behind it."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from harness import set_faults, stats
from sse import events

LIST = "GET /api/v1/workloads"
NOTEBOOK = {"name": "nb", "project": "team-a", "image": "busybox", "gpu": 1}


@pytest.fixture
def events_url(jp_serverapp, http_server_client, http_server_port, jp_base_url):
    """The stream's URL (http_server_client makes the test server listen)."""
    return f"http://127.0.0.1:{http_server_port[-1]}{jp_base_url}runai/api/events"


def list_calls(sim) -> int:
    return stats(sim).get(LIST, 0)


async def test_snapshot_then_changes(api, events_url, jp_auth_header, sim):
    async with events(events_url, jp_auth_header) as stream:
        name, data = await stream.next()
        assert (name, data) == ("snapshot", {"workspaces": [], "error": None})
        created = (await api("POST", "workspaces", NOTEBOOK)).body
        name, data = await stream.next()
        assert name == "workspace" and data["workspace"]["id"] == created["id"]
        await stream.until(lambda n, d: n == "workspace" and d["workspace"]["phase"] == "Running")
        await api("DELETE", f"workspaces/{created['id']}")
        await stream.until(lambda n, d: n == "deleted" and d == {"id": created["id"]})


@pytest.fixture
def slow_poller(runai_config):
    runai_config["poll_interval"] = 30.0


async def test_actions_reach_views_at_once_not_at_the_next_tick(
    slow_poller, api, events_url, jp_auth_header
):
    created = (await api("POST", "workspaces", NOTEBOOK)).body
    async with events(events_url, jp_auth_header) as stream:
        _, snapshot = await stream.next()
        assert [w["id"] for w in snapshot["workspaces"]] == [created["id"]]
        started = asyncio.get_running_loop().time()
        await api("POST", f"workspaces/{created['id']}/suspend")
        _, data = await stream.until(
            lambda n, d: n == "workspace" and d["workspace"]["phase"] == "Stopping", timeout=1.0
        )
        assert asyncio.get_running_loop().time() - started < 1.0
        assert data["workspace"]["actions"]["resume"] is True


async def test_twenty_views_cost_one_poller(api, events_url, jp_auth_header, sim):
    async with contextlib.AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(events(events_url, jp_auth_header)) for _ in range(20)
        ]
        for stream in streams:
            assert (await stream.next())[0] == "snapshot"
        before = list_calls(sim)
        await asyncio.sleep(1.0)  # five intervals of 0.2 s
        during = list_calls(sim) - before
        assert 3 <= during <= 7, during  # one poller, not twenty (that would be ~100)
        created = (await api("POST", "workspaces", NOTEBOOK)).body
        for stream in streams:
            _, data = await stream.until(lambda n, d: n == "workspace")
            assert data["workspace"]["id"] == created["id"]


async def test_poller_runs_only_while_someone_listens(api, events_url, jp_auth_header, sim):
    await asyncio.sleep(0.5)
    assert list_calls(sim) == 0
    async with events(events_url, jp_auth_header) as stream:
        await stream.next()
        await asyncio.sleep(0.5)
    assert list_calls(sim) >= 2
    await asyncio.sleep(0.3)
    after_close = list_calls(sim)
    await asyncio.sleep(0.6)
    assert list_calls(sim) == after_close


@pytest.fixture
def fast_poller(runai_config):
    runai_config["poll_interval"] = 0.1


async def test_poller_backs_off_while_runai_fails(fast_poller, events_url, jp_auth_header, sim):
    set_faults(sim, error_rate=1, error_status=500, match=LIST)
    async with events(events_url, jp_auth_header) as stream:
        name, data = await stream.next()
        assert name == "snapshot"
        assert data["error"]["reason"] == "upstream_error"
        await asyncio.sleep(1.6)  # constant 0.1 s polling would call 16 times
        assert list_calls(sim) <= 5
        set_faults(sim, error_rate=0)
        name, data = await stream.until(lambda n, d: n == "snapshot", timeout=4)
        assert data["error"] is None


async def test_list_uses_the_fresh_snapshot(api, events_url, jp_auth_header, sim):
    await api("POST", "workspaces", NOTEBOOK)
    async with events(events_url, jp_auth_header) as stream:
        await stream.next()
        before = list_calls(sim)
        answers = await asyncio.gather(*(api("GET", "workspaces") for _ in range(20)))
        assert all(len(a.body["workspaces"]) == 1 for a in answers)
        assert list_calls(sim) - before <= 2  # the poller's own ticks, not 20 calls
