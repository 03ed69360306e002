"""How workspaces look in a notebook: the colours (one palette, light and dark), the CSS the
panel and the HTML tables share, and the phase badge.

Colours follow JupyterLab's theme: every colour is a CSS variable with a light value and a dark
value, switched by the ``data-jp-theme-light`` attribute JupyterLab sets on ``<body>``; text
that needs no colour inherits the theme's font colour. Each pair is chosen to keep 4.5:1 against
the backgrounds listed in ``BACKGROUNDS`` (``tests/test_widgets.py`` checks the ratios, a
browser test the rendered page).
"""

from __future__ import annotations

import html

#: role -> (light theme colour, dark theme colour)
PALETTE: dict[str, tuple[str, str]] = {
    "ok": ("#1b5e20", "#81c784"),  # Running
    "busy": ("#7a4b00", "#ffd54f"),  # a phase on its way somewhere (Creating, Stopping...)
    "error": ("#b71c1c", "#ff8a80"),  # Failed, Deleting, error messages
    "warn": ("#8a3b00", "#ffb74d"),  # Degraded
    "info": ("#0d47a1", "#90caf9"),  # Completed
    "muted": ("#545454", "#bdbdbd"),  # Stopped, notes
    "link": ("#0b4fa8", "#8ab4f8"),  # tool links
}
#: Where the text sits: JupyterLab's --jp-layout-color0..2 in each theme (notebook, cells,
#: accordion headers).
BACKGROUNDS = {"light": ("#ffffff", "#eeeeee"), "dark": ("#111111", "#212121", "#2b2b2b")}

PHASE_ROLE = {
    "Running": "ok",
    "Stopped": "muted",
    "Failed": "error",
    "Degraded": "warn",
    "Completed": "info",
    "Deleting": "error",
}


def colour(role: str) -> str:
    """``var(--runai-<role>, <light>)``: the theme's value, light when no CSS is loaded."""
    return f"var(--runai-{role}, {PALETTE[role][0]})"


def _vars(index: int) -> str:
    return ";".join(f"--runai-{role}:{pair[index]}" for role, pair in PALETTE.items())


#: The stylesheet every view includes (idempotent: the same rules each time).
CSS = (
    "<style>"
    f":root{{{_vars(0)}}}"
    f'body[data-jp-theme-light="false"]{{{_vars(1)}}}'
    "@keyframes runai-spin{to{transform:rotate(360deg)}}"
    ".runai-spinner{display:inline-block;width:.7em;height:.7em;border:2px solid currentColor;"
    "border-right-color:transparent;border-radius:50%;margin-right:4px;vertical-align:-1px;"
    "animation:runai-spin .8s linear infinite}"
    ".runai-still{display:inline-block;width:.7em;height:.7em;border:2px dotted currentColor;"
    "border-radius:50%;margin-right:4px;vertical-align:-1px}"
    "</style>"
)


def phase_badge(phase: str, transitional: bool, live: bool = False) -> str:
    """The phase as a coloured label. A phase on its way elsewhere gets a spinning ring in a
    live view, and a still (dotted) ring in a snapshot, which must not look as if it moved."""
    role = "busy" if transitional else PHASE_ROLE.get(phase, "muted")
    ring = ""
    if transitional:
        ring = (
            '<span class="runai-spinner"></span>' if live else '<span class="runai-still"></span>'
        )
    return (
        f'<span class="runai-badge" style="color:{colour(role)};font-weight:600">'
        f"{ring}{html.escape(phase)}</span>"
    )


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def tool_label(tool: dict) -> str:
    """``jupyter:8888``: the tool's name (or type) and its port, as far as they are known."""
    name = tool.get("name") or tool.get("type")
    port = tool.get("port")
    if name and port is not None:
        return f"{name}:{port}"
    if port is not None:
        return f"port {port}"
    return str(name or "open")


def tool_links(tools: list[dict]) -> str:
    """Links to a workspace's tools, each labelled by name and port (the URL in its tooltip)."""
    return " ".join(
        f'<a href="{html.escape(t["url"])}" target="_blank" rel="noopener" '
        f'title="{html.escape(t["url"])}" style="color:{colour("link")}">'
        f"{html.escape(tool_label(t))}</a>"
        for t in tools
        if t.get("url")
    )
