"""SAM -> plain CloudFormation, offline: a JSON-in / JSON-out runner for ``aws-sam-translator``.

Runs in its own environment (``.venv-sam``, made by the Makefile): aws-sam-translator pins
``pydantic~=2.13``, which the project's environment must not be tied to. Reads one SAM template
(JSON) on stdin and writes the translated CloudFormation template (JSON) on stdout::

    AWS_DEFAULT_REGION=ap-southeast-3 PYTHONPATH=infra \\
        .venv-sam/bin/python -m replika_infra.release.sam_runner < sam.json > cfn.json

Only the standard library and ``samtranslator`` are imported here. The translator never calls
AWS: the managed-policy names a template may use come from :data:`MANAGED_POLICIES` (a static
map; an unknown name is an error, not a lookup). Real CloudFormation still gets the SAM template
and runs its own transform: this runner is for moto (`replika_infra.local.deploy_moto`).
Errors go to stderr with exit status 1.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

#: The AWS managed policies a SAM template may name (``Policies: [AWSLambdaBasicExecutionRole]``).
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for path, name in (
        ("service-role/", "AWSLambdaBasicExecutionRole"),
        ("service-role/", "AWSLambdaSQSQueueExecutionRole"),
        ("service-role/", "AWSLambdaRole"),
        ("", "AWSXrayWriteOnlyAccess"),
        ("", "AWSXRayDaemonWriteAccess"),
    )
}


class StaticPolicyLoader:
    """A ``ManagedPolicyLoader`` stand-in that never calls IAM."""

    def load(self) -> dict[str, str]:
        return dict(MANAGED_POLICIES)


def translate(template: dict[str, Any], region: str) -> dict[str, Any]:
    from samtranslator.translator.transform import transform  # type: ignore[import-not-found]

    result: dict[str, Any] = transform(template, {"AWS::Region": region}, StaticPolicyLoader())
    return result


def main() -> int:
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "ap-southeast-3"
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        template = json.load(sys.stdin)
        if not isinstance(template, dict):
            raise ValueError("the input is not a template object")
        out = translate(template, region)
    except Exception as exc:  # the caller shows this text; nothing else to do with it
        print(f"sam translate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
