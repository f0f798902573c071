"""e-SAKIP on the local stack as `make demo` runs it: real Cognito tokens through the verifying
gateway, the public summary without a token, roles, a cascade export downloaded from the
presigned link, and a binary (XLSX) upload through the gateway."""

from __future__ import annotations

import io
import urllib.request
from typing import Any

import pytest

from tests.e2e.http import request

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def sakip(stack: Any) -> Any:
    from replika_infra.sakip_events import seed_samples

    seed_samples()
    return stack


def test_public_summary_and_roles(sakip: Any) -> None:
    from replika_infra.local.dev import id_token

    base = f"{sakip.state.gateway}/sakip"
    status, body = request(f"{base}/public/summary?year=2026")
    assert status == 200 and body["period"] == "2025-2029" and body["region"] == "Kota Bandung"
    assert request(f"{base}/periods")[0] == 401
    bappeda, pegawai = id_token(sakip.state, "bappeda"), id_token(sakip.state, "pegawai")
    status, body = request(f"{base}/attainment/2026/region", token=bappeda)
    assert status == 200 and body["period"] == "2025-2029"
    status, body = request(f"{base}/lke/2025/pemda", token=id_token(sakip.state, "inspektorat-kepala"))
    assert status == 200 and body["status"] == "open" and body["criteria_count"] == 36
    status, body = request(
        f"{base}/periods", method="POST", token=pegawai, data=b'{"start_year":2030,"name":"x"}'
    )
    assert status == 403 and body["error"]["details"]["required_roles"] == ["bappeda"]


def test_export_and_import_through_the_gateway(sakip: Any) -> None:
    from openpyxl import load_workbook

    from replika_infra.local.dev import id_token

    base = f"{sakip.state.gateway}/sakip"
    bappeda = id_token(sakip.state, "bappeda")
    status, link = request(f"{base}/cascade/2025-2029/export", token=bappeda)
    assert status == 200, link
    with urllib.request.urlopen(link["url"], timeout=30) as resp:  # the local moto S3
        data = resp.read()
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[2]][:2] == ["Level", "Kode"] and sheet.max_row >= 10
    status, body = request(
        f"{base}/cascade/2025-2029/import?dry_run=true",
        method="POST",
        token=bappeda,
        data=data,
        content_type=XLSX,
    )
    assert status == 200 and body["unchanged"] == body["nodes"] and body["dry_run"], body
