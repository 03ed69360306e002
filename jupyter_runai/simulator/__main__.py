"""``python -m jupyter_runai.simulator``: run the simulated Run:ai control plane standalone."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from pathlib import Path

from .runner import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Simulator


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m jupyter_runai.simulator",
        description="A simulated Run:ai control plane (the subset of the REST API jupyter-runai "
        "uses) on loopback. Default seed: cluster sim-cluster, projects team-a (4 GPUs) and "
        "team-b (8 GPUs).",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    p.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help=f"default {DEFAULT_CLIENT_ID}")
    p.add_argument(
        "--client-secret", default=DEFAULT_CLIENT_SECRET, help=f"default {DEFAULT_CLIENT_SECRET}"
    )
    p.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="speed up the phase clock by this factor (default 1: a workspace runs after ~3.5 s)",
    )
    p.add_argument(
        "--secret-file",
        help="write the client secret to this file (mode 0600) and print its path, not the "
        "secret: RUNAI_CLIENT_SECRET_FILE, as a deployment gives it",
    )
    p.add_argument("--seed", help="JSON seed file with clusters and projects (see the README)")
    p.add_argument(
        "--faults",
        default="{}",
        help='initial faults as JSON, e.g. \'{"latency_ms": 50, "error_rate": 0.1}\'',
    )
    p.add_argument(
        "--legacy-status-codes",
        action="store_true",
        help="answer create with 200 and delete with 204, as control planes <= 2.20 do",
    )
    return p


def write_secret(path: Path, secret: str) -> Path:
    """A new file, made 0600 before the secret goes in; its absolute path."""
    path = path.expanduser().resolve()
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secret + "\n")
    return path


async def serve(args: argparse.Namespace, faults: dict) -> None:
    sim = Simulator(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        time_scale=args.time_scale,
        seed=args.seed,
        faults=faults,
        legacy_status_codes=args.legacy_status_codes,
    )
    await sim.start_async()
    print(f"Run:ai simulator listening on {sim.url}", flush=True)
    print(f"  RUNAI_URL={sim.url}", flush=True)
    print(f"  RUNAI_CLIENT_ID={sim.client_id}", flush=True)
    if args.secret_file:
        path = write_secret(Path(args.secret_file), sim.client_secret)
        print(f"  RUNAI_CLIENT_SECRET_FILE={path}", flush=True)
    else:
        print(f"  RUNAI_CLIENT_SECRET={sim.client_secret}", flush=True)
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        faults = json.loads(args.faults)
        if not isinstance(faults, dict):
            raise ValueError
    except ValueError:
        parser().error("--faults must be a JSON object")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(serve(args, faults))
    except KeyboardInterrupt:
        pass
    except (ValueError, OSError) as exc:
        parser().exit(2, f"error: {exc}\n")


if __name__ == "__main__":
    main()
