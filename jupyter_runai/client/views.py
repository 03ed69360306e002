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
        "transitional": ws.phase.transitional,
        "gpu": {"requested": ws.gpu_requested, "allocated": ws.gpu_allocated},
        "image": ws.image,
        "createdAt": ws.created_at.isoformat().replace("+00:00", "Z") if ws.created_at else None,
        "createdBy": ws.created_by,
        "urls": ws.urls,
        "actions": {
            "suspend": ws.can_suspend,
            "resume": ws.can_resume,
            "delete": ws.phase is not Phase.DELETING,
        },
    }


def project_view(project: Project) -> dict[str, Any]:
    return {
        "id": project.id,
        "name": project.name,
        "clusterId": project.cluster_id,
        "gpuQuota": project.gpu_quota,
        "gpuAllocated": project.gpu_allocated,
    }
