"""What each stage of a permit type is, from the catalogue: its kind, whether it signs, whether it
needs a site visit; and separation of duties across stages. Pure.

Kinds follow DOMAIN.md §3's path: ``receive`` (front office), ``document-check``,
``back-office``, ``technical`` (technical team / site visit), ``recommendation``, ``signature``;
``review`` is any other step. Only a ``signature`` stage signs: its holder must be the region's
official or a listed Plt and the permit names them. A type without one (e.g. a single
verification stage) is issued in the name of the region's official, as the catalogue says.

Stages stored before kinds existed carry none: for them the last of two or more stages is the
signature (the old rule) and a single stage is a plain review (never a signature).

Separation of duties (:data:`INDEPENDENT`): the same person (actor or NIP) may not decide two
stages of one application whose kinds must be independent: the document check and the back office,
the recommendation and the signature, the front office and the signature; nor may the signer have
decided any earlier stage. A site-visit stage passes forward only with a visit report and at least
one photo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from replika.perizinan.rules.signing import did_earlier_stage

RECEIVE = "receive"
DOCUMENT_CHECK = "document-check"
BACK_OFFICE = "back-office"
TECHNICAL = "technical"
RECOMMENDATION = "recommendation"
SIGNATURE = "signature"
REVIEW = "review"
KINDS = (RECEIVE, DOCUMENT_CHECK, BACK_OFFICE, TECHNICAL, RECOMMENDATION, SIGNATURE, REVIEW)

#: pairs of stage kinds one person may not both decide on one application
INDEPENDENT: frozenset[frozenset[str]] = frozenset(
    {
        frozenset({DOCUMENT_CHECK, BACK_OFFICE}),
        frozenset({RECOMMENDATION, SIGNATURE}),
        frozenset({RECEIVE, SIGNATURE}),
    }
)


def kind_of(stages: Sequence[Mapping[str, Any]], index: int) -> str:
    """The stage's kind from the catalogue; a stage stored without one follows the old rule."""
    kind = stages[index].get("kind")
    if kind:
        return str(kind)
    return SIGNATURE if len(stages) > 1 and index == len(stages) - 1 else REVIEW


def signs(stages: Sequence[Mapping[str, Any]], index: int) -> bool:
    return kind_of(stages, index) == SIGNATURE


def catalogue_problems(stages: Sequence[Mapping[str, Any]]) -> list[str]:
    """What is wrong with a type's stages, one stage at a time (the form's schema states the same
    rules): a signature not held by DPMPTSP, a site visit on a stage that is not technical. The
    permit names whoever signed a signature stage, wherever it stands on the path."""
    problems = []
    for s in stages:
        if s.get("kind") == SIGNATURE and s.get("role") != "dpmptsp":
            problems.append(f"tahap tanda tangan dipegang DPMPTSP (tahap {s.get('code')})")
        if s.get("site_visit") and s.get("kind") != TECHNICAL:
            problems.append(f"kunjungan lapangan hanya pada tahap teknis (tahap {s.get('code')})")
    return problems


def _same_person(stage: Mapping[str, Any], actor: str, nip: str | None) -> bool:
    return stage.get("by") == actor or bool(nip and stage.get("nip") == nip)


def conflicting_stage(
    stages: Sequence[Mapping[str, Any]], index: int, *, actor: str, nip: str | None
) -> str | None:
    """The code of a stage this person decided that forbids them deciding stage ``index``, or None.
    The signer may have decided no earlier stage; otherwise the :data:`INDEPENDENT` pairs."""
    kind = kind_of(stages, index)
    signer_did_earlier = kind == SIGNATURE and did_earlier_stage(stages, index, actor=actor, nip=nip)
    for j, stage in enumerate(stages):
        if j == index or not _same_person(stage, actor, nip):
            continue
        if (signer_did_earlier and j < index) or frozenset({kind, kind_of(stages, j)}) in INDEPENDENT:
            return str(stage.get("code"))
    return None


def needs_visit(stage: Mapping[str, Any]) -> bool:
    return bool(stage.get("site_visit"))


def may_record_visit(stage: Mapping[str, Any]) -> bool:
    """A visit report is recorded at a technical stage (required there when ``site_visit``)."""
    return bool(stage.get("site_visit")) or stage.get("kind") == TECHNICAL


def visit_missing(visit: Mapping[str, Any] | None, photos_present: int) -> list[str]:
    """What a site-visit stage still lacks before it passes forward: the report, a photo."""
    missing = []
    if not visit or not visit.get("report"):
        missing.append("laporan")
    if photos_present < 1:
        missing.append("foto")
    return missing
