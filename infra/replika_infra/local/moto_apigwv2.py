"""A CloudFormation model of API Gateway HTTP APIs for moto 5.2.5 (the moto deploy path).

moto has the ``apigatewayv2`` service (CreateApi, CreateRoute, CreateIntegration,
CreateAuthorizer, CreateStage, GetRoutes, ...), but its CloudFormation knows none of the
``AWS::ApiGatewayV2::*`` types: a stack with an HTTP API got no API at all. This module adds the
CloudFormation glue on top of moto's own service backend, so that after a deploy
``boto3.client("apigatewayv2").get_routes(ApiId=...)`` shows what CloudFormation would have made:

- ``AWS::ApiGatewayV2::Api`` with a ``Body`` (OpenAPI 3, what aws-sam-translator emits for an
  ``AWS::Serverless::HttpApi``) imports the body: the JWT authorizers of
  ``components.securitySchemes`` (``x-amazon-apigateway-authorizer``), and per operation one
  integration (type, uri, payload format version) and one route ``"<METHOD> <path>"`` with
  ``AuthorizationType`` ``JWT`` and its authorizer where the operation's ``security`` names one,
  ``NONE`` where it names ``NONE`` (SAM's public routes) or nothing; a scheme that is not an
  authorizer of the body is refused rather than made public (moto's own ImportApi drops the
  authorizers and the route auth). An update
  re-imports the body under the same API id. ``Ref`` is the API id; ``Fn::GetAtt`` gives
  ``ApiId`` and ``ApiEndpoint``. Without a ``Body`` the API is created from its properties;
- ``AWS::ApiGatewayV2::Stage``, ``Route``, ``Integration`` and ``Authorizer`` are created from
  their properties (``Ref`` is the stage name, route id, integration id, authorizer id).

Installed by :func:`install` (idempotent), beside :mod:`replika_infra.local.moto_cfn`.
"""

from __future__ import annotations

import json
from typing import Any

from replika_infra.local.moto_cfn import ApiPart

_installed = False


def _backend(account_id: str, region_name: str) -> Any:
    from moto.apigatewayv2.models import apigatewayv2_backends

    return apigatewayv2_backends[account_id][region_name]


def import_openapi(api: Any, body: dict[str, Any]) -> None:
    """Authorizers, integrations and routes of an OpenAPI 3 body into a moto ``Api`` (replacing)."""
    api.clear()
    authorizers: dict[str, str] = {}
    schemes = (body.get("components") or {}).get("securitySchemes") or {}
    for name, scheme in sorted(schemes.items()):
        spec = scheme.get("x-amazon-apigateway-authorizer")
        if not spec:
            continue
        jwt = spec.get("jwtConfiguration") or {}
        authorizer = api.create_authorizer(
            auth_creds_arn=spec.get("authorizerCredentialsArn"),
            auth_payload_format_version=spec.get("authorizerPayloadFormatVersion"),
            auth_result_ttl=spec.get("authorizerResultTtlInSeconds"),
            authorizer_type=str(spec.get("type", "")).upper(),
            authorizer_uri=spec.get("authorizerUri"),
            enable_simple_response=spec.get("enableSimpleResponses"),
            identity_source=[spec["identitySource"]] if spec.get("identitySource") else None,
            identity_validation_expr=None,
            jwt_config={"issuer": jwt.get("issuer"), "audience": list(jwt.get("audience") or [])},
            name=name,
        )
        authorizers[name] = authorizer.id
    for path, operations in sorted((body.get("paths") or {}).items()):
        for method, operation in sorted(operations.items()):
            spec = operation.get("x-amazon-apigateway-integration")
            if not isinstance(spec, dict):
                continue
            integration = api.create_integration(
                connection_type=spec.get("connectionType", "INTERNET"),
                description="Imported from the OpenAPI body",
                integration_method=spec.get("httpMethod"),
                integration_type=str(spec.get("type", "")).upper(),
                integration_uri=spec.get("uri"),
                payload_format_version=spec.get("payloadFormatVersion"),
                timeout_in_millis=spec.get("timeoutInMillis"),
            )
            secured = _authorizers_of(operation.get("security", body.get("security")), authorizers, path)
            api.create_route(
                api_key_required=False,
                authorization_scopes=[],
                route_key=f"{'ANY' if method == 'x-amazon-apigateway-any-method' else method.upper()} {path}",
                target=f"integrations/{integration.id}",
                authorization_type="JWT" if secured else "NONE",
                authorizer_id=authorizers[secured[0]] if secured else None,
            )
    info = body.get("info") or {}
    if info.get("title"):
        api.name = info["title"]


def _authorizers_of(security: Any, authorizers: dict[str, str], where: str) -> list[str]:
    """The authorizers an operation's ``security`` names (``NONE``: none). A scheme that is not an
    authorizer of the body is an error, not a public route (API Gateway would not import it)."""
    names = [name for requirement in security or [] for name in requirement]
    unknown = sorted(set(names) - set(authorizers) - {"NONE"})
    if unknown:
        raise ValueError(f"{where}: security names {unknown}, not an authorizer of the body")
    return [name for name in names if name != "NONE"]


def _body(props: dict[str, Any]) -> dict[str, Any] | None:
    body = props.get("Body")
    if isinstance(body, str):
        parsed: dict[str, Any] = json.loads(body)
        return parsed
    return body


def _jwt(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """CloudFormation's ``{"Issuer", "Audience"}`` as the service's (wire) ``{"issuer", "audience"}``."""
    if not config:
        return None
    return {"issuer": config.get("Issuer"), "audience": list(config.get("Audience") or [])}


def install() -> None:
    global _installed
    if _installed:
        return
    _models()
    from moto.cloudformation import parsing

    # moto caches the CloudFormationModel subclasses it knows; these are new.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    _installed = True


def _models() -> None:
    from moto.apigatewayv2 import models
    from moto.core.common_models import CloudFormationModel

    class CfnHttpApi(CloudFormationModel):
        """``AWS::ApiGatewayV2::Api``."""

        def __init__(self, api: Any, account_id: str, region_name: str) -> None:
            self.api = api
            self.account_id = account_id
            self.region_name = region_name

        @property
        def physical_resource_id(self) -> str:
            return str(self.api.api_id)

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::ApiGatewayV2::Api"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("ApiId", "ApiEndpoint")

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "ApiId":
                return self.api.api_id
            if attribute_name == "ApiEndpoint":
                return self.api.api_endpoint
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any
        ) -> CfnHttpApi:
            props = cloudformation_json.get("Properties") or {}
            body = _body(props)
            api = _backend(account_id, region_name).create_api(
                api_key_selection_expression=props.get("ApiKeySelectionExpression"),
                cors_configuration=props.get("CorsConfiguration"),
                description=props.get("Description", ""),
                disable_schema_validation=props.get("DisableSchemaValidation"),
                disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
                name=props.get("Name") or resource_name,
                protocol_type=props.get("ProtocolType", "HTTP"),
                route_selection_expression=props.get("RouteSelectionExpression"),
                tags=props.get("Tags") or {},
                version=props.get("Version"),
            )
            if body:
                import_openapi(api, body)
            return cls(api, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls,
            original_resource: CfnHttpApi,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> CfnHttpApi:
            body = _body(cloudformation_json.get("Properties") or {})
            if body:
                stages = dict(original_resource.api.stages)
                import_openapi(original_resource.api, body)
                original_resource.api.stages.update(stages)  # clear() drops them; the stage stays
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            _backend(account_id, region_name).delete_api(self.api.api_id)

    class CfnHttpStage(ApiPart, CloudFormationModel):
        """``AWS::ApiGatewayV2::Stage``."""

        CFN_TYPE = "AWS::ApiGatewayV2::Stage"
        NAME_TYPE = "StageName"
        REF = "name"

        @classmethod
        def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
            config = {
                "stageName": props.get("StageName") or resource_name,
                "autoDeploy": props.get("AutoDeploy"),
                "description": props.get("Description"),
                "stageVariables": props.get("StageVariables") or {},
                "routeSettings": props.get("RouteSettings") or {},
                "accessLogSettings": props.get("AccessLogSettings"),
                "tags": props.get("Tags") or {},
            }
            if props.get("DefaultRouteSettings"):
                config["defaultRouteSettings"] = props["DefaultRouteSettings"]
            return _backend(account_id, region_name).create_stage(props["ApiId"], config)

        @classmethod
        def update_from_cloudformation_json(
            cls,
            original_resource: CfnHttpStage,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> CfnHttpStage:
            props = cloudformation_json["Properties"]
            original_resource.part.auto_deploy = props.get("AutoDeploy")
            original_resource.part.stage_variables = props.get("StageVariables") or {}
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            _backend(account_id, region_name).delete_stage(self.api_id, self.part.name)

    class CfnHttpRoute(ApiPart, CloudFormationModel):
        """``AWS::ApiGatewayV2::Route``."""

        CFN_TYPE = "AWS::ApiGatewayV2::Route"
        REF = "route_id"

        @classmethod
        def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
            return _backend(account_id, region_name).create_route(
                api_id=props["ApiId"],
                api_key_required=bool(props.get("ApiKeyRequired", False)),
                authorization_scopes=props.get("AuthorizationScopes") or [],
                authorization_type=props.get("AuthorizationType", "NONE"),
                authorizer_id=props.get("AuthorizerId"),
                model_selection_expression=props.get("ModelSelectionExpression"),
                operation_name=props.get("OperationName"),
                request_models=props.get("RequestModels"),
                request_parameters=props.get("RequestParameters"),
                route_key=props["RouteKey"],
                route_response_selection_expression=props.get("RouteResponseSelectionExpression"),
                target=props.get("Target"),
            )

        def delete(self, account_id: str, region_name: str) -> None:
            _backend(account_id, region_name).delete_route(self.api_id, self.part.route_id)

    class CfnHttpIntegration(ApiPart, CloudFormationModel):
        """``AWS::ApiGatewayV2::Integration``."""

        CFN_TYPE = "AWS::ApiGatewayV2::Integration"

        @classmethod
        def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
            api = _backend(account_id, region_name).get_api(props["ApiId"])
            return api.create_integration(
                connection_type=props.get("ConnectionType", "INTERNET"),
                description=props.get("Description", ""),
                integration_method=props.get("IntegrationMethod"),
                integration_type=props["IntegrationType"],
                integration_uri=props.get("IntegrationUri"),
                credentials_arn=props.get("CredentialsArn"),
                payload_format_version=props.get("PayloadFormatVersion"),
                timeout_in_millis=props.get("TimeoutInMillis"),
            )

        def delete(self, account_id: str, region_name: str) -> None:
            _backend(account_id, region_name).delete_integration(self.api_id, self.part.id)

    class CfnHttpAuthorizer(ApiPart, CloudFormationModel):
        """``AWS::ApiGatewayV2::Authorizer``."""

        CFN_TYPE = "AWS::ApiGatewayV2::Authorizer"
        NAME_TYPE = "Name"

        @classmethod
        def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
            api = _backend(account_id, region_name).get_api(props["ApiId"])
            return api.create_authorizer(
                auth_creds_arn=props.get("AuthorizerCredentialsArn"),
                auth_payload_format_version=props.get("AuthorizerPayloadFormatVersion"),
                auth_result_ttl=props.get("AuthorizerResultTtlInSeconds"),
                authorizer_type=props["AuthorizerType"],
                authorizer_uri=props.get("AuthorizerUri"),
                enable_simple_response=props.get("EnableSimpleResponses"),
                identity_source=props.get("IdentitySource"),
                identity_validation_expr=props.get("IdentityValidationExpression"),
                jwt_config=_jwt(props.get("JwtConfiguration")),
                name=props.get("Name") or resource_name,
            )

        def delete(self, account_id: str, region_name: str) -> None:
            _backend(account_id, region_name).delete_authorizer(self.api_id, self.part.id)

    # keeps the subclasses findable (moto lists CloudFormationModel.__subclasses__())
    models.CfnHttpModels = (  # type: ignore[attr-defined]
        CfnHttpApi,
        CfnHttpStage,
        CfnHttpRoute,
        CfnHttpIntegration,
        CfnHttpAuthorizer,
    )
