"""Who signs a permit: the region's official (``policy.official_nip``) or a listed acting official
(``policy.plt_signers``), never a name the request supplies; and separation of duties: nobody signs
an application whose earlier stage they did themselves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from replika.core.config import PerizinanPolicy


def signer_for(nip: str | None, policy: PerizinanPolicy) -> dict[str, Any] | None:
    """The official block the permit carries when ``nip`` signs, or None if ``nip`` may not sign."""
    if not nip:
        return None
    if nip == policy.official_nip:
        return {"name": policy.official_name, "nip": policy.official_nip, "plt": policy.official_plt}
    for plt in policy.plt_signers:
        if nip == plt.nip:
            return {"name": plt.name, "nip": plt.nip, "plt": True}
    return None


def did_earlier_stage(
    stages: Sequence[Mapping[str, Any]], index: int, *, actor: str, nip: str | None
) -> bool:
    """Whether the caller (same actor, or same NIP) completed a stage before ``index``."""
    return any(stage.get("by") == actor or bool(nip and stage.get("nip") == nip) for stage in stages[:index])
