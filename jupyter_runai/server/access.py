"""Who may see and do what: one caller's view of Run:ai.

In a single-user server the caller owns the server and the credentials' whole scope
(``Access.everything``). The hub service builds one per hub user (``hub/policy.py``): only the
workspaces that user owns, only the projects their groups map to, and a cap on GPUs held at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..client import Phase

#: The Run:ai annotation that records which hub user created a workspace (ownership lives in
#: Run:ai, so a restarted service loses nothing).
OWNER_ANNOTATION = "jupyter-runai/owner"

#: Phases in which a workspace holds (or waits for) its GPUs.
_NOT_HOLDING = {Phase.STOPPED, Phase.STOPPING, Phase.FAILED, Phase.COMPLETED, Phase.DELETING}


@dataclass(frozen=True)
class Access:
    user: str
    #: Sees and acts on every workspace the credentials see (else only its own).
    admin: bool = True
    #: Projects it may create in; None means every project offered.
    projects: frozenset[str] | None = None
    #: Stamp created workspaces with this owner (hub mode).
    stamp_owner: bool = False
    #: GPUs it may hold at once; 0 means no limit.
    gpu_limit: float = 0.0

    @classmethod
    def everything(cls, user: str) -> Access:
        return cls(user)

    def sees(self, view: dict[str, Any]) -> bool:
        return self.admin or view.get("owner") == self.user

    def may_use(self, project: str) -> bool:
        return self.projects is None or project in self.projects

    def owned(self, views: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [v for v in views if v.get("owner") == self.user]


def holds_gpus(view: dict[str, Any]) -> bool:
    return Phase.parse(view.get("phase")) not in _NOT_HOLDING


def gpus_of(view: dict[str, Any]) -> float:
    return float((view.get("gpu") or {}).get("requested") or 0)
