"""Settings read once from the environment (in Lambda: the region stack's outputs).

The environment variable names are the contract between `templates/region.yaml` outputs, the
local stack (`replika dev`) and the Lambda functions. ``replika_infra.local.stack.stack_env`` maps stack
outputs to these names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

# env var name -> Settings field
ENV_VARS: dict[str, str] = {
    "REPLIKA_STAGE": "stage",
    "REPLIKA_REGION_SLUG": "region_slug",
    "REPLIKA_REGION_CONFIG": "region_config_path",
    "AWS_DEFAULT_REGION": "aws_region",
    "DIRECTORY_TABLE": "directory_table",
    "AUDIT_TABLE": "audit_table",
    "IDEMPOTENCY_TABLE": "idempotency_table",
    "DOCUMENTS_BUCKET": "documents_bucket",
    "AUDIT_HEADS_BUCKET": "audit_heads_bucket",
    "DATA_KEY_ARN": "data_key_arn",
    "USER_POOL_ID": "user_pool_id",
    "USER_POOL_ARN": "user_pool_arn",
    "USER_POOL_CLIENT_ID": "user_pool_client_id",
    "PUBLIC_USER_POOL_ARN": "public_user_pool_arn",
    "CURSOR_SECRET": "cursor_secret",
    "WBS_TABLE": "wbs_table",
    "WBS_BUCKET": "wbs_bucket",
    "WBS_KEY_ARN": "wbs_key_arn",
    "WBS_TOPIC_ARN": "wbs_topic_arn",
    "WBS_SECRET_ARN": "wbs_secret_arn",
    "REMUNERASI_TABLE": "remunerasi_table",
    "SAKIP_TABLE": "sakip_table",
    "PAYROLL_QUEUE_URL": "payroll_queue_url",
    "PAYROLL_QUEUE_ARN": "payroll_queue_arn",
    "PERIZINAN_TABLE": "perizinan_table",
    "PERMIT_SIGNING_KEY_ARN": "permit_signing_key_arn",
    "SABILULUNGAN_TABLE": "sabilulungan_table",
    "SABILULUNGAN_TOPIC_ARN": "sabilulungan_topic_arn",
    "SABILULUNGAN_SECRET_ARN": "sabilulungan_secret_arn",
    "SABILULUNGAN_SENDER": "sabilulungan_sender",
}


class Settings(BaseModel):
    """The environment, validated. Resource names have no default: a function that needs one gets
    it from its manifest's parameters, and :func:`replika.core.runtime.init` refuses to start
    without it (no silent fallback to a table of the same name in someone else's stack)."""

    model_config = ConfigDict(frozen=True)

    stage: str = "local"
    region_slug: str = "kota-bandung"
    region_config_path: str | None = None
    aws_region: str = "ap-southeast-3"
    directory_table: str | None = None
    audit_table: str | None = None
    idempotency_table: str | None = None
    documents_bucket: str | None = None
    audit_heads_bucket: str | None = None  # Object Lock: the published daily audit chain heads
    data_key_arn: str | None = None
    user_pool_id: str | None = None
    user_pool_arn: str | None = None
    user_pool_client_id: str | None = None
    # Applicants' self sign-up pool (apps with applicants: grants, permits)
    public_user_pool_arn: str | None = None
    remunerasi_table: str | None = None
    sakip_table: str | None = None
    payroll_queue_url: str | None = None
    payroll_queue_arn: str | None = None
    # Signs pagination cursors so a client cannot forge a start key. Required by every deployed
    # function's manifest; the default serves the local tools only.
    cursor_secret: str = "local-dev-cursor-secret"  # noqa: S105 - development default only
    # WBS (only when the region enabled it): table, evidence bucket, its KMS key, the new-report
    # topic and the Secrets Manager secret that salts receipt hashes and signs reporter tokens.
    wbs_table: str | None = None
    wbs_bucket: str | None = None
    wbs_key_arn: str | None = None
    wbs_topic_arn: str | None = None
    wbs_secret_arn: str | None = None
    # Perizinan (only when the region enabled it): its table and the asymmetric permit signing key.
    perizinan_table: str | None = None
    permit_signing_key_arn: str | None = None
    # Sabilulungan: its table, the overdue-LPJ topic and the identifier-digest secret
    sabilulungan_table: str | None = None
    sabilulungan_topic_arn: str | None = None
    sabilulungan_secret_arn: str | None = None
    sabilulungan_sender: str | None = None  # the SES identity (an e-mail address) mails come from


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values = {field: env[name] for name, field in ENV_VARS.items() if env.get(name)}
    return Settings(**values)
