"""moto 5.2.5 CloudFormation fixes for the translated app stacks (the moto deploy path).

`replika deploy` on moto (:mod:`replika_infra.local.deploy_moto`) sends the layer stack and each
app's template, translated from SAM by aws-sam-translator, through moto's CloudFormation change
sets. moto models those resource types but drops or refuses part of them; each fix below makes
moto do what CloudFormation does, and no more:

- ``AWS::Lambda::Function`` keeps ``Layers``, ``Tags``, ``Architectures``, ``TracingConfig`` and
  ``FunctionName`` (moto keeps only a handful of properties);
- ``AWS::Lambda::LayerVersion`` is named by ``LayerName``, keeps ``CompatibleArchitectures``,
  its ``Ref`` is the version ARN, and an update publishes a new version;
- ``AWS::ApiGateway::RestApi`` with a ``Body`` (Swagger 2, what SAM emits) is created without a
  ``Name`` (the body's title) and its body is imported: resources, methods with their
  authorizer, Lambda proxy integrations and the Cognito authorizers of ``securityDefinitions``;
  an update re-imports the body under the same API id;
- ``AWS::ApiGateway::Stage`` is created (moto skips it), on the ``Ref`` of its deployment (the
  deployment id; moto handed over the model object);
- a stack made or changed by executing a change set gets its ``Outputs`` and keeps the change
  set's parameters (moto builds outputs only in CreateStack/UpdateStack, so a change-set stack
  had none, and a later identical change set was never "no changes");
- a JSON template body is parsed as JSON (moto runs every body through PyYAML's pure-Python
  scanner first: seconds per deploy for the translated templates). YAML bodies are unchanged.

Installed by :func:`install` (idempotent), beside :mod:`replika_infra.local.moto_patches`.
``tests/integration/test_deploy_moto.py`` deploys the whole region through these fixes.
HTTP APIs (``AWS::ApiGatewayV2::*``) are modelled in :mod:`replika_infra.local.moto_apigwv2`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Self

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _lambda_function()
    _layer_version()
    _rest_api()
    _change_set_outputs()
    _json_bodies()
    from moto.cloudformation import parsing

    # moto caches the CloudFormationModel subclasses it knows; the Stage model is new.
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
    _installed = True


#: A resource's CloudFormation create: (its ``Properties``, its logical name, account, region) -> it.
Create = Callable[[dict[str, Any], str, str, str], Any]
#: Its update: (the resource, the new ``Properties``, the new logical name, account, region) -> it.
Update = Callable[[Any, dict[str, Any], str, str, str], Any]


def _on_cloudformation(model: Any, create: Create, update: Update) -> None:
    """``model``'s CloudFormation create and update become ``create`` and ``update`` (moto calls
    them as classmethods with the whole resource JSON; they get its ``Properties``)."""

    def create_from_cloudformation_json(
        cls: Any,
        /,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kw: Any,
    ) -> Any:
        return create(cloudformation_json["Properties"], resource_name, account_id, region_name)

    def update_from_cloudformation_json(
        cls: Any,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> Any:  # moto passes the arguments by these names
        props = cloudformation_json["Properties"]
        return update(original_resource, props, new_resource_name, account_id, region_name)

    model.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    model.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)


class ApiPart:
    """What the CloudFormation models of an API's parts (stages, routes, integrations, authorizers,
    REST or HTTP) share; mixed into a direct ``CloudFormationModel`` subclass (moto lists
    ``CloudFormationModel.__subclasses__()``). The model wraps moto's object of the part (``part``)
    in the API named by the ``API_ID`` property; its ``Ref`` is the part's ``REF`` attribute. A
    subclass says how to :meth:`create` the part, and how to delete it."""

    CFN_TYPE = ""
    NAME_TYPE = ""  # the property that names the resource ("" when none does)
    REF = "id"
    API_ID = "ApiId"

    def __init__(self, api_id: str, part: Any) -> None:
        self.api_id = api_id
        self.part = part

    @property
    def physical_resource_id(self) -> str:
        return str(getattr(self.part, self.REF))

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_TYPE

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.CFN_TYPE

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kw: Any
    ) -> Self:
        props = cloudformation_json["Properties"]
        return cls(props[cls.API_ID], cls.create(props, resource_name, account_id, region_name))

    @classmethod
    def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
        """moto's object of the new part."""
        raise NotImplementedError


# --------------------------------------------------------------------------- Lambda

#: Function properties CreateFunction takes as they are in CloudFormation.
_FUNCTION_PROPERTIES = (
    "Description",
    "MemorySize",
    "Publish",
    "Timeout",
    "VpcConfig",
    "Environment",
    "ReservedConcurrentExecutions",
    "Layers",
    "Architectures",
    "TracingConfig",
    "DeadLetterConfig",
    "KMSKeyArn",
    "EphemeralStorage",
    "LoggingConfig",
    "PackageType",
)


def _tags(value: Any) -> dict[str, str]:
    """CloudFormation's ``[{"Key", "Value"}]`` as the Lambda API's ``{key: value}``."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {str(t["Key"]): str(t["Value"]) for t in value or []}


def _lambda_function() -> None:
    from moto.awslambda import models

    def create(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
        spec: dict[str, Any] = {
            "Code": dict(props["Code"]),
            "FunctionName": props.get("FunctionName") or resource_name,
            "Handler": props.get("Handler"),
            "Role": props["Role"],
            "Runtime": props.get("Runtime"),
        }
        spec.update({k: props[k] for k in _FUNCTION_PROPERTIES if k in props})
        if "Tags" in props:
            spec["Tags"] = _tags(props["Tags"])
        return models.lambda_backends[account_id][region_name].create_function(spec)

    original_update = models.LambdaFunction.update_from_cloudformation_json

    def update(fn: Any, props: dict[str, Any], new_name: str, account_id: str, region_name: str) -> Any:
        fn = original_update(fn, new_name, {"Properties": props}, account_id, region_name)
        if "Architectures" in props:
            fn.architectures = list(props["Architectures"])
        if "TracingConfig" in props:
            fn.tracing_config = props["TracingConfig"]
        if "Tags" in props:
            fn.tags = _tags(props["Tags"])
        if "ReservedConcurrentExecutions" in props:
            fn.reserved_concurrency = props["ReservedConcurrentExecutions"]
        return fn

    _on_cloudformation(models.LambdaFunction, create, update)


def _layer_version() -> None:
    from moto.awslambda import models

    def create(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
        spec = {"Content": props["Content"], "LayerName": props.get("LayerName") or resource_name}
        for prop in ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if prop in props:
                spec[prop] = props[prop]
        return models.lambda_backends[account_id][region_name].publish_layer_version(spec)

    def update(layer: Any, props: dict[str, Any], new_name: str, account_id: str, region_name: str) -> Any:
        # A layer version is immutable: CloudFormation replaces it with a new version.
        return create(props, new_name, account_id, region_name)

    _on_cloudformation(models.LayerVersion, create, update)
    models.LayerVersion.physical_resource_id = property(lambda self: self.arn)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- API Gateway (REST)


def import_swagger(backend: Any, api: Any, body: dict[str, Any]) -> None:
    """Resources, methods, integrations and authorizers of a Swagger 2 ``Body`` into ``api``.

    Replaces what the API had (an update of the ``Body`` redefines the API, same id)."""
    api.resources = {}
    api.authorizers = {}
    root = api.add_child("/")
    authorizer_ids: dict[str, str] = {}
    for name, scheme in sorted((body.get("securityDefinitions") or {}).items()):
        spec = scheme.get("x-amazon-apigateway-authorizer")
        if not spec:
            continue
        source = f"method.request.header.{scheme.get('name', 'Authorization')}"
        authorizer = backend.create_authorizer(
            api.id,
            name=name,
            authorizer_type=str(spec.get("type", "")).upper(),
            provider_arns=spec.get("providerARNs"),
            auth_type=scheme.get("x-amazon-apigateway-authtype"),
            authorizer_uri=spec.get("authorizerUri"),
            authorizer_credentials=spec.get("authorizerCredentials"),
            identity_source=spec.get("identitySource", source),
            authorizer_result_ttl=spec.get("authorizerResultTtlInSeconds"),
        )
        authorizer_ids[name] = authorizer["id"] if isinstance(authorizer, dict) else authorizer.id
    by_path = {"/": root}
    for path in sorted(body.get("paths") or {}):
        parent = root
        walked = ""
        for part in [p for p in path.split("/") if p]:
            walked += "/" + part
            if walked not in by_path:
                by_path[walked] = backend.create_resource(
                    function_id=api.id, parent_resource_id=parent.id, path_part=part
                )
            parent = by_path[walked]
        for verb, operation in sorted(body["paths"][path].items()):
            if verb.lower() == "parameters" or not isinstance(operation, dict):
                continue
            _put_operation(backend, api.id, parent.id, verb.upper(), operation, authorizer_ids, body)


def _put_operation(
    backend: Any,
    api_id: str,
    resource_id: str,
    method: str,
    operation: dict[str, Any],
    authorizer_ids: dict[str, str],
    body: dict[str, Any],
) -> None:
    schemes = body.get("securityDefinitions") or {}
    auth_type, authorizer_id = "NONE", None
    for requirement in operation.get("security") or []:
        for name in requirement:
            if name in authorizer_ids:
                authorizer_id = authorizer_ids[name]
                kind = str(schemes[name]["x-amazon-apigateway-authorizer"].get("type", "")).lower()
                auth_type = "COGNITO_USER_POOLS" if kind == "cognito_user_pools" else "CUSTOM"
    backend.put_method(
        api_id, resource_id, method, auth_type, authorizer_id=authorizer_id,
        api_key_required=any("api_key" in r for r in operation.get("security") or []),
    )  # fmt: skip
    for status in operation.get("responses") or {}:
        if str(status).isdigit():
            backend.put_method_response(
                api_id, resource_id, method, str(status), response_models=None, response_parameters=None
            )
    integration = operation.get("x-amazon-apigateway-integration")
    if integration:
        args = backend._build_integration_args(integration)
        # API Gateway answers with the type upper-cased (``aws_proxy`` in the body -> ``AWS_PROXY``).
        args["integration_type"] = str(args.get("integration_type") or "").upper() or None
        backend.put_integration(
            function_id=api_id,
            resource_id=resource_id,
            method_type=method,
            **{k: v for k, v in args.items() if v is not None},
        )


def _rest_api() -> None:
    from moto.apigateway import models
    from moto.core.common_models import CloudFormationModel

    def create(props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
        body = props.get("Body") or {}
        info = body.get("info") or {}
        backend = models.apigateway_backends[account_id][region_name]
        api = backend.create_rest_api(
            name=props.get("Name") or info.get("title") or resource_name,
            description=props.get("Description", info.get("description", "")),
            endpoint_configuration=props.get("EndpointConfiguration"),
            tags=props.get("Tags"),
        )
        if body:
            import_swagger(backend, api, body)
        return api

    def update(api: Any, props: dict[str, Any], new_name: str, account_id: str, region_name: str) -> Any:
        if props.get("Body"):
            backend = models.apigateway_backends[account_id][region_name]
            import_swagger(backend, api, props["Body"])
        return api

    # ``Ref`` of a deployment is its id (moto handed the model object to the Stage).
    models.Deployment.physical_resource_id = property(lambda self: self.id)  # type: ignore[attr-defined]
    _on_cloudformation(models.RestAPI, create, update)

    class ApiStage(ApiPart, CloudFormationModel):
        """``AWS::ApiGateway::Stage`` (moto has the Stage, not its CloudFormation model)."""

        CFN_TYPE = "AWS::ApiGateway::Stage"
        NAME_TYPE = "StageName"
        REF = "name"
        API_ID = "RestApiId"

        @classmethod
        def create(cls, props: dict[str, Any], resource_name: str, account_id: str, region_name: str) -> Any:
            backend = models.apigateway_backends[account_id][region_name]
            return backend.create_stage(
                props["RestApiId"],
                props.get("StageName") or resource_name,
                props["DeploymentId"],
                variables=props.get("Variables"),
                description=props.get("Description", ""),
                cacheClusterEnabled=props.get("CacheClusterEnabled"),
                cacheClusterSize=props.get("CacheClusterSize"),
                tags=_tags(props.get("Tags")),
                tracing_enabled=props.get("TracingEnabled"),
            )

        @classmethod
        def update_from_cloudformation_json(
            cls,
            original_resource: ApiStage,
            new_resource_name: str,
            cloudformation_json: Any,
            account_id: str,
            region_name: str,
        ) -> ApiStage:
            props = cloudformation_json["Properties"]
            stage = original_resource.part
            stage.deployment_id = props["DeploymentId"]
            stage.variables = props.get("Variables") or {}
            stage.tracing_enabled = props.get("TracingEnabled")
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            backend = models.apigateway_backends[account_id][region_name]
            backend.delete_stage(self.api_id, self.part.name)

    models.CfnApiStage = ApiStage  # type: ignore[attr-defined]  # keeps the subclass findable


# --------------------------------------------------------------------------- change sets


def _change_set_outputs() -> None:
    from moto.cloudformation import models

    original = models.CloudFormationBackend.execute_change_set

    @functools.wraps(original)
    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.parameters = change_set.parameters
        stack.output_map = stack._create_output_map()
        stack.description = stack.template_dict.get("Description")
        for export in stack.exports:
            self.exports[export.name] = export

    models.CloudFormationBackend.execute_change_set = execute_change_set  # type: ignore[method-assign]


def _json_bodies() -> None:
    from moto.cloudformation import models

    original = models.Stack.parse_template

    def parse_template(template: Any) -> Any:
        if isinstance(template, str) and template.lstrip().startswith("{"):
            try:
                return json.loads(template)
            except ValueError:
                pass  # not JSON after all: moto's own parsing (and its error)
        return original(template)

    def change_set_parse(self: Any) -> None:
        self.template_dict = parse_template(self.template)

    models.Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]
    models.ChangeSet._parse_template = change_set_parse  # type: ignore[method-assign]
