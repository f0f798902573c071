"""Applications: submit (report-only or staged), staff actions, resubmission, fees, queues."""

from __future__ import annotations

from datetime import date
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core.auth import Principal, Role
from replika.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from replika.core.pagination import Page
from replika.perizinan import keys, store
from replika.perizinan.models import (
    ActionIn,
    ApplicationIn,
    ApplicationOut,
    FilesOut,
    PaymentIn,
    ProfileIn,
    ProfileOut,
    QueueItem,
    ResubmitIn,
    TrackOut,
    UploadOut,
    VisitIn,
    VisitOut,
    VisitPhotoIn,
)
from replika.perizinan.rules import forms, risk, signing, sla
from replika.perizinan.rules import stages as stage_rules
from replika.perizinan.rules.workflow import Action, Caller, Status, next_status
from replika.perizinan.service import feed, files, permits, stats
from replika.perizinan.service.common import (
    app_item,
    application_view,
    calendar,
    current_stage,
    now_iso,
    policy,
    random_code,
    save_applicant_item,
    stream,
    today,
)
from replika.perizinan.tables import PerizinanItem

Data = dict[str, Any]


# -- applicant profile --------------------------------------------------------------------------


def put_profile(body: ProfileIn, principal: Principal, request_id: str | None) -> ProfileOut:
    item = PerizinanItem(
        keys.profile_pk(principal.subject),
        keys.PROFILE,
        kind="profile",
        data=body.model_dump(mode="json"),
        changed_at=now_iso(),
    )
    # personal data: the audit says that it changed, not what it is
    save_applicant_item(item, principal, "applicant.profile", {"nib": bool(body.nib)}, request_id)
    return ProfileOut.model_validate(item.data)


def get_profile(principal: Principal) -> ProfileOut:
    item = store.require(store.profile(principal.subject), "Profil pemohon")
    return ProfileOut.model_validate(item.data)


# -- submit -------------------------------------------------------------------------------------


def _renewal_business(renews: str, type_code: str, principal: Principal) -> Data:
    permit = store.find_permit(renews)
    if permit is None or permit.owner != principal.subject:
        raise NotFound("Izin yang diperpanjang tidak ditemukan.")
    body = permit.data or {}
    if permit.revoked or body.get("type_code") != type_code:
        raise ValidationFailed(
            "Izin ini tidak dapat diperpanjang dengan jenis tersebut.", code="not_renewable"
        )
    original = store.application(body["application"])
    return dict((original.data or {})["business"])


def _stages(type_body: Data, start: date) -> list[Data]:
    cal = calendar()
    fields = ("code", "name", "role", "opd", "sla_days", "kind", "site_visit")
    out = [{k: s.get(k) for k in fields if k in s} for s in type_body["stages"]]
    out[0]["due"] = sla.due_date(cal, start, out[0]["sla_days"]).isoformat()
    return out


def submit(body: ApplicationIn, principal: Principal, request_id: str | None) -> ApplicationOut:
    current = store.require(store.current_type(body.type_code), "Jenis izin")
    type_body: Data = current.data or {}
    profile = store.require(store.profile(principal.subject), "Profil pemohon (NIK) belum diisi; profil")
    business = (
        _renewal_business(body.renews, body.type_code, principal)
        if body.kind == "perpanjangan" and body.renews
        else body.business.model_dump(mode="json")  # type: ignore[union-attr]
    )
    forms.validate_form(type_body["form_schema"], body.form)
    document_keys = files.attach(type_body.get("documents") or [], body.documents, principal.subject)
    pol = policy()
    capital = risk.business_capital(business["capital_total"], business.get("land_buildings_value", 0))
    level = risk.risk_for_type(type_body.get("risk"), business["kbli"], capital, pol)
    report_only = bool(type_body.get("allows_report")) and risk.is_report_only(capital, level, pol)
    on = today()
    at = now_iso()
    number = f"P{on.strftime('%Y%m%d')}{random_code(8)}"
    data: Data = {
        "number": number,
        "type_code": body.type_code,
        "type_version": int(current.version or 0),
        "type_name": type_body["name"],
        "validity_months": type_body.get("validity_months", 0),
        "kind": body.kind,
        "owner": principal.subject,
        "holder_name": (profile.data or {}).get("name"),
        "nib": (profile.data or {}).get("nib"),
        "risk": level,
        "report_only": report_only,
        "capital": capital,
        "business": business,
        "form": body.form,
        "documents": sorted(document_keys),
        "document_keys": document_keys,
        "renews": body.renews,
        "fee": 0 if report_only else int(type_body.get("fee") or 0),
        "created_at": at,
        "changed_at": at,
        "submitted_on": on.isoformat(),
        "paused_days": 0,
    }
    permit_item: PerizinanItem | None = None
    if report_only:
        data.update(status=Status.REGISTERED.value, stages=[])
        permit_item = permits.new_permit(data, registration=True, on=on)
        data["permit_number"] = permit_item.number
    else:
        stages = _stages(type_body, on)
        total = sum(int(s["sla_days"]) for s in stages)
        data.update(
            status=Status.IN_REVIEW.value,
            stages=stages,
            stage_index=0,
            total_sla=total,
            total_due=sla.due_date(calendar(), on, total).isoformat(),
        )
    item = app_item(data, 1)

    def write(tx: TransactWrite) -> None:
        store.save_new(tx, item)
        if permit_item is not None:
            permits.add_permit(tx, permit_item)
        stats.add(tx, data, stats.on_submit(data))
        feed.add(tx, data, 1, at)

    store.write(
        stream(f"application/{body.type_code}"),
        write,
        actor=principal.actor,
        action="application.register" if report_only else "application.submit",
        subject=f"perizinan-application#{number}",
        after={
            "status": data["status"],
            "risk": level,
            "capital": capital,
            "type_version": data["type_version"],
        },
        request_id=request_id,
    )
    return application_view(item, applicant=True)


# -- reading ------------------------------------------------------------------------------------


def _readable(item: PerizinanItem, principal: Principal) -> None:
    if principal.applicant:
        if item.owner != principal.subject:
            raise NotFound("Permohonan tidak ditemukan.")
        return
    if principal.has_any({Role.DPMPTSP}):
        return
    stage_opds = {s.get("opd") for s in (item.data or {}).get("stages") or [] if s["role"] == "pegawai"}
    if not (principal.has_any({Role.PEGAWAI}) and principal.opd in stage_opds):
        raise Forbidden("Permohonan ini di luar lingkup OPD Anda.")


def get(number: str, principal: Principal) -> ApplicationOut:
    item = store.application(number)
    _readable(item, principal)
    return application_view(item, applicant=principal.applicant)


def mine(principal: Principal, limit: int, cursor: str | None) -> Page[ApplicationOut]:
    rows, nxt = store.by_owner(principal.subject, limit, cursor)
    return Page[ApplicationOut](
        items=[application_view(r, applicant=principal.applicant) for r in rows], next_cursor=nxt
    )


def track(number: str) -> TrackOut:
    item = store.find_application(number)
    if item is None:
        raise NotFound("Permohonan tidak ditemukan.")
    data = item.data or {}
    stage = current_stage(data)
    return TrackOut(
        number=number,
        status=data["status"],
        stage=stage["name"] if stage else None,
        role=stage["role"] if stage else None,
        due=stage["due"] if stage else None,
    )


def queue(role: str | None, principal: Principal, limit: int, cursor: str | None) -> Page[QueueItem]:
    """The caller's queue (``role`` picks one when they hold both), oldest due date first."""
    role = role or ("dpmptsp" if principal.has_any({Role.DPMPTSP}) else "pegawai")
    if role == "dpmptsp":
        if not principal.has_any({Role.DPMPTSP}):
            raise Forbidden("Antrean ini hanya untuk DPMPTSP.", code="queue_forbidden")
        pk = keys.queue_pk("dpmptsp")
    else:
        if not principal.has_any({Role.PEGAWAI}) or not principal.opd:
            raise Forbidden("Antrean teknis hanya untuk pegawai OPD.", code="queue_forbidden")
        pk = keys.queue_pk("pegawai", principal.opd)
    rows, nxt = store.queue(pk, limit, cursor)
    now = today().isoformat()
    items = []
    for r in rows:
        data = r.data or {}
        stage = current_stage(data)
        if stage is None:
            continue
        items.append(
            QueueItem(
                number=data["number"],
                type_code=data["type_code"],
                stage=stage["name"],
                role=stage["role"],
                due=stage["due"],
                overdue=stage["due"] < now,
                escalated=bool(data.get("escalated")),
            )
        )
    return Page[QueueItem](items=items, next_cursor=nxt)


# -- transitions --------------------------------------------------------------------------------


def _callers(data: Data, principal: Principal) -> frozenset[Caller]:
    found: set[Caller] = set()
    if principal.applicant and data["owner"] == principal.subject:
        found.add(Caller.OWNER)
    if principal.has_any({Role.DPMPTSP}):
        found.add(Caller.DPMPTSP)
    stage = current_stage(data)
    if stage is not None:
        if stage["role"] == "dpmptsp" and principal.has_any({Role.DPMPTSP}):
            found.add(Caller.STAGE)
        if (
            stage["role"] == "pegawai"
            and principal.has_any({Role.PEGAWAI})
            and principal.opd == stage.get("opd")
        ):
            found.add(Caller.STAGE)
    return frozenset(found)


def _commit(
    item: PerizinanItem,
    data: Data,
    action: str,
    actor: str,
    request_id: str | None,
    permit_item: PerizinanItem | None = None,
    note: Any = None,
    *,
    applicant: bool = False,
    receipt: str | None = None,
) -> ApplicationOut:
    before = (item.data or {}).get("status")
    new = app_item(data, int(item.version or 0) + 1)

    counters = stats.on_change(before, data, permit_item is not None)
    explained = data["status"] in {"returned", "rejected"} or data.get("fiktif_positif")
    remark = data.get("reason") if explained else None

    def write(tx: TransactWrite) -> None:
        store.save_versioned(tx, new, int(item.version or 0))
        if receipt is not None:
            store.save_receipt(tx, receipt, data["number"], data["changed_at"])
        if permit_item is not None:
            permits.add_permit(tx, permit_item)
        stats.add(tx, data, counters)
        if data["status"] != before:
            feed.add(tx, data, int(new.version or 0), data["changed_at"], remark)

    store.write(
        stream(f"application/{data['type_code']}"),
        write,
        actor=actor,
        action=f"application.{action}",
        subject=f"perizinan-application#{data['number']}",
        before={"status": before},
        after={"status": data["status"], "stage": data.get("stage_index"), "note": note},
        request_id=request_id,
    )
    return application_view(new, applicant=applicant)


def issue_if_settled(data: Data, on: date) -> PerizinanItem | None:
    """Approved with nothing (more) to pay -> issued now, with its signed permit."""
    if data["status"] != Status.APPROVED.value or (int(data.get("fee") or 0) > 0 and not data.get("payment")):
        return None
    permit_item = permits.new_permit(data, registration=False, on=on)
    data.update(status=Status.ISSUED.value, permit_number=permit_item.number, issued_on=on.isoformat())
    return permit_item


def _signer(principal: Principal) -> Data:
    """The official block of a signature stage's holder: the region's official or a listed Plt."""
    official = signing.signer_for(principal.nip, policy())
    if official is None:
        raise Forbidden(
            "Hanya pejabat penandatangan (atau Plt yang ditetapkan daerah) yang dapat menandatangani izin.",
            code="not_signing_official",
        )
    return official


def check_independent(stages: list[Data], i: int, principal: Principal) -> None:
    """Separation of duties across stages (:mod:`replika.perizinan.rules.stages`): 409."""
    clash = stage_rules.conflicting_stage(stages, i, actor=principal.actor, nip=principal.nip)
    if clash is not None:
        raise Conflict(
            "Tahap ini harus diputus oleh pegawai lain: Anda telah memutus tahap yang harus terpisah.",
            code="separation_of_duties",
            details={"stage": stages[i]["code"], "decided": clash},
        )


def act(number: str, body: ActionIn, principal: Principal, request_id: str | None) -> ApplicationOut:
    item = store.application(number)
    data: Data = dict(item.data or {})
    _readable(item, principal)
    action = Action(body.action)
    stages: list[Data] = [dict(s) for s in data.get("stages") or []]
    i = int(data.get("stage_index", 0))
    last = i == len(stages) - 1
    target = next_status(
        Status(data["status"]), action, _callers(data, principal), last_stage=last, reason=body.reason
    )
    cal, on, at = calendar(), today(), now_iso()
    permit_item = None
    official = _signer(principal) if action is Action.ADVANCE and stage_rules.signs(stages, i) else None
    if action in (Action.ADVANCE, Action.REJECT):
        check_independent(stages, i, principal)
    if action is Action.ADVANCE:
        files.check_visit(data, stages[i])
        stages[i].update(done_at=at, by=principal.actor, nip=principal.nip, note=body.note)
        if official is not None:  # from the region's policy; body.official_name/plt are ignored
            data["official"] = official
        if target is Status.IN_REVIEW:
            stages[i + 1]["due"] = sla.due_date(cal, on, int(stages[i + 1]["sla_days"])).isoformat()
            data["stage_index"] = i + 1
        else:
            data["decided_on"] = on.isoformat()
    elif action is Action.RETURN:
        data["paused"] = {
            "since": on.isoformat(),
            "stage": sla.remaining_working_days(cal, on, date.fromisoformat(stages[i]["due"])),
            "total": sla.remaining_working_days(cal, on, date.fromisoformat(data["total_due"])),
        }
    elif action is Action.REJECT:
        data["decided_on"] = on.isoformat()
    data.update(stages=stages, status=target.value, changed_at=at, reason=body.reason or data.get("reason"))
    permit_item = issue_if_settled(data, on)
    return _commit(item, data, action.value, principal.actor, request_id, permit_item, note=body.note)


def resubmit(number: str, body: ResubmitIn, principal: Principal, request_id: str | None) -> ApplicationOut:
    item = store.application(number)
    _readable(item, principal)
    data: Data = dict(item.data or {})
    target = next_status(Status(data["status"]), Action.RESUBMIT, _callers(data, principal))
    if body.form is not None or body.documents is not None:
        # the version it was submitted under
        version = store.require(store.type_version(data["type_code"], data["type_version"]), "Jenis izin")
        type_body: Data = version.data or {}
        if body.form is not None:
            forms.validate_form(type_body["form_schema"], body.form)
            data["form"] = body.form
        if body.documents is not None:
            data["document_keys"] = files.attach(
                type_body.get("documents") or [], body.documents, principal.subject
            )
            data["documents"] = sorted(data["document_keys"])
    cal, on = calendar(), today()
    paused = data.pop("paused", None) or {"since": on.isoformat(), "stage": 1, "total": 1}
    stages: list[Data] = [dict(s) for s in data["stages"]]
    i = int(data.get("stage_index", 0))
    stages[i]["due"] = sla.resumed_due(cal, on, int(paused["stage"])).isoformat()
    data["total_due"] = sla.resumed_due(cal, on, int(paused["total"])).isoformat()
    data["paused_days"] = int(data.get("paused_days") or 0) + sla.working_days_taken(
        cal, date.fromisoformat(paused["since"]), on
    )
    data.update(stages=stages, status=target.value, changed_at=now_iso())
    return _commit(item, data, "resubmit", principal.actor, request_id, applicant=True)


def withdraw(number: str, principal: Principal, request_id: str | None) -> ApplicationOut:
    item = store.application(number)
    _readable(item, principal)
    data: Data = dict(item.data or {})
    target = next_status(Status(data["status"]), Action.WITHDRAW, _callers(data, principal))
    data.update(status=target.value, changed_at=now_iso())
    return _commit(item, data, "withdraw", principal.actor, request_id, applicant=True)


def pay(number: str, body: PaymentIn, principal: Principal, request_id: str | None) -> ApplicationOut:
    """The fee paid (receipt number) or waived (reason): the permit is issued now."""
    item = store.application(number)
    data: Data = dict(item.data or {})
    action = Action.PAY if body.receipt_number else Action.WAIVE
    next_status(Status(data["status"]), action, _callers(data, principal), reason=body.waiver_reason)
    if body.receipt_number and store.receipt(body.receipt_number) is not None:
        raise Conflict("Nomor tanda terima sudah dipakai untuk permohonan lain.", code="receipt_used")
    at = now_iso()
    data["payment"] = {
        "amount": int(data.get("fee") or 0) if action is Action.PAY else 0,
        "receipt_number": body.receipt_number,
        "waiver_reason": body.waiver_reason,
        "at": at,
        "by": principal.actor,
    }
    data.update(status=Status.APPROVED.value, changed_at=at)
    permit_item = issue_if_settled(data, today())
    return _commit(
        item,
        data,
        action.value,
        principal.actor,
        request_id,
        permit_item,
        note=action.value,
        receipt=body.receipt_number,
    )


# -- files: the site visit, staff links (service/files.py) -----------------------------------------


def _for_stage(number: str, principal: Principal) -> tuple[PerizinanItem, frozenset[Caller]]:
    item = store.application(number)
    _readable(item, principal)
    return item, _callers(item.data or {}, principal)


def record_visit(number: str, body: VisitIn, principal: Principal, request_id: str | None) -> VisitOut:
    item, callers = _for_stage(number, principal)
    return files.record_visit(item, callers, body, principal, request_id)


def upload_visit_photo(
    number: str, body: VisitPhotoIn, principal: Principal, request_id: str | None
) -> UploadOut:
    item, callers = _for_stage(number, principal)
    return files.upload_visit_photo(item, callers, body, principal, request_id)


def file_links(number: str, principal: Principal) -> FilesOut:
    """Staff only: the applicant reads none of these links (the visit is the office's record)."""
    item = store.application(number)
    if principal.applicant:
        raise NotFound("Permohonan tidak ditemukan.")
    _readable(item, principal)
    return files.links(item.data or {})
