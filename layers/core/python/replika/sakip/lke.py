"""The LKE evaluation: the Inspektorat scores each OPD, and the region as a whole, on the sheet.

Two tiers (existing roles): an **evaluator** (``inspektorat``) proposes an answer per criterion;
the **team lead** (``inspektorat-kepala``) opens the evaluation, sets each final answer (which may
differ from the proposal), finalises and publishes. Each criterion is answered with evidence links,
added by the evaluated party (the OPD's staff; Bappeda for the region) or the assessors; each link
is verified or rejected by an assessor, and every step stays in the link's history.

The sheet is frozen into the evaluation when it opens (a later change of the region's sheet does
not move a running evaluation). A criterion's item is created by its first write. The score shown
is the team lead's (final answers; an unanswered criterion counts 0) beside the evaluators'
(proposals); the gap to the next grade reads the working answers (final, else proposed).
Finalising needs a final answer on every criterion and stores the score and grade; publishing the
region's evaluation puts its grade on the public summary. Final answers, reviews, finalising and
publishing are audited (``sakip/lke/<subject>``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core import audit
from replika.core.auth import Principal, Role
from replika.core.errors import BadRequest, Conflict, Forbidden, NotFound
from replika.sakip import common, keys, store
from replika.sakip.lke_models import (
    AnswerIn,
    ComponentScore,
    CriterionOut,
    EvaluationList,
    EvaluationOut,
    EvaluationSummary,
    EvidenceLinkIn,
    EvidenceLinkOut,
    GapOut,
    Lift,
    ProposalOut,
    ReviewIn,
    ReviewStep,
    SubScore,
    VersionIn,
)
from replika.sakip.policy import SUB_COMPONENTS, LkeCriterion, LkePolicy
from replika.sakip.rules.attainment import pct
from replika.sakip.rules.cascade import REGION
from replika.sakip.rules.lke import criterion_weights, gap_to_next_grade, score, sub_weights
from replika.sakip.tables import CriterionAnswer, Evaluation, Proposal

MAX_EVIDENCE = 20
EVALUATOR, TEAM_LEAD = Role.INSPEKTORAT, Role.INSPEKTORAT_KEPALA


def _header(year: int, subject: str) -> Evaluation:
    try:
        return Evaluation.get(keys.lke_pk(year, subject), keys.LKE_SK, consistent_read=True)
    except Evaluation.DoesNotExist:
        raise NotFound("Evaluasi LKE tidak ditemukan.", details={"year": year, "subject": subject}) from None


def _criteria(year: int, subject: str) -> dict[str, CriterionAnswer]:
    items = CriterionAnswer.query(
        keys.lke_pk(year, subject), CriterionAnswer.sk.startswith(keys.CRITERION_PREFIX), consistent_read=True
    )
    return {c.criterion: c for c in items}


def _one(year: int, subject: str, cid: str) -> CriterionAnswer | None:
    return store.item_or_none(CriterionAnswer, keys.lke_pk(year, subject), keys.criterion_sk(cid))


def _sheet(e: Evaluation) -> LkePolicy:
    return LkePolicy.model_validate(e.sheet)


def _criterion(sheet: LkePolicy, cid: str) -> LkeCriterion:
    found = next((c for c in sheet.criteria if c.id == cid), None)
    if found is None:
        raise NotFound("Kriteria tidak ada pada lembar evaluasi ini.", details={"criterion": cid})
    return found


def _require_open(e: Evaluation) -> None:
    if e.status != "open":
        raise Conflict("Evaluasi sudah final.", code="evaluation_closed", details={"status": e.status})


def _stream(subject: str) -> str:
    return keys.stream("lke", subject)


# -- opening and reading --------------------------------------------------------------------------
def open_evaluation(p: Principal, year: int, subject: str, request_id: str | None) -> EvaluationOut:
    store.require_owner(subject)
    sheet = common.region().sakip.lke
    item = Evaluation(
        keys.lke_pk(year, subject),
        keys.LKE_SK,
        year=year,
        subject=subject,
        status="open",
        sheet=sheet.model_dump(mode="json"),
        opened_by=common.actor(p),
        opened_at=common.now(),
    )
    store.set_fields(item, keys.lke_index_keys(year, subject))
    audit.write_with_audit(
        _stream(subject),
        lambda tx: tx.save(item, condition=Evaluation.pk.does_not_exist()),
        actor=common.actor(p),
        action="lke.open",
        subject=f"sakip:lke#{year}#{subject}",
        after={"criteria": len(sheet.criteria)},
        request_id=request_id,
    )
    return evaluation(p, year, subject)


def _answers(sheet: LkePolicy, found: dict[str, CriterionAnswer], field: str) -> dict[str, str | None]:
    return {c.id: getattr(found[c.id], field) if c.id in found else None for c in sheet.criteria}


def _evidence_out(e: dict[str, Any]) -> EvidenceLinkOut:
    return EvidenceLinkOut(
        id=e["id"],
        url=e["url"],
        label=e["label"],
        by=e["by"],
        at=e["at"],
        status=e["status"],
        history=[ReviewStep(**h) for h in e.get("history") or []],
    )


# -- who sees what --------------------------------------------------------------------------------
def _assessor(p: Principal) -> bool:
    return p.has_any((EVALUATOR, TEAM_LEAD))


def _evaluated_party(p: Principal, subject: str) -> bool:
    """The OPD's own staff; Bappeda for the region's evaluation."""
    if subject == REGION:
        return p.has_any((Role.BAPPEDA,))
    return p.has_any((Role.PEGAWAI,)) and p.opd == subject


def _sees_scores(p: Principal, e: Evaluation) -> bool:
    """Assessors always; every reader of the subject once the evaluation is published. Before that
    the answers, proposals and scores are the Inspektorat's working material."""
    return _assessor(p) or (e.status == "published" and common.can_read(p, e.subject))


def _require_view(p: Principal, e: Evaluation) -> bool:
    """Whether ``p`` sees the scores; the evaluated party sees its criteria and evidence without
    them before publication (it adds the evidence and must see what was rejected); others: 403."""
    if _sees_scores(p, e):
        return True
    if _evaluated_party(p, e.subject):
        return False
    raise Forbidden("Evaluasi LKE ini belum dipublikasikan.", details={"subject": e.subject})


def _proposals(year: int, subject: str) -> dict[str, list[ProposalOut]]:
    items = Proposal.query(
        keys.lke_pk(year, subject), Proposal.sk.startswith(keys.PROPOSAL_PREFIX), consistent_read=True
    )
    out: dict[str, list[ProposalOut]] = {}
    for x in items:
        out.setdefault(x.criterion, []).append(
            ProposalOut(answer=x.answer, note=x.note, by=x.by, at=x.at, evidence=list(x.evidence or []))
        )
    return out


def evaluation(p: Principal, year: int, subject: str) -> EvaluationOut:
    header = _header(year, subject)
    if not _require_view(p, header):
        return _withheld(header)
    sheet = _sheet(header)
    found = _criteria(year, subject)
    history: dict[str, list[ProposalOut]] = _proposals(year, subject)
    final = _answers(sheet, found, "final")
    proposed = _answers(sheet, found, "proposed")
    working = {cid: final[cid] or proposed[cid] for cid in final}
    now, tentative = score(sheet, final), score(sheet, proposed)
    gap = gap_to_next_grade(sheet, working)
    weights, subs = criterion_weights(sheet), sub_weights(sheet)
    components = [
        ComponentScore(
            code=c.code,
            name=c.name,
            weight=c.weight,
            score=_p2(now.components[c.code]),
            subs=[
                SubScore(sub=s, weight=_p2(subs[(c.code, s)]), score=_p2(now.subs[(c.code, s)]))
                for s in SUB_COMPONENTS
            ],
        )
        for c in sheet.components
    ]
    criteria = [_criterion_out(c, found.get(c.id), weights, history.get(c.id, [])) for c in sheet.criteria]
    return EvaluationOut(
        year=year,
        subject=subject,
        status=header.status,
        withheld=False,
        score=now.total,
        grade=now.grade,
        proposed_score=tentative.total,
        proposed_grade=tentative.grade,
        answered=now.answered,
        criteria_count=now.criteria,
        components=components,
        gap=GapOut(
            grade=gap.grade,
            next_grade=gap.next_grade,
            needed=gap.needed,
            path=gap.path,
            lifts=[
                Lift(criterion=x.criterion, current=x.current, best=x.best, gain=_p2(x.gain))
                for x in gap.lifts[:10]
            ],
        ),
        criteria=criteria,
        finalised_at=header.finalised_at,
        published_at=header.published_at,
        version=int(header.version or 0),
    )


def _criterion_out(
    c: LkeCriterion,
    item: CriterionAnswer | None,
    weights: dict[str, Any],
    proposals: list[ProposalOut] | None,
) -> CriterionOut:
    """A criterion with its evidence; its answers and proposals unless withheld (``proposals`` None)."""
    shown = item if item is not None and proposals is not None else None
    answers = "proposed proposed_note proposed_by final final_note final_by"
    return CriterionOut(
        **store.fields(c, "id component sub text scale"),
        **(store.fields(shown, answers) if shown else dict.fromkeys(answers.split())),
        weight=pct(weights[c.id], 4) or Decimal(0),
        evidence=[_evidence_out(e) for e in (item.evidence or [])] if item else [],
        proposals=proposals or [],
        version=int(item.version or 0) if item else 0,
    )


def _withheld(header: Evaluation) -> EvaluationOut:
    """The evaluated party's view before publication: the criteria and their evidence only."""
    sheet = _sheet(header)
    found = _criteria(int(header.year), header.subject)
    weights = criterion_weights(sheet)
    criteria = [_criterion_out(c, found.get(c.id), weights, None) for c in sheet.criteria]
    return EvaluationOut(
        **store.fields(header, "subject status finalised_at published_at"),
        **dict.fromkeys(("score", "grade", "proposed_score", "proposed_grade", "answered", "gap")),
        year=int(header.year),
        withheld=True,
        criteria_count=len(sheet.criteria),
        components=[],
        criteria=criteria,
        version=int(header.version or 0),
    )


def _p2(value: Any) -> Decimal:
    shown = pct(value)
    assert shown is not None
    return shown


# -- answering ------------------------------------------------------------------------------------
def _criterion_item(year: int, subject: str, cid: str, found: CriterionAnswer | None) -> CriterionAnswer:
    if found is not None:
        return found
    return CriterionAnswer(
        keys.lke_pk(year, subject), keys.criterion_sk(cid), year=year, subject=subject, criterion=cid
    )


def _check_version(item: CriterionAnswer | None, version: int) -> None:
    have = int(item.version or 0) if item is not None else 0
    if have != version:
        raise Conflict(details={"version": have})


def record_answer(
    p: Principal, year: int, subject: str, cid: str, body: AnswerIn, tier: str, request_id: str | None
) -> CriterionAnswer:
    """``tier`` ``proposal`` (the evaluator) or ``final`` (the team lead). A criterion without an
    item yet has version 0."""
    header = _header(year, subject)
    _require_open(header)
    sheet = _sheet(header)
    criterion = _criterion(sheet, cid)
    scale = sheet.scales[criterion.scale]
    if body.answer not in scale:
        raise BadRequest(
            f"Jawaban harus salah satu dari {', '.join(scale)}.",
            code="invalid_answer",
            details={"scale": criterion.scale},
        )
    current = _one(year, subject, cid)
    _check_version(current, body.version)
    item = _criterion_item(year, subject, cid, current)
    at, who = common.now(), common.actor(p)
    record: Proposal | None = None
    if tier == "final":
        before = {"answer": item.final, "by": item.final_by}
        item.final, item.final_note, item.final_by, item.final_at = body.answer, body.note, who, at
    else:  # every proposal is kept as its own item (who, when, answer, the evidence then)
        before = {"answer": item.proposed, "by": item.proposed_by}
        item.proposed, item.proposed_note = body.answer, body.note
        item.proposed_by, item.proposed_at = who, at
        record = Proposal(
            keys.lke_pk(year, subject),
            keys.proposal_sk(cid, body.version + 1),
            **store.fields(item, "year subject criterion"),
            **body.model_dump(include={"answer", "note"}),
            by=who,
            at=at,
            evidence=[{"id": e["id"], "status": e["status"]} for e in item.evidence or []],
        )

    def write(tx: TransactWrite) -> None:
        tx.save(item)  # conditional on the version read
        if record is not None:
            tx.save(record, condition=Proposal.pk.does_not_exist())

    audit.write_with_audit(
        _stream(subject),
        write,
        actor=who,
        action="lke.final" if tier == "final" else "lke.propose",
        subject=f"sakip:lke#{year}#{subject}#{cid}",
        before=before,
        after={"answer": body.answer, "note": body.note},
        request_id=request_id,
    )
    return item


def answer(
    p: Principal, year: int, subject: str, cid: str, body: AnswerIn, tier: str, request_id: str | None
) -> EvaluationOut:
    record_answer(p, year, subject, cid, body, tier, request_id)
    return evaluation(p, year, subject)


def _may_add_evidence(p: Principal, subject: str) -> bool:
    return _assessor(p) or _evaluated_party(p, subject)


def record_evidence(p: Principal, year: int, subject: str, cid: str, body: EvidenceLinkIn) -> CriterionAnswer:
    if not _may_add_evidence(p, subject):
        raise Forbidden(
            "Bukti ditambahkan oleh pihak yang dievaluasi atau Inspektorat.", details={"subject": subject}
        )
    header = _header(year, subject)
    _require_open(header)
    _criterion(_sheet(header), cid)
    item = _criterion_item(year, subject, cid, _one(year, subject, cid))
    links = list(item.evidence or [])
    if len(links) >= MAX_EVIDENCE:
        raise BadRequest(f"Paling banyak {MAX_EVIDENCE} bukti per kriteria.", code="too_much_evidence")
    at, who = common.now(), common.actor(p)
    links.append(
        {
            "id": uuid.uuid4().hex[:12],
            "url": body.url,
            "label": body.label,
            "by": who,
            "at": at,
            "status": "pending",
            "history": [{"status": "pending", "by": who, "at": at, "note": None}],
        }
    )
    item.evidence = links
    item.save()  # conditional on the version read: a concurrent addition is a 409, never lost
    return item


def add_evidence(
    p: Principal, year: int, subject: str, cid: str, body: EvidenceLinkIn, request_id: str | None
) -> EvaluationOut:
    record_evidence(p, year, subject, cid, body)
    return evaluation(p, year, subject)


def review_evidence(
    p: Principal, year: int, subject: str, cid: str, link_id: str, body: ReviewIn, request_id: str | None
) -> EvaluationOut:
    header = _header(year, subject)
    _require_open(header)
    current = _one(year, subject, cid)
    link = next((e for e in (current.evidence or []) if e["id"] == link_id), None) if current else None
    if current is None or link is None:
        raise NotFound("Bukti tidak ditemukan.", details={"criterion": cid, "link": link_id})
    _check_version(current, body.version)
    at, who = common.now(), common.actor(p)
    step = {"status": body.decision, "by": who, "at": at, "note": body.note}
    current.evidence = [
        {**e, "status": body.decision, "history": [*e.get("history", []), step]} if e["id"] == link_id else e
        for e in current.evidence or []
    ]

    def write(tx: TransactWrite) -> None:
        tx.save(current)

    audit.write_with_audit(
        _stream(subject),
        write,
        actor=who,
        action=f"lke.evidence.{body.decision}",
        subject=f"sakip:lke#{year}#{subject}#{cid}",
        before={"link": link_id, "status": link["status"]},
        after={"link": link_id, "status": body.decision, "note": body.note},
        request_id=request_id,
    )
    return evaluation(p, year, subject)


# -- finalising and publishing --------------------------------------------------------------------
def finalise(p: Principal, year: int, subject: str, body: VersionIn, request_id: str | None) -> EvaluationOut:
    header = _header(year, subject)
    _require_open(header)
    if int(header.version or 0) != body.version:
        raise Conflict(details={"version": int(header.version or 0)})
    sheet = _sheet(header)
    final = _answers(sheet, _criteria(year, subject), "final")
    missing = [cid for cid, a in final.items() if a is None]
    if missing:
        raise Conflict(
            "Semua kriteria harus memiliki nilai akhir.", code="unanswered", details={"criteria": missing}
        )
    result = score(sheet, final)
    header.status, header.score, header.grade = "final", str(result.total), result.grade
    header.finalised_by, header.finalised_at = common.actor(p), common.now()
    return _advance(p, header, "open", request_id)


def publish(p: Principal, year: int, subject: str, body: VersionIn, request_id: str | None) -> EvaluationOut:
    header = _header(year, subject)
    if header.status != "final":
        raise Conflict(
            "Hanya evaluasi final yang dapat dipublikasikan.",
            code="not_final",
            details={"status": header.status},
        )
    if int(header.version or 0) != body.version:
        raise Conflict(details={"version": int(header.version or 0)})
    header.status, header.published_at = "published", common.now()
    return _advance(p, header, "final", request_id)


def _advance(p: Principal, header: Evaluation, was: str, request_id: str | None) -> EvaluationOut:
    """Save the evaluation's new status (conditional on the version read) with its audit record."""
    year, subject = int(header.year), header.subject
    audit.write_with_audit(
        _stream(subject),
        lambda tx: tx.save(header),
        actor=common.actor(p),
        action="lke.finalise" if header.status == "final" else "lke.publish",
        subject=f"sakip:lke#{year}#{subject}",
        before={"status": was},
        after={"status": header.status, "score": header.score, "grade": header.grade},
        request_id=request_id,
    )
    return evaluation(p, year, subject)


# -- lists ----------------------------------------------------------------------------------------
def _summaries(p: Principal, items: Iterable[Evaluation]) -> EvaluationList:
    """What ``p`` may see of each: all of it (:func:`_sees_scores`), its own unpublished one
    without score and grade, nobody else's unpublished one."""
    out = []
    for e in items:
        full = _sees_scores(p, e)
        if full or _evaluated_party(p, e.subject):
            out.append(
                EvaluationSummary(
                    year=int(e.year),
                    subject=e.subject,
                    status=e.status,
                    score=store.decimal_or_none(e.score) if full else None,
                    grade=e.grade if full else None,
                )
            )
    return EvaluationList(items=out)


def history(p: Principal, subject: str) -> EvaluationList:
    common.require_read(p, subject)
    return _summaries(p, Evaluation.query(keys.lke_subject_pk(subject), index_name="gsi1"))


def list_year(p: Principal, year: int) -> EvaluationList:
    items = Evaluation.query(keys.lke_year_pk(year), index_name="gsi2")
    return _summaries(p, (e for e in items if common.can_read(p, e.subject)))


def published(subject: str, up_to: int) -> list[Evaluation]:
    """The subject's published evaluations up to ``up_to`` (oldest first)."""
    items = Evaluation.query(keys.lke_subject_pk(subject), Evaluation.gsi1sk <= str(up_to), index_name="gsi1")
    return [e for e in items if e.status == "published"]
