"""e-SAKIP cascade over HTTP and the use cases: who maintains which level, versions, revisions after
a signed performance agreement (reason, audit), the agreement's PDF and signature, deletion."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

from replika.core.errors import BadRequest, Conflict, Forbidden
from replika_infra.local.gateway import load_app
from tests.integration import sakip_support as s


@pytest.fixture
def sakip(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s.setup_region(region_stack, monkeypatch)
    s.small_cascade()
    return region_stack


def call(client: Client, method: str, path: str, who: Any, body: Any = None) -> tuple[int, Any]:
    r = client.http.request(
        method, path, headers=s.headers_of(who), body=json.dumps(body).encode() if body is not None else b""
    )
    return r.status_code, json.loads(r.body) if r.body else None


def test_levels_belong_to_bappeda_and_to_each_opd(sakip: dict[str, str]) -> None:
    with Client(load_app("sakip")) as client:
        goal = {
            "code": "T9",
            "level": "goal",
            "owner": "pemda",
            "parent": "M1",
            "name": "Tujuan baru",
            "indicators": [s.indicator("X")],
        }
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.STAFF_A, goal)
        assert status == 403, body
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.BAPPEDA, goal)
        assert status == 201 and body["version"] == 1, body
        prog = {
            "code": "A.P2",
            "level": "programme",
            "owner": s.OPD_A,
            "parent": "A.SS1",
            "name": "Program kedua",
            "indicators": [s.indicator("O1", "higher", "sum", 10)],
        }
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.STAFF_B, prog)
        assert status == 403, body
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.STAFF_A, prog)
        assert status == 201, body
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.STAFF_A, prog)
        assert status == 409  # the code exists
        wrong = {**prog, "code": "A.P3", "parent": "S1"}
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.STAFF_A, wrong)
        # 409: the parent's level and OPD are stored state (a valid body in conflict with it)
        assert status == 409 and {p["code"] for p in body["error"]["details"]["problems"]} == {
            "parent_level",
            "owner_parent",
        }
        short = {**prog, "code": "A.P4", "indicators": [{**s.indicator("O1"), "targets": {"2025": "1"}}]}
        status, body = call(client, "POST", f"/cascade/{s.PERIOD}/nodes", s.STAFF_A, short)
        # 409: which years need a target is the stored period's (a state conflict, same code)
        assert status == 409 and body["error"]["details"]["problems"][0]["code"] == "targets_incomplete"
        status, body = call(client, "GET", f"/cascade/{s.PERIOD}/nodes?parent=A.SS1", s.STAFF_A)
        assert status == 200 and [n["code"] for n in body["items"]] == ["A.P1", "A.P2"]
        status, body = call(client, "GET", f"/cascade/{s.PERIOD}/nodes/B.P1", s.STAFF_A)
        assert status == 403  # another OPD's node
        status, body = call(client, "GET", f"/cascade/{s.PERIOD}/nodes/S1", s.STAFF_A)
        assert status == 200  # the region's levels are everyone's
        status, body = call(
            client,
            "POST",
            f"/cascade/{s.PERIOD}/nodes",
            s.BAPPEDA,
            {**goal, "code": "V2", "level": "vision", "parent": None, "indicators": []},
        )
        assert status == 409 and body["error"]["code"] == "vision_exists"


def test_changes_are_versioned_and_a_stale_version_is_refused(sakip: dict[str, str]) -> None:
    from replika.sakip import cascade
    from replika.sakip.models import NodeUpdate

    current = cascade.get_node(s.STAFF_A, s.PERIOD, "A.SS1")
    body = current.model_dump(include={"name", "parent", "weight", "order", "indicators", "pagu"})
    body["indicators"][0]["targets"]["2027"] = "95"
    updated = cascade.update_node(
        s.STAFF_A, s.PERIOD, "A.SS1", NodeUpdate.model_validate({**body, "version": 1}), None
    )
    assert updated.version == 2 and updated.indicators[0].targets["2027"] == 95
    with pytest.raises(Conflict):
        cascade.update_node(
            s.STAFF_A, s.PERIOD, "A.SS1", NodeUpdate.model_validate({**body, "version": 1}), None
        )
    history = cascade.revisions(s.STAFF_A, s.PERIOD, "A.SS1", 10, None)
    assert [(r.version, r.action) for r in history.items] == [(2, "update"), (1, "create")]
    assert history.items[0].before["indicators"][0]["targets"]["2027"] == "90"
    assert history.items[0].after["indicators"][0]["targets"]["2027"] == "95"
    assert history.items[0].revision_years == [] and history.items[0].reason is None


def _sign(year: int, owner: str, signer: Any) -> None:
    from replika.core import storage
    from replika.sakip import agreement
    from replika.sakip.models import SignIn, UploadIn

    draft = agreement.draft(s.STAFF_A if owner != "pemda" else s.BAPPEDA, year, owner, None)
    upload = agreement.signed_upload(
        signer, year, owner, UploadIn(filename="pk.pdf", content_type="application/pdf", size=100)
    )
    storage.put_bytes(upload.key, b"%PDF-1.4 signed", "application/pdf")
    agreement.sign(signer, year, owner, SignIn(key=upload.key, version=draft.version), None)


def test_a_change_after_the_signed_agreement_is_an_audited_revision(sakip: dict[str, str]) -> None:
    from replika.core import audit, storage
    from replika.sakip import agreement, cascade
    from replika.sakip.models import NodeUpdate, SignIn, UploadIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    assert draft.status == "draft" and draft.number.startswith(f"PK/2026/{s.OPD_A}/")
    assert [t.code for t in draft.snapshot.targets] == ["A.SS1"]
    assert draft.snapshot.targets[0].indicators[0].target == 90
    assert draft.snapshot.programmes[0].pagu == 4_000_000  # rolled up from its sub-activities
    assert draft.snapshot.head_nip == s.head(s.OPD_A).nip
    pdf = storage.get_bytes(agreement._require(2026, s.OPD_A).pdf_key)
    assert pdf.startswith(b"%PDF")
    upload = agreement.signed_upload(
        s.HEAD_A, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=100)
    )
    with pytest.raises(Forbidden):  # staff who are not the OPD head do not sign
        agreement.signed_upload(
            s.STAFF_A, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=100)
        )
    with pytest.raises(BadRequest):  # nothing uploaded yet
        agreement.sign(s.HEAD_A, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), "r1")
    storage.put_bytes(upload.key, b"%PDF-1.4 signed", "application/pdf")
    signed = agreement.sign(s.HEAD_A, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), "r1")
    assert signed.status == "signed" and signed.signed_by == s.HEAD_A.actor
    with pytest.raises(Conflict):
        agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)

    current = cascade.get_node(s.STAFF_A, s.PERIOD, "A.SS1")
    body = current.model_dump(include={"name", "parent", "weight", "order", "indicators", "pagu"})
    body["indicators"][0]["targets"]["2026"] = "85"
    with pytest.raises(BadRequest) as exc:
        cascade.update_node(
            s.STAFF_A, s.PERIOD, "A.SS1", NodeUpdate.model_validate({**body, "version": 1}), None
        )
    assert exc.value.code == "reason_required" and exc.value.details["revision_years"] == [2026]
    reason = "Refocusing anggaran triwulan III"
    cascade.update_node(
        s.STAFF_A,
        s.PERIOD,
        "A.SS1",
        NodeUpdate.model_validate({**body, "version": 1, "reason": reason}),
        "req-rev",
    )
    rev = cascade.revisions(s.STAFF_A, s.PERIOD, "A.SS1", 1, None).items[0]
    assert (rev.version, rev.reason, rev.revision_years) == (2, reason, [2026])
    trail = audit.trail(f"sakip:node#{s.PERIOD}#A.SS1").items
    assert [(t.action, t.after["reason"], t.request_id) for t in trail] == [
        ("node.update", reason, "req-rev")
    ]
    assert trail[0].stream.startswith(f"sakip/cascade/{s.OPD_A}@")

    # a change to 2027 only is no revision of the 2026 agreement; the other OPD's is untouched
    body["indicators"][0]["targets"]["2027"] = "99"
    done = cascade.update_node(
        s.STAFF_A, s.PERIOD, "A.SS1", NodeUpdate.model_validate({**body, "version": 2}), None
    )
    assert done.version == 3
    assert len(audit.trail(f"sakip:node#{s.PERIOD}#A.SS1").items) == 1
    # a sub-activity's ceiling feeds the agreed programme: also a revision
    sub = cascade.get_node(s.STAFF_A, s.PERIOD, "A.P1.K1.S1").model_dump(
        include={"name", "parent", "weight", "order", "indicators", "pagu"}
    )
    sub["pagu"]["2026"] = 1_500_000
    with pytest.raises(BadRequest):
        cascade.update_node(
            s.STAFF_A, s.PERIOD, "A.P1.K1.S1", NodeUpdate.model_validate({**sub, "version": 1}), None
        )


def test_the_agreement_over_http(sakip: dict[str, str]) -> None:
    with Client(load_app("sakip")) as client:
        status, body = call(client, "POST", f"/agreements/2026/{s.OPD_B}", s.STAFF_A)
        assert status == 403
        status, body = call(client, "POST", f"/agreements/2026/{s.OPD_A}", s.STAFF_A)
        assert status == 201 and body["status"] == "draft"
        status, link = call(client, "GET", f"/agreements/2026/{s.OPD_A}/pdf", s.STAFF_A)
        assert status == 200 and link["filename"] == f"PK-2026-{s.OPD_A}.pdf"
        status, body = call(client, "POST", "/agreements/2026/pemda", s.BAPPEDA)
        assert status == 201 and [t["code"] for t in body["snapshot"]["targets"]] == ["S1", "S2"]
        status, body = call(client, "GET", "/agreements/2026", s.STAFF_A)
        assert status == 200 and {a["owner"] for a in body["items"]} == {s.OPD_A, "pemda"}
        status, body = call(client, "GET", "/agreements/2026", s.BAPPEDA)
        assert {a["owner"] for a in body["items"]} == {s.OPD_A, "pemda"}


def test_deleting_a_node(sakip: dict[str, str]) -> None:
    from replika.sakip import cascade

    with pytest.raises(Conflict) as exc:
        cascade.delete_node(s.STAFF_A, s.PERIOD, "A.P1.K1", 1, None, None)
    assert exc.value.code == "has_children"
    with pytest.raises(Conflict):
        cascade.delete_node(s.STAFF_A, s.PERIOD, "A.P1.K1.S1", 7, None, None)  # stale
    with pytest.raises(Forbidden):
        cascade.delete_node(s.STAFF_B, s.PERIOD, "A.P1.K1.S1", 1, None, None)
    cascade.delete_node(s.STAFF_A, s.PERIOD, "A.P1.K1.S1", 1, None, None)
    history = cascade.revisions(s.STAFF_A, s.PERIOD, "A.P1.K1.S1", 10, None).items
    assert [(r.version, r.action) for r in history] == [(2, "delete"), (1, "create")]
    assert history[0].after is None and history[0].before["code"] == "A.P1.K1.S1"


def _upload(who: Any) -> Any:
    from replika.core import storage
    from replika.sakip import agreement
    from replika.sakip.models import UploadIn

    upload = agreement.signed_upload(
        who, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=100)
    )
    storage.put_bytes(upload.key, b"%PDF-1.4 signed", "application/pdf")
    return upload


def _retarget(who: Any, code: str, year: str, value: str, version: int, reason: str | None = None) -> Any:
    from replika.sakip import cascade
    from replika.sakip.models import NodeUpdate

    body = cascade.get_node(who, s.PERIOD, code).model_dump(
        include={"name", "parent", "weight", "order", "indicators", "pagu"}
    )
    body["indicators"][0]["targets"][year] = value
    update = NodeUpdate.model_validate({**body, "version": version, "reason": reason})
    return cascade.update_node(who, s.PERIOD, code, update, None)


def test_signing_needs_the_draft_to_match_the_cascade(sakip: dict[str, str]) -> None:
    """The PK draft is a snapshot: once the OPD's targets change, neither the upload link nor the
    signature is given (409 agreement_stale) until the draft is made again."""
    from replika.sakip import agreement
    from replika.sakip.models import SignIn, UploadIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    upload = _upload(s.HEAD_A)
    _retarget(s.STAFF_A, "A.SS1", "2026", "91", 1)  # not signed yet: a plain change
    with pytest.raises(Conflict) as exc:
        agreement.sign(s.HEAD_A, 2026, s.OPD_A, SignIn(key=upload.key, version=draft.version), None)
    assert exc.value.code == "agreement_stale"
    with pytest.raises(Conflict) as exc:
        agreement.signed_upload(
            s.HEAD_A, 2026, s.OPD_A, UploadIn(filename="pk.pdf", content_type="application/pdf", size=9)
        )
    assert exc.value.code == "agreement_stale"
    assert agreement.get(s.STAFF_A, 2026, s.OPD_A).status == "draft"
    again = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    assert again.snapshot.targets[0].indicators[0].target == 91
    signed = agreement.sign(
        s.HEAD_A, 2026, s.OPD_A, SignIn(key=_upload(s.HEAD_A).key, version=again.version), None
    )
    assert signed.status == "signed" and signed.digest == again.digest


def test_a_change_landing_after_the_signature_compared_the_draft_fails_the_signature(
    sakip: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other order: the signature compares the draft with the cascade (equal), then a plain
    change lands before the signature is written. The change moved the draft's version, so the
    signature's conditional write fails: nothing is signed against a cascade that changed."""
    from replika.core.dynamodb import translated
    from replika.sakip import agreement, cascade
    from replika.sakip.models import SignIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    key = _upload(s.HEAD_A).key
    real_require_current = agreement.require_current

    def change_meanwhile(a: Any) -> None:
        real_require_current(a)  # the draft matches the cascade as read now
        monkeypatch.setattr(agreement, "require_current", real_require_current)
        _retarget(s.STAFF_A, "A.SS1", "2026", "91", 1)  # not signed yet: a plain change

    monkeypatch.setattr(agreement, "require_current", change_meanwhile)
    with pytest.raises(Conflict), translated():  # the adapter every caller goes through
        agreement.sign(s.HEAD_A, 2026, s.OPD_A, SignIn(key=key, version=draft.version), None)
    assert agreement.get(s.STAFF_A, 2026, s.OPD_A).status == "draft"
    assert cascade.get_node(s.STAFF_A, s.PERIOD, "A.SS1").version == 2  # the change landed
    with pytest.raises(Conflict) as exc:  # signed again as it was: the draft is stale
        agreement.sign(s.HEAD_A, 2026, s.OPD_A, SignIn(key=key, version=draft.version), None)
    assert exc.value.code == "agreement_stale"


def test_a_change_racing_a_signature_is_refused_and_redone_as_a_revision(
    sakip: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The planner's change read the 2026 agreement unsigned; the head signs before it commits: the
    write is conditional on the agreement it read, so it fails (409 agreement_signed) instead of
    landing without reason and audit; sent again with a reason it is an audited revision."""
    from replika.core import audit
    from replika.sakip import agreement, cascade, store
    from replika.sakip.models import SignIn

    draft = agreement.draft(s.STAFF_A, 2026, s.OPD_A, None)
    key = _upload(s.HEAD_A).key
    read_agreements = store.agreements

    def sign_meanwhile(owner: str, years: Any) -> Any:
        seen = read_agreements(owner, years)  # the change reads: nothing signed
        monkeypatch.setattr(store, "agreements", read_agreements)
        agreement.sign(s.HEAD_A, 2026, s.OPD_A, SignIn(key=key, version=draft.version), None)
        return seen

    monkeypatch.setattr(store, "agreements", sign_meanwhile)
    with pytest.raises(Conflict) as exc:
        _retarget(s.STAFF_A, "A.SS1", "2026", "85", 1)
    assert exc.value.code == "agreement_signed" and exc.value.details["revision_years"] == [2026]
    assert cascade.get_node(s.STAFF_A, s.PERIOD, "A.SS1").version == 1  # nothing written
    assert agreement.get(s.STAFF_A, 2026, s.OPD_A).status == "signed"
    with pytest.raises(BadRequest):
        _retarget(s.STAFF_A, "A.SS1", "2026", "85", 1)
    assert _retarget(s.STAFF_A, "A.SS1", "2026", "85", 1, reason="Refocusing").version == 2
    trail = audit.trail(f"sakip:node#{s.PERIOD}#A.SS1").items
    assert [(t.action, t.after["reason"]) for t in trail] == [("node.update", "Refocusing")]
