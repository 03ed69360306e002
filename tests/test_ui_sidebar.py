"""The JupyterLab sidebar (labextension/) in real Chromium, on JupyterLab + the simulator: what a
user sees in the left panel, live from the event stream, without reloading the page."""

from __future__ import annotations

from browser import THEMES, WIDTHS, expect

TAB = '.jp-SideBar li[data-id="jupyter-runai-sidebar"]'
PANEL = "#jupyter-runai-sidebar"


def create(lab, name: str, **extra) -> dict:
    body = {"name": name, "project": "team-a", "image": "busybox", "gpu": 1, **extra}
    answer = lab.http.post("runai/api/workspaces", json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()


def open_sidebar(lp):
    """Click the sidebar's tab; the panel's locator once it is live."""
    lp.page.locator(TAB).click()
    panel = lp.page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-stream", "live")
    return panel


def row(panel, name: str):
    return panel.locator(f'li.jp-RunaiRow[data-name="{name}"]')


def test_the_sidebar_lists_a_workspace_created_through_the_api_without_reload(lab, open_lab):
    lp = open_lab(1024, "light")
    panel = open_sidebar(lp)
    expect(panel.locator(".jp-RunaiSidebar-badge")).to_be_visible()  # the simulator says so
    create(lab, "from-the-api")
    ws = row(panel, "from-the-api")
    expect(ws).to_be_visible()
    expect(ws.locator(".jp-RunaiRow-project")).to_have_text("team-a")
    expect(ws.locator(".jp-RunaiChip")).to_have_text("Running")
    expect(ws.locator(".jp-RunaiRow-tools a")).to_have_count(0)  # no tools were asked for
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        for width in WIDTHS:
            lp.resize(width)
            expect(ws).to_be_visible()
            lp.screenshot()
            lp.assert_readable(f'{PANEL} li[data-name="from-the-api"] .jp-RunaiChip')
            lp.assert_readable(f'{PANEL} li[data-name="from-the-api"] .jp-RunaiRow-name')
