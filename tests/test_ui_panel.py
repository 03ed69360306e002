"""The notebook panel (``runai.panel()``) in JupyterLab in real Chromium: what a user sees.

Also the browser harness's own checks (tests/browser.py): its contrast measure and its refusal to
run without Chromium."""

from __future__ import annotations

import browser
import pytest
from browser import THEMES, WIDTHS, contrast, expect


def test_panel_renders_in_jupyterlab(lab, open_lab, notebook):
    """The panel lists the simulator's workspaces and offers Create, at every width we support
    and in both themes (screenshots in test-artifacts/screenshots/)."""
    created = lab.api(
        "POST",
        "workspaces",
        {"name": "smoke-test", "project": "team-a", "image": "busybox", "gpu": 1},
    )
    assert created.status_code == 202, created.text
    lp = open_lab(
        WIDTHS[-1], "light", notebook=notebook("import jupyter_runai as runai", "runai.panel()")
    )
    panel = lp.page.locator(".jp-Cell").nth(1).locator(".jp-RunaiPanel")
    name = panel.get_by_text("smoke-test", exact=True)
    create = panel.locator("button.jp-RunaiForm-create")
    expect(name).to_be_visible()
    expect(create).to_be_visible()  # the form is open from the start
    for theme in THEMES:
        if theme != lp.theme:
            lp.switch_theme(theme)
        for width in WIDTHS:
            lp.resize(width)
            expect(name).to_be_visible()
            expect(create).to_be_visible()
            lp.screenshot()
            lp.screenshot("panel", element=panel)


# -- the harness itself ----------------------------------------------------------------------------


def test_contrast_is_measured_against_what_is_really_behind_the_text(chromium):
    page = chromium.new_page()
    try:
        page.set_content(
            """
            <p id="black" style="color: #000">black on the white page</p>
            <p id="grey" style="color: #767676">the lightest grey AA allows on white</p>
            <div style="background: #000"><div style="background: rgba(255, 255, 255, 0.5)">
              <span id="veiled" style="color: #fff">white on half-white over black</span>
            </div></div>
            <p id="faded" style="color: #000; opacity: 0.5">black at half opacity</p>
            <div style="background: oklch(0.3 0 0)">
              <span id="oklch" style="color: oklch(0.3 0 0)">invisible</span>
            </div>
            """
        )
        measured = {
            element: contrast(page.locator(f"#{element}"))
            for element in ("black", "grey", "veiled", "faded", "oklch")
        }
    finally:
        page.context.close()
    assert measured["black"]["ratio"] == pytest.approx(21, abs=0.01)
    assert measured["grey"]["ratio"] == pytest.approx(4.54, abs=0.01)
    assert measured["veiled"]["background"] == "#808080"  # composited, not the inner rgba
    assert measured["veiled"]["ratio"] == pytest.approx(3.95, abs=0.02)
    assert measured["faded"]["color"] == "#808080"
    assert measured["oklch"]["ratio"] == pytest.approx(1, abs=0.01)


def test_without_chromium_browser_tests_fail_and_say_why(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(AssertionError, match=r"need Chromium at /nonexistent/chromium.*apt-get"):
        browser.Chromium()
