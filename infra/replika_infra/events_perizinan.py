"""Sample Lambda events of the Perizinan app (``replika events`` writes them to
``events/perizinan/``). Applicants' tokens name the stack's own applicants' pool, unknown when the
events are written, so the applicant routes' samples go without a token (401)."""

from __future__ import annotations

import json
from typing import Any

from replika_infra.demo import seed

SAMPLE_TYPE = {
    "code": "SAMPLE",
    "name": "Izin contoh",
    "form_schema": {"type": "object", "properties": {"luas_m2": {"type": "integer", "minimum": 1}}},
    "documents": ["ktp"],
    "stages": [{"code": "terima", "name": "Penerimaan", "role": "dpmptsp", "sla_days": 1}],
    "fee": 0,
    "validity_months": 12,
    "allows_report": False,
}


UPLOAD = {"filename": "foto.jpg", "content_type": "image/jpeg", "size": 2048}
VISIT = {
    "date": "2026-11-30",
    "officers": ["Tim teknis"],
    "findings": "Sesuai denah.",
    "recommendation": "Layak.",
}


def perizinan_events() -> dict[str, tuple[dict[str, Any], int]]:
    from replika_infra.events import api_event, claims_for, schedule_event

    people = seed.demo_employees()
    office, pegawai = claims_for(people[3], "dpmptsp"), claims_for(people[-1], "pegawai")
    number = {"number": "P20260101ABCDEFGH"}
    permit = {"number": "SK-SAMPLE-327301-01012026-001"}

    def post(
        resource: str, body: Any, claims: dict[str, str] | None, params: dict[str, str] | None = None
    ) -> Any:
        return api_event("POST", resource, params, claims=claims, body=json.dumps(body))

    return {
        # public: no token
        "public_verify_unknown": (api_event("GET", "/public/verify/{code}", {"code": "ABCDEFGHJK"}), 404),
        "public_key": (api_event("GET", "/public/key"), 200),
        "public_track_unknown": (api_event("GET", "/public/applications/{number}", number), 404),
        "public_catalogue": (api_event("GET", "/public/catalogue", query={"limit": ["10"]}), 200),
        "public_type_unknown": (api_event("GET", "/public/catalogue/{code}", {"code": "NOPE"}), 404),
        "public_stats": (api_event("GET", "/public/stats", query={"year": ["2026"]}), 200),
        "public_stats_bad_year": (api_event("GET", "/public/stats", query={"year": ["1999"]}), 400),
        # catalogue (DPMPTSP)
        "save_type": (post("/catalogue", SAMPLE_TYPE, office), 201),
        "save_type_as_pegawai": (post("/catalogue", SAMPLE_TYPE, pegawai), 403),
        "import_catalogue_as_pegawai": (post("/catalogue/import", {"types": [SAMPLE_TYPE]}, pegawai), 403),
        "import_catalogue_csv_bad_row": (
            api_event(
                "POST",
                "/catalogue/import/csv",
                claims=office,
                body="code,name\nUMK,Izin Usaha Mikro\n",
                content_type="text/csv",
            ),
            400,
        ),
        # applicants (their own pool's tokens)
        "get_profile_without_token": (api_event("GET", "/me"), 401),
        "put_profile_without_token": (
            api_event("PUT", "/me", body=json.dumps({"name": "Siti", "nik": "3273010101900001"})),
            401,
        ),
        "submit_without_token": (post("/applications", {"type_code": "SAMPLE"}, None), 401),
        "mine_without_token": (api_event("GET", "/applications/mine"), 401),
        "resubmit_without_token": (post("/applications/{number}/resubmit", {}, None, number), 401),
        "withdraw_without_token": (api_event("POST", "/applications/{number}/withdraw", number), 401),
        "survey_without_token": (
            post("/applications/{number}/survey", {"answers": [4] * 9}, None, number),
            401,
        ),
        "my_survey_without_token": (api_event("GET", "/applications/{number}/survey", number), 401),
        # staff
        "get_application_unknown": (api_event("GET", "/applications/{number}", number, claims=office), 404),
        "queue": (api_event("GET", "/queue", query={"role": ["dpmptsp"]}, claims=office), 200),
        "status_feed": (api_event("GET", "/feed", query={"day": ["2026-11-30"]}, claims=office), 200),
        "status_feed_as_pegawai": (
            api_event("GET", "/feed", query={"day": ["2026-11-30"]}, claims=pegawai),
            403,
        ),
        "act_unknown": (post("/applications/{number}/actions", {"action": "advance"}, office, number), 404),
        "payment_unknown": (
            post("/applications/{number}/payment", {"receipt_number": "STS-1"}, office, number),
            404,
        ),
        "get_permit_unknown": (api_event("GET", "/permits/{number}", permit, claims=office), 404),
        "permit_document_unknown": (
            api_event("GET", "/permits/{number}/document", permit, claims=office),
            404,
        ),
        "revoke_unknown": (
            post("/permits/{number}/revoke", {"reason": "Data tidak benar"}, office, permit),
            404,
        ),
        # uploads, the site visit, staff file links, escalations
        "upload_document_without_token": (
            post("/documents", {"code": "ktp", **UPLOAD}, None),
            401,
        ),
        "record_visit_unknown": (
            api_event("PUT", "/applications/{number}/visit", number, claims=pegawai, body=json.dumps(VISIT)),
            404,
        ),
        "visit_photo_unknown": (post("/applications/{number}/visit/photos", UPLOAD, pegawai, number), 404),
        "files_unknown": (api_event("GET", "/applications/{number}/files", number, claims=office), 404),
        "escalations_not_head": (api_event("GET", "/escalations", claims=office), 403),
        "escalation_unknown": (
            post("/applications/{number}/escalation", {"action": "reassign", "days": 2}, office, number),
            404,
        ),
        "openapi_json": (api_event("GET", "/openapi.json"), 200),
        "sla_clock": (schedule_event("sla_clock", "2026-11-30T17:30:00Z"), 200),
    }
