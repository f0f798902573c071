"""Public statistics per permit type and year, and the community satisfaction index (SKM/IKM).

Counters, not scans: each application adds to a few counters of its type and submission year when
it is submitted and when it is first decided (:func:`decision_counters`); the public page sums
them. The median comes from the histogram of working days to decision, so it is exact.

**Working days to decision** = working days from submission to the decision (region calendar),
minus the days the clock stood still while the application was returned to the applicant; a
report-only registration is decided on the day: 0. **Within SLA**: that figure is at most the
type's total SLA (the sum of its stages' working days). Fiktif positif counts as decided (late).

**SKM** (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): nine service elements, each answered
1..4. Per element the mean (NRR) over the responses; the index IKM = (sum of the nine NRR x 1/9)
x 25, from 25 to 100, rounded half up to 2 decimals at the end. Grades: A 88.31-100, B
76.61-88.30, C 65.00-76.60, D 25.00-64.99.

Worked examples (tests/unit/test_perizinan_stats.py): days {2: 1, 5: 2, 9: 1} -> median 5;
{2: 1, 5: 1} -> 3.5. Two responses, all 4s and all 3s -> NRR 3.5 each -> IKM 87.50 (B); all
4s -> 100.00 (A).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

#: the nine SKM service elements (PermenPANRB 14/2017), in the order of the answers
SKM_ELEMENTS = (
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "pengaduan",
    "sarana",
)
SKM_GRADES = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"), (Decimal("65.00"), "C"), (Decimal("25"), "D"))


def median_of_histogram(histogram: Mapping[int, int]) -> Decimal | None:
    """The median of values given as ``value -> count`` (the mean of the two middle values for an
    even count); ``None`` without values."""
    total = sum(c for c in histogram.values() if c > 0)
    if total == 0:
        return None
    ordered = sorted((v, c) for v, c in histogram.items() if c > 0)

    def nth(k: int) -> int:  # the k-th value (0-based) in sorted order
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return value
        raise IndexError(k)

    if total % 2:
        return Decimal(nth(total // 2))
    return (Decimal(nth(total // 2 - 1)) + Decimal(nth(total // 2))) / 2


def share_pct(part: int, whole: int) -> Decimal | None:
    """``part / whole`` in percent, half up to 2 decimals; ``None`` when ``whole`` is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def skm_index(element_sums: Sequence[int], responses: int) -> Decimal | None:
    """IKM (25..100) from the per-element sums of ``responses`` answers; ``None`` without any."""
    if responses <= 0:
        return None
    if len(element_sums) != len(SKM_ELEMENTS):
        raise ValueError(f"SKM has {len(SKM_ELEMENTS)} elements")
    nrr = [Decimal(s) / Decimal(responses) for s in element_sums]
    return (sum(nrr, Decimal(0)) / len(SKM_ELEMENTS) * 25).quantize(Decimal("0.01"), ROUND_HALF_UP)


def skm_grade(index: Decimal | None) -> str | None:
    if index is None:
        return None
    return next(grade for floor, grade in SKM_GRADES if index >= floor)


def decision_counters(
    *, days: int, total_sla: int | None, issued: bool, fiktif_positif: bool
) -> dict[str, int]:
    """What one first decision adds to its type's counters: decided, the day histogram bucket,
    within SLA (no SLA: report-only, decided on the day), issued, fiktif positif."""
    out = {"decided": 1, f"days#{days:03d}": 1}
    if not fiktif_positif and (total_sla is None or days <= total_sla):
        out["within_sla"] = 1
    if issued:
        out["issued"] = 1
    if fiktif_positif:
        out["fiktif_positif"] = 1
    return out
