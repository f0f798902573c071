"""The LKE workflow: the team lead opens, evaluators propose, the team lead sets final answers,
evidence is verified or rejected with its history kept, finalising needs every criterion, the
published grade reaches the public summary (no token, cacheable), and the history across years."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from chalice.test import Client

from replika.core.dynamodb import translate
from replika.core.errors import BadRequest, Conflict, Forbidden
from replika.sakip.policy import LkePolicy
from replika_infra.local.gateway import load_app
from tests.integration import sakip_support as s

SHEET = LkePolicy()


@pytest.fixture
def sakip(region_stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s.setup_region(region_stack, monkeypatch)
    s.small_cascade()
    return region_stack


def answer_all(year: int, subject: str, pick: Any) -> None:
    from replika.sakip import lke
    from replika.sakip.lke_models import AnswerIn

    for c in SHEET.criteria:
        got = lke.answer(
            s.EVALUATOR, year, subject, c.id, AnswerIn(answer=pick(c), version=0), "proposal", None
        )
        version = next(x.version for x in got.criteria if x.id == c.id)
        lke.answer(s.TEAM_LEAD, year, subject, c.id, AnswerIn(answer=pick(c), version=version), "final", None)


def test_two_tiers_evidence_history_and_the_grade(sakip: dict[str, str]) -> None:
    from replika.core import audit
    from replika.sakip import lke
    from replika.sakip.lke_models import AnswerIn, EvidenceLinkIn, ReviewIn, VersionIn

    opened = lke.open_evaluation(s.TEAM_LEAD, 2026, s.OPD_A, "r0")
    assert (opened.status, opened.score, opened.grade, opened.criteria_count) == (
        "open",
        Decimal("0.00"),
        "D",
        36,
    )
    with pytest.raises(Exception) as twice:  # the storage error: 409 at the HTTP adapter
        lke.open_evaluation(s.TEAM_LEAD, 2026, s.OPD_A, None)
    assert isinstance(translate(twice.value), Conflict)
    got = lke.answer(
        s.EVALUATOR, 2026, s.OPD_A, "1b1", AnswerIn(answer="B", note="Sebagian", version=0), "proposal", None
    )
    c = next(x for x in got.criteria if x.id == "1b1")
    assert (c.proposed, c.final, c.weight) == ("B", None, Decimal("2.2500"))
    assert got.proposed_score == Decimal("1.49") and got.score == Decimal("0.00")  # 2.25 x 0.66
    with pytest.raises(BadRequest):
        lke.answer(
            s.EVALUATOR, 2026, s.OPD_A, "1a1", AnswerIn(answer="A", version=0), "proposal", None
        )  # Y/T
    with pytest.raises(Conflict):
        lke.answer(s.TEAM_LEAD, 2026, s.OPD_A, "1b1", AnswerIn(answer="A", version=0), "final", None)  # stale
    final = lke.answer(
        s.TEAM_LEAD,
        2026,
        s.OPD_A,
        "1b1",
        AnswerIn(answer="A", note="Bukti lengkap", version=1),
        "final",
        "r1",
    )
    c = next(x for x in final.criteria if x.id == "1b1")
    assert (c.proposed, c.final, c.final_by) == ("B", "A", s.TEAM_LEAD.actor)
    assert final.score == Decimal("2.25")

    # evidence: the evaluated OPD adds links, an assessor verifies or rejects, history kept
    with pytest.raises(Forbidden):
        lke.add_evidence(
            s.STAFF_B,
            2026,
            s.OPD_A,
            "1b1",
            EvidenceLinkIn(url="https://x.go.id/a.pdf", label="Renstra"),
            None,
        )
    added = lke.add_evidence(
        s.STAFF_A,
        2026,
        s.OPD_A,
        "1b1",
        EvidenceLinkIn(url="https://x.go.id/renstra.pdf", label="Renstra"),
        None,
    )
    link = next(x for x in added.criteria if x.id == "1b1").evidence[0]
    version = next(x for x in added.criteria if x.id == "1b1").version
    rejected = lke.review_evidence(
        s.EVALUATOR,
        2026,
        s.OPD_A,
        "1b1",
        link.id,
        ReviewIn(decision="rejected", note="Belum disahkan", version=version),
        None,
    )
    again = next(x for x in rejected.criteria if x.id == "1b1")
    verified = lke.review_evidence(
        s.TEAM_LEAD, 2026, s.OPD_A, "1b1", link.id, ReviewIn(decision="verified", version=again.version), None
    )
    kept = next(x for x in verified.criteria if x.id == "1b1").evidence[0]
    assert kept.status == "verified"
    assert [(h.status, h.by) for h in kept.history] == [
        ("pending", s.STAFF_A.actor),
        ("rejected", s.EVALUATOR.actor),
        ("verified", s.TEAM_LEAD.actor),
    ]
    trail = audit.trail(f"sakip:lke#2026#{s.OPD_A}#1b1").items
    assert [t.action for t in trail] == [
        "lke.evidence.verified",
        "lke.evidence.rejected",
        "lke.final",
        "lke.propose",  # proposals are audited too
    ]

    with pytest.raises(Conflict) as exc:
        lke.finalise(s.TEAM_LEAD, 2026, s.OPD_A, VersionIn(version=1), None)
    assert exc.value.code == "unanswered" and len(exc.value.details["criteria"]) == 35


def test_finalise_publish_and_the_public_summary(sakip: dict[str, str]) -> None:
    from replika.sakip import lke
    from replika.sakip.lke_models import VersionIn

    lke.open_evaluation(s.TEAM_LEAD, 2025, "pemda", None)
    # every Y/T (the existence criteria, 20 points) "Y", every A/B/C/D (80 points) "B": 20 + 52.8
    answer_all(2025, "pemda", lambda c: "Y" if c.scale == "YT" else "B")
    view = lke.evaluation(s.TEAM_LEAD, 2025, "pemda")  # Bappeda, evaluated, sees it once published
    assert (view.score, view.grade) == (Decimal("72.80"), "BB")
    assert view.gap.next_grade == "A" and view.gap.needed == Decimal("7.21")
    assert view.gap.path and all(x.current == "B" for x in view.gap.lifts)
    with Client(load_app("sakip")) as client:
        r = client.http.get("/public/summary?year=2025")
        assert r.status_code == 200 and json.loads(r.body)["lke"] is None  # not published yet
    final = lke.finalise(s.TEAM_LEAD, 2025, "pemda", VersionIn(version=view.version), "rf")
    assert final.status == "final"
    with pytest.raises(Conflict):
        lke.answer(s.TEAM_LEAD, 2025, "pemda", "1a1", _answer("T", 2), "final", None)
    with pytest.raises(Conflict):
        lke.publish(s.TEAM_LEAD, 2025, "pemda", VersionIn(version=view.version), None)  # stale
    lke.publish(s.TEAM_LEAD, 2025, "pemda", VersionIn(version=final.version), "rp")

    lke.open_evaluation(s.TEAM_LEAD, 2026, "pemda", None)  # this year's: open, not public
    with Client(load_app("sakip")) as client:
        r = client.http.get("/public/summary?year=2025")
        body = json.loads(r.body)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=300"
        assert body["lke"] == {"year": 2025, "score": "72.80", "grade": "BB"}
        r = client.http.get("/public/summary?year=2026")
        body = json.loads(r.body)
        assert body["lke"] is None and body["lke_history"] == [
            {"year": 2025, "score": "72.80", "grade": "BB"}
        ]
        assert [t["code"] for t in body["iku"]] == ["S1", "S2"]
        assert "nip" not in r.body.decode() and s.OPD_A not in r.body.decode()
        r = client.http.get("/public/summary?year=1999")
        assert r.status_code == 400
        r = client.http.get("/lke-history/pemda", headers=s.headers_of(s.STAFF_A))
        assert [(e["year"], e["status"], e["grade"]) for e in json.loads(r.body)["items"]] == [
            (2025, "published", "BB"),  # this year's open one is not the OPD's to see
        ]
        r = client.http.get("/lke/2025", headers=s.headers_of(s.STAFF_A))
        assert [e["subject"] for e in json.loads(r.body)["items"]] == ["pemda"]


def _answer(a: str, version: int) -> Any:
    from replika.sakip.lke_models import AnswerIn

    return AnswerIn(answer=a, version=version)


def test_tiers_over_http(sakip: dict[str, str]) -> None:
    with Client(load_app("sakip")) as client:

        def go(method: str, path: str, who: Any, body: Any = None) -> Any:
            return client.http.request(
                method, path, headers=s.headers_of(who), body=json.dumps(body or {}).encode()
            )

        assert go("POST", f"/lke/2026/{s.OPD_A}", s.EVALUATOR).status_code == 403
        assert go("POST", f"/lke/2026/{s.OPD_A}", s.TEAM_LEAD).status_code == 201
        proposal = {"answer": "Y", "version": 0}
        assert go("PUT", f"/lke/2026/{s.OPD_A}/criteria/1a1/final", s.EVALUATOR, proposal).status_code == 403
        assert (
            go("PUT", f"/lke/2026/{s.OPD_A}/criteria/1a1/proposal", s.TEAM_LEAD, proposal).status_code == 403
        )
        assert (
            go("PUT", f"/lke/2026/{s.OPD_A}/criteria/1a1/proposal", s.EVALUATOR, proposal).status_code == 200
        )
        assert (
            go("PUT", f"/lke/2026/{s.OPD_A}/criteria/9z9/proposal", s.EVALUATOR, proposal).status_code == 404
        )
        r = go("GET", f"/lke/2026/{s.OPD_A}", s.EVALUATOR)
        assert r.status_code == 200 and json.loads(r.body)["proposed_score"] == "1.50"
        r = go("GET", f"/lke/2026/{s.OPD_A}", s.STAFF_A)  # the evaluated OPD: no scores before publication
        assert r.status_code == 200 and json.loads(r.body)["proposed_score"] is None
        assert go("GET", f"/lke/2026/{s.OPD_A}", s.STAFF_B).status_code == 403


def _readers() -> dict[str, Any]:
    return {
        "evaluator": s.EVALUATOR,
        "team_lead": s.TEAM_LEAD,
        "bappeda": s.BAPPEDA,
        "evaluated_opd": s.STAFF_A,
        "other_opd": s.STAFF_B,
    }


def _seen(client: Client, who: Any) -> tuple[Any, ...]:
    """(GET evaluation: status, its score), the score in the year's list, in the OPD's history."""
    r = client.http.get(f"/lke/2026/{s.OPD_A}", headers=s.headers_of(who))
    one = json.loads(r.body)
    listed = json.loads(client.http.get("/lke/2026", headers=s.headers_of(who)).body)["items"]
    r2 = client.http.get(f"/lke-history/{s.OPD_A}", headers=s.headers_of(who))
    history = json.loads(r2.body).get("items") if r2.status_code == 200 else r2.status_code
    return (
        r.status_code,
        one.get("score") if r.status_code == 200 else None,
        [e["score"] for e in listed if e["subject"] == s.OPD_A],
        [e["score"] for e in history] if isinstance(history, list) else history,
    )


def test_who_reads_an_evaluation_before_and_after_publication(sakip: dict[str, str]) -> None:
    """Role matrix of an OPD's LKE: before publication only the Inspektorat sees answers and score;
    the evaluated OPD sees its evaluation without them (to add evidence), every other role nothing.
    After publication every reader of the OPD sees it; the public summary shows only the region's."""
    from replika.sakip import lke
    from replika.sakip.lke_models import VersionIn

    lke.open_evaluation(s.TEAM_LEAD, 2026, s.OPD_A, None)
    answer_all(2026, s.OPD_A, lambda c: "Y" if c.scale == "YT" else "A")
    final = lke.finalise(s.TEAM_LEAD, 2026, s.OPD_A, VersionIn(version=1), None)
    with Client(load_app("sakip")) as client:
        before = {name: _seen(client, who) for name, who in _readers().items()}
        lke.publish(s.TEAM_LEAD, 2026, s.OPD_A, VersionIn(version=final.version), None)
        after = {name: _seen(client, who) for name, who in _readers().items()}
        public = json.loads(client.http.get("/public/summary?year=2026").body)
    full = (200, "100.00", ["100.00"], ["100.00"])
    assert before == {
        "evaluator": full,
        "team_lead": full,
        "bappeda": (403, None, [], []),
        "evaluated_opd": (200, None, [None], [None]),
        "other_opd": (403, None, [], 403),
    }
    assert after == {
        "evaluator": full,
        "team_lead": full,
        "bappeda": full,
        "evaluated_opd": full,
        "other_opd": (403, None, [], 403),
    }
    assert public["lke"] is None  # an OPD's grade is not the region's


def test_every_proposal_is_kept_and_audited_beside_the_final(sakip: dict[str, str]) -> None:
    from replika.core import audit
    from replika.sakip import lke
    from replika.sakip.lke_models import EvidenceLinkIn

    lke.open_evaluation(s.TEAM_LEAD, 2026, s.OPD_A, None)
    lke.answer(s.EVALUATOR, 2026, s.OPD_A, "1b1", _answer("C", 0), "proposal", None)
    lke.add_evidence(
        s.STAFF_A, 2026, s.OPD_A, "1b1", EvidenceLinkIn(url="https://x.go.id/r.pdf", label="Renstra"), None
    )
    other = s.principal(s.Role.INSPEKTORAT, s.staff(s.OPDS[2], 2))
    from replika.sakip.lke_models import AnswerIn

    lke.answer(
        other, 2026, s.OPD_A, "1b1", AnswerIn(answer="B", note="Ada Renstra", version=2), "proposal", None
    )
    view = lke.answer(s.TEAM_LEAD, 2026, s.OPD_A, "1b1", _answer("A", 3), "final", None)
    c = next(x for x in view.criteria if x.id == "1b1")
    assert (c.proposed, c.proposed_by, c.final, c.final_by) == ("B", other.actor, "A", s.TEAM_LEAD.actor)
    assert [(x.answer, x.by, x.note, [e["status"] for e in x.evidence]) for x in c.proposals] == [
        ("C", s.EVALUATOR.actor, None, []),
        ("B", other.actor, "Ada Renstra", ["pending"]),
    ]
    trail = audit.trail(f"sakip:lke#2026#{s.OPD_A}#1b1").items
    assert [(t.action, t.actor, t.before["answer"], t.after["answer"]) for t in trail] == [
        ("lke.final", s.TEAM_LEAD.actor, None, "A"),
        ("lke.propose", other.actor, "C", "B"),
        ("lke.propose", s.EVALUATOR.actor, None, "C"),
    ]
