"""The local stack applies the evidence lifecycle from the template, as S3 would."""

from __future__ import annotations

import boto3


def test_documents_bucket_archives_evidence_after_the_template_days(region_stack: dict[str, str]) -> None:
    s3 = boto3.client("s3")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=region_stack["DOCUMENTS_BUCKET"])["Rules"]
    by_id = {r["ID"]: r for r in rules}
    archive = by_id["archive-evidence"]
    assert archive["Filter"] == {"Prefix": "remunerasi/evidence/"}
    assert archive["Transitions"] == [{"Days": 30, "StorageClass": "GLACIER_IR"}]
    assert by_id["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
