"""One source for each table: every PynamoDB model agrees with its table in templates/region.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from replika.core.audit import AuditRecord
from replika.directory.tables import DirectoryItem
from replika.perizinan.tables import PerizinanItem
from replika.remunerasi.tables import RemItem
from replika.sabilulungan.tables import SabItem
from replika.sakip.tables import MODELS as SAKIP_MODELS
from replika.sakip.tables import SakipItem
from replika.wbs.tables import WbsItem
from replika_infra.release.templates import model_table_spec, table_specs

MODELS: list[tuple[type[Any], str]] = [
    (DirectoryItem, "DirectoryTable"),
    (AuditRecord, "AuditTable"),
    (RemItem, "RemunerasiTable"),
    (WbsItem, "WbsTable"),
    (SakipItem, "SakipTable"),
    (PerizinanItem, "PerizinanTable"),
    (SabItem, "SabilulunganTable"),
]


@pytest.mark.parametrize(("model", "logical_id"), MODELS, ids=[m[1] for m in MODELS])
def test_model_keys_and_indexes_match_template(model: type[Any], logical_id: str) -> None:
    template = table_specs()[logical_id]
    assert model_table_spec(model, logical_id) == template


def test_idempotency_table_has_powertools_schema() -> None:
    spec = table_specs()["IdempotencyTable"]
    assert (spec.hash_key, spec.range_key) == ("id", None)
    assert spec.ttl_attribute == "expiration"


def test_every_remunerasi_entity_shares_the_table_contract() -> None:
    template = table_specs()["RemunerasiTable"]
    subclasses = RemItem.__subclasses__()
    assert len(subclasses) >= 9
    for model in subclasses:
        assert model_table_spec(model, "RemunerasiTable") == template, model.__name__


def test_every_sakip_entity_shares_the_table_contract() -> None:
    template = table_specs()["SakipTable"]
    assert set(SakipItem.__subclasses__()) == set(SAKIP_MODELS) - {SakipItem}
    for model in SAKIP_MODELS:
        assert model_table_spec(model, "SakipTable") == template, model.__name__
