"""What ``jupyter runai demo`` (and Binder's postBuild) puts in place before JupyterLab starts:
the welcome notebook, refreshed on upgrade unless the user changed it, and JupyterLab settings
for the demo (no news prompt, the jupyter-runai sidebar open)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Server settings of the demo: the embedded simulator, its default project, the welcome page.
CONFIG = HERE / "demo_config.json"
#: JupyterLab settings defaults of the demo (a settings ``overrides.json``).
LAB_OVERRIDES = HERE / "overrides.json"
#: Fingerprints of every welcome notebook a release shipped: a copy matching one of them is
#: the user's untouched copy (outputs aside), which an upgrade may replace.
SHIPPED = HERE / "shipped.json"


def fingerprint(notebook: dict[str, Any]) -> str:
    """What the user writes in a notebook: its cells' types and sources. Outputs, execution
    counts and metadata are left out: running the notebook or opening it is not editing it."""
    cells = [
        [cell.get("cell_type"), "".join(_lines(cell.get("source", "")))]
        for cell in notebook.get("cells", [])
    ]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def _lines(source: str | list[str]) -> list[str]:
    return [source] if isinstance(source, str) else source


def shipped_fingerprints() -> dict[str, list[str]]:
    return json.loads(SHIPPED.read_text())


def kernel_metadata() -> dict[str, Any]:
    """The notebook metadata JupyterLab writes once the local ``python3`` kernel starts. A
    notebook that already holds exactly this is not marked modified when it is opened (a
    shipped ``language_info`` cannot know the user's Python version)."""
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    return {
        "kernelspec": {
            "name": "python3",
            "display_name": spec.display_name,
            "language": spec.language,
        },
        "language_info": dict(IPythonKernel.language_info),
    }


def write_notebook(source: Path, target: Path) -> None:
    """Copy a shipped notebook, with this environment's kernel metadata."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    notebook["metadata"] = {**notebook.get("metadata", {}), **kernel_metadata()}
    text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    target.write_text(text, encoding="utf-8")


def install_notebooks(folder: Path, say: Callable[[str], None] = print) -> None:
    """Put the demo notebooks in ``folder``: new ones are copied; one the user has not edited
    (it matches a shipped version) is replaced by this version's; an edited one is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    shipped = shipped_fingerprints()
    for source in sorted(HERE.glob("*.ipynb")):
        target = folder / source.name
        if not target.exists():
            write_notebook(source, target)
            continue
        try:
            current = fingerprint(json.loads(target.read_text(encoding="utf-8")))
        except (ValueError, UnicodeDecodeError):
            current = None
        if current == fingerprint(json.loads(source.read_text(encoding="utf-8"))):
            continue  # this version's cells already (perhaps run, which keeps its outputs)
        if current in shipped.get(source.name, []):
            write_notebook(source, target)
            say(f"jupyter-runai demo: updated {target} to this version's {source.name}")
        else:
            say(
                f"jupyter-runai demo: kept {target}: you edited it. Rename or delete it and "
                "run the demo again to get this version's."
            )


def lab_settings_dir(folder: Path, app_settings_dir: Path) -> Path:
    """A JupyterLab app settings folder for the demo (``LabApp.app_settings_dir``): the
    environment's own (``app_settings_dir``: its overrides and page config, copied) plus the
    demo's settings defaults, placed before the environment's ``overrides.json`` so an
    administrator's choice still wins."""
    if folder.exists():
        shutil.rmtree(folder)
    if app_settings_dir.is_dir():
        shutil.copytree(app_settings_dir, folder)
    (folder / "overrides.d").mkdir(parents=True, exist_ok=True)
    shutil.copy(LAB_OVERRIDES, folder / "overrides.d" / "jupyter-runai-demo.json")
    return folder
