"""Shared set-up of the e-SAKIP tests: a small organisation, principals, a fixed region date and a
small cascade (region levels, two OPDs down to sub-activities) made through the use cases."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import Any

import boto3
import pytest

from replika.core.auth import Principal, Role
from replika_infra.demo import seed
from tests.conftest import auth_header

PEOPLE = seed.demo_employees(n_opd=6, n_employees=120)
OPDS = sorted({e.opd_code for e in PEOPLE})
OPD_A, OPD_B = OPDS[0], OPDS[1]
PERIOD = "2025-2029"
YEARS = [2025, 2026, 2027, 2028, 2029]
#: A Tuesday inside Q2's default window (06-20 .. 07-15): Q1 is closed, Q3 not open yet.
TODAY = date(2026, 7, 7)


def staff(opd: str, n: int = 0) -> seed.SeedEmployee:
    return [e for e in PEOPLE if e.opd_code == opd and e.supervisor_nip][n]


def head(opd: str) -> seed.SeedEmployee:
    inside = {e.nip for e in PEOPLE if e.opd_code == opd}
    return next(e for e in PEOPLE if e.opd_code == opd and e.supervisor_nip not in inside)


def principal(role: Role, person: seed.SeedEmployee | None = None, opd: str | None = None) -> Principal:
    nip = person.nip if person else None
    return Principal(
        f"sub-{nip}-{role}",
        f"u{nip}",
        frozenset({role}),
        nip=nip,
        opd=opd or (person.opd_code if person else None),
    )


BAPPEDA = principal(Role.BAPPEDA, staff(OPDS[3]))
STAFF_A = principal(Role.PEGAWAI, staff(OPD_A))
STAFF_B = principal(Role.PEGAWAI, staff(OPD_B))
HEAD_A = principal(Role.PEGAWAI, head(OPD_A))
EVALUATOR = principal(Role.INSPEKTORAT, staff(OPDS[2]))
TEAM_LEAD = principal(Role.INSPEKTORAT_KEPALA, staff(OPDS[2], 1))


def headers_of(p: Principal) -> dict[str, str]:
    return {**auth_header(p.nip, p.opd, *(r.value for r in p.roles)), "Content-Type": "application/json"}


def targets(*values: int | str) -> dict[str, Decimal]:
    vals = list(values) + [values[-1]] * (5 - len(values))
    return {str(y): Decimal(str(v)) for y, v in zip(YEARS, vals, strict=True)}


def indicator(
    id_: str, polarity: str = "higher", aggregation: str = "last", *t: int | str, **kw: Any
) -> dict[str, Any]:
    return {
        "id": id_,
        "name": f"Indikator {id_}",
        "unit": "%",
        "polarity": polarity,
        "aggregation": aggregation,
        "targets": {k: str(v) for k, v in targets(*(t or (100,))).items()},
        **kw,
    }


def node(code: str, level: str, owner: str, parent: str | None, *inds: dict[str, Any], **kw: Any) -> Any:
    from replika.sakip.models import NodeIn

    return NodeIn.model_validate(
        {
            "code": code,
            "level": level,
            "owner": owner,
            "parent": parent,
            "name": f"Node {code}",
            "indicators": list(inds),
            **kw,
        }
    )


def setup_region(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The directory, a fixed local date, and a documents bucket moto can write to."""
    from replika.core import storage
    from replika.core.calendar import RegionCalendar
    from replika.core.runtime import rebind_tables
    from replika.directory import service as directory

    rebind_tables()
    storage.reset_client()
    directory.import_directory(seed.to_csv(PEOPLE), actor="test")
    monkeypatch.setattr(RegionCalendar, "today", lambda self: TODAY)
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    # moto ignores the TLS-only Deny's condition (see test_wbs_api); AWS applies it to HTTP only
    with contextlib.suppress(Exception):
        s3.delete_bucket_policy(Bucket=stack["DOCUMENTS_BUCKET"])


def small_cascade() -> None:
    """Vision -> mission -> goal -> two strategic targets (pemda); for OPD A and B an OPD target,
    a programme, an activity and two sub-activities with ceilings."""
    from replika.sakip import cascade
    from replika.sakip.models import PeriodIn

    cascade.create_period(BAPPEDA, PeriodIn(start_year=2025, name="RPJMD 2025-2029"))
    make = [
        (BAPPEDA, node("V", "vision", "pemda", None)),
        (BAPPEDA, node("M1", "mission", "pemda", "V")),
        (BAPPEDA, node("T1", "goal", "pemda", "M1", indicator("IPM", "higher", "last", 72, 73, 74, 75, 76))),
        (
            BAPPEDA,
            node(
                "S1",
                "strategic_target",
                "pemda",
                "T1",
                indicator("KEMISKINAN", "lower", "last", 8, 7, 6, 5, 4),
            ),
        ),
        (
            BAPPEDA,
            node(
                "S2",
                "strategic_target",
                "pemda",
                "T1",
                indicator("IKM", "higher", "last", 80, 82, 84, 86, 88),
            ),
        ),
    ]
    for opd, parent, tag in ((OPD_A, "S1", "A"), (OPD_B, "S2", "B")):
        owner = BAPPEDA
        make += [
            (owner, node(f"{tag}.SS1", "opd_target", opd, parent, indicator("K1", "higher", "last", 90))),
            (owner, node(f"{tag}.P1", "programme", opd, f"{tag}.SS1", indicator("O1", "higher", "sum", 100))),
            (owner, node(f"{tag}.P1.K1", "activity", opd, f"{tag}.P1", indicator("O1", "higher", "sum", 40))),
        ]
        # two sub-activities: sum to 20 with 1,000,000 a year; average (lower) to 10, weight 3
        for sub, polarity, aggregation, target, pagu, weight in (
            ("S1", "higher", "sum", 20, 1_000_000, None),
            ("S2", "lower", "average", 10, 3_000_000, "3"),
        ):
            inds = indicator("D1", polarity, aggregation, target)
            kw: dict[str, Any] = {
                "pagu": {str(y): pagu for y in YEARS},
                **({"weight": weight} if weight else {}),
            }
            make.append((owner, node(f"{tag}.P1.K1.{sub}", "sub_activity", opd, f"{tag}.P1.K1", inds, **kw)))
    for who, body in make:
        cascade.create_node(who, PERIOD, body, None)
