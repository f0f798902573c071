"""`replika package --api http`: the app behind an API Gateway HTTP API instead of a REST API.

`chalice package` emits a REST API (``AWS::Serverless::Api`` with an inline Swagger body and a
Cognito user-pool authorizer), at US$3.50 per million requests; an HTTP API costs US$1.00. Chalice
runs unchanged behind an HTTP API when, and only when:

* every Chalice route becomes its own ``HttpApi`` event (method + path template) on the API
  handler. No ``$default`` or ``{proxy+}`` catch-all: Chalice routes on
  ``requestContext.resourcePath``, which a catch-all would make ``/{proxy+}``, and per-route
  auth (public routes) would be lost;
* the payload format is ``1.0`` (SAM's default is 2.0, which Chalice answers with
  500 "Unknown request"). In 1.0, path parameters, the route template and the JWT claims arrive
  where Chalice and :mod:`replika.core.http` read them: ``pathParameters``,
  ``requestContext.resourcePath`` and ``requestContext.authorizer.claims`` (groups as the string
  ``"[a b]"``, which :func:`replika.core.auth.parse_groups` reads);
* the Cognito authorizer becomes a JWT authorizer: issuer
  ``https://cognito-idp.<region>.amazonaws.com/<pool id>`` from the pool ARN parameter, audience
  the app client id (``UserPoolClientId``, a parameter `replika deploy` fills from the region
  stack's output of the same name). ID tokens carry ``aud`` = client id, as before. It is the
  API's ``DefaultAuthorizer`` (SAM refuses ``Authorizer: NONE`` on a route otherwise), and each
  route still names its own: the authorizer where Chalice's route has one, ``NONE`` where not.

An HTTP API's JWT authorizer trusts one issuer. Apps whose routes accept tokens of two pools
(staff and applicants: sabilulungan, perizinan) are refused here (:class:`HttpApiError`) and
stay on REST; `replika package` says so.

What is lost, and what replaces it: HTTP APIs are regional only (no edge-optimized endpoint: put
CloudFront in front if one is wanted, which also brings AWS WAF); no WAF association on the API
itself (WAF on that CloudFront distribution); no usage plans or API keys (throttling stays per
route/stage and by the functions' reserved concurrency); no X-Ray tracing of the API stage (the
functions are still traced).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from replika_infra.release.iam import param_name

API_ID = "HttpAPI"
AUTHORIZER = "CognitoUsers"
AUDIENCE_PARAM = param_name("USER_POOL_CLIENT_ID")
PAYLOAD_FORMAT = "1.0"
REST_TYPE = "AWS::Serverless::Api"
HTTP_API_SKIPS = {
    "CKV_AWS_95": "Access logs need a log group and format per stage; every request is logged by "
    "the function with its correlation id (as for the REST API, CKV_AWS_76).",
}


class HttpApiError(ValueError):
    """The template cannot move to an HTTP API; the message says why."""


def _provider(body: dict[str, Any]) -> list[Any]:
    """The ``providerARNs`` of the (single) Cognito authorizer in the Swagger body."""
    found = [
        d["x-amazon-apigateway-authorizer"].get("providerARNs", [])
        for d in (body.get("securityDefinitions") or {}).values()
        if d.get("x-amazon-apigateway-authorizer", {}).get("type") == "cognito_user_pools"
    ]
    if len(found) != 1:
        raise HttpApiError(f"expected one Cognito authorizer, found {len(found)}")
    return list(found[0])


def issuer(pool_arn: Any) -> dict[str, Any]:
    """``https://cognito-idp.<region>.amazonaws.com/<pool id>`` from a pool ARN (a ``Ref``)."""
    pool_id = {"Fn::Select": [1, {"Fn::Split": ["userpool/", pool_arn]}]}
    return {"Fn::Sub": ["https://cognito-idp.${AWS::Region}.amazonaws.com/${PoolId}", {"PoolId": pool_id}]}


def event_name(method: str, path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path)
    return method.capitalize() + "".join(w[:1].upper() + w[1:] for w in words) + "Route"


def _handler_of(spec: dict[str, Any]) -> str:
    uri = json.dumps(spec["x-amazon-apigateway-integration"]["uri"])
    match = re.search(r"\$\{([A-Za-z0-9]+)\.Arn\}", uri)
    if not match:
        raise HttpApiError(f"no Lambda integration in {uri}")
    return match.group(1)


def _refers_to(node: Any, logical_id: str) -> bool:
    text = json.dumps(node)
    return f'"Ref": "{logical_id}"' in text or "${" + logical_id + "}" in text


def to_http_api(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of a packaged template with its REST API replaced by an HTTP API (see the module)."""
    tpl = copy.deepcopy(template)
    resources: dict[str, Any] = tpl["Resources"]
    rest_ids = [k for k, r in resources.items() if r.get("Type") == REST_TYPE]
    if not rest_ids:
        return tpl  # no API (an app of schedules and queues only)
    if len(rest_ids) != 1:
        raise HttpApiError(f"expected one REST API, found {rest_ids}")
    rest_id = rest_ids[0]
    rest = resources.pop(rest_id)
    body = rest["Properties"]["DefinitionBody"]
    providers = _provider(body)
    if len(providers) != 1:
        raise HttpApiError(
            f"the routes accept tokens of {len(providers)} user pools; a JWT authorizer trusts one issuer"
        )
    events: dict[str, dict[str, Any]] = {}
    handlers = set()
    for path, methods in sorted(body["paths"].items()):
        if "+}" in path or path in ("$default", "/"):
            raise HttpApiError(f"catch-all route {path!r}: Chalice routes need one HTTP API route each")
        for method, spec in sorted(methods.items()):
            handlers.add(_handler_of(spec))
            auth = AUTHORIZER if spec.get("security") else "NONE"
            events[event_name(method, path)] = {
                "Type": "HttpApi",
                "Properties": {
                    "ApiId": {"Ref": API_ID},
                    "Method": method.upper(),
                    "Path": path,
                    "PayloadFormatVersion": PAYLOAD_FORMAT,
                    "Auth": {"Authorizer": auth},
                },
            }
    if len(handlers) != 1:
        raise HttpApiError(f"expected one API handler, found {sorted(handlers)}")
    (handler,) = handlers
    resources[handler]["Properties"].setdefault("Events", {}).update(events)
    for logical_id in [k for k, r in resources.items() if r.get("Type") == "AWS::Lambda::Permission"]:
        if _refers_to(resources[logical_id], rest_id):
            del resources[logical_id]  # SAM adds one permission per HttpApi event
    resources[API_ID] = {
        "Type": "AWS::Serverless::HttpApi",
        "Metadata": {"checkov": {"skip": [{"id": k, "comment": v} for k, v in HTTP_API_SKIPS.items()]}},
        "Properties": {
            "StageName": rest["Properties"].get("StageName", "api"),
            "FailOnWarnings": True,
            "Auth": {
                # SAM accepts ``Authorizer: NONE`` on a route only when the API has a default
                # authorizer; every route also names its own (Chalice's per-route auth).
                "DefaultAuthorizer": AUTHORIZER,
                "Authorizers": {
                    AUTHORIZER: {
                        "IdentitySource": "$request.header.Authorization",
                        "JwtConfiguration": {
                            "issuer": issuer(providers[0]),
                            "audience": [{"Ref": AUDIENCE_PARAM}],
                        },
                    }
                },
            },
        },
    }
    tpl.setdefault("Parameters", {}).setdefault(
        AUDIENCE_PARAM,
        {"Type": "String", "Description": "Cognito app client id: the audience of the API's JWT authorizer"},
    )
    outputs: dict[str, Any] = tpl.setdefault("Outputs", {})
    for name in [k for k, v in outputs.items() if _refers_to(v, rest_id)]:
        del outputs[name]
    stage = resources[API_ID]["Properties"]["StageName"]
    outputs["EndpointURL"] = {
        "Value": {
            "Fn::Sub": f"https://${{{API_ID}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{stage}/"
        }
    }
    outputs["HttpApiId"] = {"Value": {"Ref": API_ID}}
    if _refers_to(tpl, rest_id) or f"{rest_id}." in json.dumps(tpl):
        raise HttpApiError(f"{rest_id} is still referred to after the move")
    return tpl
