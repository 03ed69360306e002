"""Shared fixtures: a real simulator on loopback per test, clients whose every exchange is
checked against the official Run:ai spec when the test ends; and the simulators' own record of
what they served (from any process: extension, hub service, kernels), checked the same way."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from conformance import Exchange, RecordingTransport, check
from extension import call
from harness import TIME_SCALE, check_served, make_client, reset, wait_until
from live import Kernel, LiveServer

from jupyter_runai.client import AsyncRunaiClient
from jupyter_runai.simulator import Simulator

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(time_scale=TIME_SCALE) as simulator:
        yield simulator


#: The shared simulators whose served exchanges are checked after every test that uses them.
#: Simulator fixtures whose served exchanges are spec-checked after each test that uses them
#: (the last three are test modules' own: a real-time one, a very fast one, the per-user hub's).
CHECKED_SIMULATORS = (
    "sim",
    "live_sim",
    "hub_sim",
    "ui_sim",
    "slow_sim",
    "fast_sim",
    "per_user_sim",
)


@pytest.fixture(autouse=True)
def served_exchanges_conform(request) -> Iterator[None]:
    """Whatever talked to the test's simulators, each exchange must conform to the spec."""
    used = [name for name in CHECKED_SIMULATORS if name in request.fixturenames]
    simulators = [request.getfixturevalue(name) for name in used]
    yield
    for simulator in simulators:
        check_served(simulator)


@pytest.fixture
def exchanges() -> Iterator[list[Exchange]]:
    """Every exchange the test's clients made; all must conform to the spec."""
    recorded: list[Exchange] = []
    yield recorded
    for exchange in recorded:
        check(exchange)


@pytest.fixture
def client(sim, exchanges, jp_asyncio_loop) -> Iterator[AsyncRunaiClient]:
    runai = make_client(sim, exchanges)
    yield runai
    jp_asyncio_loop.run_until_complete(runai.aclose())


@pytest.fixture
def raw(sim, exchanges, jp_asyncio_loop) -> Iterator[httpx.AsyncClient]:
    """Plain HTTP to the simulator, for requests a well-behaved client would not send.

    Its requests are not held to the spec (some break it on purpose); the answers are.
    """
    http = httpx.AsyncClient(
        base_url=sim.url, transport=RecordingTransport(exchanges, request_must_conform=False)
    )
    yield http
    jp_asyncio_loop.run_until_complete(http.aclose())


@pytest.fixture
def runai_config(sim) -> dict:
    """c.RunaiApp settings for the server under test; tests may change them before it starts."""
    return {
        "url": sim.url,
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "poll_interval": 0.2,
    }


@pytest.fixture
def jp_server_config(runai_config) -> dict:
    return {
        "ServerApp": {
            # terminals' websocket handler is not @authenticated: it fails to load under
            # allow_unauthenticated_access=False, so leave it out
            "jpserver_extensions": {"jupyter_runai": True, "jupyter_server_terminals": False},
            "allow_unauthenticated_access": False,
        },
        "RunaiApp": runai_config,
    }


@pytest.fixture
def api(jp_fetch, jp_base_url, jp_serverapp):
    """``await api("GET", "workspaces")``: the extension's API, answers checked by contract."""

    async def _call(method: str, path: str, body=None, **kwargs):
        return await call(jp_fetch, method, path, body, base_url=jp_base_url, **kwargs)

    return _call


@pytest.fixture(scope="module")
def live_sim() -> Iterator[Simulator]:
    """The simulator behind the live server (one per test module)."""
    with Simulator(time_scale=20) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def live(live_sim, tmp_path_factory) -> Iterator[LiveServer]:
    """A real `jupyter server` process with jupyter-runai, for kernels to talk to."""
    server = LiveServer(tmp_path_factory.mktemp("live"), live_sim.url, default_project="team-a")
    yield server
    server.stop()


@pytest.fixture
def kernel(live) -> Iterator[Kernel]:
    """A real kernel started by the live server (so it has the server's environment)."""
    started = live.start_kernel()
    yield started
    started.shutdown()


# -- JupyterHub (tests/hubharness.py) -----------------------------------------------------------


def _require_proxy() -> None:
    from hubharness import configurable_http_proxy

    if configurable_http_proxy() is None:
        pytest.fail("JupyterHub tests need configurable-http-proxy, or node and npm to install it")


@pytest.fixture(scope="session")
def unix_users():
    """The hub's users as real unprivileged Unix accounts (the example's LocalProcessSpawner
    starts each user's server as its own), made for the session and removed after."""
    from hubharness import UnixUsers

    users = UnixUsers().create()
    yield users
    users.remove()


@pytest.fixture(scope="session")
def hub_sim() -> Iterator[Simulator]:
    """The simulator behind the session's hub (its runai service's Run:ai); a random secret, so
    that tests can look for it in logs and environments."""
    with Simulator(time_scale=50, client_secret=secrets.token_urlsafe(24)) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def hub(hub_sim, unix_users, tmp_path_factory):
    """A real JupyterHub running examples/jupyterhub/jupyterhub_config.py, for the session.

    ``hub.start_server("alice")``, ``hub.user_token("alice")``, ``hub.request("GET",
    "/user/alice/api/status", token)``, ``hub.api("GET", "users/alice")`` (admin token),
    ``hub.log_text()``, ``hub.service_log_text()``. Tests share it: use distinct workspace names,
    and leave servers as you found them.
    """
    from hubharness import SERVICE_TIMEOUT_S, Hub, runai_env

    _require_proxy()
    started = Hub(
        tmp_path_factory.mktemp("hub"),
        runai_env=runai_env(hub_sim, tmp_path_factory.mktemp("service")),
        last_activity_interval=1,  # the culling test waits for the hub's activity sweeps
        extra_config=f"c.Spawner.args.append('--RunaiApp.hub_service_timeout={SERVICE_TIMEOUT_S}')\n",
    ).start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def people(hub):
    """alice and bob (group team-a -> project team-a) with running servers in hub mode, carol
    (group vision -> team-b), and the hub admin; a token each."""
    for name in ("alice", "bob"):
        hub.start_server(name)
    for name in ("carol", "admin"):
        hub.create_user(name)
    return {name: hub.user_token(name) for name in ("alice", "bob", "carol", "admin")}


@pytest.fixture
def hub_factory(tmp_path, unix_users):
    """``hub_factory(internal_ssl=True, runai_env=...)``: another hub (options as
    ``hubharness.Hub``), started now and stopped when the test ends."""
    from hubharness import Hub

    _require_proxy()
    hubs = []

    def make(**options):
        hub = Hub(tmp_path / f"hub{len(hubs)}", **options)
        hubs.append(hub)
        return hub.start()

    yield make
    for started in hubs:
        started.stop()


# -- browser tests in real Chromium (tests/browser.py) ------------------------------------------


def pytest_collection_modifyitems(items) -> None:
    """Every test that drives Chromium is a browser test (``-m browser`` runs only those)."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember whether the test itself failed, so ``open_lab`` can keep screenshots of it."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[TEST_FAILED] = True
    return report


TEST_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def ui_sim() -> Iterator[Simulator]:
    """The simulator behind the session's JupyterLab (20x real time); ``open_lab`` resets it to
    the seed for each test. Freeze or step its clock with ``harness.set_clock(ui_sim, ...)``,
    break it with ``harness.set_faults(ui_sim, ...)``."""
    with Simulator(time_scale=20) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def lab(ui_sim, tmp_path_factory):
    """A JupyterLab process with jupyter-runai on ``ui_sim`` (``browser.Lab``), for the session:
    ``lab.url``, ``lab.http`` (token-authenticated httpx client: ``lab.http.post(
    "runai/api/workspaces", json=...)``), ``lab.log_text()``, ``lab.root``."""
    from browser import Lab

    started = Lab(tmp_path_factory.mktemp("lab"), ui_sim.url)
    yield started
    started.stop()


@pytest.fixture(scope="session")
def chromium():
    """Playwright with Debian's Chromium (``browser.Chromium``), in a thread of its own; a
    missing Chromium fails the test that needs it."""
    from browser import Chromium

    started = Chromium()
    yield started
    started.stop()


@pytest.fixture
def open_lab(request, lab, ui_sim, chromium, lab_factory):
    """``open_lab(width=1024, theme="light", notebook=None, on=None)`` -> ``browser.LabPage``: a
    new tab (its own browser context) on the session's Lab (or ``on``, one from ``lab_factory``),
    on ``/lab`` or, with ``notebook=``, on that notebook with every cell run. Each test starts
    from the simulator's seed; its tabs and kernels end with it, and a failed test leaves
    screenshots of its tabs (``-failed``)."""
    from browser import LabPage

    del lab_factory  # requested only so that its Labs stop after these tabs close
    reset(ui_sim)
    wait_until(
        lambda: lab.http.get("runai/api/workspaces").json()["workspaces"] == [],
        timeout=30,
        what="the extension to forget the previous test's workspaces",
    )
    pages: list[LabPage] = []

    def make(
        width: int = 1024, theme: str = "light", notebook: str | None = None, on=None
    ) -> LabPage:
        page = LabPage(chromium, on or lab, request.node.originalname, width, theme)
        pages.append(page)
        if notebook is None:
            page.goto("lab")
        else:
            page.open_and_run(notebook)
        return page

    yield make
    failed = request.node.stash.get(TEST_FAILED, False)
    for page in pages:
        if failed:
            page.keep_evidence()
        page.close()
    lab.shutdown_kernels()


@pytest.fixture
def lab_factory(ui_sim, tmp_path):
    """``lab_factory(extension=False)``, ``lab_factory(runai_url=None)`` (not configured),
    ``lab_factory(poll_interval=2)``: another JupyterLab (options as ``browser.Lab``; on
    ``ui_sim`` by default), started now and stopped when the test ends; ``open_lab(on=it)``."""
    from browser import Lab

    labs = []

    def make(runai_url: str | None = ui_sim.url, **options) -> Lab:
        started = Lab(tmp_path / f"lab{len(labs)}", runai_url, **options)
        labs.append(started)
        return started

    yield make
    for started in labs:
        started.stop()


@pytest.fixture
def notebook(request, lab):
    """``notebook("import jupyter_runai as runai", "runai.panel()")`` -> the name of a new
    notebook of those code cells in Lab's root (or ``on=`` another Lab's), unique to the test,
    for ``open_lab(notebook=...)``."""
    from browser import safe_name

    made = 0

    def make(*cells: str, on=None) -> str:
        nonlocal made
        made += 1
        return (on or lab).notebook(f"{safe_name(request.node.name)}-{made}.ipynb", list(cells))

    return make
