"""The notebook panel (``runai.panel()``) in JupyterLab in real Chromium: what a user sees."""

from __future__ import annotations

from browser import THEMES, WIDTHS, expect


def test_panel_renders_in_jupyterlab(lab, open_lab, notebook):
    """The panel lists the simulator's workspaces and offers Create, at every width we support
    and in both themes (screenshots in test-artifacts/screenshots/)."""
    created = lab.http.post(
        "runai/api/workspaces",
        json={"name": "smoke-test", "project": "team-a", "image": "busybox", "gpu": 1},
    )
    assert created.status_code == 202, created.text
    lp = open_lab(
        WIDTHS[-1], "light", notebook=notebook("import jupyter_runai as runai", "runai.panel()")
    )
    panel = lp.page.locator(".jp-Cell").nth(1).locator(".jp-OutputArea-output")
    name = panel.get_by_text("smoke-test", exact=True)
    create = panel.locator("button", has_text="Create")
    expect(name).to_be_visible()
    expect(create).to_have_count(1)
    if not create.is_visible():  # the form may start folded: unfold it for the screenshots
        panel.get_by_text("New workspace").click()
        expect(create).to_be_visible()
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        for width in WIDTHS:
            lp.resize(width)
            expect(name).to_be_visible()
            expect(create).to_be_visible()
            lp.screenshot()
            lp.screenshot("panel", element=panel)
