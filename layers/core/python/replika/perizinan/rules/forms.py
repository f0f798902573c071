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
    if schema.get("type") != "object":
        raise ValidationFailed("Skema formulir harus bertipe object.", code="invalid_form_schema")


def validate_form(schema: dict[str, Any], form: dict[str, Any]) -> None:
    """The form against its type's schema; every problem listed (at most :data:`MAX_ERRORS`)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(form), key=lambda e: list(e.absolute_path))
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
