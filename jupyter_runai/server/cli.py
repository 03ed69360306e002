"""``jupyter runai``: ``demo`` (JupyterLab on an embedded simulator) and ``simulator``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

DEMO = Path(__file__).resolve().parent.parent / "demo"


def demo(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="jupyter runai demo",
        description="JupyterLab with jupyter-runai wired to an embedded Run:ai simulator "
        "(no cluster, no credentials). Other arguments go to JupyterLab.",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(jupyter_data_dir()) / "runai-demo",
        help="folder to open, where the demo notebooks are copied (default: %(default)s)",
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="speed up the simulated cluster"
    )
    args, lab_args = parser.parse_known_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    for notebook in DEMO.glob("*.ipynb"):
        target = args.dir / notebook.name
        if not target.exists():
            shutil.copy(notebook, target)
    from jupyterlab.labapp import LabApp

    settings = [
        f"--config={DEMO / 'demo_config.json'}",  # the embedded simulator; no news prompt
        f"--ServerApp.root_dir={args.dir}",
        f"--RunaiApp.simulator_time_scale={args.time_scale}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        settings.append("--ServerApp.allow_root=True")  # containers and CI run as root
    LabApp.launch_instance(argv=settings + lab_args)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"demo": demo, "simulator": _simulator}
    if not argv or argv[0] not in commands:
        asked = bool(argv) and argv[0] in ("-h", "--help")
        print(
            "usage: jupyter runai {demo,simulator} [options]\n\n"
            "  demo       JupyterLab with jupyter-runai on an embedded Run:ai simulator\n"
            "  simulator  the Run:ai simulator alone (python -m jupyter_runai.simulator)\n",
            file=sys.stdout if asked else sys.stderr,
        )
        sys.exit(0 if asked else 2)
    commands[argv[0]](argv[1:])


def _simulator(argv: list[str]) -> None:
    from ..simulator.__main__ import main as simulator_main

    simulator_main(argv)
