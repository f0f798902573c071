"""The E-RK link, pure: which sub-activity an activity's minutes serve, and the roll-up.

A link says that the work of a catalogue activity serves a sub-activity of the cascade. A link
may name an OPD (the activity as that OPD's staff do it) or ``*`` (every OPD without a link of its
own): an entry by an employee of OPD ``X`` for activity ``A`` counts toward the link of ``(A, X)``,
else ``(A, *)``, else it is unlinked. Person-minutes of a sub-activity in a quarter = the sum of the
approved minutes of the linked entries of the quarter's months.

Flags beside a sub-activity's attainment: *work without results* — minutes recorded but no
attainment yet, or 0 %; *results without work* — an attainment above 0 % with no minutes recorded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

__all__ = ["ANY_OPD", "Flag", "MinutesRollUp", "flag", "link_for", "roll_up_minutes"]

ANY_OPD = "*"
Flag = Literal["work_without_results", "results_without_work"]


def link_for(activity: str, opd: str, links: Mapping[tuple[str, str], str]) -> str | None:
    """The sub-activity an entry of ``activity`` by ``opd``'s staff serves, if any."""
    return links.get((activity, opd)) or links.get((activity, ANY_OPD))


@dataclass
class MinutesRollUp:
    per_sub: dict[str, int] = field(default_factory=dict)
    per_employee: dict[str, dict[str, int]] = field(default_factory=dict)
    linked: int = 0
    unlinked: int = 0


def roll_up_minutes(
    approved: Mapping[str, Mapping[str, int]],
    opd_of: Mapping[str, str],
    links: Mapping[tuple[str, str], str],
) -> MinutesRollUp:
    """``approved``: NIP -> activity code -> approved minutes; ``opd_of``: NIP -> OPD code."""
    per_sub: dict[str, int] = defaultdict(int)
    per_employee: dict[str, dict[str, int]] = {}
    out = MinutesRollUp()
    for nip, by_activity in approved.items():
        mine: dict[str, int] = defaultdict(int)
        for activity, minutes in by_activity.items():
            if minutes < 0:
                raise ValueError("approved minutes are never negative")
            sub = link_for(activity, opd_of[nip], links)
            if sub is None:
                out.unlinked += minutes
                continue
            per_sub[sub] += minutes
            mine[sub] += minutes
            out.linked += minutes
        if mine:
            per_employee[nip] = dict(mine)
    out.per_sub = dict(per_sub)
    out.per_employee = per_employee
    return out


def flag(minutes: int, attainment: Fraction | None) -> Flag | None:
    if minutes > 0 and (attainment is None or attainment == 0):
        return "work_without_results"
    if minutes == 0 and attainment is not None and attainment > 0:
        return "results_without_work"
    return None
