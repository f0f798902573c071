"""Is this the same recipient as an earlier proposal? (not every year, not twice)

Method (pure, deterministic, no I/O):

1. **Exact identifiers.** NIK, legal-body number (AHU/akta), NPWP and bank account are compared as
   keyed digests (HMAC-SHA256 with the region's Sabilulungan secret, computed by the service over
   the digits/letters only, so ``01.234.567.8-429.000`` and ``012345678429000`` are one NPWP). The
   bank account's digest is of the **account number alone** (the bank's name is not part of it:
   ``BJB``/``Bank BJB``/``bank bjb`` cannot make two digests of one account; two banks' accounts
   with the same number only raise a match for staff to look at). A proposal keeps the digests of
   every identity it carried (``Candidate.digests`` holds a set per kind), so changing the
   profile after a draft does not shake off an earlier match. One shared digest is a match,
   whatever the names say.
2. **Name and address.** Both are normalised: ASCII-folded, lower case, punctuation to spaces,
   abbreviations expanded (``yys``/``yys.`` -> ``yayasan``, ``jl``/``jln`` -> ``jalan``, ``gg`` ->
   ``gang``, ``kel``/``kec`` …), filler words dropped (legal forms like ``yayasan``/``perkumpulan``
   from names; ``nomor``, ``kelurahan``, ``kecamatan``, ``rt``/``rw`` labels from addresses), then
   the distinct tokens are **sorted** (so reordered or repeated parts compare equal). The measure
   is a **token-set similarity tolerant of one extra word** (:func:`similarity`): the
   ``difflib.SequenceMatcher.ratio`` (2·matches / total characters, 0..1, tolerates typos) of the
   two sorted token strings, or, when one side has exactly one token more and the shorter side
   keeps at least two tokens, the best ratio with one token of the longer side left out. So
   ``"Yayasan Al Ikhlas Sejahtera Bandung"`` vs ``"Yys. Al-Ikhlas Sejahtera"`` is 1.00 (the
   plain ratio, 0.83, fell below the threshold), while two extra words, or one extra word
   beside a one-word name, still count in full.
   A match needs name similarity >= ``name_threshold`` (default 0.85) **and** address similarity
   >= ``address_threshold`` (default 0.75): a shared address alone (many groups meet at one
   mosque) or a common name alone is not the same recipient.
3. **Window.** Both ways in time: a recipient's proposals of the blocked years before **and after**
   this budget year, and of the same year at any OPD, are candidates; :func:`blocking_grants`
   counts a grant within ``blocked_years`` on either side.

Worked examples (tests/unit/test_sabilulungan_rules.py):
``"Yys. Al-Falah"`` vs ``"Yayasan Al Falah"`` -> names 1.00;
``"Yayasan Nurul Huda"`` vs ``"Yayasan Nurul Hudha"`` (typo) -> 0.95;
``"Yayasan Nurul Huda"`` vs ``"Yayasan Nurul Iman"`` -> 0.70 (different);
``"Jl. Merdeka No. 5, Kel. Citarum, Kec. Bandung Wetan"`` vs
``"Kelurahan Citarum, Bandung Wetan, Jalan Merdeka 5"`` -> addresses 1.00;
``"Yayasan Al Ikhlas Sejahtera Bandung"`` vs ``"Yys. Al-Ikhlas Sejahtera"`` -> names 1.00 (one extra
word); ``"Masjid Al Ikhlas"`` vs ``"Masjid Al Ikhlas Cibiru Bandung"`` -> 0.68 (two extra words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher

ABBREVIATIONS = {
    "yys": "yayasan",
    "yay": "yayasan",
    "perk": "perkumpulan",
    "pkk": "pkk",
    "jl": "jalan",
    "jln": "jalan",
    "gg": "gang",
    "kel": "kelurahan",
    "kec": "kecamatan",
    "kab": "kabupaten",
    "no": "nomor",
    "kp": "kampung",
    "komp": "kompleks",
    "perum": "perumahan",
    "mesjid": "masjid",
    "h": "haji",
    "hj": "hajah",
}
NAME_FILLER = frozenset(
    {"yayasan", "perkumpulan", "lembaga", "badan", "organisasi", "ormas", "pengurus", "the", "dan", "&"}
)
ADDRESS_FILLER = frozenset(
    {"nomor", "kelurahan", "kecamatan", "kota", "kabupaten", "rt", "rw", "desa", "provinsi", "blok"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS_LETTERS = re.compile(r"[^A-Za-z0-9]")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()


def tokens(text: str, filler: frozenset[str]) -> list[str]:
    words = [ABBREVIATIONS.get(w, w) for w in _NON_ALNUM.sub(" ", fold(text)).split()]
    return sorted({w for w in words if w not in filler})


def normal_name(name: str) -> str:
    return " ".join(tokens(name, NAME_FILLER))


def normal_address(address: str) -> str:
    return " ".join(tokens(address, ADDRESS_FILLER))


def identifier_text(value: str) -> str:
    """What an identifier's digest is computed over: ASCII letters and digits, upper case."""
    return _DIGITS_LETTERS.sub("", value).upper()


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def similarity(a: str, b: str) -> Decimal:
    """Token-set similarity of two normalised strings (space-separated sorted tokens), tolerant of
    one extra word: the plain ratio, or with one token of the longer side left out when it has
    exactly one token more and the shorter keeps at least two. Rounded half up to 2 decimals."""
    if not a or not b:
        return Decimal(0)
    best = _ratio(a, b)
    short, long = sorted((a.split(), b.split()), key=len)
    if len(long) == len(short) + 1 and len(short) >= 2:
        shorter = " ".join(short)
        for i in range(len(long)):
            best = max(best, _ratio(" ".join(long[:i] + long[i + 1 :]), shorter))
    return Decimal(str(best)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@dataclass(frozen=True)
class Candidate:
    """A recipient as the matcher sees it: normalised name/address and identifier digests."""

    ref: str  # the proposal id
    name: str  # normalised (normal_name)
    address: str  # normalised (normal_address)
    digests: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> every hex digest
    year: int = 0
    number: str | None = None
    state: str = ""
    amount: int = 0
    opd: str = ""


@dataclass(frozen=True)
class Match:
    other: Candidate
    reasons: tuple[str, ...]  # "nik", "npwp", "legal_body", "bank_account", "name_address"
    name_score: Decimal
    address_score: Decimal


def compare(
    a: Candidate,
    b: Candidate,
    name_threshold: Decimal = Decimal("0.85"),
    address_threshold: Decimal = Decimal("0.75"),
) -> Match | None:
    reasons = sorted(k for k, v in a.digests.items() if v & b.digests.get(k, frozenset()))
    name_score = similarity(a.name, b.name)
    address_score = similarity(a.address, b.address)
    if name_score >= name_threshold and address_score >= address_threshold:
        reasons.append("name_address")
    if not reasons:
        return None
    return Match(b, tuple(reasons), name_score, address_score)


def find_matches(
    subject: Candidate,
    others: Iterable[Candidate],
    name_threshold: Decimal = Decimal("0.85"),
    address_threshold: Decimal = Decimal("0.75"),
) -> list[Match]:
    found = [
        m
        for o in others
        if o.ref != subject.ref and (m := compare(subject, o, name_threshold, address_threshold))
    ]
    return sorted(found, key=lambda m: (-m.other.year, m.other.ref))


def blocking_grants(
    matches: Iterable[Match], year: int, blocked_years: int, granted_states: Iterable[str]
) -> list[Match]:
    """Matches that hold a grant in this budget year or within ``blocked_years`` before or after it
    (a later year's grant approved first counts too): the region's "not every year, not twice"
    rule blocks approval unless the head of region overrides it with a reason."""
    granted = set(granted_states)
    return [m for m in matches if m.other.state in granted and abs(m.other.year - year) <= blocked_years]


def identity_digests(current: dict[str, str], history: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """A proposal's digests for matching: the current identity's and every earlier one's."""
    kinds = set(current) | set(history)
    return {k: frozenset(v for v in [current.get(k), *history.get(k, [])] if v) for k in kinds}
