"""The JSON shape of a workspace that jupyter-runai's own views use: the server extension's API
(see server/openapi.yaml) and the kernel's direct transport. Small, stable, and with the actions
the phase allows spelled out."""

from __future__ import annotations

from typing import Any

from .models import Phase, Project, Workspace


def workspace_view(ws: Workspace) -> dict[str, Any]:
    phase = ws.raw.get("phase") or ws.raw.get("actualPhase") or ws.phase.value
    return {
        "id": ws.id,
        "name": ws.name,
        "project": ws.project_name,
        "projectId": ws.project_id,
        "clusterId": ws.cluster_id,
        "phase": phase,
        "phaseMessage": ws.phase_message,
        "transitional": ws.transitional,
        "gpu": {"requested": ws.gpu_requested, "allocated": ws.gpu_allocated},
        "image": ws.image,
        "cpu": ws.cpu_requested,
        "memory": ws.memory_requested,
        "env": ws.env,
        "createdAt": ws.created_at.isoformat().replace("+00:00", "Z") if ws.created_at else None,
        "createdBy": ws.created_by,
        "urls": ws.urls,
        "tools": workspace_tools(ws),
        "actions": {
            "suspend": ws.can_suspend,
            "resume": ws.can_resume,
            "delete": ws.phase is not Phase.DELETING,
        },
    }


def workspace_tools(ws: Workspace) -> list[dict[str, Any]]:
    """Its tools: ``name``, ``type``, ``port`` and ``url`` each (None where Run:ai does not
    say): from the workload's ``externalConnections`` when listed, else from the spec's
    ``exposedUrls`` (a workspace just created has no URL yet)."""
    connections = ws.raw.get("externalConnections")
    if isinstance(connections, list) and connections:
        return [
            {
                "name": c.get("name"),
                "type": c.get("toolType"),
                "port": c.get("containerPort"),
                "url": c.get("url"),
            }
            for c in connections
            if isinstance(c, dict)
        ]
    exposed = (ws.raw.get("spec") or {}).get("exposedUrls")
    if isinstance(exposed, list) and exposed:
        return [
            {
                "name": e.get("name") or e.get("toolName"),  # as Run:ai names the connection
                "type": e.get("toolType"),
                "port": e.get("container"),
                "url": e.get("url"),
            }
            for e in exposed
            if isinstance(e, dict)
        ]
    return [{"name": None, "type": None, "port": _port(u), "url": u} for u in ws.urls]


def _port(url: str) -> int | None:
    """The container port a Run:ai tool URL ends with (``.../<workspace>/8888/``), if it does."""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    return int(last) if last.isdigit() else None


def project_view(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "clusterId": project.cluster_id,
        "gpuQuota": project.gpu_quota,
        "gpuAllocated": project.gpu_allocated,
    }
