"""e-SAKIP's wire formats that JSON Schema states exactly, so the document and the server agree.

A decimal (target, realisation, baseline, weight) is a JSON string of plain digits with at most 4
decimal places (``"98.5"``), or a JSON integer; never a binary float (a number with a fraction is
refused: send it as a string). Each kind states its bounds in both forms. The structural rules of a
new cascade node that depend on its level alone (``rules.cascade.structure_problems`` without the
stored parent) are stated as ``anyOf`` branches; rules that depend on stored data (the parent's
level and OPD, the period's years, the directory) are the server's: 409 ``invalid_node``. Pure.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from replika.sakip.rules.cascade import BUDGET_LEVELS, LEVELS, REGION

SIGNED = r"^-?[0-9]{1,16}(\.[0-9]{1,4})?$"
UNSIGNED = r"^[0-9]{1,16}(\.[0-9]{1,4})?$"
#: (0, 1000] with at most 4 decimal places, no leading zeros
WEIGHT = (
    r"^(1000(\.0{1,4})?|[1-9][0-9]{0,2}(\.[0-9]{1,4})?"
    r"|0\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9]))$"
)
_BIG = 10**16 - 1


def _decimal(pattern: str, low: int, high: int) -> Any:
    regex = re.compile(pattern)

    def parse(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value  # from Python (a stored node, an XLSX cell): the field's bounds apply
        if isinstance(value, bool):
            raise ValueError("harus angka")
        if isinstance(value, float) and value.is_integer():  # JSON 5.0 is the integer 5
            value = int(value)
        if isinstance(value, int):
            if not low <= value <= high:
                raise ValueError(f"harus antara {low} dan {high}")
            return Decimal(value)
        if isinstance(value, str) and regex.fullmatch(value):
            return Decimal(value)
        raise ValueError(
            "harus bilangan bulat, atau string desimal dengan paling banyak 4 angka di belakang titik"
        )

    schema = {
        "anyOf": [
            {"type": "integer", "minimum": low, "maximum": high},
            {"type": "string", "pattern": pattern},
        ]
    }
    return BeforeValidator(parse), WithJsonSchema(schema)


Num = Annotated[Decimal, *_decimal(SIGNED, -_BIG, _BIG), Field(max_digits=20, decimal_places=4)]
NonNegative = Annotated[Decimal, *_decimal(UNSIGNED, 0, _BIG), Field(ge=0, max_digits=20, decimal_places=4)]
Weight = Annotated[Decimal, *_decimal(WEIGHT, 1, 1000), Field(gt=0, le=1000, max_digits=10, decimal_places=4)]

_REGION_LEVELS = [lv for lv in LEVELS if LEVELS.index(lv) < LEVELS.index("opd_target")]
_NO_PAGU = {"anyOf": [{"type": "null"}, {"type": "object", "maxProperties": 0}]}
_PARENT = {"type": "string"}
_INDICATED = {"type": "array", "minItems": 1}


def _branch(levels: list[str], *, region: bool, parent: bool, indicators: bool, pagu: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "level": {"enum": levels},
        "owner": {"const": REGION} if region else {"not": {"const": REGION}},
        "parent": _PARENT if parent else {"type": "null"},
    }
    required = ["level", "owner"] + (["parent"] if parent else [])
    if indicators:
        props["indicators"] = _INDICATED
        required.append("indicators")
    if not pagu:
        props["pagu"] = _NO_PAGU
    return {"properties": props, "required": required}


#: ``NodeIn``'s level rules as the document states them (``NodeIn`` checks the same).
NODE_SHAPE: dict[str, Any] = {
    "anyOf": [
        _branch(["vision"], region=True, parent=False, indicators=False, pagu=False),
        _branch(["mission"], region=True, parent=True, indicators=False, pagu=False),
        _branch(["goal", "strategic_target"], region=True, parent=True, indicators=True, pagu=False),
        _branch(["opd_target"], region=False, parent=True, indicators=True, pagu=False),
        _branch(sorted(BUDGET_LEVELS), region=False, parent=True, indicators=True, pagu=True),
    ]
}

#: what the server strips from the ends of a string (pydantic's ``str_strip_whitespace``: Unicode
#: White_Space), so a text's minimum length holds after stripping
_WS = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


def text(min_length: int, max_length: int, **kw: Any) -> Any:
    """A string of ``min_length``..``max_length`` characters once its ends are stripped: the
    document states the stripped minimum as a pattern (JSON Schema's ``minLength`` alone would
    call ``"  a"`` valid)."""
    core = f"[^{_WS}]" if min_length <= 1 else f"[^{_WS}][\\s\\S]{{{min_length - 2},}}[^{_WS}]"
    return Field(min_length=min_length, max_length=max_length, pattern=core, **kw)
