"""OpenAPI 3.1 document generated from an :class:`~replika.core.operation.Documented`'s
operations (an app's :class:`~replika.core.http.Api`) and their models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from replika.core.operation import MAX_PATH_PARAM, Documented, Operation

#: ``replika.core.idempotency.KEY_PATTERN`` (that module imports PynamoDB: not at document build).
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_\-:.]{8,128}$"

#: Rules between the fields of a body that JSON Schema cannot state, as extensions of the body's
#: schema (a model's ``json_schema_extra``); the server refuses a body that breaks one with 400:
#: ``x-distinct``: pairs of properties whose values differ; ``x-not-before``: pairs ``[later,
#: earlier]`` (ISO dates); ``x-same-as-path``: properties equal to the path parameter of that name;
#: ``x-unique-by``: ``{array property: item key}``, the items' values of that key differ.
CROSS_FIELD_RULES = ("x-distinct", "x-not-before", "x-same-as-path", "x-unique-by")

_REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{([^}]+)}")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string", "description": "stable English code"},
                "message": {"type": "string", "description": "pesan dalam Bahasa Indonesia"},
                "details": {"description": "field errors or context"},
                "request_id": {"type": "string"},
            },
        }
    },
}

_ERROR_TEXT = {
    400: "Data tidak valid",
    401: "Belum masuk",
    403: "Tidak berwenang",
    404: "Tidak ditemukan",
    409: "Konflik status / versi",
    413: "Terlalu besar",
    415: "Jenis konten salah",
    429: "Terlalu banyak percobaan",
    503: "Sementara sibuk: ulangi setelah Retry-After detik",
}

#: Headers an error answer carries (a 429/503 says when to retry).
_RETRY_AFTER = {"Retry-After": {"description": "detik", "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


def error_statuses(op: Operation) -> list[int]:
    """Every error status an operation can answer, from its shape plus what it declares:

    - 400 when it reads a body, a query or a raw body, or refuses a malformed path parameter with
      it (:class:`~replika.core.operation.PathPattern`); 413 and 415 when it reads a body;
    - 401/403 unless it is public (no token / a role the route does not allow);
    - 404 when it has path parameters (an unknown or malformed id);
    - 409 when it changes state (conditional writes: a lost race or a wrong status);
    - 503 always: storage throttling answers "retry after", never a 500;
    - whatever the route adds with ``errors=`` (e.g. 404 on ``/me``, 429 where it rate-limits).
    """
    codes = set(op.errors) | {503}
    if op.body or op.query or op.raw_body or any(r.status == 400 for r in op.path_patterns.values()):
        codes.add(400)
    if op.body or op.raw_body:
        codes.update({413, 415})
    if not op.public:
        codes.update({401, 403})
    if "{" in op.path:
        codes.add(404)
    if op.method in {"POST", "PUT", "PATCH", "DELETE"}:
        codes.add(409)
    return sorted(codes)


def _path_schema(op: Operation, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM}
    if name in op.path_patterns:
        schema["pattern"] = op.path_patterns[name].pattern
    return schema


def _query_parameters(model: type[BaseModel], schema: dict[str, Any]) -> list[dict[str, Any]]:
    params = []
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    for name in model.model_fields:
        params.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": props.get(name, {}),
            }
        )
    return params


def build_openapi(api: Documented) -> dict[str, Any]:
    models: set[type[BaseModel]] = set()
    for op in api.operations:
        for m in (op.body, op.response):
            if m is not None:
                models.add(m)
    refs, defs = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=_REF,
    )
    components: dict[str, Any] = dict(defs.get("$defs", {}))

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        # pydantic's own component name (a generic ``Page[X]`` is ``Page_X_``)
        return dict(refs[(model, "validation")])

    components["Error"] = ERROR_SCHEMA
    paths: dict[str, Any] = {}
    for op in api.operations:
        item: dict[str, Any] = {
            "operationId": op.name,
            "summary": op.summary or op.name.replace("_", " "),
            "tags": op.tags or [api.app.app_name],
            "responses": {},
        }
        if op.public:
            item["security"] = []
        else:
            item["security"] = [{"cognito": []}]
            if op.roles:
                item["description"] = "Peran: " + ", ".join(sorted(r.value for r in op.roles))
        params = [
            {
                "name": p,
                "in": "path",
                "required": True,
                "schema": _path_schema(op, p),
            }
            for p in _PATH_PARAM.findall(op.path)
        ]
        if op.query is not None:
            qschema = op.query.model_json_schema(ref_template=_REF)
            components.update(qschema.get("$defs", {}))  # an enum a query parameter names
            params += _query_parameters(op.query, qschema)
        if op.idempotent:
            params.append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                    "description": "Ulangan dengan kunci yang sama menghasilkan satu rekaman.",
                }
            )
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {
                "required": True,
                "content": {ct: {"schema": ref(op.body)} for ct in op.body_content_types},
            }
        elif op.raw_body:
            # A file (e.g. an HR export as CSV): its rows are checked by the handler, which no
            # schema can say; "x-opaque" marks it, the example is one the server accepts.
            raw_schema: dict[str, Any] = {
                "type": "string",
                "minLength": 1,
                "pattern": "\\S",
                "x-opaque": True,
            }
            if op.raw_example is not None:
                raw_schema["examples"] = [op.raw_example]
            item["requestBody"] = {
                "required": True,
                "content": {ct: {"schema": raw_schema} for ct in op.raw_body},
            }
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {op.response_content_type: {"schema": ref(op.response)}}
        for ct in op.also_returns:
            ok.setdefault("content", {})[ct] = {"schema": {"type": "string"}}
        item["responses"][str(op.status)] = ok
        for code in op.redirects:
            item["responses"][str(code)] = {
                "description": "Lihat tautan di Location (unduhan besar)",
                "headers": {"Location": {"required": True, "schema": {"type": "string", "format": "uri"}}},
            }
        for code in error_statuses(op):
            answer: dict[str, Any] = {
                "description": _ERROR_TEXT.get(code, "Galat"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            if code in (429, 503):
                answer["headers"] = _RETRY_AFTER
            item["responses"][str(code)] = answer
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": api.version},
        "servers": [{"url": api.base_path}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Cognito ID token of the region's user pool",
                },
            },
        },
    }
