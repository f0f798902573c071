"""TKD rules (DOMAIN.md §1) with worked examples: every expected number is done by hand in the
comments, from the default policy (Kota Bandung: target 6,000 min, cap 100 %, weights 60/40,
BPJS 4 % + 1 %) or a "dynamic" region (target 6,750 min, cap 120 %).

Default class rates used below: kelas 1 = 1,600,000; 2 = 1,750,000; 4 = 2,100,000;
7 = 2,800,000; 8 = 3,100,000; 9 = 3,450,000.
"""

from __future__ import annotations

import random
from datetime import date, time
from decimal import Decimal, localcontext

import pytest

from replika.core.calendar import RegionCalendar
from replika.core.config import LateBand, RemunerasiPolicy
from replika.core.money import to_rupiah
from replika.remunerasi.rules import (
    DayAttendance,
    MinuteEntry,
    OpdTransfer,
    Sentence,
    TkdInput,
    TkdResult,
    classify_day,
    compute_tkd,
    countable_minutes,
    entry_date_problem,
    format_tanggal,
    opd_at_period_end,
    sentence_cut_pct,
    total_deduction_pct,
)

D = Decimal
ZERO = Decimal(0)
DEFAULT = RemunerasiPolicy()
DYNAMIC = RemunerasiPolicy(target_minutes=6750, kinerja_cap_pct=D("120"))
WIB = RegionCalendar("Asia/Jakarta")
PERIOD = "2026-08"  # Aug 2026: Mon 17 Aug Independence Day, Tue 25 Aug Maulid Nabi


def tkd(
    kelas: int,
    minutes: int,
    policy: RemunerasiPolicy = DEFAULT,
    *,
    approved: int | None = None,
    attendance: Decimal = ZERO,
    sentences: tuple[Sentence, ...] = (),
    transfers: tuple[OpdTransfer, ...] = (),
    opd: str = "1.01.01",
) -> TkdResult:
    return compute_tkd(
        TkdInput(
            nip="198001012005011001",
            period=PERIOD,
            kelas=kelas,
            opd_code=opd,
            approved_minutes=minutes if approved is None else approved,
            countable_minutes=minutes,
            attendance_deduction_pct=attendance,
            sentences=sentences,
            transfers=transfers,
        ),
        policy,
    )


def money(r: TkdResult) -> tuple[int, int, int, int, int, int, int]:
    return (r.kinerja, r.disiplin, r.sentence_cut, r.gross, r.bpjs_employer, r.bpjs_employee, r.net)


# =============================================================================================
# 1. Attendance (work 07:30–16:00 by default)
# =============================================================================================

ON_TIME_OUT = time(16, 0)
ON_TIME_IN = time(7, 30)


@pytest.mark.parametrize(
    ("check_in", "codes", "pct", "late"),
    [
        (time(7, 0), (), "0", 0),  # early arrival: nothing
        (time(7, 30), (), "0", 0),  # exactly on time: nothing
        (time(7, 30, 59), (), "0", 0),  # 59 s is not a completed minute
        (time(7, 31), ("TL1",), "0.5", 1),  # 1 min: first minute of TL1
        (time(8, 0), ("TL1",), "0.5", 30),  # 30 min: last minute of TL1
        (time(8, 1), ("TL2",), "1", 31),  # 31 min: TL2
        (time(8, 30), ("TL2",), "1", 60),  # 60 min: still TL2
        (time(8, 31), ("TL3",), "1.25", 61),  # 61 min: TL3
        (time(9, 0), ("TL3",), "1.25", 90),  # 90 min: still TL3
        (time(9, 1), ("TL4",), "1.5", 91),  # 91 min: TL4
        (time(13, 0), ("TL4",), "1.5", 330),  # half a day late: TL4
        (None, ("TL4",), "1.5", 0),  # no check-in (but a check-out): TL4
    ],
)
def test_late_bands_and_edges(check_in: time | None, codes: tuple[str, ...], pct: str, late: int) -> None:
    day = classify_day(check_in, ON_TIME_OUT, DEFAULT)
    assert day == DayAttendance(codes, D(pct), late, 0)


@pytest.mark.parametrize(
    ("check_out", "codes", "pct", "early"),
    [
        (time(17, 30), (), "0", 0),  # staying late: nothing
        (time(16, 0), (), "0", 0),  # exactly at work_end: nothing
        (time(15, 59, 1), (), "0", 0),  # 59 s early is not a completed minute
        (time(15, 59), ("PSW1",), "0.5", 1),  # 1 min early
        (time(15, 30), ("PSW1",), "0.5", 30),  # 30 min: last minute of PSW1
        (time(15, 29), ("PSW2",), "1", 31),  # 31 min
        (time(15, 0), ("PSW2",), "1", 60),  # 60 min
        (time(14, 59), ("PSW3",), "1.25", 61),  # 61 min
        (time(14, 30), ("PSW3",), "1.25", 90),  # 90 min
        (time(14, 29), ("PSW4",), "1.5", 91),  # 91 min
        (None, ("PSW4",), "1.5", 0),  # no check-out (but a check-in): PSW4
    ],
)
def test_early_leave_bands_and_edges(
    check_out: time | None, codes: tuple[str, ...], pct: str, early: int
) -> None:
    day = classify_day(ON_TIME_IN, check_out, DEFAULT)
    assert day == DayAttendance(codes, D(pct), 0, early)


def test_late_and_early_on_the_same_day_add_up() -> None:
    # in 08:15 = 45 min late -> TL2 1 %; out 15:45 = 15 min early -> PSW1 0.5 %; day = 1.5 %
    day = classify_day(time(8, 15), time(15, 45), DEFAULT)
    assert day.codes == ("TL2", "PSW1")
    assert day.deduction_pct == D("1.5")
    assert (day.late_minutes, day.early_minutes) == (45, 15)


def test_no_checkin_and_no_checkout_is_tk_not_tl4_plus_psw4() -> None:
    day = classify_day(None, None, DEFAULT)
    assert day.codes == ("TK",)
    assert day.deduction_pct == D("3")


@pytest.mark.parametrize(
    ("excuse", "letter", "code"),
    [("cuti", False, "CUTI"), ("dinas_luar", False, "DL"), ("sakit", True, "SAKIT")],
)
def test_excused_days_are_not_deducted(excuse: str, letter: bool, code: str) -> None:
    # even with no fingerprint at all, or a late one
    for check_in, check_out in [(None, None), (time(10, 0), time(12, 0))]:
        day = classify_day(
            check_in,
            check_out,
            DEFAULT,
            excuse=excuse,  # type: ignore[arg-type]
            sick_letter=letter,
            leave_approved=True,  # leave counts only with its approval (see the unapproved test)
        )
        assert day == DayAttendance((code,), D(0))


def test_sick_without_letter_is_classified_from_the_times() -> None:
    assert classify_day(None, None, DEFAULT, excuse="sakit").codes == ("TK",)
    assert classify_day(time(8, 1), time(16, 0), DEFAULT, excuse="sakit").codes == ("TL2",)


def test_unknown_excuse_and_impossible_times_are_errors() -> None:
    with pytest.raises(ValueError, match="alasan"):
        classify_day(None, None, DEFAULT, excuse="libur")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="jam pulang"):
        classify_day(time(9, 0), time(8, 0), DEFAULT)


def test_region_bands_with_a_grace_period() -> None:
    # a region forgiving the first 5 minutes and with work from 08:00 to 16:30
    policy = RemunerasiPolicy(
        work_start="08:00",
        work_end="16:30",
        late_bands=[
            LateBand(code="TL1", over_minutes=5, deduction_pct=D("0.5")),
            LateBand(code="TL2", over_minutes=60, deduction_pct=D("1.5")),
        ],
        no_checkin_code="TL2",
    )
    assert classify_day(time(8, 5), time(16, 30), policy).codes == ()  # 5 min: inside grace
    assert classify_day(time(8, 6), time(16, 30), policy).codes == ("TL1",)  # 6 min
    assert classify_day(time(9, 1), time(16, 30), policy).codes == ("TL2",)  # 61 min
    assert classify_day(None, time(16, 30), policy).deduction_pct == D("1.5")
    assert classify_day(time(8, 0), time(16, 0), policy).codes == ("PSW1",)  # 30 min early


def test_month_total_deduction() -> None:
    # TK + TK + (TL2 + PSW1) + on time + CUTI = 3 + 3 + 1 + 0.5 + 0 + 0 = 7.5 %
    days = [
        classify_day(None, None, DEFAULT),
        classify_day(None, None, DEFAULT),
        classify_day(time(8, 15), time(15, 45), DEFAULT),
        classify_day(time(7, 29), time(16, 1), DEFAULT),
        classify_day(None, None, DEFAULT, excuse="cuti", leave_approved=True),
    ]
    assert total_deduction_pct(days) == D("7.5")
    assert total_deduction_pct([]) == D(0)


# =============================================================================================
# 2. Countable minutes (daily cap 300)
# =============================================================================================


def test_daily_cap_and_non_working_days() -> None:
    entries = [
        MinuteEntry(date(2026, 8, 18), 200),  # Tue: 200 + 180 = 380 -> capped 300
        MinuteEntry(date(2026, 8, 18), 180),
        MinuteEntry(date(2026, 8, 19), 250),  # Wed: 250 (under the cap)
        MinuteEntry(date(2026, 8, 22), 240),  # Sat, not overtime: 0
        MinuteEntry(date(2026, 8, 23), 400, overtime_assigned=True),  # Sun overtime: capped 300
        MinuteEntry(date(2026, 8, 17), 120, overtime_assigned=True),  # Independence Day overtime: 120
        MinuteEntry(date(2026, 8, 17), 120),  # same holiday, not overtime: 0
    ]
    got = countable_minutes(entries, WIB, DEFAULT)
    # countable 300 + 250 + 0 + 300 + 120 = 970; approved 380 + 250 + 240 + 400 + 240 = 1,510
    assert got.total == 970
    assert got.approved_total == 1510
    assert [(d.day.day, d.working_day, d.approved_minutes, d.countable_minutes) for d in got.days] == [
        (17, False, 240, 120),
        (18, True, 380, 300),
        (19, True, 250, 250),
        (22, False, 240, 0),
        (23, False, 400, 300),
    ]
    # Example: those 970 minutes for kelas 4 (2,100,000):
    #   kinerja  = 2,100,000 × 60 % × 970/6,000 = 1,260,000 × 0.161666… = 203,700
    #   disiplin = 2,100,000 × 40 % × 1 = 840,000;  gross = 1,043,700
    #   BPJS 4 % = 41,748; 1 % = 10,437; net = 1,043,700 − 10,437 = 1,033,263
    r = tkd(4, got.total, approved=got.approved_total)
    assert money(r) == (203_700, 840_000, 0, 1_043_700, 41_748, 10_437, 1_033_263)
    assert (r.approved_minutes, r.countable_minutes) == (1510, 970)


def test_region_daily_cap_and_overtime_flag_on_a_working_day() -> None:
    policy = RemunerasiPolicy(daily_cap_minutes=450)
    entries = [
        MinuteEntry(date(2026, 8, 18), 300, overtime_assigned=True),  # the flag changes nothing
        MinuteEntry(date(2026, 8, 18), 200),  # 500 -> capped 450
    ]
    assert countable_minutes(entries, WIB, policy).total == 450
    assert countable_minutes(entries, WIB, DEFAULT).total == 300
    assert countable_minutes([], WIB, DEFAULT).total == 0
    with pytest.raises(ValueError, match="negatif"):
        countable_minutes([MinuteEntry(date(2026, 8, 18), -1)], WIB, DEFAULT)


# =============================================================================================
# 3. The monthly formula: worked examples
# =============================================================================================


def test_ex1_exact_target_default_policy() -> None:
    # kelas 9 = 3,450,000; 6,000 of 6,000 minutes; no deduction
    #   kinerja  = 3,450,000 × 60 % × 1 = 2,070,000
    #   disiplin = 3,450,000 × 40 % × 1 = 1,380,000;  gross = 3,450,000
    #   BPJS employer 4 % = 138,000; employee 1 % = 34,500; net = 3,415,500
    r = tkd(9, 6000)
    assert r.base == 3_450_000
    assert r.kinerja_ratio == D("1.0000")
    assert money(r) == (2_070_000, 1_380_000, 0, 3_450_000, 138_000, 34_500, 3_415_500)


#: Examples 2-6: (kelas, approved minutes, policy, kinerja ratio, (kinerja, disiplin, sentence cut,
#: gross, BPJS employer, BPJS employee, net)).
MONTHLY_EXAMPLES = [
    # ex2: kelas 7 = 2,800,000; 7,500 minutes: 7,500/6,000 = 1.25 -> capped at 1.00
    #   kinerja = 2,800,000 × 60 % × 1 = 1,680,000; disiplin = 1,120,000; gross = 2,800,000
    #   BPJS 112,000 / 28,000; net = 2,772,000
    (7, 7500, DEFAULT, "1.0000", (1_680_000, 1_120_000, 0, 2_800_000, 112_000, 28_000, 2_772_000)),
    # ex3: same 7,500 minutes, target 6,750, cap 120 %: ratio 7,500/6,750 = 10/9 = 1.1111… (< 1.2)
    #   kinerja = 1,680,000 × 10/9 = 1,866,666.67 -> 1,866,667
    #   disiplin = 1,120,000; gross = 2,986,667
    #   BPJS 4 % = 119,466.68 -> 119,467; 1 % = 29,866.67 -> 29,867; net = 2,956,800
    (7, 7500, DYNAMIC, "1.1111", (1_866_667, 1_120_000, 0, 2_986_667, 119_467, 29_867, 2_956_800)),
    # ex4: 9,000 minutes / 6,750 = 1.333… -> capped at 1.2
    #   kinerja = 1,680,000 × 1.2 = 2,016,000; disiplin = 1,120,000; gross = 3,136,000
    #   BPJS 125,440 / 31,360; net = 3,104,640
    (7, 9000, DYNAMIC, "1.2000", (2_016_000, 1_120_000, 0, 3_136_000, 125_440, 31_360, 3_104_640)),
    # ex5: kelas 8 = 3,100,000; 6,000 / 6,750 = 8/9 = 0.8888…
    #   kinerja = 3,100,000 × 60 % × 8/9 = 1,860,000 × 8/9 = 1,653,333.33 -> 1,653,333
    #   disiplin = 1,240,000; gross = 2,893,333
    #   BPJS 4 % = 115,733.32 -> 115,733; 1 % = 28,933.33 -> 28,933; net = 2,864,400
    (8, 6000, DYNAMIC, "0.8889", (1_653_333, 1_240_000, 0, 2_893_333, 115_733, 28_933, 2_864_400)),
    # ex6: kelas 1 = 1,600,000; nothing approved: kinerja 0, disiplin = 640,000 = gross
    #   BPJS 25,600 / 6,400; net = 633,600
    (1, 0, DEFAULT, "0.0000", (0, 640_000, 0, 640_000, 25_600, 6_400, 633_600)),
]
MONTHLY_IDS = ["ex2_capped_at_100", "ex3_dynamic_region", "ex4_dynamic_capped", "ex5_under", "ex6_zero"]


@pytest.mark.parametrize(
    ("kelas", "minutes", "policy", "ratio", "amounts"), MONTHLY_EXAMPLES, ids=MONTHLY_IDS
)
def test_monthly_examples(
    kelas: int, minutes: int, policy: RemunerasiPolicy, ratio: str, amounts: tuple[int, ...]
) -> None:
    r = tkd(kelas, minutes, policy)
    assert r.kinerja_ratio == D(ratio)
    assert money(r) == amounts


def test_ex7_attendance_deductions_cut_only_the_disiplin_part() -> None:
    # the month of test_month_total_deduction: 7.5 %; kelas 9, 6,000 minutes
    #   kinerja  = 2,070,000
    #   disiplin = 3,450,000 × 40 % × (1 − 0.075) = 1,380,000 × 0.925 = 1,276,500
    #   gross = 3,346,500; BPJS 4 % = 133,860; 1 % = 33,465; net = 3,313,035
    r = tkd(9, 6000, attendance=D("7.5"))
    assert r.attendance_deduction_pct == D("7.5")
    assert money(r) == (2_070_000, 1_276_500, 0, 3_346_500, 133_860, 33_465, 3_313_035)


def test_ex8_attendance_over_100_percent_floors_disiplin_at_zero() -> None:
    # 35 TK days would be 105 %: max(0, 1 − 1.05) = 0 -> disiplin 0 (never negative)
    #   kelas 1, 3,000 minutes: kinerja = 960,000 × 0.5 = 480,000 = gross
    #   BPJS 19,200 / 4,800; net = 475,200
    r = tkd(1, 3000, attendance=D("105"))
    assert money(r) == (480_000, 0, 0, 480_000, 19_200, 4_800, 475_200)


def test_ex9_heavy_sentence_40_percent() -> None:
    # kelas 9, 6,000 minutes, a heavy sentence (berat 40 %) running June–September; an older
    # light one ended in July (not active in August) and a medium one overlapping: heaviest wins
    #   kinerja + disiplin = 3,450,000; gross = 3,450,000 × (1 − 0.40) = 2,070,000
    #   sentence cut = 1,380,000; BPJS 4 % = 82,800; 1 % = 20,700; net = 2,049,300
    sentences = (
        Sentence("ringan", date(2026, 1, 1), date(2026, 7, 31)),
        Sentence("sedang", date(2026, 8, 31)),
        Sentence("berat", date(2026, 6, 15), date(2026, 9, 14)),
    )
    r = tkd(9, 6000, sentences=sentences)
    assert r.sentence_cut_pct == D("40")
    assert money(r) == (2_070_000, 1_380_000, 1_380_000, 2_070_000, 82_800, 20_700, 2_049_300)
    assert r.kinerja + r.disiplin == r.gross + r.sentence_cut


def test_ex10_bpjs_half_rupiah_rounds_up() -> None:
    # kelas 2 = 1,750,000; 4,002 minutes
    #   kinerja  = 1,750,000 × 60 % × 4,002/6,000 = 175 × 4,002 = 700,350 (exact)
    #   disiplin = 700,000; gross = 1,400,350
    #   BPJS employer 4 % = 56,014 (exact); employee 1 % = 14,003.5 -> 14,004 (half up)
    #   net = 1,400,350 − 14,004 = 1,386,346
    r = tkd(2, 4002)
    assert money(r) == (700_350, 700_000, 0, 1_400_350, 56_014, 14_004, 1_386_346)


def test_ex11_sentence_tie_rounds_gross_up_and_the_cut_is_the_remainder() -> None:
    # kelas 2, 3,001 minutes, a medium sentence (sedang 30 %)
    #   kinerja = 175 × 3,001 = 525,175; disiplin = 700,000; sum = 1,225,175
    #   gross = 1,225,175 × 70 % = 857,622.5 -> 857,623 (half up)
    #   cut   = 1,225,175 − 857,623 = 367,552 (the exact 367,552.5 goes down: the slip adds up)
    #   BPJS 4 % = 34,304.92 -> 34,305; 1 % = 8,576.23 -> 8,576; net = 849,047
    r = tkd(2, 3001, sentences=(Sentence("sedang", date(2026, 8, 1), date(2026, 8, 31)),))
    assert money(r) == (525_175, 700_000, 367_552, 857_623, 34_305, 8_576, 849_047)


def test_ex12_mid_month_transfer_between_opds() -> None:
    # kelas 8 = 3,100,000; 3,000 minutes approved in OPD A (1–14 Aug) and 3,300 in OPD B (from
    # 18 Aug): 6,300 count together. Default: 6,300/6,000 -> capped 1.0
    #   kinerja = 1,860,000; disiplin = 1,240,000; gross = 3,100,000; BPJS 124,000 / 31,000;
    #   net = 3,069,000, paid on OPD B's sheet (the OPD of 31 Aug)
    move = (OpdTransfer(date(2026, 8, 18), "OPD-B"),)
    r = tkd(8, 3000 + 3300, transfers=move, opd="OPD-A")
    assert r.opd_code == "OPD-B"
    assert money(r) == (1_860_000, 1_240_000, 0, 3_100_000, 124_000, 31_000, 3_069_000)
    # dynamic region: 6,300/6,750 = 14/15 = 0.9333…
    #   kinerja = 1,860,000 × 14/15 = 1,736,000; gross = 2,976,000; BPJS 119,040 / 29,760;
    #   net = 2,946,240
    r = tkd(8, 6300, DYNAMIC, transfers=move, opd="OPD-A")
    assert (r.opd_code, r.kinerja_ratio) == ("OPD-B", D("0.9333"))
    assert money(r) == (1_736_000, 1_240_000, 0, 2_976_000, 119_040, 29_760, 2_946_240)


def test_transfer_rules_for_the_period_end() -> None:
    moves = (OpdTransfer(date(2026, 8, 10), "B"), OpdTransfer(date(2026, 8, 31), "C"))
    assert opd_at_period_end("A", moves, PERIOD) == "C"  # effective on the last day counts
    assert opd_at_period_end("A", (OpdTransfer(date(2026, 9, 1), "B"),), PERIOD) == "A"  # next month
    assert opd_at_period_end("A", (), PERIOD) == "A"
    assert opd_at_period_end("A", tuple(reversed(moves)), PERIOD) == "C"  # order does not matter


def test_ex13_excused_days_keep_the_full_disiplin_part() -> None:
    # 19 working days in Aug 2026: 3 days cuti, 2 dinas luar, 1 sakit with a letter, the rest on
    # time -> 0 %; kelas 7, 6,000 minutes -> the full 2,800,000 (as in ex2), net 2,772,000
    days = (
        [classify_day(None, None, DEFAULT, excuse="cuti", leave_approved=True)] * 3
        + [classify_day(None, None, DEFAULT, excuse="dinas_luar")] * 2
        + [classify_day(None, None, DEFAULT, excuse="sakit", sick_letter=True)]
        + [classify_day(ON_TIME_IN, ON_TIME_OUT, DEFAULT)] * 13
    )
    att = total_deduction_pct(days)
    assert att == D(0)
    full = (1_680_000, 1_120_000, 0, 2_800_000, 112_000, 28_000, 2_772_000)
    assert money(tkd(7, 6000, attendance=att)) == full


def test_ex14_everything_at_once_dynamic_region() -> None:
    # kelas 9 = 3,450,000; 7,000 min / 6,750 = 28/27 = 1.037037… (< 1.2); attendance 2.25 %
    # (TL3 1.25 + TL2 1); a light sentence ringan 20 %
    #   kinerja  = 2,070,000 × 28/27 = 2,146,666.67 -> 2,146,667
    #   disiplin = 1,380,000 × 0.9775 = 1,348,950
    #   sum = 3,495,617; gross = 3,495,617 × 0.8 = 2,796,493.6 -> 2,796,494; cut = 699,123
    #   BPJS 4 % = 111,859.76 -> 111,860; 1 % = 27,964.94 -> 27,965; net = 2,768,529
    r = tkd(9, 7000, DYNAMIC, attendance=D("2.25"), sentences=(Sentence("ringan", date(2026, 8, 3)),))
    assert r.kinerja_ratio == D("1.0370")
    assert money(r) == (2_146_667, 1_348_950, 699_123, 2_796_494, 111_860, 27_965, 2_768_529)


def test_explicit_sentence_pct_and_unknown_level() -> None:
    # a region's 100 % cut, given explicitly: gross 0, nothing withheld
    full = (Sentence("pemberhentian", date(2026, 8, 1), cut_pct=D("100")),)
    r = tkd(9, 6000, sentences=full)
    assert (r.sentence_cut, r.gross, r.net) == (3_450_000, 0, 0)
    assert sentence_cut_pct((), PERIOD, DEFAULT) == D(0)
    with pytest.raises(ValueError, match="tidak dikenal"):
        sentence_cut_pct((Sentence("aneh", date(2026, 8, 1)),), PERIOD, DEFAULT)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        sentence_cut_pct((Sentence("x", date(2026, 8, 1), cut_pct=D("101")),), PERIOD, DEFAULT)


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(ValueError, match="kelas jabatan 18"):
        tkd(18, 6000)
    with pytest.raises(ValueError, match="melebihi"):
        tkd(9, 6000, approved=5000)
    with pytest.raises(ValueError, match="negatif"):
        tkd(9, -1, approved=0)
    with pytest.raises(ValueError, match="negatif"):
        tkd(9, 6000, attendance=D("-1"))
    with pytest.raises(ValueError, match="YYYY-MM"):
        compute_tkd(TkdInput("1", "2026-8", 9, "X", 0, 0), DEFAULT)


def _reference(inp: TkdInput, policy: RemunerasiPolicy) -> tuple[int, ...]:
    """The formula written the obvious way with Decimal (60 digits), for cross-checking."""
    with localcontext() as ctx:
        ctx.prec = 60
        base = D(policy.class_rates[inp.kelas])
        ratio = min(D(inp.countable_minutes) / policy.target_minutes, policy.kinerja_cap_pct / 100)
        kinerja = to_rupiah(base * policy.w_kinerja_pct / 100 * ratio)
        keep = max(D(0), 1 - inp.attendance_deduction_pct / 100)
        disiplin = to_rupiah(base * policy.w_disiplin_pct / 100 * keep)
        cut = sentence_cut_pct(inp.sentences, inp.period, policy)
        gross = to_rupiah((kinerja + disiplin) * (1 - cut / 100))
        er = to_rupiah(gross * policy.bpjs_employer_pct / 100)
        ee = to_rupiah(gross * policy.bpjs_employee_pct / 100)
        return (kinerja, disiplin, kinerja + disiplin - gross, gross, er, ee, gross - ee)


@pytest.mark.parametrize("policy", [DEFAULT, DYNAMIC], ids=["default", "dynamic"])
def test_integer_arithmetic_matches_a_decimal_reference(policy: RemunerasiPolicy) -> None:
    rnd = random.Random(7)
    att_choices = [D(x) for x in ("0", "0.5", "1.25", "2.75", "3", "10.5", "99.75", "120")]
    levels = ["ringan", "sedang", "berat"]
    for i in range(2000):
        minutes = rnd.randint(0, 9000)
        sentences = (Sentence(rnd.choice(levels), date(2026, 8, 1)),) if i % 5 == 0 else ()
        inp = TkdInput(
            nip=str(i),
            period=PERIOD,
            kelas=rnd.randint(1, 17),
            opd_code="X",
            approved_minutes=minutes,
            countable_minutes=minutes,
            attendance_deduction_pct=rnd.choice(att_choices),
            sentences=sentences,
        )
        assert money(compute_tkd(inp, policy)) == _reference(inp, policy), inp


def test_policy_with_fractional_weights_and_bpjs() -> None:
    # w_kinerja 62.5 %, w_disiplin 37.5 %, BPJS 3.25 % / 0.75 %; kelas 1 = 1,600,000, 6,000 min
    #   kinerja = 1,600,000 × 0.625 = 1,000,000; disiplin = 600,000; gross = 1,600,000
    #   BPJS 52,000 / 12,000; net = 1,588,000
    policy = RemunerasiPolicy(
        w_kinerja_pct=D("62.5"),
        w_disiplin_pct=D("37.5"),
        bpjs_employer_pct=D("3.25"),
        bpjs_employee_pct=D("0.75"),
    )
    assert money(tkd(1, 6000, policy)) == (1_000_000, 600_000, 0, 1_600_000, 52_000, 12_000, 1_588_000)


# =============================================================================================
# 4. Back-dating of entries, WIB calendar
# =============================================================================================


def test_backdating_across_independence_day() -> None:
    today = date(2026, 8, 24)  # Monday; 5 working days back: 21, 20, 19, 18, (17 holiday) 14
    assert entry_date_problem(date(2026, 8, 24), today, WIB, DEFAULT, ()) is None  # today
    assert entry_date_problem(date(2026, 8, 14), today, WIB, DEFAULT, ()) is None  # the limit
    assert entry_date_problem(date(2026, 8, 17), today, WIB, DEFAULT, ()) is None  # holiday overtime
    problem = entry_date_problem(date(2026, 8, 13), today, WIB, DEFAULT, ())
    assert problem == (
        "Kegiatan hanya dapat diisi mundur paling lama 5 hari kerja (paling awal tanggal 14 Agustus 2026)."
    )
    assert entry_date_problem(date(2026, 8, 25), today, WIB, DEFAULT, ()) == (
        "Tanggal kegiatan tidak boleh melewati hari ini."
    )


def test_backdating_across_maulid_nabi_and_a_weekend() -> None:
    today = date(2026, 8, 31)  # Monday; back: 28, 27, 26, (25 Maulid Nabi) 24, (22–23 weekend) 21
    assert entry_date_problem(date(2026, 8, 21), today, WIB, DEFAULT, ()) is None
    assert entry_date_problem(date(2026, 8, 20), today, WIB, DEFAULT, ()) is not None
    # dynamic region allows only 2 working days back: 28, 27
    strict = RemunerasiPolicy(backdate_working_days=2)
    assert entry_date_problem(date(2026, 8, 27), today, WIB, strict, ()) is None
    assert "2 hari kerja" in (entry_date_problem(date(2026, 8, 26), today, WIB, strict, ()) or "")


def test_backdating_into_a_locked_period() -> None:
    today = date(2026, 8, 3)  # Monday; 5 working days back reaches Mon 27 Jul
    assert entry_date_problem(date(2026, 7, 28), today, WIB, DEFAULT, ()) is None
    assert entry_date_problem(date(2026, 7, 28), today, WIB, DEFAULT, ["2026-07"]) == (
        "Periode 2026-07 sudah dikunci; kegiatan tidak dapat ditambah atau diubah."
    )
    # the locked message wins over the back-dating one
    assert "dikunci" in (entry_date_problem(date(2026, 7, 1), today, WIB, DEFAULT, {"2026-07"}) or "")
    assert entry_date_problem(date(2026, 8, 3), today, WIB, DEFAULT, ["2026-07"]) is None


def test_backdate_zero_allows_only_today() -> None:
    policy = RemunerasiPolicy(backdate_working_days=0)
    today = date(2026, 8, 22)  # a Saturday: today itself is fine (overtime), yesterday is not
    assert entry_date_problem(today, today, WIB, policy) is None
    assert entry_date_problem(date(2026, 8, 21), today, WIB, policy) is not None
    assert format_tanggal(date(2026, 1, 5)) == "5 Januari 2026"
