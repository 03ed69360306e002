"""The ``filterBy`` / ``sortBy`` grammar of Run:ai list endpoints.

``filterBy`` is an array sent comma-joined (``explode: false``); each item is
``<field><operator><value>`` with the operators ``== != <= >= =@ !@ =^ =$``. Dates compare as
ISO 8601 instants and numbers as numbers; everything else compares as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

OPERATORS = ("==", "!=", "<=", ">=", "=@", "!@", "=^", "=$")
#: Operators the spec allows on dates.
DATE_OPERATORS = ("==", "!=", "<=", ">=")


class FilterError(ValueError):
    """A ``filterBy``/``sortBy`` value the endpoint does not accept; the message names the rule."""


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: str


def parse(raw: Iterable[str], fields: Iterable[str]) -> list[Condition]:
    """Parse ``filterBy`` items (already split on commas) against the endpoint's field list."""
    names = sorted(fields, key=len, reverse=True)
    pattern = re.compile(
        "^("
        + "|".join(map(re.escape, names))
        + ")("
        + "|".join(map(re.escape, OPERATORS))
        + ")(.+)"
    )
    conditions = []
    for item in raw:
        match = pattern.fullmatch(item)
        if not match:
            raise FilterError(
                f"filterBy: {item!r} is not '<field><operator><value>' with a field of "
                f"{', '.join(sorted(names))} and an operator of {' '.join(OPERATORS)}"
            )
        conditions.append(Condition(*match.groups()))
    return conditions


def _as_date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _compare(actual: Any, cond: Condition) -> bool:
    if actual is None:
        return cond.operator in ("!=", "!@")
    op, want = cond.operator, cond.value
    if isinstance(actual, datetime):
        if op not in DATE_OPERATORS:
            raise FilterError(f"filterBy: dates take only {' '.join(DATE_OPERATORS)}, not {op}")
        try:
            other: Any = _as_date(want)
        except ValueError:
            raise FilterError(
                f"filterBy: {want!r} is not an ISO 8601 date for {cond.field}"
            ) from None
    elif isinstance(actual, (int, float)) and not isinstance(actual, bool):
        if op in ("==", "!=", "<=", ">="):
            try:
                other = float(want)
            except ValueError:
                raise FilterError(f"filterBy: {want!r} is not a number for {cond.field}") from None
        else:
            actual, other = str(actual), want
    else:
        actual, other = str(actual), want
    checks: dict[str, Callable[[], bool]] = {
        "==": lambda: actual == other,
        "!=": lambda: actual != other,
        "<=": lambda: actual <= other,
        ">=": lambda: actual >= other,
        "=@": lambda: other in actual,
        "!@": lambda: other not in actual,
        "=^": lambda: actual.startswith(other),
        "=$": lambda: actual.endswith(other),
    }
    return checks[op]()


def matches(row: Mapping[str, Any], conditions: Iterable[Condition]) -> bool:
    """True when ``row`` (field name -> value) meets every condition."""
    return all(_compare(row.get(c.field), c) for c in conditions)


def sort_key(value: Any) -> tuple[int, Any]:
    """Sort None last and mixed types stably."""
    if value is None:
        return (2, "")
    if isinstance(value, (int, float, datetime)):
        return (0, value)
    return (1, str(value))
