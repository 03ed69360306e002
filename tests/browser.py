"""Browser tests in real Chromium: a JupyterLab process with jupyter-runai on a simulator, and
Playwright pages on it.

``Lab(workdir, runai_url)`` runs ``python -m jupyterlab`` as a process with its own root, config,
data and runtime folders under ``workdir`` (fresh settings and workspaces, nothing of the
developer's), the news prompt and update check off, ``window.jupyterapp`` exposed, and the
server extension configured for the simulator. Its output goes to a file, read after it ends or
on failure (``lab.log_text()``); readiness is polled with a deadline.

``LabPage`` is one browser tab at a given width and theme, with the helpers tests need: open a
notebook and run it, run a JupyterLab command, screenshot into ``test-artifacts/screenshots/``,
and the WCAG contrast of an element against what is really behind it. The fixtures that wire
these together live in conftest.py: ``open_lab`` and ``notebook`` for tests, over the session's
``ui_sim``, ``lab`` and ``chromium``; ``lab_factory`` for a Lab configured otherwise.

Playwright's sync API runs its own event loop inside a greenlet, and while it is started it
leaves that loop marked as the thread's running loop, so asyncio code in the same thread
(pytest-jupyter's fixtures, ``asyncio.run``) would fail. ``Chromium`` therefore owns a thread of
its own where Playwright lives, and every call crosses to it (see ``Chromium.call``).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import nbformat
from harness import wait_until
from live import free_port

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
#: Debian's package; Playwright cannot download its own browsers here (no CDN access).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
WIDTHS = (700, 1024, 1400)
HEIGHT = 900
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
TOKEN = "ui-test-token"
#: The splash screen Lab shows while it loads or changes theme (gone when it is done).
SPLASH = "#jupyterlab-splash"
#: Deadline for one UI condition (rendering, a kernel reply, a live update), in ms. Generous:
#: the machine is 2 shared cores, and a condition wait returns as soon as it holds.
TIMEOUT_MS = 30_000
#: Environment of the test process that must not reach Lab (or its kernels).
DROP_ENV = (
    "JUPYTER_RUNAI_URL",
    "JUPYTER_RUNAI_TOKEN",
    "JUPYTER_RUNAI_SOCKET",
    "RUNAI_URL",
    "RUNAI_CLIENT_ID",
    "RUNAI_CLIENT_SECRET",
    "RUNAI_TOKEN",
    "RUNAI_PROJECT",
    "RUNAI_CLI_CONFIG_PATH",
    "RUNAI_HUB_SERVICE_URL",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTER_PATH",
    "JUPYTER_CONFIG_PATH",
)


def require_chromium() -> str:
    """The Chromium to drive; a missing one fails the test (never a skip)."""
    if not os.access(CHROMIUM, os.X_OK):
        raise AssertionError(
            f"browser tests need Chromium at {CHROMIUM} (Debian: `apt-get install chromium`; "
            ".ci/run installs it); Playwright cannot download browsers here"
        )
    return CHROMIUM


# -- JupyterLab ----------------------------------------------------------------------------------


class Lab:
    """``python -m jupyterlab`` with jupyter-runai on ``runai_url``; ``stop()`` ends it.

    ``runai`` adds or overrides ``c.RunaiApp`` settings (``poll_interval=2``); ``runai_url=None``
    leaves the extension unconfigured (no URL, no credentials); ``extension=False`` disables it.
    """

    def __init__(
        self,
        workdir: Path,
        runai_url: str | None,
        *,
        extension: bool = True,
        startup_timeout: float = 120,
        **runai: Any,
    ):
        self.workdir = workdir
        self.extension = extension
        self.root = workdir / "root"  # what the file browser shows; notebooks go here
        self.log_path = workdir / "lab.log"
        for folder in ("root", "config", "data", "runtime", "ipython"):
            (workdir / folder).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        credentials = {"url": runai_url, "client_id": "sim-client", "client_secret": "sim-secret"}
        config = {
            "ServerApp": {"jpserver_extensions": {"jupyter_runai": extension}},
            "LabApp": {
                "news_url": None,  # no "get notified about Jupyter news?" toast over the UI
                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                "expose_app_in_browser": True,  # window.jupyterapp, to run commands
            },
            "RunaiApp": {
                **(credentials if runai_url else {}),
                "poll_interval": 0.5,
                "default_project": "team-a",
                **runai,
            },
        }
        (workdir / "config.json").write_text(json.dumps(config))
        # news_url=None alone still leaves Lab 4.6 asking "get notified about Jupyter news?" in a
        # toast that covers the bottom right: answer it in the user's settings.
        notification = workdir / "config/lab/user-settings/@jupyterlab/apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
        env.update(
            JUPYTER_CONFIG_DIR=str(workdir / "config"),
            JUPYTER_DATA_DIR=str(workdir / "data"),
            JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
            IPYTHONDIR=str(workdir / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",  # the future default; silences jupyter_core's warning
        )
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={self.root}",
            f"--config={workdir / 'config.json'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # stop() can end its kernels with it
        )
        self.http = httpx.Client(
            base_url=self.url, headers={"Authorization": f"token {TOKEN}"}, timeout=30
        )
        started = time.monotonic()
        try:
            self._wait_ready(startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _wait_ready(self, timeout: float) -> None:
        ready = "runai/api/status" if self.extension else "api/status"

        def answers() -> bool:
            if self.process.poll() is not None:  # not an AssertionError: wait_until lets it out
                raise RuntimeError(
                    f"JupyterLab exited with {self.process.returncode}:\n{self.log_text()}"
                )
            with contextlib.suppress(httpx.TransportError):
                return (
                    self.http.get(ready).status_code == 200
                    and self.http.get("lab").status_code == 200
                )
            return False

        try:
            wait_until(answers, timeout, "JupyterLab to answer")
        except AssertionError as exc:
            raise AssertionError(f"{exc}:\n{self.log_text()}") from None

    def api(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """``method`` on the extension's ``runai/api/<path>``; the answer must match
        openapi.yaml (``lab.api("POST", "workspaces", {...}).json()``)."""
        from extension import check_answer

        response = self.http.request(method, f"runai/api/{path}", json=body)
        check_answer(response, f"{self.url}runai/api")
        return response

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def page_url(self, path: str = "lab") -> str:
        """A URL that logs the browser in (the token becomes a cookie on the first load)."""
        joiner = "&" if "?" in path else "?"
        return f"{self.url}{path.lstrip('/')}{joiner}token={TOKEN}"

    def set_theme(self, theme: str) -> None:
        """The theme the next page load starts in, through the settings API (as Settings does)."""
        name = THEMES[theme]
        response = self.http.put(
            "lab/api/settings/@jupyterlab/apputils-extension:themes",
            json={"raw": json.dumps({"theme": name})},
        )
        assert response.status_code == 204, response.text

    def notebook(self, name: str, cells: list[str]) -> str:
        """Write a fresh notebook of code ``cells`` under Lab's root; returns its Lab path."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nbformat.write(nb, self.root / name)
        return name

    def shutdown_kernels(self) -> None:
        """End every kernel and session (what a test leaves running must not reach the next)."""
        for session in self.http.get("api/sessions").json():
            self.http.delete(f"api/sessions/{session['id']}")
        for kernel in self.http.get("api/kernels").json():
            self.http.delete(f"api/kernels/{kernel['id']}")

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()  # Jupyter's clean stop: it shuts its kernels down too
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self._log.close()


# -- Chromium, driven from a thread of its own ---------------------------------------------------


class Chromium:
    """Playwright and one Chromium, living in their own thread for the whole session.

    ``chromium.call(fn, *args)`` runs ``fn`` in that thread and returns its result (or raises its
    exception). Playwright objects come back wrapped in ``Remote``, which does the same for every
    attribute and method, so tests use them as usual and never see the thread.
    """

    def __init__(self) -> None:
        executable = require_chromium()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="playwright")
        started = time.monotonic()
        try:
            self._playwright, self.browser = self.call(self._start, executable)
        except BaseException:
            self._executor.shutdown()
            raise
        self.startup_seconds = time.monotonic() - started
        self.version = self.call(lambda: self.browser.version)

    @staticmethod
    def _start(executable: str) -> tuple[Any, Any]:
        from playwright.sync_api import expect as playwright_expect
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            playwright_expect.set_options(timeout=TIMEOUT_MS)
        except BaseException:
            playwright.stop()
            raise
        return playwright, browser

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name.startswith("playwright"):
            return fn(*args, **kwargs)  # already there (a callback, a helper calling a helper)
        return self._executor.submit(fn, *args, **kwargs).result()

    def new_page(self, width: int = 1024, height: int = HEIGHT) -> Remote:
        """A blank tab in a context of its own (``page.context.close()`` ends both)."""

        def open_page() -> Any:
            context = self.browser.new_context(
                viewport={"width": width, "height": height},
                permissions=["clipboard-read", "clipboard-write"],  # "Copy as ..." tests
            )
            context.set_default_timeout(TIMEOUT_MS)
            return context.new_page()

        return Remote(self, self.call(open_page))

    def stop(self) -> None:
        def close() -> None:
            self.browser.close()
            self._playwright.stop()

        self.call(close)
        self._executor.shutdown(wait=True)


def _is_playwright(value: Any) -> bool:
    return type(value).__module__.startswith("playwright.")


class Remote:
    """A Playwright object living in Playwright's thread: attribute reads and calls cross to it,
    and Playwright objects they return (locators, handles, ``page.keyboard``) are wrapped too."""

    __slots__ = ("_chromium", "_target")

    def __init__(self, chromium: Chromium, target: Any) -> None:
        object.__setattr__(self, "_chromium", chromium)
        object.__setattr__(self, "_target", target)

    def _wrap(self, value: Any) -> Any:
        if _is_playwright(value):
            return Remote(self._chromium, value)
        if isinstance(value, list) and any(_is_playwright(item) for item in value):
            return [self._wrap(item) for item in value]
        return value

    def __getattr__(self, name: str) -> Any:
        value = self._chromium.call(getattr, self._target, name)
        if callable(value) and not _is_playwright(value):

            def method(*args: Any, **kwargs: Any) -> Any:
                args = tuple(_unwrap(a) for a in args)
                kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
                return self._wrap(self._chromium.call(value, *args, **kwargs))

            return method
        return self._wrap(value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{name}: Playwright objects are not changed by assignment")

    def __enter__(self) -> Any:  # ``with page.expect_popup() as popup:`` and the like
        return self._wrap(self._chromium.call(self._target.__enter__))

    def __exit__(self, *exc: Any) -> Any:
        return self._chromium.call(self._target.__exit__, *exc)

    def __repr__(self) -> str:
        return f"Remote({self._chromium.call(repr, self._target)})"


def _unwrap(value: Any) -> Any:
    return value._target if isinstance(value, Remote) else value


def expect(actual: Remote, message: str | None = None) -> Remote:
    """Playwright's ``expect`` for a ``Remote`` locator or page: ``expect(locator).to_be_visible()``
    (condition waits with Playwright's deadline, set to ``TIMEOUT_MS`` here)."""
    from playwright.sync_api import expect as playwright_expect

    if not isinstance(actual, Remote):
        raise TypeError("expect() takes a locator or page from a LabPage (a Remote)")
    chromium = actual._chromium
    return Remote(chromium, chromium.call(playwright_expect, actual._target, message))


# -- one tab ---------------------------------------------------------------------------------------

#: The WCAG contrast of an element's text against its effective background, computed in the page:
#: colours are resolved by a canvas (so any CSS colour syntax works), and translucent
#: backgrounds of the element and its ancestors are composited down to the first opaque one (the
#: page is white below everything). Opacity of the element and its ancestors fades the text.
_CONTRAST_JS = """
(element) => {
  if (!element.isConnected) return null;  // replaced by a live update meanwhile: measure again
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return a === 0 ? [0, 0, 0, 0] : [r, g, b, a / 255];
  };
  const over = (top, bottom) => {  // top composited over an opaque bottom
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const layers = [];
  let opacity = 1;
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    const style = getComputedStyle(node);
    const own = parseFloat(style.opacity);
    opacity *= Number.isNaN(own) ? 1 : own;
    const background = rgba(style.backgroundColor);
    if (background[3] > 0) layers.push(background);
    if (background[3] >= 1) break;
  }
  let background = [255, 255, 255, 1];
  for (const layer of layers.reverse()) background = over(layer, background);
  const text = rgba(getComputedStyle(element).color);
  const foreground = over([text[0], text[1], text[2], text[3] * opacity], background);
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [hi, lo] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
  const hex = (c) =>
    '#' + c.slice(0, 3).map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
  return {ratio: (hi + 0.05) / (lo + 0.05), color: hex(foreground), background: hex(background),
          text: (element.innerText || '').trim().slice(0, 80)};
}
"""


def settle(page: Any, function: str, arg: Any = None, what: str = "") -> Any:
    """Call the page's JavaScript ``function(arg)``, which may return a promise, and wait (with
    the page's deadline, which a bare ``evaluate`` lacks) until it settles: its JSON value (or
    string), or an AssertionError with the rejection."""
    key = page.evaluate(
        """(arg) => {
            const settled = (window.__uiSettled = window.__uiSettled || []);
            const key = settled.push(undefined) - 1;
            Promise.resolve()
                .then(() => (FUNCTION)(arg))
                .then((value) => {
                    let json = null;
                    try { json = JSON.parse(JSON.stringify(value ?? null)); }
                    catch (e) { json = String(value); }
                    settled[key] = {value: json};
                }, (error) => { settled[key] = {error: String(error?.stack || error)}; });
            return key;
        }""".replace("FUNCTION", function),
        arg,
    )
    page.wait_for_function("(key) => window.__uiSettled[key] !== undefined", arg=key)
    outcome = page.evaluate("(key) => window.__uiSettled[key]", key)
    assert "error" not in outcome, f"{what or function} failed: {outcome['error']}"
    return outcome["value"]


def contrast(locator: Remote) -> dict[str, Any]:
    """WCAG contrast of the first element ``locator`` matches, as rendered now: ``{"ratio":
    4.6, "color": "#2e7d32", "background": "#ffffff", "text": "Running"}`` (colours after
    compositing). Point it at the element whose own ``color`` the text has (the innermost one
    around the text). Gradients and background images are not seen."""
    return locator.first.evaluate(_CONTRAST_JS)


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


class LabPage:
    """One browser tab on ``lab``, ``width`` px wide (900 high), in ``theme`` ("light"/"dark").

    ``lp.page`` is the Playwright page (a ``Remote``): ``lp.page.get_by_text("x").click()``,
    ``expect(lp.page.locator(".jp-Notebook")).to_be_visible()`` with this module's ``expect``.
    ``lp.run(lambda page: ...)`` runs a function on the bare page in Playwright's thread (one
    crossing for many steps).
    """

    def __init__(self, chromium: Chromium, lab: Lab, test: str, width: int, theme: str):
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {sorted(THEMES)}, not {theme!r}")
        self.chromium = chromium
        self.lab = lab
        self.test = safe_name(test)
        self.width = width
        self.theme = theme

        self.page = chromium.new_page(width)
        self._page = self.page._target
        self.console: list[str] = []  # browser console errors, for failure messages
        self.run(lambda page: page.on("console", self._on_console))

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console.append(message.text)

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(page, *args)`` in Playwright's thread; its result."""
        return self.chromium.call(fn, self._page, *args)

    def goto(self, path: str = "lab") -> None:
        """Load ``path`` (``lab``, ``lab/tree/x.ipynb``) in this tab's theme, with a fresh Lab
        layout (``reset``: no tabs restored from earlier tests), and wait until Lab is up."""
        self.lab.set_theme(self.theme)
        url = self.lab.page_url(path + ("&reset" if "?" in path else "?reset"))

        def load(page: Any) -> None:
            page.goto(url)
            page.wait_for_function("() => window.jupyterapp")  # set once Lab has started
            settle(page, "() => window.jupyterapp.restored")
            page.wait_for_function(
                "(theme) => document.body.dataset.jpThemeName === theme", arg=THEMES[self.theme]
            )
            page.wait_for_selector(SPLASH, state="detached")

        self.run(load)

    def command(self, command: str, args: dict[str, Any] | None = None) -> Any:
        """Run a JupyterLab command (``notebook:run-all-cells``), wait for it to finish, and
        return what it returned (when that is JSON; else its string)."""
        return self.run(
            lambda page: settle(
                page,
                "([command, args]) => window.jupyterapp.commands.execute(command, args)",
                [command, args or {}],
                what=command,
            )
        )

    def open_notebook(self, name: str) -> None:
        """Open ``name`` (under Lab's root) and wait until its kernel is idle."""
        self.goto(f"lab/tree/{name}")

        def kernel_idle(page: Any) -> None:
            page.wait_for_function(
                """(name) => {
                    const widget = window.jupyterapp.shell.currentWidget;
                    const context = widget && widget.context;
                    return context && context.path === name &&
                        widget.sessionContext.session?.kernel?.status === 'idle';
                }""",
                arg=name,
                timeout=60_000,  # a kernel start on a busy machine
            )

        self.run(kernel_idle)

    def run_all(self) -> None:
        """Run every cell of the open notebook and wait until each has run; a cell that
        raised fails the test with its error."""
        self.command("notebook:run-all-cells")  # resolves once every cell's reply is in
        cells = self.run(
            lambda page: page.evaluate(
                """() => {
                    const model = window.jupyterapp.shell.currentWidget.content.model;
                    const cells = [];
                    for (let i = 0; i < model.cells.length; i++) {
                        const cell = model.cells.get(i);
                        if (cell.type !== 'code') continue;
                        const errors = [];
                        for (let j = 0; j < cell.outputs.length; j++) {
                            const out = cell.outputs.get(j).toJSON();
                            if (out.output_type === 'error')
                                errors.push(`${out.ename}: ${out.evalue}`);
                        }
                        cells.push({index: i, count: cell.executionCount, errors});
                    }
                    return cells;
                }"""
            )
        )
        not_run = [cell["index"] for cell in cells if cell["count"] is None]
        raised = [(cell["index"], cell["errors"]) for cell in cells if cell["errors"]]
        assert not raised, f"cells raised (index, errors): {raised}"
        assert not not_run, f"cells {not_run} did not run"

    def open_and_run(self, name: str) -> None:
        self.open_notebook(name)
        self.run_all()

    def open_sidebar(self, widget_id: str) -> Remote:
        """Click the left or right sidebar tab of the widget ``widget_id`` (unless it is already
        open) and return the widget's locator once it shows."""
        tab = self.page.locator(f'.jp-SideBar li[data-id="{widget_id}"]')
        panel = self.page.locator(f"#{widget_id}")
        expect(tab).to_be_visible()
        if not panel.is_visible():
            tab.click()
        expect(panel).to_be_visible()
        return panel

    def clipboard(self) -> str:
        """What the page's clipboard holds now (after a "Copy" in the UI)."""
        return self.run(lambda page: settle(page, "() => navigator.clipboard.readText()"))

    def resize(self, width: int, height: int = HEIGHT) -> None:
        """Make the tab ``width`` px wide (Lab relayouts; screenshots are named for it)."""
        self.run(lambda page: page.set_viewport_size({"width": width, "height": height}))
        self.width = width

    def switch_theme(self, theme: str) -> None:
        """Change the theme in the open page (as Settings > Theme does) and wait until it shows."""
        self.command("apputils:change-theme", {"theme": THEMES[theme]})

        def shown(page: Any) -> None:
            page.wait_for_function(
                "(theme) => document.body.dataset.jpThemeName === theme", arg=THEMES[theme]
            )
            page.wait_for_selector(SPLASH, state="detached")  # Lab shows it while it changes

        self.run(shown)
        self.theme = theme

    def screenshot(self, label: str = "", element: Remote | None = None) -> Path:
        """Save ``test-artifacts/screenshots/<test>[-label]-<width>-<theme>.png`` of the tab
        (or of ``element``, a locator); returns its path."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = "-".join(part for part in (self.test, safe_name(label)) if part)
        path = SCREENSHOTS / f"{stem}-{self.width}-{self.theme}.png"
        if element is None:
            self.run(lambda page: page.screenshot(path=str(path)))
        else:
            element.screenshot(path=str(path))
        return path

    def contrast(self, element: str | Remote | Callable[[Any], Any]) -> dict[str, Any]:
        """``contrast()`` of ``element``: a selector, a locator from ``self.page``, or a function
        of the bare page returning a locator (``lambda page: page.get_by_text("Running")``)."""
        for _attempt in range(20):  # a live view may replace the element as it is measured
            if isinstance(element, str):
                found = contrast(self.page.locator(element))
            elif isinstance(element, Remote):
                found = contrast(element)
            else:
                found = self.run(lambda page: element(page).first.evaluate(_CONTRAST_JS))
            if found is not None:
                return found
        raise AssertionError("the element kept being replaced while it was measured")

    def assert_readable(
        self, element: str | Remote | Callable[[Any], Any], minimum: float = 4.5
    ) -> float:
        """The element's text meets ``minimum``:1 (WCAG AA for normal text); the ratio."""
        found = self.contrast(element)
        assert found["ratio"] >= minimum, (
            f"{found['text']!r}: {found['color']} on {found['background']} is "
            f"{found['ratio']:.2f}:1, below {minimum}:1 ({self.theme} theme, {self.width} px)"
        )
        return found["ratio"]

    def keep_evidence(self) -> None:
        """After a failure: a screenshot (``-failed``), and next to the screenshots folder the
        browser's console errors and Lab's log, named for the test."""
        self.screenshot("failed")
        (ARTIFACTS / f"{self.test}-console.log").write_text("\n".join(self.console))
        shutil.copyfile(self.lab.log_path, ARTIFACTS / f"{self.test}-lab.log")

    def close(self) -> None:
        self.chromium.call(self._page.context.close)
