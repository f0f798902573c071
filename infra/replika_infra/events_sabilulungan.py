"""Sample Lambda events of the Sabilulungan app (``replika events`` writes them to
``events/sabilulungan/``). Applicants' tokens name the stack's own applicants' pool, unknown when
the events are written, so the applicant routes' samples go without a token (401)."""

from __future__ import annotations

import json
from typing import Any

from replika_infra.demo import seed


def sabilulungan_events() -> dict[str, tuple[dict[str, Any], int]]:
    from replika_infra.events import api_event, claims_for, schedule_event

    people = seed.demo_employees()
    someone = people[-1]
    tapd, kdh = claims_for(people[0], "tapd"), claims_for(people[1], "kepala-daerah")
    bpkad, pegawai = claims_for(people[2], "bpkad"), claims_for(someone, "pegawai")
    pid = {"proposal_id": "0" * 32}
    upload = json.dumps(
        {"code": "proposal", "filename": "p.pdf", "content_type": "application/pdf", "size": 10}
    )
    version = json.dumps({"version": 1})

    def post(
        resource: str, body: str, claims: dict[str, str] | None, params: dict[str, str] | None = None
    ) -> Any:
        return api_event("POST", resource, params or pid, claims=claims, body=body)

    checklist = {
        "prices_match_ssh": True,
        "organisation_verified": True,
        "no_grant_previous_year": True,
        "ktp_verified": True,
        "legal_entity": True,
    }
    return {
        "get_profile_without_token": (api_event("GET", "/applicants/me"), 401),
        "put_profile_without_token": (api_event("PUT", "/applicants/me", body="{}"), 401),
        "create_proposal_without_token": (api_event("POST", "/proposals", body="{}"), 401),
        "my_proposals": (api_event("GET", "/proposals/mine", claims=pegawai), 200),
        "queue_setting": (api_event("GET", "/queue", query={"state": ["setting"]}, claims=tapd), 200),
        "queue_as_applicantless_pegawai": (
            api_event("GET", "/queue", query={"state": ["disposition"]}, claims=pegawai),
            403,
        ),
        "get_proposal_unknown": (api_event("GET", "/proposals/{proposal_id}", pid, claims=tapd), 404),
        "edit_proposal_without_token": (api_event("PUT", "/proposals/{proposal_id}", pid, body="{}"), 401),
        "upload_document_unknown": (post("/proposals/{proposal_id}/documents", upload, pegawai), 404),
        "submit_unknown": (post("/proposals/{proposal_id}/submit", version, pegawai), 404),
        "transition_unknown": (
            post(
                "/proposals/{proposal_id}/transition", json.dumps({"action": "forward", "version": 1}), tapd
            ),
            404,
        ),
        "matches_unknown": (api_event("GET", "/proposals/{proposal_id}/matches", pid, claims=tapd), 404),
        "disposition_unknown": (
            post("/proposals/{proposal_id}/disposition", json.dumps({"version": 1, "opd": "1.02"}), kdh),
            404,
        ),
        "site_visit_unknown": (
            post(
                "/proposals/{proposal_id}/site-visit",
                json.dumps({"version": 1, "number": "BA-1/2027", "visited_on": "2027-03-01"}),
                pegawai,
            ),
            404,
        ),
        "site_visit_upload_unknown": (
            post("/proposals/{proposal_id}/site-visit/upload", upload, pegawai),
            404,
        ),
        "evaluation_unknown": (
            api_event("GET", "/proposals/{proposal_id}/evaluation", pid, claims=tapd),
            404,
        ),
        "recommendation_as_tapd": (
            post(
                "/proposals/{proposal_id}/recommendation",
                json.dumps({"version": 1, "amount": 1, "checklist": checklist}),
                tapd,
            ),
            403,
        ),
        "amount_unknown": (
            post("/proposals/{proposal_id}/amount", json.dumps({"version": 1, "amount": 1}), tapd),
            404,
        ),
        "approval_unknown": (post("/proposals/{proposal_id}/approval", version, kdh), 404),
        "nphd_unknown": (post("/proposals/{proposal_id}/nphd", "", bpkad), 404),
        "nphd_upload_unknown": (post("/proposals/{proposal_id}/nphd/upload", upload, pegawai), 404),
        "nphd_signed_unknown": (post("/proposals/{proposal_id}/nphd/signed", version, pegawai), 404),
        "disbursement_unknown": (
            post(
                "/proposals/{proposal_id}/disbursement",
                json.dumps({"version": 1, "sp2d_number": "SP2D-1", "sp2d_date": "2027-03-01", "amount": 1}),
                bpkad,
            ),
            404,
        ),
        "lpj_upload_unknown": (post("/proposals/{proposal_id}/lpj/upload", upload, pegawai), 404),
        "lpj_submit_unknown": (post("/proposals/{proposal_id}/lpj", version, pegawai), 404),
        "set_ceiling": (
            api_event(
                "PUT", "/budgets/{year}", {"year": "2027"}, claims=tapd, body=json.dumps({"ceiling": 10**9})
            ),
            200,
        ),
        "dashboard": (api_event("GET", "/dashboard", query={"year": ["2027"]}, claims=kdh), 200),
        "export": (api_event("GET", "/export", query={"year": ["2027"]}, claims=bpkad), 200),
        "public_proposal_unknown": (
            api_event("GET", "/public/proposals/{number}", {"number": "HBH-2027-000999"}),
            404,
        ),
        "public_recipients": (api_event("GET", "/public/recipients", query={"year": ["2027"]}), 200),
        "public_summary": (api_event("GET", "/public/summary"), 200),
        "openapi_json": (api_event("GET", "/openapi.json"), 200),
        "lpj_overdue": (schedule_event("lpj_overdue", "2027-01-10T17:30:00Z"), 200),
        "lpj_due_reminder": (schedule_event("lpj_due_reminder", "2027-01-03T01:00:00Z"), 200),
    }
