"""What each hub user may do: their groups map to Run:ai projects, admins see everything, and
nobody holds more GPUs at once than the limit. Group membership and the admin flag are asked of
the hub with the service's own token (cached briefly), whatever token the caller came with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from ..server.access import Access

ALL = "*"


@dataclass
class Policy:
    group_projects: dict[str, list[str]]
    default_projects: list[str]
    admin_groups: list[str]
    gpu_limit: float

    def access(self, name: str, groups: set[str], admin: bool) -> Access:
        if admin or groups & set(self.admin_groups):
            return Access(name, admin=True, stamp_owner=True)
        mapped = [p for g in sorted(groups) for p in self.group_projects.get(g, [])]
        projects = (
            mapped if any(g in self.group_projects for g in groups) else self.default_projects
        )
        return Access(
            name,
            admin=False,
            projects=None if ALL in projects else frozenset(projects),
            stamp_owner=True,
            gpu_limit=self.gpu_limit,
        )


@dataclass
class HubUsers:
    """The hub's record of a user (groups, admin), from its REST API, cached for ``ttl`` s
    (``c.RunaiHub.auth_cache_seconds``), so a group removal takes effect within that long."""

    api_url: str
    token: str
    http: httpx.AsyncClient
    ttl: float = 10.0
    _cache: dict[str, tuple[float, set[str], bool]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"HubUsers({self.api_url!r})"

    async def lookup(self, name: str) -> tuple[set[str], bool]:
        cached = self._cache.get(name)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1], cached[2]
        response = await self.http.get(
            f"{self.api_url.rstrip('/')}/users/{quote(name, safe='')}",
            headers={"Authorization": f"token {self.token}"},
        )
        response.raise_for_status()
        model: dict[str, Any] = response.json()
        groups, admin = set(model.get("groups") or []), bool(model.get("admin"))
        self._cache[name] = (time.monotonic(), groups, admin)
        return groups, admin
