"""Settings read once from the environment (in Lambda: the region stack's outputs).

The environment variable names are the contract between `templates/region.yaml` outputs, the
local stack (`replika dev`) and the Lambda functions. ``replika_infra.stack.stack_env`` maps stack
outputs to these names.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

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
    "DATA_KEY_ARN": "data_key_arn",
    "USER_POOL_ID": "user_pool_id",
    "USER_POOL_ARN": "user_pool_arn",
    "USER_POOL_CLIENT_ID": "user_pool_client_id",
    "CURSOR_SECRET": "cursor_secret",
    "WBS_TABLE": "wbs_table",
    "WBS_BUCKET": "wbs_bucket",
    "WBS_KEY_ARN": "wbs_key_arn",
    "WBS_TOPIC_ARN": "wbs_topic_arn",
    "WBS_SECRET_ARN": "wbs_secret_arn",
    "REMUNERASI_TABLE": "remunerasi_table",
    "PAYROLL_QUEUE_URL": "payroll_queue_url",
    "PAYROLL_QUEUE_ARN": "payroll_queue_arn",
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: str = "local"
    region_slug: str = "kota-bandung"
    region_config_path: str | None = None
    aws_region: str = "ap-southeast-3"
    directory_table: str = "replika-directory"
    audit_table: str = "replika-audit"
    idempotency_table: str = "replika-idempotency"
    documents_bucket: str = "replika-documents"
    data_key_arn: str | None = None
    user_pool_id: str | None = None
    user_pool_arn: str | None = None
    user_pool_client_id: str | None = None
    # Signs pagination cursors so a client cannot forge a start key. Set per region in production.
    remunerasi_table: str = "replika-remunerasi"
    payroll_queue_url: str | None = None
    payroll_queue_arn: str | None = None
    cursor_secret: str = "local-dev-cursor-secret"  # noqa: S105 - development default only
    # WBS (only when the region enabled it): table, evidence bucket, its KMS key, the new-report
    # topic and the Secrets Manager secret that salts receipt hashes and signs reporter tokens.
    wbs_table: str | None = None
    wbs_bucket: str | None = None
    wbs_key_arn: str | None = None
    wbs_topic_arn: str | None = None
    wbs_secret_arn: str | None = None


def settings_from_env(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values = {field: env[name] for name, field in ENV_VARS.items() if env.get(name)}
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return settings_from_env()


def env_or(name: str, default: str) -> str:
    """For PynamoDB ``Meta`` classes, which need a table name at import time."""
    return os.environ.get(name) or default


_TABLE_MODELS: list[tuple[Any, str]] = []


def register_table(model: Any, env_var: str) -> None:
    """Remember which env var names a PynamoDB model's table, so :func:`rebind_tables` can follow a
    changed environment (the local stack and tests switch stacks inside one process)."""
    _TABLE_MODELS.append((model, env_var))


_RESETS: list[Any] = []


def register_reset(fn: Any) -> Any:
    """Register a cache of AWS clients to drop when the environment changes (see below)."""
    _RESETS.append(fn)
    return fn


def rebind_tables() -> None:
    """Follow a changed environment: settings, table names, and every registered client cache
    (the local stack and the tests switch between stacks and endpoints inside one process)."""
    get_settings.cache_clear()
    for reset in _RESETS:
        reset()
    for model, env_var in _TABLE_MODELS:
        name = os.environ.get(env_var)
        if name and model.Meta.table_name != name:
            model.Meta.table_name = name
            model._connection = None  # PynamoDB caches the table connection per model
