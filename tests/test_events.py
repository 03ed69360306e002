"""The event stream and the one shared poller behind it."""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest
from harness import async_wait_until, set_clock, set_faults, stats
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
        # long before the poller's next list (30 s): the action's own answer is news at once
        # (Stopping, or Stopped already on the simulator's fast clock)
        _, data = await stream.until(
            lambda n, d: n == "workspace" and d["workspace"]["phase"] in ("Stopping", "Stopped"),
            timeout=10,
        )
        assert asyncio.get_running_loop().time() - started < 10
        assert data["workspace"]["actions"]["resume"] is True


async def test_twenty_views_cost_one_poller(api, jp_serverapp, events_url, jp_auth_header, sim):
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    async with contextlib.AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(events(events_url, jp_auth_header)) for _ in range(20)
        ]
        for stream in streams:
            assert (await stream.next())[0] == "snapshot"
        assert poller.subscribers == 20
        before = list_calls(sim)
        started = asyncio.get_running_loop().time()
        await async_wait_until(lambda: list_calls(sim) - before >= 5, 30)
        # one poller waits 0.2 s between calls, so 5 calls span at least 4 intervals however
        # slow the machine; twenty pollers would make them within one interval
        assert asyncio.get_running_loop().time() - started >= 4 * 0.2 * 0.95
        created = (await api("POST", "workspaces", NOTEBOOK)).body
        for stream in streams:
            _, data = await stream.until(lambda n, d: n == "workspace")
            assert data["workspace"]["id"] == created["id"]


async def test_poller_runs_only_while_someone_listens(
    api, jp_serverapp, events_url, jp_auth_header, sim
):
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    assert poller._task is None and list_calls(sim) == 0  # no task: nothing can poll
    async with events(events_url, jp_auth_header) as stream:
        await stream.next()
        assert poller._task is not None
        await async_wait_until(lambda: list_calls(sim) >= 2, 30)  # polling on while someone listens
    await async_wait_until(
        lambda: poller._task is None, 30
    )  # the last view gone: the poller ends...
    after_close = list_calls(sim)
    assert poller.subscribers == 0 and list_calls(sim) == after_close  # ...and calls stop


@pytest.fixture
def fast_poller(runai_config):
    runai_config["poll_interval"] = 0.1


async def test_poller_backs_off_while_runai_fails(
    fast_poller, jp_serverapp, events_url, jp_auth_header, sim
):
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    set_faults(sim, error_rate=1, error_status=500, match=LIST)
    started = asyncio.get_running_loop().time()
    async with events(events_url, jp_auth_header) as stream:
        name, data = await stream.next()
        assert name == "snapshot"
        assert data["error"]["reason"] == "upstream_error"
        await async_wait_until(lambda: poller.failures >= 4, 30)
        # waits of 0.2, 0.4 and 0.8 s between the four calls (constant 0.1 s polling: 0.3 s)
        assert asyncio.get_running_loop().time() - started >= (0.2 + 0.4 + 0.8) * 0.95
        assert list_calls(sim) == poller.failures
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


async def test_a_list_never_shows_older_than_a_read_of_one_workspace(
    api, jp_serverapp, events_url, jp_auth_header, sim
):
    """A kernel waits for Running with GETs of its workspace; the list after it (and every live
    view) says Running too, not what the last poll saw."""
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    set_clock(sim, frozen=True)
    created = (await api("POST", "workspaces", NOTEBOOK)).body
    async with events(events_url, jp_auth_header) as stream:
        await stream.next()
        poller.interval = 30  # after the poll in flight, the next is 30 s away
        polled = poller.fetched_at
        await async_wait_until(lambda: poller.fetched_at != polled, 10)
        set_clock(sim, advance=60)  # upstream it is Running now; the snapshot says otherwise
        read = (await api("GET", f"workspaces/{created['id']}")).body
        assert read["phase"] == "Running"
        listed = (await api("GET", "workspaces")).body["workspaces"]
        assert [w["phase"] for w in listed] == ["Running"]
        _, event = await stream.until(lambda n, d: n == "workspace")
        assert event["workspace"]["phase"] == "Running"


async def test_a_new_view_after_an_outage_does_not_wait_out_the_backoff(
    fast_poller, jp_serverapp, events_url, jp_auth_header, sim
):
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    set_faults(sim, error_rate=1, error_status=500, match=LIST)
    async with events(events_url, jp_auth_header) as first:
        assert (await first.next())[1]["error"]["reason"] == "upstream_error"
        await async_wait_until(lambda: poller.failures >= 5, 30)  # the next poll is 3.2 s away
        set_faults(sim, error_rate=0)
        due = poller.next_poll_at
        async with events(events_url, jp_auth_header) as second:
            await second.until(lambda n, d: n == "snapshot" and d["error"] is None)
            assert asyncio.get_running_loop().time() < due  # woken, not waited out
        _, data = await first.until(lambda n, d: n == "snapshot" and d["error"] is None)
        assert data["error"] is None


async def test_a_subscriber_that_does_not_read_costs_bounded_memory(api, jp_serverapp, sim):
    """A view whose client stopped reading: its backlog is capped and collapses into one fresh
    snapshot, however much changes upstream, and nothing is lost in the collapse."""
    from jupyter_runai.server.access import Access
    from jupyter_runai.server.poller import MAX_BACKLOG

    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    stalled = poller.subscribe(Access.everything("slow"))
    try:
        await async_wait_until(lambda: stalled.qsize() >= 1, 30, "the first snapshot")
        stalled.get_nowait()  # from here on, a snapshot in the backlog is a collapse
        created = [  # each create is news (a new workspace): more than the backlog holds
            (await api("POST", "workspaces", {**NOTEBOOK, "name": f"nb{i}", "gpu": 0})).body
            for i in range(MAX_BACKLOG + 1)
        ]
        assert stalled.qsize() <= MAX_BACKLOG
        backlog = [stalled.get_nowait() for _ in range(stalled.qsize())]
        collapses = [i for i, (name, _) in enumerate(backlog) if name == "snapshot"]
        assert collapses, "the backlog collapsed into a snapshot"
        last = collapses[-1]
        seen = {w["id"] for w in backlog[last][1]["workspaces"]}
        seen |= {d["workspace"]["id"] for name, d in backlog[last + 1 :] if name == "workspace"}
        assert seen >= {w["id"] for w in created}  # the snapshot and what came after: all
    finally:
        poller.unsubscribe(stalled)


async def test_a_stream_whose_client_stopped_reading_is_closed(
    fast_poller, api, jp_serverapp, events_url, jp_auth_header, monkeypatch, sim
):
    """A client that takes nothing for WRITE_TIMEOUT_S is disconnected (shortened here from
    30 s), instead of its unread events piling up in the server."""
    from urllib.parse import urlsplit

    from jupyter_runai.server import routes

    monkeypatch.setattr(routes, "WRITE_TIMEOUT_S", 0.5)
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    url = urlsplit(events_url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # a tiny window, never read
    sock.connect((url.hostname, url.port))
    header = "".join(f"{k}: {v}\r\n" for k, v in jp_auth_header.items())
    sock.sendall(f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n{header}\r\n".encode())
    try:
        await async_wait_until(lambda: poller.subscribers == 1, 30)
        image = "registry.example/" + "x" * 1000  # each view carries about 1.6 kB
        for i in range(100):
            await api("POST", "workspaces", {**NOTEBOOK, "gpu": 0, "image": image, "name": f"w{i}"})
        # every recovery from an outage sends each view a full snapshot (about 160 kB here)
        for _ in range(40):
            if poller.subscribers == 0:
                break
            set_faults(sim, error_rate=1, error_status=500, match=LIST)
            await async_wait_until(lambda: poller.error is not None, 30)
            set_faults(sim, error_rate=0)
            poller.wake()
            await async_wait_until(lambda: poller.error is None or poller.subscribers == 0, 30)
        await async_wait_until(
            lambda: poller.subscribers == 0, 30
        )  # dropped, not buffered for ever
    finally:
        sock.close()
