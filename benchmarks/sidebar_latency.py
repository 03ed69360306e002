"""How fast the JupyterLab sidebar shows a change made upstream: the time from a phase change in
Run:ai (a suspend or resume sent straight to the simulator, not through the extension) to the
row's chip showing the new phase in Chromium, p50 over 20 changes, against the extension's poll
interval. Target: p50 <= poll interval + 0.5 s (the change waits for the next poll, then the event
stream and the browser add little).

JupyterLab runs as a process with the extension on a simulator (tests/browser.py's ``Lab``), the
page in Debian's Chromium.

    python benchmarks/sidebar_latency.py [--changes 20] [--interval 1.0]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser import Chromium, Lab, LabPage

from jupyter_runai.client import ClientCredentials, RunaiClient
from jupyter_runai.simulator import Simulator

CHIP = '#jupyter-runai-sidebar li[data-name="latency"] .jp-RunaiChip'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="the extension's poll_interval")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, Simulator(time_scale=1000) as sim:
        lab = Lab(Path(work), sim.url, poll_interval=args.interval)
        chromium = Chromium()
        try:
            runai = RunaiClient(sim.url, ClientCredentials("sim-client", "sim-secret"))
            ws = runai.create_workspace("latency", "team-a", image="busybox", gpu=0)
            runai.wait_for_phase(ws.id, "Running")
            lp = LabPage(chromium, lab, "latency", 1024, "light")
            lp.goto("lab")
            lp.page.locator('.jp-SideBar li[data-id="jupyter-runai-sidebar"]').click()
            lp.run(
                lambda page: page.wait_for_function(
                    "(sel) => document.querySelector(sel)?.textContent === 'Running'", arg=CHIP
                )
            )
            delays = []
            for n in range(args.changes):
                target = "Stopped" if n % 2 == 0 else "Running"
                (runai.suspend_workspace if target == "Stopped" else runai.resume_workspace)(ws.id)
                runai.wait_for_phase(ws.id, target)  # the upstream is there (x1000: at once)
                changed = time.monotonic()
                lp.run(
                    lambda page, t=target: page.wait_for_function(
                        "([sel, t]) => document.querySelector(sel)?.textContent === t",
                        arg=[CHIP, t],
                        polling=10,
                        timeout=30_000,
                    )
                )
                delays.append(time.monotonic() - changed)
            lp.close()
        finally:
            chromium.stop()
            lab.stop()
    p50 = statistics.median(delays)
    target = args.interval + 0.5
    print(f"upstream phase change -> chip, {len(delays)} changes, poll interval {args.interval} s")
    print(
        f"  p50 {p50:.2f} s   p90 {statistics.quantiles(delays, n=10)[-1]:.2f} s   "
        f"max {max(delays):.2f} s   (target p50 <= {target:.1f} s: "
        f"{'met' if p50 <= target else 'MISSED'})"
    )
    return 0 if p50 <= target else 1


if __name__ == "__main__":
    sys.exit(main())
