"""Every key string of the perizinan table: built here and nowhere else."""

from __future__ import annotations

import hashlib

DUE_SHARDS = 4

CATALOGUE = "CATALOGUE"
CURRENT = "CURRENT"
APP = "APP"
PERMIT = "PERMIT"
PROFILE = "PROFILE"
RECEIPT = "RECEIPT"
STATS_AGGREGATE = "AGG#"
#: the head of DPMPTSP's escalation queue (gsi2): escalated applications by total due date
ESCALATED = "ESCALATED"


def type_pk(code: str) -> str:
    return f"TYPE#{code}"


def version_sk(version: int) -> str:
    return f"V#{version:05d}"


def app_pk(number: str) -> str:
    return f"APP#{number}"


def owner_pk(subject: str) -> str:
    return f"OWNER#{subject}"


def queue_pk(role: str, opd: str | None = None) -> str:
    return f"QUEUE#{role}#{opd}" if opd else f"QUEUE#{role}"


def dated_sk(day: str, number: str) -> str:
    return f"{day}#{number}"


def due_shard(number: str) -> int:
    return hashlib.sha256(number.encode()).digest()[0] % DUE_SHARDS


def due_pk(shard: int) -> str:
    return f"DUE#{shard}"


def permit_pk(number: str) -> str:
    return f"PERMIT#{number}"


def code_pk(verify_code: str) -> str:
    return f"CODE#{verify_code}"


def profile_pk(subject: str) -> str:
    return f"APPLICANT#{subject}"


def stats_pk(year: int) -> str:
    return f"STATS#{year}"


def stats_sk(type_code: str, shard: int) -> str:
    """One aggregate item per type, year and shard: every counter of the type is an attribute
    named :data:`STAT_PREFIX` + the metric (``c_decided``, ``c_days#005``, ``c_skm#waktu``)."""
    return f"{STATS_AGGREGATE}{type_code}#{shard}"


STAT_PREFIX = "c_"


def document_sk(code: str) -> str:
    """An applicant's latest upload of a document code (their document library)."""
    return f"DOC#{code}"


def upload_prefix(*, subject: str | None = None, code: str = "", number: str = "", stage: str = "") -> str:
    """Where uploads go in the documents bucket: an applicant's document ``code`` (under a hash of
    their subject) or an application's site-visit files of one stage (photos, berita acara)."""
    if subject is not None:
        return f"perizinan/applicants/{hashlib.sha256(subject.encode()).hexdigest()[:32]}/{code}"
    return f"perizinan/visits/{number}/{stage}"


def permit_document_key(number: str, stamp: str | None = None) -> str:
    """The permit PDF as issued, or stamped (``revoked``, ``expired``): never the same object."""
    return f"perizinan/permits/{number}.pdf" if stamp is None else f"perizinan/permits/{number}-{stamp}.pdf"


SURVEY = "SURVEY"


def feed_pk(day: str) -> str:
    return f"FEED#{day}"


def feed_sk(at: str, number: str, version: int) -> str:
    """Unique per change (the application's version), in time order, an application's in order."""
    return f"{at}#{number}#{version:05d}"


def seq_pk(prefix: str, type_code: str, kecamatan: str, day: str) -> str:
    return f"SEQ#{prefix}#{type_code}#{kecamatan}#{day}"


def receipt_pk(receipt_number: str) -> str:
    """One item per receipt number (case-insensitive): a receipt pays one application only."""
    return f"RECEIPT#{receipt_number.strip().upper()}"
