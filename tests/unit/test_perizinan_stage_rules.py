"""Stage kinds from the catalogue and separation of duties across stages (rules/stages.py): every
pair of kinds, decided by the same person (actor or NIP) or by another, on a four-stage path."""

from __future__ import annotations

from itertools import permutations

import pytest

from replika.perizinan.rules import stages as r

ME, NIP = "sub:a|nip:1|dpmptsp", "1"


def _path(kinds: list[str], done_by_me: set[int]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, kind in enumerate(kinds):
        stage: dict[str, object] = {"code": f"s{i}", "kind": kind, "role": "dpmptsp"}
        if i in done_by_me:
            stage.update(done_at="2026-08-14T02:00:00Z", by=ME, nip=NIP)
        out.append(stage)
    return out


#: (kind decided earlier, kind decided now) refused for the same person: the independent pairs,
#: then every earlier stage of the signer
REFUSED = {
    tuple(line.strip().split(" -> "))
    for line in """
        document-check -> back-office
        back-office -> document-check
        recommendation -> signature
        receive -> signature
        document-check -> signature
        back-office -> signature
        technical -> signature
        review -> signature
    """.strip().splitlines()
}
PAIRS = [p for p in permutations(r.KINDS, 2) if p[0] != r.SIGNATURE]


@pytest.mark.parametrize(("earlier", "now"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_stage_kinds(earlier: str, now: str) -> None:
    stages = _path([earlier, now], {0})
    clash = r.conflicting_stage(stages, 1, actor=ME, nip=NIP)
    assert clash == ("s0" if (earlier, now) in REFUSED else None)
    # the same person under another login (same NIP) is the same person; someone else is not
    assert r.conflicting_stage(stages, 1, actor="sub:b|nip:1|dpmptsp", nip=NIP) == clash
    assert r.conflicting_stage(stages, 1, actor="sub:c|nip:3|dpmptsp", nip="3") is None


def test_kinds_come_from_the_catalogue_and_old_stages_keep_the_old_rule() -> None:
    assert r.signs([{"kind": "signature"}], 0)
    assert not r.signs([{"kind": "document-check"}], 0)
    assert not r.signs([{"code": "verifikasi"}], 0)  # a single stage stored without kinds: no signature
    assert r.signs([{"code": "a"}, {"code": "b"}], 1) and not r.signs([{"code": "a"}, {"code": "b"}], 0)


def test_catalogue_problems_and_the_visit_requirement() -> None:
    assert r.catalogue_problems([{"kind": "technical", "site_visit": True, "role": "pegawai"}]) == []
    assert len(r.catalogue_problems([{"kind": "signature", "role": "pegawai"}, {"site_visit": True}])) == 2
    assert r.visit_missing(None, 0) == ["laporan", "foto"]
    assert r.visit_missing({"report": {"findings": "x"}}, 0) == ["foto"]
    assert r.visit_missing({"report": {"findings": "x"}}, 1) == []
    assert r.may_record_visit({"kind": "technical"}) and not r.may_record_visit({"kind": "receive"})
