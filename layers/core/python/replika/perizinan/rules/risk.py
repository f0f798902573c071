"""Risk and the report-only path (DOMAIN.md §3; every number is region policy).

Capital counts without land and buildings: ``capital = capital_total - land_buildings_value``.
A business whose capital is *strictly below* ``report_only_capital_below`` and whose risk is one
of ``report_only_risks`` only reports: it is registered at once, without review.

Worked examples with Bandung's defaults (threshold Rp 500,000,000; report-only risk ``rendah``;
KBLI 47xxx retail is ``rendah``):

- total Rp 499,999,999, no land  -> capital 499,999,999 -> report only;
- total Rp 500,000,000           -> capital 500,000,000 -> staged review (not below);
- total Rp 500,000,001           -> staged review;
- total Rp 900,000,000 of which land and buildings Rp 400,000,001 -> capital 499,999,999 -> report
  only;
- KBLI 41011 (building construction, ``menengah-tinggi``) with Rp 10 juta -> staged review.
"""

from __future__ import annotations

from replika.core.config import RISK_LEVELS, PerizinanPolicy
from replika.core.errors import ValidationFailed


def business_capital(capital_total: int, land_buildings_value: int) -> int:
    """Capital for the threshold: the total minus land and buildings (both int rupiah)."""
    if capital_total < 0 or land_buildings_value < 0:
        raise ValidationFailed("Nilai modal tidak boleh negatif.", code="invalid_capital")
    if land_buildings_value > capital_total:
        raise ValidationFailed(
            "Nilai tanah dan bangunan melebihi total modal.",
            code="invalid_capital",
            details={"capital_total": capital_total, "land_buildings_value": land_buildings_value},
        )
    return capital_total - land_buildings_value


def risk_of(kbli: str, capital: int, policy: PerizinanPolicy) -> str:
    """The region's risk for a KBLI code and capital: the longest matching prefix's rules, the
    highest ``capital_from`` not above the capital; no match -> ``policy.default_risk``."""
    matching = [r for r in policy.risk_rules if kbli.startswith(r.kbli_prefix) and r.capital_from <= capital]
    if not matching:
        return policy.default_risk
    best = max(matching, key=lambda r: (len(r.kbli_prefix), r.capital_from))
    return best.risk


def risk_for_type(fixed_risk: str | None, kbli: str, capital: int, policy: PerizinanPolicy) -> str:
    """A permit type's fixed risk, or the region's mapping of the business's KBLI and capital."""
    if fixed_risk is not None:
        if fixed_risk not in RISK_LEVELS:
            raise ValidationFailed(f"Tingkat risiko {fixed_risk!r} tidak dikenal.", code="invalid_risk")
        return fixed_risk
    return risk_of(kbli, capital, policy)


def is_report_only(capital: int, risk: str, policy: PerizinanPolicy) -> bool:
    """Capital strictly below the threshold and a report-only risk."""
    return capital < policy.report_only_capital_below and risk in policy.report_only_risks
