"""Tamper evidence of the audit log, end to end on the region stack (moto): sharded chains, the
daily heads in the Object Lock bucket, and what verification catches — an edited record, a
rewritten (re-hashed) chain tail, a truncated chain, a deleted chain, a second publication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

from replika.core import audit, audit_verify, runtime
from replika.core.audit import AuditRecord
from replika_infra.local.gateway import load_app
from tests.conftest import auth_header

AUDITOR = auth_header("198001012005011001", "32.73.20", "inspektorat")
CLERK = auth_header("199001012015011001", "32.73.06", "pegawai")
TODAY = datetime.now(UTC).date().isoformat()


def approve_in_two_opds(entries: int) -> None:
    """``entries`` approvals in each of two OPDs' audit chains."""
    for opd in ("1.01", "1.02"):
        for i in range(entries):
            audit.append(
                f"remunerasi/opd/{opd}", actor="system:test", action="entry.approve", subject=f"e#{i}"
            )


@pytest.fixture
def stack(region_stack: dict[str, str]) -> dict[str, str]:
    approve_in_two_opds(4)
    audit.append("directory", actor="system:test", action="import", subject="directory")
    return region_stack


@pytest.fixture
def s3() -> Any:
    return runtime.current().client("s3")


def bucket() -> str:
    return str(runtime.current().settings.audit_heads_bucket)


def publish() -> dict[str, Any]:
    return audit_verify.publish_heads(TODAY, bucket(), runtime.current().client("s3"))


def check(published: bool = True) -> audit_verify.DayReport:
    doc = audit_verify.read_published(TODAY, bucket(), runtime.current().client("s3")) if published else None
    return audit_verify.verify_day(TODAY, published=doc)


def reasons(report: audit_verify.DayReport) -> set[tuple[str, str]]:
    return {(p.chain, p.reason) for p in report.problems}


def raw_update(chain: str, seq: int, **values: str) -> None:
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    names = {f"#{k}": k for k in values}
    ddb.update_item(
        TableName=AuditRecord.Meta.table_name,
        Key={"stream": {"S": chain}, "seq": {"N": str(seq)}},
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":{k}": {"S": v} for k, v in values.items()},
    )


def test_writers_of_different_opds_write_different_chains(stack: dict[str, str]) -> None:
    chains = audit_verify.chains_of_day(TODAY)
    assert chains == sorted(
        [f"directory@{TODAY}", f"remunerasi/opd/1.01@{TODAY}", f"remunerasi/opd/1.02@{TODAY}"]
    )
    assert {c: h["count"] for c, h in audit_verify.heads(TODAY).items()} == {
        f"directory@{TODAY}": 1,
        f"remunerasi/opd/1.01@{TODAY}": 4,
        f"remunerasi/opd/1.02@{TODAY}": 4,
    }
    report = check(published=False)
    assert report.ok and report.chains == 3 and report.records == 9


def test_an_edited_record_is_detected(stack: dict[str, str]) -> None:
    publish()
    chain = audit.chain_id("remunerasi/opd/1.01")
    raw_update(chain, 2, actor="sub:someone-else|nip:-|")
    assert (chain, "hash_mismatch") in reasons(check(published=False))
    assert (chain, "hash_mismatch") in reasons(check())


def test_a_rewritten_chain_tail_passes_the_chain_but_not_the_published_heads(stack: dict[str, str]) -> None:
    publish()
    chain = audit.chain_id("remunerasi/opd/1.02")
    # rewrite records 2..4 and re-hash them so that every link holds again
    prev = AuditRecord.get(chain, 1).hash
    for seq in (2, 3, 4):
        rec = AuditRecord.get(chain, seq, consistent_read=True)
        rec.subject = f"forged#{seq}"
        rec.prev_hash = prev
        rec.hash = rec.computed_hash()
        rec.save()
        prev = rec.hash
    assert check(published=False).ok  # the chain alone cannot tell
    assert reasons(check()) == {(chain, "rewritten")}


def test_a_truncated_and_a_deleted_chain_are_detected(stack: dict[str, str]) -> None:
    publish()
    truncated = audit.chain_id("remunerasi/opd/1.01")
    AuditRecord.get(truncated, 4).delete()
    gone = audit.chain_id("directory")
    AuditRecord.get(gone, 1).delete()
    AuditRecord.get(audit.catalogue_key(TODAY), audit.catalogue_seq(gone)).delete()
    assert check(published=False).ok  # both look fine without the published heads
    assert reasons(check()) == {(truncated, "truncated"), (gone, "missing_chain")}


def test_the_first_publication_is_the_record(stack: dict[str, str], s3: Any) -> None:
    first = publish()
    chain = audit.chain_id("remunerasi/opd/1.01")
    AuditRecord.get(chain, 4).delete()
    publish()  # someone with s3:PutObject publishes a "fixed" version of the day
    doc = audit_verify.read_published(TODAY, bucket(), s3)
    assert doc is not None and doc["digest"] == first["digest"] and doc["republished"]
    assert reasons(check()) == {(chain, "truncated"), ("(published file)", "republished")}


def test_the_published_file_is_locked_in_compliance_mode(stack: dict[str, str], s3: Any) -> None:
    publish()
    lock = s3.get_object_lock_configuration(Bucket=bucket())["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    assert lock["Rule"]["DefaultRetention"]["Mode"] == "COMPLIANCE"
    version = s3.list_object_versions(Bucket=bucket(), Prefix=audit_verify.heads_key(TODAY))["Versions"][0]
    with pytest.raises(s3.exceptions.ClientError):
        s3.delete_object(Bucket=bucket(), Key=version["Key"], VersionId=version["VersionId"])


@pytest.fixture
def client(stack: dict[str, str]) -> Iterator[Client]:
    with Client(load_app("directory")) as c:
        yield c


def test_routes_for_the_inspektorat_and_the_public(client: Client) -> None:
    r = client.http.get(f"/audit/verify?since={TODAY}", headers=AUDITOR)
    assert r.status_code == 200, r.body
    body = json.loads(r.body)
    assert body["ok"] and body["days"][0]["chains"] == 3 and not body["days"][0]["published"]
    assert client.http.get(f"/audit/verify?since={TODAY}", headers=CLERK).status_code == 403
    assert client.http.get(f"/public/audit/heads/{TODAY}").status_code == 404  # not yet published

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    from replika.directory import audit_checks

    assert audit_checks.publish_yesterday(tomorrow)["published"] is True
    assert audit_checks.publish_yesterday(tomorrow)["published"] is False  # once a day

    r = client.http.get(f"/public/audit/heads/{TODAY}")
    assert r.status_code == 200, r.body
    heads = json.loads(r.body)
    assert heads["digest"] == audit_verify.digest({k: v for k, v in heads["chains"].items()})
    AuditRecord.get(audit.chain_id("remunerasi/opd/1.02"), 4).delete()
    body = json.loads(client.http.get(f"/audit/verify?since={TODAY}", headers=AUDITOR).body)
    assert not body["ok"]
    assert body["days"][0]["problems"] == [
        {"chain": audit.chain_id("remunerasi/opd/1.02"), "reason": "truncated", "seq": 4}
    ]


@pytest.mark.parametrize("day", ["2026-13-01", "20261201", "x" * 300, "2026-12-1"])
def test_a_bad_day_is_404(client: Client, day: str) -> None:
    r = client.http.get(f"/public/audit/heads/{day}")
    # an over-long path parameter is refused by the HTTP adapter before the use case
    code = "not_found" if len(day) > 128 else "day_not_found"
    assert r.status_code == 404 and json.loads(r.body)["error"]["code"] == code


@pytest.mark.parametrize(
    "query", ["since=2026-12-01&until=2026-11-01", "since=2026-01-01&until=2026-03-01", "since=2999-01-01"]
)
def test_a_bad_range_is_400(client: Client, query: str) -> None:
    r = client.http.get(f"/audit/verify?{query}", headers=AUDITOR)
    assert r.status_code == 400, r.body
