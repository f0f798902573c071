"""The one-off move of stored months from the single-key layout (``TOT#<period>``, ``RES#<period>``)
to the sharded keys (replika.remunerasi.store.legacy), on the region stack in moto."""

from __future__ import annotations

import pytest

from replika.core.errors import Conflict
from replika.remunerasi import keys
from replika.remunerasi.store import legacy
from replika.remunerasi.store import results as results_store
from replika.remunerasi.store import totals as totals_store
from replika.remunerasi.tables import MonthTotal, PayrollResult, PayrollRun, RunChunk
from replika_infra.payroll_cli import _periods

PERIOD = "2026-07"
NIPS = [f"1985010120100{i:05d}" for i in range(12)]
OPD = {nip: ("32.73.01" if i % 2 else "32.73.02") for i, nip in enumerate(NIPS)}


def _legacy_total(nip: str, minutes: int, **extra: object) -> None:
    MonthTotal(
        keys.legacy_total_pk(PERIOD),
        nip,
        gsi1pk=f"TOTOPD#{PERIOD}#{OPD[nip]}",  # the old index key, as the old code stored it
        gsi1sk=nip,
        nip=nip,
        period=PERIOD,
        opd_code=OPD[nip],
        approved_minutes=minutes,
        d01=minutes,
        **extra,
    ).save()


def _legacy_result(nip: str, generation: int, net: int) -> None:
    PayrollResult(
        keys.legacy_result_pk(PERIOD),
        nip,
        gsi1pk=f"RESOPD#{PERIOD}#{OPD[nip]}",
        gsi1sk=nip,
        period=PERIOD,
        nip=nip,
        generation=generation,
        status="ok",
        opd_code=OPD[nip],
        net=net,
        computed_at="2026-08-01T00:00:00Z",
    ).save()


@pytest.fixture
def legacy_month(region_stack: dict[str, str]) -> None:
    for i, nip in enumerate(NIPS):
        _legacy_total(nip, 100 + i, a02=50, c02="TL1")
        _legacy_result(nip, 2, 1_000_000 + i)


def _old_left() -> int:
    return len(list(MonthTotal.query(keys.legacy_total_pk(PERIOD)))) + len(
        list(PayrollResult.query(keys.legacy_result_pk(PERIOD)))
    )


def test_the_new_code_sees_nothing_under_the_old_keys_until_moved(legacy_month: None) -> None:
    assert totals_store.get(PERIOD, NIPS[0]) is None and results_store.get(PERIOD, NIPS[0]) is None
    moved = legacy.migrate_period(PERIOD)
    assert (moved.totals, moved.totals_merged, moved.results, moved.results_superseded) == (12, 0, 12, 0)
    assert _old_left() == 0
    for i, nip in enumerate(NIPS):
        total = totals_store.get(PERIOD, nip, consistent=True)
        assert total is not None and int(total.approved_minutes) == 100 + i
        assert total.day_minutes() == {1: 100 + i} and total.day_attendance() == {2: (50, "TL1")}
        assert total.gsi1pk == keys.TOTALS.opd_pk(PERIOD, OPD[nip], nip)
        result = results_store.get(PERIOD, nip, consistent=True)
        assert result is not None and (int(result.generation), int(result.net)) == (2, 1_000_000 + i)
    assert sorted(t.sk for t in totals_store.of_period(PERIOD)) == NIPS
    assert sorted(r.nip for r in results_store.of_generation(PERIOD, 2)) == NIPS
    items, _ = results_store.page(PERIOD, "32.73.01", 2, 100, None)
    assert sorted(r.nip for r in items) == [n for n in NIPS if OPD[n] == "32.73.01"]
    # idempotent: a second run finds nothing to move and changes nothing
    again = legacy.migrate_period(PERIOD)
    assert (again.totals, again.totals_merged, again.results, again.results_superseded) == (0, 0, 0, 0)
    kept = totals_store.get(PERIOD, NIPS[3], consistent=True)
    assert kept is not None and int(kept.approved_minutes) == 103


def test_items_written_under_the_new_keys_first_are_merged_not_overwritten(legacy_month: None) -> None:
    """An approval served by the new code before the move: the minutes add up (an approval is in
    exactly one of the two items); the newer attendance wins; a later result generation stays."""
    nip = NIPS[0]
    MonthTotal(
        *keys.TOTALS.key(PERIOD, nip),
        nip=nip,
        period=PERIOD,
        approved_minutes=30,
        d05=30,
        a02=100,
        c02="TL2",
    ).save()
    PayrollResult(
        *keys.RESULTS.key(PERIOD, nip),
        period=PERIOD,
        nip=nip,
        generation=3,
        status="ok",
        net=7,
        computed_at="2026-08-02T00:00:00Z",
    ).save()
    moved = legacy.migrate_period(PERIOD)
    assert (moved.totals, moved.totals_merged, moved.results, moved.results_superseded) == (11, 1, 11, 1)
    total = totals_store.get(PERIOD, nip, consistent=True)
    assert total is not None and int(total.approved_minutes) == 130
    assert total.day_minutes() == {1: 100, 5: 30} and total.day_attendance() == {2: (100, "TL2")}
    assert total.opd_code == OPD[nip] and total.gsi1pk == keys.TOTALS.opd_pk(PERIOD, OPD[nip], nip)
    result = results_store.get(PERIOD, nip, consistent=True)
    assert result is not None and (int(result.generation), int(result.net)) == (3, 7)
    assert _old_left() == 0


def test_a_month_computing_under_the_old_layout_is_refused_and_nothing_moves(legacy_month: None) -> None:
    pk, sk = keys.run_key(PERIOD)
    PayrollRun(
        pk,
        sk,
        period=PERIOD,
        state="computing",
        generation=1,
        total=12,
        chunks=1,
        chunks_done=0,
        done=0,
        failed=0,
    ).save()
    RunChunk(
        pk,
        f"{keys.legacy_chunk_prefix()}1#00000",
        period=PERIOD,
        generation=1,
        number=0,
        nips=NIPS,
        status="pending",
    ).save()
    with pytest.raises(Conflict) as err:
        legacy.migrate_period(PERIOD)
    assert err.value.code == "payroll_computing"
    assert _old_left() == 24 and totals_store.get(PERIOD, NIPS[0]) is None


def test_month_range() -> None:
    assert _periods("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert _periods("2026-03", "2026-03") == ["2026-03"] and _periods("2026-04", "2026-03") == []


def test_the_cli_moves_a_range_of_months_and_refuses_a_bad_month(
    legacy_month: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from replika_infra import payroll_cli
    from replika_infra.cli import main

    monkeypatch.setattr(payroll_cli, "use_stack_environment", lambda *, aws: True)  # the stack is here
    assert main(["payroll", "migrate-keys", "--from", "2026-06", "--to", "2026-07"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "2026-06: 0 month totals moved, 0 merged; 0 results moved, 0 superseded by a later generation",
        "2026-07: 12 month totals moved, 0 merged; 12 results moved, 0 superseded by a later generation",
    ]
    assert _old_left() == 0
    with pytest.raises(SystemExit):
        main(["payroll", "migrate-keys", "--from", "2026-13", "--to", "2026-07"])
