"""The local gateway: one HTTP port serving every enabled app under its base path.

API Gateway's Cognito authorizer checks the token's signature; `chalice local` does not. This
gateway verifies the bearer token against the user pool's JWKS (RS256, issuer, audience, expiry)
before handing the request to the app through Chalice's ``LocalGateway``: no or bad token on a
protected route is a 401, a role the route does not allow a 403 (from the app itself).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException

ROOT = Path(__file__).resolve().parents[3]
FUNCTIONS = ROOT / "functions"


def app_names() -> list[str]:
    return sorted(p.parent.name for p in FUNCTIONS.glob("*/app.py"))


def load_module(name: str) -> ModuleType:
    """Import ``functions/<name>/app.py`` once, as module ``replika_fn_<name>``."""
    module_name = f"replika_fn_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_app(name: str) -> Chalice:
    """The Chalice app of ``functions/<name>/app.py``."""
    app: Chalice = load_module(name).app
    return app


@dataclass
class TokenVerifier:
    jwks_url: str
    issuer: str
    audience: str

    def __post_init__(self) -> None:
        self._jwks = jwt.PyJWKClient(self.jwks_url, cache_keys=True)

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a valid ID token; raises ``jwt.PyJWTError`` otherwise."""
        key = self._jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "sub"]},
        )
        if claims.get("token_use") not in (None, "id"):
            raise jwt.InvalidTokenError("not an ID token")
        return claims


@dataclass
class PoolVerifiers:
    """Verifies a token against the pool its issuer names: the staff pool and the applicants'
    pool (self sign-up) each have their own keys, issuer and app client, as API Gateway's Cognito
    authorizer is given both pools. A token from any other issuer is refused."""

    verifiers: tuple[TokenVerifier, ...]

    def verify(self, token: str) -> dict[str, Any]:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        for v in self.verifiers:
            if v.issuer == issuer:
                return v.verify(token)
        raise jwt.InvalidIssuerError("unknown issuer")


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    rid = str(uuid.uuid4())
    body = {"error": {"code": code, "message": message, "details": {}, "request_id": rid}}
    return status, {"Content-Type": "application/json", "X-Request-Id": rid}, json.dumps(body).encode()


class Gateway:
    """Routes ``/<app>/...`` to the app's Chalice ``LocalGateway``.

    One request at a time per app, as one Lambda instance serves one at a time: a Chalice app
    keeps the request being served in ``app.current_request``, so two threads in one app would
    read each other's body and headers."""

    def __init__(self, apps: dict[str, Chalice], verifier: TokenVerifier | PoolVerifiers | None) -> None:
        self.verifier = verifier
        self.gateways = {
            name: LocalGateway(app, Config(chalice_stage="local", config_from_disk={}))
            for name, app in apps.items()
        }
        self._serving = {name: threading.Lock() for name in apps}

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        segments = parts.path.lstrip("/").split("/", 1)
        gateway = self.gateways.get(segments[0])
        if gateway is None:
            return _error(404, "not_found", "Aplikasi tidak ditemukan: " + segments[0])
        sub_path = "/" + (segments[1] if len(segments) > 1 else "")
        if parts.query:
            sub_path += "?" + parts.query
        lower = {k.lower(): v for k, v in headers.items()}
        auth = lower.get("authorization")
        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
        if auth:
            token = auth.split(" ", 1)[1] if auth.lower().startswith("bearer ") else auth
            try:
                if self.verifier is not None:
                    self.verifier.verify(token)
                else:  # in-process (tests): unsigned tokens, but never a token that is no JWT
                    jwt.decode(token, options={"verify_signature": False})
            except jwt.PyJWTError:
                return _error(401, "unauthorized", "Token tidak sah atau kedaluwarsa.")
            headers["authorization"] = token
        try:
            with self._serving[segments[0]]:
                resp = gateway.handle_request(method, sub_path, headers, body)
        except LocalGatewayException as exc:
            # Chalice's own refusals (unknown route) -> our error shape
            if int(getattr(exc, "CODE", 403)) == 401:
                return _error(401, "unauthorized", "Token tidak sah.")
            return _error(404, "not_found", "Alamat tidak ditemukan.")
        out_headers = {k: str(v) for k, v in (resp.get("headers") or {}).items()}
        raw = resp.get("body") or b""
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        if resp.get("isBase64Encoded"):
            import base64

            data = base64.b64decode(data)
        return int(resp["statusCode"]), out_headers, data


def wsgi_app(gw: Gateway) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The gateway as a WSGI application (in-process HTTP clients, e.g. schemathesis' WSGI
    transport): the same :meth:`Gateway.handle` the HTTP server calls."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = quote(environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"), safe="/")
        path = environ.get("SCRIPT_NAME", "") + path
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            k[5:].replace("_", "-").title(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        status, out_headers, data = gw.handle(environ["REQUEST_METHOD"], path, headers, body)
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        start_response(f"{status} {reason}", [*out_headers.items(), ("Content-Length", str(len(data)))])
        return [data]

    return app


def make_handler(gw: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            status, headers, data = gw.handle(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() not in ("content-length", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the gateway (TRACE, CONNECT, PROPFIND…): an undeclared one gets
            # API Gateway's answer as JSON (405 from the app), never http.server's 501 HTML page.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            # No client addresses in logs (WBS reporters must leave no trace).
            sys.stderr.write(f"gateway: {self.command} {urlsplit(self.path).path}\n")

    return Handler


def serve(gw: Gateway, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(gw))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="gateway", daemon=True).start()
    return server
