"""The fault matrix: concurrent creates, suspends, resumes and deletes through the real server
extension while the real simulator fails (5xx, 429 with Retry-After, timeouts, dropped
connections, 3 s tokens); then what Run:ai really has is held against what each answer said.

The contract checked, whatever the simulator's dice say:

- 202 means done: the workspace exists (once), is suspended, resumed or deleted.
- An error means not done, unless its message says the action *may have* happened (a timeout
  or a lost answer after which Run:ai's state is unknown): then either outcome is allowed, but a
  create is still never made twice.
- Views recover: after the faults stop, an open event stream and a new one show every workspace
  in its true phase with no error, within a poll interval (plus the poller's backoff for the
  open one, which waits for its next poll) and some slack.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from extension import check_answer
from harness import async_wait_until, set_faults, sim_workspaces, stats
from openapi_core.exceptions import OpenAPIError
from sse import EventStream, events

from jupyter_runai.simulator import Simulator

#: Seeds the order in which each round's operations are sent.
SEED = 20240611
#: Operations of each kind per round.
EACH = 4
POLL_INTERVAL = 0.2
#: The server's request_timeout: a 2 s latency is a timeout.
REQUEST_TIMEOUT = 1.0
#: Beyond a poll interval (and any backoff), for a view to catch up: a poll in flight when the
#: faults stop may still wait out a timeout or a Retry-After of 1 s before its next try.
SLACK = 1.5
OFF = {
    "error_rate": 0,
    "drop_connections": 0,
    "latency_ms": 0,
    "retry_after": None,
    "match": None,
    "times": None,
}
CREATE = "POST /api/v1/workloads/workspaces"
SUSPEND = "POST /api/v1/workloads/workspaces/{workloadId}/suspend"
DELETE = "DELETE /api/v1/workloads/workspaces/{workloadId}"
TOKEN = "POST /api/v1/token"
ROUNDS = [
    ("500 + dropped", {"error_rate": 0.3, "error_status": 500, "drop_connections": 0.3}),
    ("503 + dropped", {"error_rate": 0.3, "error_status": 503, "drop_connections": 0.3}),
    ("429 Retry-After", {"error_rate": 0.3, "error_status": 429, "retry_after": 1}),
    # a few 2 s answers (timeouts): first the creates' POSTs, then whatever comes first
    ("create timeouts", {"latency_ms": 2000, "match": CREATE, "times": 2}),
    ("timeouts", {"latency_ms": 2000, "times": 6}),
]
#: What an operation leaves a workspace as: (before, done).
EFFECT = {
    "suspend": ("Running", "Stopped"),
    "resume": ("Stopped", "Running"),
    "delete": ("Running", "deleted"),
}
SETTLED = {"Running", "Stopped"}
#: The whole matrix takes about 15 s; a hang fails it instead of stalling CI.
MATRIX_TIMEOUT = 120
BUSYBOX = {"project": "team-a", "image": "busybox"}


def may_have(body: Any) -> bool:
    """Whether an error answer says the action may have happened after all."""
    return isinstance(body, dict) and "may have" in str(body.get("message") or "").lower()


# -- what Run:ai really has ---------------------------------------------------------------------
class Truth:
    """The simulator's workspaces, asked directly (only while no faults are set)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.tokens = 0  # token requests made here, not by the server

    async def read(self) -> tuple[dict[str, dict], dict[str, dict]]:
        """(active, deleted) workspaces by id."""
        async with httpx.AsyncClient(base_url=self.sim.url) as http:
            self.tokens += 1
            issued = await http.post(
                "/api/v1/token",
                json={
                    "grantType": "client_credentials",
                    "clientID": self.sim.client_id,
                    "clientSecret": self.sim.client_secret,
                },
            )
            headers = {"Authorization": f"Bearer {issued.json()['accessToken']}"}
            lists = [
                await http.get("/api/v1/workloads", params=params, headers=headers)
                for params in ({"limit": 500}, {"limit": 500, "deleted": "true"})
            ]
        active, deleted = ({w["id"]: w for w in r.json()["workloads"]} for r in lists)
        return active, deleted

    async def settled(self, timeout: float = 5.0) -> tuple[dict[str, dict], dict[str, dict]]:
        """Once no workspace is on its way anywhere (each Running or Stopped)."""

        async def still() -> tuple[dict[str, dict], dict[str, dict]] | None:
            active, deleted = await self.read()
            moving = any(w["phase"] not in SETTLED for w in active.values())
            return None if moving else (active, deleted)

        return await async_wait_until(still, timeout, "every workspace Running or Stopped")


# -- views ---------------------------------------------------------------------------------------
class View:
    """An event stream folded into what a panel shows: workspaces by id, and the error."""

    def __init__(self, stream: EventStream) -> None:
        self.stream = stream
        self.workspaces: dict[str, dict] = {}
        self.error: Any = None
        self.changed = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while True:
            name, data = await self.stream.next(timeout=3600)
            if name == "snapshot":
                self.workspaces = {w["id"]: w for w in data["workspaces"]}
                self.error = data["error"]
            elif name == "workspace":
                self.workspaces[data["workspace"]["id"]] = data["workspace"]
            elif name == "deleted":
                self.workspaces.pop(data["id"], None)
            elif name == "error":
                self.error = data
            self.changed.set()

    def shows(self, phases: dict[str, str]) -> bool:
        mine = {wid: w["phase"] for wid, w in self.workspaces.items()}
        return self.error is None and mine == phases

    async def until_it_shows(self, phases: dict[str, str], deadline: Callable[[], float]) -> None:
        while not self.shows(phases):
            if self.reader.done():
                self.reader.result()  # the stream failed: say how
            left = deadline() - time.monotonic()
            mine = {w["name"]: w["phase"] for w in self.workspaces.values()}
            assert left > 0, f"the view shows {mine}, error {self.error}; truth {phases}"
            self.changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.05))

    async def close(self) -> None:
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)


@contextlib.asynccontextmanager
async def view(url: str, headers: dict[str, str]):
    async with events(url, headers) as stream:
        folded = View(stream)
        try:
            yield folded
        finally:
            await folded.close()


# -- operations through the extension ----------------------------------------------------------
@dataclass
class Op:
    action: str  # create, suspend, resume, delete
    target: str  # a create's name prefix, else the workspace id
    status: int = 0
    body: Any = None
    broken: str | None = None  # how the answer breaks openapi.yaml

    def __str__(self) -> str:
        said = self.body.get("message") if self.status != 202 else ""
        return f"{self.action} {self.target} answered {self.status} {said}".rstrip()

    async def send(self, http: httpx.AsyncClient, prefix: str) -> None:
        if self.action == "create":
            body = {**BUSYBOX, "name": self.target, "namePrefix": True}
            response = await http.post(f"{prefix}/workspaces", json=body)
        elif self.action == "delete":
            response = await http.delete(f"{prefix}/workspaces/{self.target}")
        else:
            response = await http.post(f"{prefix}/workspaces/{self.target}/{self.action}")
        self.status, self.body = response.status_code, response.json()
        try:
            check_answer(response, prefix)
        except OpenAPIError as exc:  # reported with the other problems
            self.broken = f"{type(exc).__name__}: {exc}"

    def problems(self, active: dict[str, dict], deleted: dict[str, dict]) -> list[str]:
        """How what Run:ai has contradicts this answer (empty: it does not)."""
        done = self.status == 202
        found = [f"{self}: the answer breaks openapi.yaml: {self.broken}"] if self.broken else []
        if not done and (self.status not in (502, 503, 504) or self.body["reason"] == "internal"):
            found.append(f"{self}: not an answer for an upstream failure")
        if self.action == "create":
            name = re.compile(rf"{re.escape(self.target)}-[a-z0-9]{{5}}")
            made = [w for w in (*active.values(), *deleted.values()) if name.fullmatch(w["name"])]
            if len(made) > 1:
                found.append(f"{self}, but Run:ai has it {len(made)} times: {made}")
            elif done and [w["id"] for w in made] != [self.body["id"]]:
                found.append(f"{self} (done) as {self.body['id']}, but Run:ai has {made}")
            elif not done and made and not may_have(self.body):
                found.append(f"{self} (failed), but Run:ai created {made[0]['name']}")
            return found
        before, after = EFFECT[self.action]
        now = (active.get(self.target) or {}).get("phase")
        now = now or ("deleted" if self.target in deleted else "missing")
        if done and now != after:
            found.append(f"{self} (done), but it is {now}")
        if not done and now != before and not (may_have(self.body) and now == after):
            found.append(f"{self} (failed), but it is {now}")
        return found


def audit_problems(ops: list[Op], lines: list[str]) -> list[str]:
    """One ``result=ok`` audit line for each action answered 202, none for the others."""
    found = []
    for op in ops:
        if op.action == "create":
            marks = [f"id={op.body['id']} "] if op.status == 202 else [f"/{op.target}-"]
        else:
            marks = [f"id={op.target} "]
        ok = [
            line
            for line in lines
            if f"action={op.action} " in line
            and all(m in line for m in marks)
            and line.endswith("result=ok")
        ]
        if len(ok) != (op.status == 202):
            found.append(f"{op}: {len(ok)} audit lines with result=ok")
    return found


def next_poll(poller: Any) -> Callable[[], float]:
    """A deadline: a poll interval from now or, while ``poller`` backs off after failed polls,
    its next poll; plus SLACK."""
    due = time.monotonic() + POLL_INTERVAL

    def deadline() -> float:
        nonlocal due
        if poller is not None and poller.error is not None:
            due = max(due, poller.next_poll_at)
        return due + SLACK

    return deadline


# -- the matrix ---------------------------------------------------------------------------------
@pytest.fixture
def faulty(runai_config, sim):
    """3 s tokens from the start, and a request timeout shorter than the 2 s latency."""
    set_faults(sim, token_lifetime_s=3)
    runai_config.update(request_timeout=REQUEST_TIMEOUT, poll_interval=POLL_INTERVAL)


@pytest.fixture
def server(jp_serverapp, http_server_client, http_server_port, jp_base_url, jp_auth_header):
    """Where the extension's API and event stream are (http_server_client makes it listen)."""
    root = f"http://127.0.0.1:{http_server_port[-1]}"
    return root, f"{jp_base_url}runai/api", jp_auth_header


async def test_fault_matrix(faulty, server, sim, client, exchanges, jp_serverapp, caplog):
    caplog.set_level(logging.INFO)
    poller = jp_serverapp.web_app.settings["runai_upstream"].poller
    await asyncio.wait_for(matrix(server, sim, client, exchanges, poller, caplog), MATRIX_TIMEOUT)


async def matrix(server, sim, client, exchanges, poller, caplog) -> None:
    root, prefix, auth = server
    truth = Truth(sim)
    started = time.monotonic()
    async with (
        httpx.AsyncClient(base_url=root, headers=auth, timeout=60) as http,
        view(f"{root}{prefix}/events", auth) as panel,
    ):
        for number, (label, faults) in enumerate(ROUNDS, start=1):
            # a known starting point, made with no faults: Running ones to suspend or delete,
            # Stopped ones to resume
            running = await asyncio.gather(
                *(client.create_workspace(f"r{number}-run-{i}", **BUSYBOX) for i in range(2 * EACH))
            )
            stopped = await asyncio.gather(
                *(client.create_workspace(f"r{number}-stop-{i}", **BUSYBOX) for i in range(EACH))
            )
            await asyncio.gather(*(client.suspend_workspace(w.id) for w in stopped))
            await truth.settled()
            ops = [
                *(Op("create", f"r{number}-new-{i}") for i in range(EACH)),
                *(Op("suspend", w.id) for w in running[:EACH]),
                *(Op("delete", w.id) for w in running[EACH:]),
                *(Op("resume", w.id) for w in stopped),
            ]
            random.Random(SEED + number).shuffle(ops)

            before = stats(sim)
            set_faults(sim, **faults)
            try:
                sent = await asyncio.gather(
                    *(op.send(http, prefix) for op in ops), return_exceptions=True
                )
            finally:
                set_faults(sim, **OFF)
            for failure in sent:
                if isinstance(failure, BaseException):
                    raise failure

            active, deleted = await truth.settled()
            problems = [p for op in ops for p in op.problems(active, deleted)]
            lines = [r.getMessage() for r in caplog.records]
            problems += audit_problems(ops, [ln for ln in lines if "jupyter-runai audit:" in ln])
            outcomes = sorted(f"{op.action} {op.status}" for op in ops)
            assert not problems, f"round {label!r} ({outcomes}):\n" + "\n".join(problems)
            if faults.get("match") == CREATE:
                # a create whose answer timed out was found by its request id, not sent again
                assert stats(sim)[CREATE] - before.get(CREATE, 0) == EACH

            # the view open through the faults catches up by its poller's next poll, and a new
            # view shows the truth within a poll interval
            phases = {wid: w["phase"] for wid, w in active.items()}
            await panel.until_it_shows(phases, next_poll(poller))
            async with view(f"{root}{prefix}/events", auth) as fresh:
                await fresh.until_it_shows(phases, next_poll(None))

    # 3 s tokens: the server kept replacing its token as it expired
    elapsed = time.monotonic() - started
    mine = truth.tokens + sum(1 for e in exchanges if e.request.url.path == "/api/v1/token")
    assert stats(sim)[TOKEN] - mine >= elapsed / 3 - 1, (stats(sim)[TOKEN], mine, elapsed)


# -- each way an answer can be lost, alone and on purpose -----------------------------------------
# The matrix meets these by chance; here each happens every time.
async def phase_of(sim: Simulator, wid: str) -> str:
    active, deleted = await Truth(sim).read()
    return active[wid]["phase"] if wid in active else "deleted" if wid in deleted else "missing"


async def test_a_create_whose_answer_and_look_up_are_lost_does_not_just_fail(api, sim):
    assert (await api("GET", "projects")).status == 200  # the token and projects are known
    # the POST is acted on and its answer lost; so are the four tries of the look-up after it
    set_faults(sim, drop_connections=1, times=5)
    answer = await api("POST", "workspaces", {**BUSYBOX, "name": "lost"})
    made = [w["name"] for w in sim_workspaces(sim) if w["name"] == "lost"]
    assert answer.status == 202 or not made or may_have(answer.body), (answer.body, made)


async def test_a_create_whose_last_try_is_lost_does_not_just_fail(api, sim):
    assert (await api("GET", "projects")).status == 200
    # three tries answered 503 (Retry-After 0.5 s); the fourth and last is acted on and lost
    set_faults(sim, error_rate=1, error_status=503, retry_after=0.5, match=CREATE, times=3)
    sending = asyncio.ensure_future(api("POST", "workspaces", {**BUSYBOX, "name": "last"}))
    await async_wait_until(lambda: stats(sim).get(CREATE, 0) == 3)
    set_faults(sim, error_rate=0, drop_connections=1, match=CREATE, times=1)
    answer = await sending
    made = [w["name"] for w in sim_workspaces(sim) if w["name"] == "last"]
    assert stats(sim)[CREATE] == 4
    assert answer.status == 202 or not made or may_have(answer.body), (answer.body, made)


@pytest.fixture(params=["dropped", "timed out"])
def lost(request, runai_config):
    """How every answer to one action is lost; it is acted on each time."""
    if request.param == "timed out":
        runai_config["request_timeout"] = 0.5
        return {"latency_ms": 2000, "match": SUSPEND}
    return {"drop_connections": 1, "match": SUSPEND}


async def test_an_action_whose_answers_are_lost_does_not_just_fail(lost, api, sim):
    created = (await api("POST", "workspaces", {**BUSYBOX, "name": "nb"})).body
    await async_wait_until(lambda: sim_workspaces(sim)[0]["phase"] == "Running")
    set_faults(sim, **lost)
    answer = await api("POST", f"workspaces/{created['id']}/suspend")
    set_faults(sim, **OFF)
    now = await phase_of(sim, created["id"])
    assert now == "Running" or answer.status == 202 or may_have(answer.body), (answer.body, now)


@pytest.fixture
def fast_sim(runai_config):
    """A simulator 100,000 times faster than real time: a delete is over within 10 µs."""
    with Simulator(time_scale=100_000) as simulator:
        runai_config.update(url=simulator.url)
        yield simulator


async def test_a_delete_whose_answer_is_lost_is_not_answered_not_found(fast_sim, api):
    created = (await api("POST", "workspaces", {**BUSYBOX, "name": "nb"})).body
    # acted on and its answer lost; the client's second try finds the workspace gone
    set_faults(fast_sim, drop_connections=1, match=DELETE, times=1)
    answer = await api("DELETE", f"workspaces/{created['id']}", contract=False)
    now = await phase_of(fast_sim, created["id"])
    assert now == "deleted"
    assert answer.status == 202 or may_have(answer.body), answer.body


async def test_an_action_on_a_workspace_gone_by_its_re_read_answers_by_the_contract(fast_sim, api):
    created = (await api("POST", "workspaces", {**BUSYBOX, "name": "nb"})).body
    answer = await api("DELETE", f"workspaces/{created['id']}")  # checked against openapi.yaml
    assert answer.status == 202
