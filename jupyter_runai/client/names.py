"""Workspace names: checked before any call, so a bad name never reaches Run:ai.

Run:ai's spec allows any string, but a workspace becomes Kubernetes objects, so the control plane
rejects what is not a DNS label. We ask for a little more (start with a letter, at most 40
characters) so that names stay valid in every object Run:ai derives from them.
"""

from __future__ import annotations

import re

from .errors import InvalidRequest

MAX_LENGTH = 40
#: Run:ai appends ``-`` and five characters to a prefix (``useGivenNameAsPrefix``).
PREFIX_SUFFIX_LENGTH = 6
NAME_PATTERN = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
RULE = (
    "lowercase letters, digits and '-', starting with a letter, not ending with '-', "
    f"at most {MAX_LENGTH} characters"
)


def check_name(name: object, *, prefix: bool = False, field: str = "name") -> str:
    """Return ``name`` if it is a valid workspace name (or prefix); raise InvalidRequest if not."""
    limit = MAX_LENGTH - PREFIX_SUFFIX_LENGTH if prefix else MAX_LENGTH
    what = "name prefix" if prefix else "name"
    if not isinstance(name, str) or not name:
        raise InvalidRequest(field, f"a workspace {what} is required: {RULE}")
    if len(name) > limit:
        raise InvalidRequest(
            field,
            f"{name!r} has {len(name)} characters; a workspace {what} has at most {limit}"
            + (" (Run:ai adds a 6-character suffix)" if prefix else ""),
        )
    if not NAME_PATTERN.match(name):
        raise InvalidRequest(field, f"{name!r} is not a valid workspace {what}: {RULE}")
    return name
