"""Acting supervisors (Plt: ``PLT#<acting nip>`` | ``<for nip>#<start>``, gsi1 ``PLTFOR#<for nip>``)
and disciplinary sentences (``SENT#<nip>`` | ``<start period>#<id>``)."""

from __future__ import annotations

from replika.remunerasi import keys
from replika.remunerasi.store import Tx
from replika.remunerasi.tables import ActingSupervisor, SentenceItem

__all__ = [
    "ActingSupervisor",
    "SentenceItem",
    "acting_for",
    "assign_in",
    "new_acting",
    "new_sentence",
    "record_in",
]


# -- acting supervisors (Plt) ---------------------------------------------------------------------
def new_acting(*, acting_nip: str, for_nip: str, start: str, end: str, assigned_by: str) -> ActingSupervisor:
    return ActingSupervisor(
        *keys.acting_key(acting_nip, for_nip, start),
        gsi1pk=keys.acting_for_pk(for_nip),
        gsi1sk=start,
        acting_nip=acting_nip,
        for_nip=for_nip,
        start=start,
        end=end,
        assigned_by=assigned_by,
    )


def assign_in(tx: Tx, item: ActingSupervisor) -> None:
    """A new assignment (the same acting/for/start twice is a 409)."""
    tx.save(item, condition=ActingSupervisor.pk.does_not_exist())


def acting_for(acting_nip: str, day: str) -> set[str]:
    """The supervisors ``acting_nip`` stands in for on ``day`` (ISO date): Query ``PLT#<nip>``."""
    return {a.for_nip for a in ActingSupervisor.query(keys.acting_pk(acting_nip)) if a.start <= day <= a.end}


# -- disciplinary sentences -----------------------------------------------------------------------
def new_sentence(
    *,
    nip: str,
    sentence_id: str,
    level: str,
    start_period: str,
    end_period: str,
    cut_pct: float,
    note: str | None,
    recorded_by: str,
) -> SentenceItem:
    return SentenceItem(
        *keys.sentence_key(nip, start_period, sentence_id),
        sentence_id=sentence_id,
        nip=nip,
        level=level,
        start_period=start_period,
        end_period=end_period,
        cut_pct=cut_pct,
        note=note,
        recorded_by=recorded_by,
    )


def record_in(tx: Tx, item: SentenceItem) -> None:
    tx.save(item, condition=SentenceItem.pk.does_not_exist())
