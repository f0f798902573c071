"""The cascade's shape: levels, who owns which, what each level carries, and what a change touches.

Region vision -> missions -> goals -> strategic targets (Bappeda's, owner ``pemda``) -> OPD targets
-> programmes -> activities -> sub-activities (the OPD's, owner = its OPD code). A node's parent is
the level just above it; below the OPD target a node belongs to its parent's OPD. Goals and every
level below carry at least one indicator; programmes, activities and sub-activities may carry a
budget ceiling (pagu) per year. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

__all__ = [
    "BUDGET_LEVELS",
    "LEVELS",
    "LEVEL_LABELS",
    "REGION",
    "Level",
    "changed_years",
    "is_region_level",
    "parent_level",
    "structure_problems",
    "year_content",
]

Level = Literal[
    "vision", "mission", "goal", "strategic_target", "opd_target", "programme", "activity", "sub_activity"
]
LEVELS: tuple[Level, ...] = (
    "vision",
    "mission",
    "goal",
    "strategic_target",
    "opd_target",
    "programme",
    "activity",
    "sub_activity",
)
LEVEL_LABELS: dict[str, str] = {
    "vision": "Visi",
    "mission": "Misi",
    "goal": "Tujuan",
    "strategic_target": "Sasaran strategis",
    "opd_target": "Sasaran OPD",
    "programme": "Program",
    "activity": "Kegiatan",
    "sub_activity": "Sub kegiatan",
}
#: The owner of the region's own levels (Bappeda maintains them; the head of region agrees them).
REGION = "pemda"
BUDGET_LEVELS: frozenset[str] = frozenset({"programme", "activity", "sub_activity"})
_NO_INDICATOR_NEEDED = frozenset({"vision", "mission"})


def rank(level: str) -> int:
    return LEVELS.index(level)


def parent_level(level: str) -> str | None:
    i = rank(level)
    return LEVELS[i - 1] if i else None


def is_region_level(level: str) -> bool:
    return rank(level) < rank("opd_target")


def structure_problems(
    *,
    level: str,
    owner: str,
    parent: Mapping[str, Any] | None,
    indicators: int,
    has_pagu: bool,
) -> list[tuple[str, str]]:
    """``(code, message)`` for each way a node breaks the cascade's shape (``parent``: the parent
    node's ``level`` and ``owner``, ``None`` for a root)."""
    problems: list[tuple[str, str]] = []
    expected = parent_level(level)
    if expected is None and parent is not None:
        problems.append(("parent_not_allowed", "Visi tidak memiliki induk."))
    if expected is not None:
        if parent is None:
            problems.append(("parent_required", f"{LEVEL_LABELS[level]} harus memiliki induk."))
        elif parent["level"] != expected:
            problems.append(("parent_level", f"Induk {LEVEL_LABELS[level]} harus {LEVEL_LABELS[expected]}."))
    if is_region_level(level):
        if owner != REGION:
            problems.append(("owner_region", f"{LEVEL_LABELS[level]} dimiliki pemda ({REGION})."))
    elif owner == REGION:
        problems.append(("owner_opd", f"{LEVEL_LABELS[level]} harus dimiliki sebuah OPD."))
    elif level != "opd_target" and parent is not None and parent["owner"] != owner:
        problems.append(("owner_parent", f"{LEVEL_LABELS[level]} harus milik OPD yang sama dengan induknya."))
    if level not in _NO_INDICATOR_NEEDED and indicators == 0:
        problems.append(("indicators_required", f"{LEVEL_LABELS[level]} harus memiliki indikator."))
    if has_pagu and level not in BUDGET_LEVELS:
        problems.append(("pagu_not_allowed", "Pagu hanya untuk program, kegiatan dan sub kegiatan."))
    return problems


def year_content(node: Mapping[str, Any] | None, year: int) -> dict[str, Any] | None:
    """What a performance agreement of ``year`` shows of a node (``None``: no node)."""
    if node is None:
        return None
    key = str(year)
    return {
        "name": node["name"],
        "level": node["level"],
        "parent": node.get("parent"),
        "owner": node["owner"],
        "weight": node.get("weight"),
        "indicators": [
            {
                "id": i["id"],
                "name": i["name"],
                "unit": i["unit"],
                "polarity": i["polarity"],
                "aggregation": i["aggregation"],
                "weight": i.get("weight"),
                "target": (i.get("targets") or {}).get(key),
            }
            for i in node.get("indicators") or []
        ],
        "pagu": (node.get("pagu") or {}).get(key),
    }


def changed_years(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, years: Iterable[int]
) -> list[int]:
    """The years whose agreed content a change from ``before`` to ``after`` touches."""
    return [y for y in years if year_content(before, y) != year_content(after, y)]
