"""The local gateway under concurrent requests (benchmarks/rush.py): every answer belongs to its
own request. A Chalice app keeps the request it serves in ``app.current_request``; served from
several threads at once, one request's view read another's body (400s, crossed records)."""

from __future__ import annotations

import json
import threading
from typing import Any

from replika_infra.local.gateway import Gateway, load_app
from tests.conftest import auth_header

HR = {**auth_header("199001012015011001", "32.73.06", "bkpsdm"), "Content-Type": "application/json"}


def test_concurrent_requests_to_one_app_do_not_cross(region_stack: dict[str, str]) -> None:
    gw = Gateway({"remunerasi": load_app("remunerasi")}, verifier=None)
    answers: list[tuple[str, int, Any]] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        for j in range(4):
            code = f"K{i:02d}{j}"
            body = json.dumps({"code": code, "name": f"Kegiatan {code}", "minutes": 10 + i}).encode()
            status, _, raw = gw.handle("POST", "/remunerasi/activities", HR, body)
            with lock:
                answers.append((code, status, json.loads(raw)))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 40
    crossed = [(code, s, b) for code, s, b in answers if s != 201 or b.get("code") != code]
    assert crossed == []
