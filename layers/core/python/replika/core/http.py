"""The thin HTTP adapter every app uses: ``Api.route`` wraps a Chalice view.

A route declares who may call it (roles, or public), the pydantic models of its body, query and
response, and whether retries are deduplicated by ``Idempotency-Key``. The wrapper:

1. reads the Cognito claims into a :class:`~replika.core.auth.Principal` (401 without, 403 for a
   role the route does not allow);
2. parses the JSON body and query string into the declared models (400 with one detail per field);
3. calls the handler with a :class:`Ctx` and typed arguments;
4. renders the response model as JSON with the request id, and every error as
   ``{"error": {"code", "message", "details"}}``. Storage errors are translated by
   :mod:`replika.core.dynamodb`; :data:`STATUS_OF` is the one place that gives a kind of error
   its status code.

The same declarations feed the OpenAPI document (:mod:`replika.core.openapi`).
"""

from __future__ import annotations

import functools
import json
import re
import time
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from chalice.app import Chalice, CognitoUserPoolAuthorizer, Request, Response
from pydantic import BaseModel, ValidationError

from replika.core import observability, runtime
from replika.core.auth import Principal, Role, principal_from_claims
from replika.core.dynamodb import translate, translated
from replika.core.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Retryable,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from replika.core.operation import JSON, MAX_PATH_PARAM, Operation, PathPattern
from replika.core.runtime import get_settings

PLACEHOLDER_POOL_ARN = "arn:aws:cognito-idp:ap-southeast-3:000000000000:userpool/ap-southeast-3_local"
MAX_BODY_BYTES = 6 * 1024 * 1024  # the Lambda synchronous payload limit


@dataclass
class Ctx:
    """What a handler may know about the request. No IP address or user agent on purpose."""

    request_id: str
    principal: Principal | None
    headers: Mapping[str, str]
    raw_body: bytes = b""
    content_type: str = JSON

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthorized()
        return self.principal

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


def field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "(body)",
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False)
    ]


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(details={"fields": field_errors(exc)}) from None


_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_body(model: type[M], raw: bytes) -> M:
    """A JSON body, validated strictly: ``"active": 0`` is not a boolean, ``"5"`` not an integer
    (the document says which JSON types a field takes, and the server holds clients to them)."""
    data = _json_body(raw)
    try:
        return model.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as exc:
        raise ValidationFailed(details={"fields": field_errors(exc)}) from None


def _query_dict(request: Request, model: type[BaseModel]) -> dict[str, Any]:
    """Single values as strings, repeated keys (for list fields) as lists.

    Parameters the model does not declare are ignored, not refused: caches, CDNs and clients add
    their own (``?_=1715…`` cache-busters). Bodies stay strict (``extra="forbid"``).
    A ``date`` parameter is ISO ``YYYY-MM-DD`` only (pydantic would read ``0`` as 1970-01-01).
    """
    raw: dict[str, Any] = {}
    params: Any = request.query_params or {}
    for key in list(params.keys()):
        annotation = model.model_fields.get(key)
        if annotation is None:
            continue
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        is_list = "list" in str(annotation.annotation)
        raw[key] = list(values) if is_list else values[-1]
        if "datetime.date" in str(annotation.annotation):
            bad = [v for v in values if not _ISO_DAY.match(v)]
            if bad:
                raise ValidationFailed(
                    details={
                        "fields": [{"field": key, "message": "format YYYY-MM-DD", "type": "date_from_iso"}]
                    }
                )
    return raw


def _request_id(request: Request) -> str:
    ctx = request.context or {}
    return str(ctx.get("requestId") or uuid.uuid4())


def _claims(request: Request) -> Mapping[str, Any] | None:
    authorizer = (request.context or {}).get("authorizer") or {}
    claims = authorizer.get("claims")
    return claims if isinstance(claims, Mapping) else None


def json_response(
    body: Any, status: int, request_id: str, headers: Mapping[str, str | list[str]] | None = None
) -> Response:
    out: dict[str, str | list[str]] = {"Content-Type": JSON, "X-Request-Id": request_id}
    out.update(headers or {})
    return Response(body=json.dumps(body, ensure_ascii=False, default=str), status_code=status, headers=out)


#: The one place that turns a kind of domain error into an HTTP status (most specific class first).
STATUS_OF: tuple[tuple[type[AppError], int], ...] = (
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415),
    (TooManyRequests, 429),
    (Retryable, 503),
    (BadRequest, 400),
)


def status_of(err: AppError) -> int:
    for kind, status in STATUS_OF:
        if isinstance(err, kind):
            return status
    return 400


def error_response(err: AppError, request_id: str) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else {}
    return json_response(err.body(request_id), status_of(err), request_id, headers)


def internal_error_response(request_id: str) -> Response:
    body = {
        "error": {
            "code": "internal_error",
            "message": "Terjadi kesalahan pada server.",
            "details": {},
            "request_id": request_id,
        }
    }
    return json_response(body, 500, request_id)


def render(result: Any, status: int, request_id: str) -> Response:
    if isinstance(result, Response):
        result.headers.setdefault("X-Request-Id", request_id)
        return result
    if isinstance(result, BaseModel):
        return json_response(result.model_dump(mode="json"), status, request_id)
    if result is None and status == 204:
        return Response(body="", status_code=204, headers={"X-Request-Id": request_id})
    return json_response(result, status, request_id)


def _models_in_signature(fn: Callable[..., Any]) -> dict[str, type[BaseModel]]:
    """The handler's signature states its models once: ``body: M`` and ``query: M`` are what the
    route parses, the return annotation (when a model) what it answers. A route passes
    ``response=`` itself only when the handler returns a ready :class:`Response` (the document
    still names the model it carries)."""
    hints = typing.get_type_hints(fn)
    return {
        name: hint
        for name, hint in hints.items()
        if name in ("body", "query", "return") and isinstance(hint, type) and issubclass(hint, BaseModel)
    }


class Api:
    """Routes of one app plus the metadata the OpenAPI document is generated from."""

    def __init__(
        self,
        app: Chalice,
        *,
        title: str,
        base_path: str,
        version: str = "1.0.0",
        path_patterns: Mapping[str, str | PathPattern] | None = None,
    ) -> None:
        """``path_patterns``: the app's default regex per path-parameter name (a route may add)."""
        self.app = app
        self.path_patterns = _path_patterns(path_patterns)
        self.document_hooks: list[Callable[[dict[str, Any]], None]] = []
        self.title = title
        self.base_path = base_path
        self.version = version
        self.operations: list[Operation] = []
        self.logger = observability.get_logger(app.app_name)
        settings = get_settings()
        arns = [settings.user_pool_arn or PLACEHOLDER_POOL_ARN]
        if settings.public_user_pool_arn:  # the app serves applicants (its manifest names the pool)
            arns.append(settings.public_user_pool_arn)
        self.authorizer = CognitoUserPoolAuthorizer("replika-users", provider_arns=arns)
        app.register_middleware(self._middleware, "http")
        self._add_openapi_route()

    @classmethod
    def for_app(cls, name: str, *, title: str, **options: Any) -> Api:
        """App ``name`` (``functions/<name>/app.py``, served under ``/<name>``): its runtime first,
        so a missing or invalid environment variable fails here, at init, loudly; then its Chalice
        app (``api.app``) and the routes' metadata."""
        runtime.init(name)
        return cls(Chalice(app_name=f"replika-{name}"), title=title, base_path=f"/{name}", **options)

    # -- registration -------------------------------------------------------------------------
    def route(
        self,
        path: str,
        method: str = "GET",
        *,
        roles: Iterable[Role] = (),
        public: bool = False,
        response: type[BaseModel] | None = None,
        status: int = 200,
        summary: str = "",
        idempotent: bool = False,
        tags: Iterable[str] = (),
        body_content_types: Iterable[str] = (JSON,),
        response_content_type: str = JSON,
        raw_body: Iterable[str] = (),
        errors: Iterable[int] = (),
        raw_example: str | None = None,
        path_patterns: Mapping[str, str | PathPattern] | None = None,
        also_returns: Iterable[str] = (),
        redirects: Iterable[int] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``path_patterns``: a regex per path parameter (anchored ``^…$``), or a
        :class:`PathPattern` with the status of a value that does not match (404 by default);
        the document says the pattern and the status."""
        patterns = {**self.path_patterns, **_path_patterns(path_patterns)}

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            hints = _models_in_signature(fn)
            op = Operation(
                method=method.upper(),
                path=path,
                name=fn.__name__,
                summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
                roles=frozenset(roles),
                public=public,
                body=hints.get("body"),
                query=hints.get("query"),
                response=response or hints.get("return"),
                status=status,
                idempotent=idempotent,
                tags=list(tags),
                body_content_types=tuple(body_content_types),
                response_content_type=response_content_type,
                raw_body=tuple(raw_body),
                errors=frozenset(errors),
                raw_example=raw_example,
                path_patterns={k: v for k, v in patterns.items() if "{" + k + "}" in path},
                also_returns=tuple(also_returns),
                redirects=tuple(redirects),
            )
            self.operations.append(op)

            @functools.wraps(fn)
            def view(**path_params: str) -> Response:
                return self._answer(op, fn, path_params)

            self.app.route(
                path,
                methods=[op.method],
                authorizer=None if public else self.authorizer,
                content_types=["*/*"],  # checked by _dispatch so the error has our shape
                name=fn.__name__,
            )(view)
            return fn

        return decorator

    # -- request handling ---------------------------------------------------------------------
    def _answer(self, op: Operation, fn: Callable[..., Any], path_params: dict[str, str]) -> Response:
        """Errors become responses here, inside the view, so Chalice never sees them."""
        request = self.app.current_request
        request_id = _request_id(request) if request is not None else str(uuid.uuid4())
        try:
            return self._dispatch(op, fn, path_params)
        except Exception as exc:
            mapped = translate(exc)
            if mapped is None:
                self.logger.exception("unhandled error")
                return internal_error_response(request_id)
            if not isinstance(exc, AppError):
                self.logger.warning("storage refused the call", extra={"error": repr(exc)[:500]})
            return error_response(mapped, request_id)

    def _dispatch(self, op: Operation, fn: Callable[..., Any], path_params: dict[str, str]) -> Response:
        request = self.app.current_request
        assert request is not None
        request_id = _request_id(request)
        claims = _claims(request)
        principal = principal_from_claims(claims, get_settings().public_user_pool_arn) if claims else None
        if principal is None and not op.public:
            raise Unauthorized()
        if principal is not None and principal.applicant and not op.public:
            # an applicant reaches only the routes that name them, never "any signed-in staff"
            principal.require_any(op.roles or {Role.ADMIN})
        if principal is not None and op.roles:
            principal.require_any(op.roles)
        headers = {k.lower(): v for k, v in (request.headers or {}).items()}
        content_type = headers.get("content-type", JSON).split(";")[0].strip().lower() or JSON
        raw_body = request.raw_body or b""
        raw = raw_body.encode() if isinstance(raw_body, str) else raw_body
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        ctx = Ctx(
            request_id=request_id,
            principal=principal,
            headers=headers,
            raw_body=raw,
            content_type=content_type,
        )
        if any(len(v) > MAX_PATH_PARAM for v in path_params.values()):
            raise NotFound()  # every path parameter has a length bound (the document says which)
        for pname, rule in op.path_patterns.items():  # and a pattern where the route states one
            if not re.search(rule.pattern, path_params.get(pname, "")):
                if rule.status == 400:
                    raise ValidationFailed(details={"fields": [_pattern_error(pname, rule.pattern)]})
                raise NotFound()
        kwargs: dict[str, Any] = dict(path_params)
        if op.body is not None:
            if content_type not in op.body_content_types:
                raise UnsupportedMediaType(
                    details={"content_type": content_type, "accepted": list(op.body_content_types)}
                )
            kwargs["body"] = parse_body(op.body, raw)
        elif op.raw_body:
            if content_type not in op.raw_body:
                raise UnsupportedMediaType(
                    details={"content_type": content_type, "accepted": list(op.raw_body)}
                )
            if not raw.strip():
                raise BadRequest("Body kosong.", code="empty_body")
        if op.query is not None:
            kwargs["query"] = parse_model(op.query, _query_dict(request, op.query))

        def call() -> Any:
            with translated():
                return fn(ctx, **kwargs)

        if op.idempotent and ctx.idempotency_key is not None:  # an empty key is a bad key, not no key
            from replika.core import idempotency

            who = principal.subject if principal else "anonymous"
            scope = f"{self.app.app_name}:{op.method}:{op.path}:{who}"
            payload = {
                "path": path_params,
                "query": dict(request.query_params or {}),
                "body": raw.decode("utf-8", "replace"),
            }

            def call_json() -> dict[str, Any]:
                result = call()
                if isinstance(result, BaseModel):
                    return {"status": op.status, "body": result.model_dump(mode="json")}
                return {"status": op.status, "body": result}

            stored = idempotency.run_once(scope=scope, key=ctx.idempotency_key, payload=payload, fn=call_json)
            return json_response(
                stored["body"], int(stored["status"]), request_id, {"Idempotency-Key": ctx.idempotency_key}
            )
        return render(call(), op.status, request_id)

    def _middleware(self, event: Request, get_response: Callable[[Request], Response]) -> Response:
        request_id = _request_id(event)
        started = time.perf_counter()
        observability.bind_request(self.logger, request_id, event.path)
        try:
            response = get_response(event)
        except Exception as exc:  # raised outside a view (e.g. by another middleware)
            mapped = translate(exc)
            if mapped is None:
                self.logger.exception("unhandled error")
                response = internal_error_response(request_id)
            else:
                response = error_response(mapped, request_id)
        response = _normalise_chalice_error(response, request_id)
        response.headers.setdefault("X-Request-Id", request_id)
        self.logger.info(
            "request",
            extra={"status": response.status_code, "ms": round((time.perf_counter() - started) * 1000, 1)},
        )
        return response

    def on_document(self, hook: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        """Register ``hook(document)``: it states what the region's configuration decides (e.g. the
        WBS categories as an ``enum``) in the document this deployment serves."""
        self.document_hooks.append(hook)
        return hook

    def document(self) -> dict[str, Any]:
        """The OpenAPI document this deployment serves: the routes' plus the region's hooks."""
        from replika.core.openapi import build_openapi

        doc = build_openapi(self)
        for hook in self.document_hooks:
            hook(doc)
        return doc

    def _add_openapi_route(self) -> None:
        def openapi_json() -> Response:

            return Response(body=json.dumps(self.document()), status_code=200, headers={"Content-Type": JSON})

        self.app.route("/openapi.json", methods=["GET"], name="openapi_json")(openapi_json)


def _path_patterns(patterns: Mapping[str, str | PathPattern] | None) -> dict[str, PathPattern]:
    return {k: v if isinstance(v, PathPattern) else PathPattern(v) for k, v in (patterns or {}).items()}


def _pattern_error(name: str, pattern: str) -> dict[str, Any]:
    """The field detail of a path parameter that does not match (pydantic's own shape)."""
    return {
        "field": name,
        "message": f"String should match pattern '{pattern}'",
        "type": "string_pattern_mismatch",
    }


def _json_number(text: str) -> float | int:
    """A JSON number with a fraction or exponent: ``2.0`` is the integer 2, as JSON Schema says
    (``"type": "integer"`` accepts it), so a strict integer field takes it; ``2.5`` stays a float."""
    value = float(text)
    if value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _json_body(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw, parse_float=_json_number)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nesting
        raise BadRequest("Body bukan JSON yang sah.", code="invalid_json") from None


_CHALICE_CODES = {
    405: ("method_not_allowed", "Metode HTTP tidak didukung untuk alamat ini."),
    415: ("unsupported_media_type", "Jenis konten tidak didukung."),
    400: ("bad_request", "Permintaan tidak valid."),
    404: ("not_found", "Alamat tidak ditemukan."),
}


def _normalise_chalice_error(response: Response, request_id: str) -> Response:
    """Chalice's own errors (405, 415…) use {"Code", "Message"}; give them our shape."""
    if response.status_code < 400 or not isinstance(response.body, dict) or "Code" not in response.body:
        return response
    code, message = _CHALICE_CODES.get(response.status_code, ("error", str(response.body.get("Message"))))
    if response.status_code >= 500:
        code, message = "internal_error", "Terjadi kesalahan pada server."
    body = {"error": {"code": code, "message": message, "details": {}, "request_id": request_id}}
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return json_response(body, response.status_code, request_id, headers)
