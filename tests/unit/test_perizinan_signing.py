"""Who may sign a permit (rules/signing.py): the policy's official or a listed Plt, with the
policy's name and Plt flag; and nobody who did an earlier stage of the same application."""

from __future__ import annotations

from replika.core.config import PerizinanPolicy, PltSigner
from replika.perizinan.rules.signing import did_earlier_stage, signer_for

OFFICIAL = "197802282004021924"
PLT = "198101012006041003"
POLICY = PerizinanPolicy(
    official_name="Rina Wulandari",
    official_nip=OFFICIAL,
    plt_signers=[PltSigner(nip=PLT, name="Asep Sunandar")],
)


def test_only_the_official_or_a_listed_plt_signs() -> None:
    assert signer_for(OFFICIAL, POLICY) == {"name": "Rina Wulandari", "nip": OFFICIAL, "plt": False}
    assert signer_for(PLT, POLICY) == {"name": "Asep Sunandar", "nip": PLT, "plt": True}
    acting = POLICY.model_copy(update={"official_plt": True})
    assert signer_for(OFFICIAL, acting) == {"name": "Rina Wulandari", "nip": OFFICIAL, "plt": True}
    for nip in ("198503152010011001", "", None):
        assert signer_for(nip, POLICY) is None


def test_separation_of_duties_by_actor_or_nip() -> None:
    stages = [
        {"code": "terima", "by": "sub:a|nip:1|dpmptsp", "nip": "1"},
        {"code": "teknis", "by": "sub:b|nip:2|pegawai", "nip": "2"},
        {"code": "ttd"},
    ]
    assert did_earlier_stage(stages, 2, actor="sub:a|nip:1|dpmptsp", nip="1")
    assert did_earlier_stage(stages, 2, actor="sub:other|nip:2|dpmptsp", nip="2")  # same person, other login
    assert not did_earlier_stage(stages, 2, actor="sub:c|nip:3|dpmptsp", nip="3")
    assert not did_earlier_stage(stages, 1, actor="sub:b|nip:2|pegawai", nip="2")  # only earlier stages
    assert not did_earlier_stage(
        [{"code": "x", "by": "sub:z|nip:-|dpmptsp"}], 1, actor="sub:y|nip:-|x", nip=None
    )
