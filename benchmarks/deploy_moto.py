"""The whole region deployed on moto by `replika deploy`'s code: how long each step takes.

Packages every app (real templates, stand-in layers: ``package_with_standin_layers``), then, in
one ``moto.mock_aws``: translates each app template with aws-sam-translator (``.venv-sam``, a
subprocess per app), deploys the region with every app enabled through change sets, deploys it
again ("no changes"), and counts what exists. Wall time and this process's CPU time per step
(the translator's own CPU is in its subprocess: the ``translate`` wall time covers it).

    python benchmarks/deploy_moto.py

Prints one line per step, ``<step> wall <s> s cpu <s> s``, then the inventory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "core" / "python"))

REGION = "ap-southeast-3"


@contextmanager
def step(name: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    print(f"{name:<32} wall {time.perf_counter() - wall:6.2f} s cpu {time.process_time() - cpu:6.2f} s")


def main() -> int:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[key] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    from replika.core.manifest import manifest_apps
    from replika_infra.local.deploy_moto import deploy_region_on_moto, package_with_standin_layers
    from replika_infra.release import package, sam
    from replika_infra.release.deploy import DeployOptions, with_code_location
    from replika_infra.release.templates import loads

    apps = [a for a in manifest_apps() if a in package.discover_apps()]
    enabled = set(apps) - set(package.ALWAYS_APPS)
    with tempfile.TemporaryDirectory(prefix="replika-deploy-bench-") as tmp:
        build = Path(tmp)
        with step(f"package {len(apps)} apps"):
            package_with_standin_layers(build, apps)
        with step("translate (aws-sam-translator)"):
            for app in apps:
                text = (build / app / "sam.yaml").read_text(encoding="utf-8")
                sam.translate(with_code_location(loads(text), "b", "k"), REGION)
        with mock_aws():
            client: Callable[[str], Any] = lambda s: boto3.client(s, region_name=REGION)  # noqa: E731
            opts = DeployOptions(
                region_slug="kota-bench",
                enabled_apps=enabled,
                artifacts=build,
                artifact_bucket="replika-bench-artifacts",
                aws_region=REGION,
                poll=0.0,
            )
            with step(f"deploy ({2 + len(apps)} stacks)"):
                first = deploy_region_on_moto(
                    client("cloudformation"), client("s3"), opts, echo=lambda _: None
                )
            with step("deploy again"):
                again = deploy_region_on_moto(
                    client("cloudformation"), client("s3"), opts, echo=lambda _: None
                )
            functions = client("lambda").list_functions()["Functions"]
            apis = client("apigateway").get_rest_apis()["items"]
            methods = sum(
                len(r.get("resourceMethods", {}))
                for api in apis
                for r in client("apigateway").get_resources(restApiId=api["id"], limit=500)["items"]
            )
            http_apis = client("apigatewayv2").get_apis()["Items"]
            routes = sum(len(client("apigatewayv2").get_routes(ApiId=a["ApiId"])["Items"]) for a in http_apis)
            rules = client("events").list_rules()["Rules"]
            mappings = client("lambda").list_event_source_mappings()["EventSourceMappings"]
    shown = [f"{r.stack.rsplit('-', 1)[-1]} {r.outcome.value}" for r in first]
    print(f"stacks: {', '.join(shown)}")
    print(f"second deploy: {sorted({r.outcome.value for r in again})}")
    print(
        f"functions {len(functions)} (with layers: {sum(1 for f in functions if f.get('Layers'))}), "
        f"REST apis {len(apis)}, methods {methods}, HTTP apis {len(http_apis)}, routes {routes}, "
        f"schedules {len(rules)}, event source mappings {len(mappings)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
