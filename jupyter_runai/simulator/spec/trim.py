"""Regenerate ``runai-api.json``: the official Run:ai spec cut down to what jupyter-runai uses.

The simulator validates request bodies against it and the tests validate every exchange against
it, so it is shipped in the package. Run from the repository root::

    python -m jupyter_runai.simulator.spec.trim ../shared/runai-api/swagger.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

#: The operations jupyter-runai calls (path -> methods).
OPERATIONS: dict[str, tuple[str, ...]] = {
    "/api/v1/token": ("post",),
    "/api/v1/workloads": ("get",),
    "/api/v1/workloads/{workloadId}": ("get",),
    "/api/v1/workloads/workspaces": ("post",),
    "/api/v1/workloads/workspaces/{workloadId}": ("get", "delete"),
    "/api/v1/workloads/workspaces/{workloadId}/suspend": ("post",),
    "/api/v1/workloads/workspaces/{workloadId}/resume": ("post",),
    "/api/v1/org-unit/projects": ("get",),
    "/api/v1/clusters": ("get",),
}

HERE = Path(__file__).parent
OUTPUT = HERE / "runai-api.json"


def _refs(node: Any) -> set[str]:
    """All ``#/components/...`` references below ``node``."""
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_refs, node)) if node else set()
    return set()


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    """Keep the listed operations and, transitively, every component they reference."""
    paths = {
        path: {m: op for m, op in spec["paths"][path].items() if m in methods or m == "parameters"}
        for path, methods in OPERATIONS.items()
    }
    components: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        todo |= _refs(node)
    components["securitySchemes"] = spec["components"]["securitySchemes"]
    return {
        "openapi": spec["openapi"],
        "info": {**spec["info"], "x-trimmed-by": "jupyter_runai.simulator.spec.trim"},
        "servers": spec["servers"],
        "security": spec["security"],
        "paths": paths,
        "components": {kind: dict(sorted(items.items())) for kind, items in components.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("swagger", type=Path, help="the full official swagger.json")
    args = parser.parse_args()
    trimmed = trim(json.loads(args.swagger.read_text()))
    OUTPUT.write_text(json.dumps(trimmed, indent=1, sort_keys=False) + "\n")
    print(f"wrote {OUTPUT} ({len(trimmed['components']['schemas'])} schemas)")


if __name__ == "__main__":
    main()
