"""A permit type's form (a JSON Schema, Draft 2020-12) and its required documents.

``jsonschema`` is imported on first use (the perizinan layer ships it; cold start matters).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from replika.core.errors import ValidationFailed

MAX_ERRORS = 20


def check_schema(schema: dict[str, Any]) -> None:
    """A catalogue entry's form must be a valid JSON Schema of an object."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValidationFailed(
            "Skema formulir bukan JSON Schema yang sah.",
            code="invalid_form_schema",
            details={"message": exc.message[:300]},
        ) from None
    except RecursionError:
        raise ValidationFailed(
            "Skema formulir bersarang terlalu dalam.", code="invalid_form_schema"
        ) from None
    if schema.get("type") != "object":
        raise ValidationFailed("Skema formulir harus bertipe object.", code="invalid_form_schema")
    _check_refs(schema)


REF_KEYWORDS = ("$ref", "$dynamicRef")


def _refs(schema: Any) -> tuple[list[str], bool]:
    """Every ``$ref``/``$dynamicRef`` value in the schema, and whether a nested ``$id`` is present
    (iteratively: a deeply nested schema does not exhaust the stack)."""
    found: list[str] = []
    nested_id = False
    stack: list[tuple[Any, bool]] = [(schema, True)]
    while stack:
        node, root = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in REF_KEYWORDS:
                    found.append(value if isinstance(value, str) else "")
                elif key == "$id" and not root:
                    nested_id = True
                stack.append((value, False))
        elif isinstance(node, list):
            stack.extend((v, False) for v in node)
    return found, nested_id


def _check_refs(schema: dict[str, Any]) -> None:
    """Only references inside the schema (``#...``): a remote one would be fetched, or fail, on
    every submit; a local one must point somewhere."""
    from jsonschema import Draft202012Validator
    from referencing.exceptions import Unresolvable

    refs, nested_id = _refs(schema)
    remote = sorted({r for r in refs if not r.startswith("#")})
    if remote:
        raise ValidationFailed(
            "Skema formulir hanya boleh merujuk ke dalam dirinya sendiri ($ref yang diawali '#').",
            code="invalid_form_schema",
            details={"refs": [r[:200] for r in remote[:MAX_ERRORS]]},
        )
    if nested_id:
        return
    resolver = Draft202012Validator(schema)._resolver
    for ref in sorted(set(refs)):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            raise ValidationFailed(
                f"Rujukan {ref[:200]!r} dalam skema formulir tidak ditemukan.", code="invalid_form_schema"
            ) from None


def validate_form(schema: dict[str, Any], form: dict[str, Any]) -> None:
    """The form against its type's schema; every problem listed (at most :data:`MAX_ERRORS`)."""
    from jsonschema import Draft202012Validator
    from referencing.exceptions import Unresolvable

    validator = Draft202012Validator(schema)
    try:
        errors = sorted(validator.iter_errors(form), key=lambda e: list(e.absolute_path))
    except (Unresolvable, RecursionError):  # a schema saved before the catalogue checked it
        raise ValidationFailed(
            "Skema formulir jenis izin ini tidak dapat dipakai; hubungi DPMPTSP.", code="invalid_form_schema"
        ) from None
    if errors:
        raise ValidationFailed(
            "Isian formulir tidak sesuai.",
            code="invalid_form",
            details={
                "fields": [
                    {
                        "field": ".".join(str(p) for p in e.absolute_path) or "(form)",
                        "message": e.message[:200],
                    }
                    for e in errors[:MAX_ERRORS]
                ]
            },
        )


def missing_documents(required: Iterable[str], given: Iterable[str]) -> list[str]:
    have = set(given)
    return [d for d in required if d not in have]
