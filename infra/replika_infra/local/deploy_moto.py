"""`replika deploy`'s own path, executed on moto: data, layer and app stacks through change sets.

What differs from AWS is only how the templates reach moto (:class:`Emulation`):

- the region template goes through :func:`replika_infra.local.stack.moto_template` (moto's
  CloudFormation lacks Cognito, bucket policies, schedules and secrets), and those resources are
  then created from the same template by :func:`replika_infra.local.stack.create_region_stack`,
  which also completes the data stack's outputs;
- each app's packaged SAM template is translated into plain CloudFormation by aws-sam-translator
  (:mod:`replika_infra.release.sam`), as CloudFormation's own transform would;
- :mod:`replika_infra.local.moto_cfn` fixes what moto drops from the translated resources, and
  :mod:`replika_infra.local.moto_apigwv2` models the HTTP APIs (``AWS::ApiGatewayV2::*``).

Everything else (parameters from the data and layer stack outputs, change sets, "no changes",
artifact upload) is `replika deploy`'s code, unchanged. moto cannot invoke the functions without
Docker: a deploy on moto proves the wiring, the translation and the parameters, not execution.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import boto3

from replika_infra.local import moto_apigwv2, moto_cfn, moto_patches
from replika_infra.local.stack import create_region_stack, moto_template
from replika_infra.release import package, sam
from replika_infra.release.deploy import (
    CloudFormation,
    DeployOptions,
    Emulation,
    Printer,
    Result,
    deploy_region,
)

S3 = Any
_sessions: dict[str, boto3.Session] = {}


def _session(aws_region: str) -> boto3.Session:
    """One session per region: a new one loads botocore's service models again (seconds)."""
    if aws_region not in _sessions:
        _sessions[aws_region] = boto3.Session(region_name=aws_region)
    return _sessions[aws_region]


def emulation(
    aws_region: str, session: boto3.Session | None = None, endpoint_url: str | None = None
) -> Emulation:
    def data_outputs(stack_name: str, outputs: dict[str, str]) -> dict[str, str]:
        # Finds the stack the change set made; creates what moto's CloudFormation skips.
        complete = create_region_stack(stack_name, {}, session=session, endpoint_url=endpoint_url)
        return {**complete, **outputs}

    return Emulation(
        data_template=moto_template,
        data_outputs=data_outputs,
        app_template=lambda template: sam.translate(template, aws_region),
    )


def deploy_region_on_moto(
    cfn: CloudFormation, s3: S3, opts: DeployOptions, echo: Printer = print
) -> list[Result]:
    """:func:`replika_infra.release.deploy.deploy_region` under ``moto.mock_aws`` (in-process)."""
    moto_patches.install()
    moto_cfn.install()
    moto_apigwv2.install()
    if opts.emulation is None:
        opts.emulation = emulation(opts.aws_region, session=_session(opts.aws_region))
    return deploy_region(cfn, s3, opts, echo)


def package_with_standin_layers(out: Path, apps: list[str], api: str = package.DEFAULT_API) -> Path:
    """`replika package`'s layout with the real app templates and code (`chalice package` and
    post-processing, no bytecode) and tiny stand-in layers: on moto the layers' content does not
    matter, and building the real ones needs pip and minutes. ``api`` as `replika package`'s
    (HTTP API where the app can have one, :mod:`replika_infra.local.moto_apigwv2`; REST API,
    :mod:`replika_infra.local.moto_cfn`, for the others or with ``api="rest"``)."""
    from replika.core.manifest import manifest_for

    manifests = {app: manifest_for(app) for app in apps}
    for app in apps:
        package.package_app(package.FUNCTIONS_DIR / app, out, "3.12", "arm64", api=api)
    names = sorted({n for m in manifests.values() for n in package.layer_names(m)})
    (out / "layers").mkdir(parents=True, exist_ok=True)
    for name in names:
        with zipfile.ZipFile(out / "layers" / f"{name}.zip", "w") as zf:
            zf.writestr(f"python/replika_standin_{name}.py", f"LAYER = {name!r}\n")
    manifest = {
        "python": "3.12",
        "arch": "arm64",
        "apps": apps,
        "layers": {n: f"layers/{n}.zip" for n in names},
        "app_layers": {a: package.layer_names(m) for a, m in manifests.items()},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out
