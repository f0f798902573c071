"""Open data (no token, cacheable): a proposal's stage, the year's recipients and the yearly
summary. Everything here is read from the public projections (``store.public_view``), which
never hold a NIK, a bank account or a personal address."""

from __future__ import annotations

import csv
import hashlib
import io

from replika.core import storage
from replika.core.tabular import safe_cell
from replika.sabilulungan import store
from replika.sabilulungan.models import (
    PublicProposal,
    PublicRecipient,
    RecipientPage,
    StageOut,
    SummaryOut,
    SummaryRow,
)

CSV_COLUMNS = list(PublicRecipient.model_fields)


def proposal(number: str) -> PublicProposal:
    data = store.public_proposal(number)
    return PublicProposal(
        number=data["number"],
        kind=data["kind"],
        year=data["year"],
        stage=data["stage"],
        stages=[StageOut.model_validate(s) for s in data["stages"]],
    )


def recipients(year: int, limit: int, cursor: str | None) -> RecipientPage:
    items, nxt = store.recipients(year, limit, cursor)
    return RecipientPage(items=[PublicRecipient.model_validate(i) for i in items], next_cursor=nxt)


def recipients_csv(year: int) -> str:
    items, _ = store.recipients(year, None, None)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for item in items:
        row = PublicRecipient.model_validate(item).model_dump()
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buf.getvalue()


#: A CSV larger than this is not answered inline (Lambda's response limit is 6 MB, with headers and
#: the API Gateway envelope): it is written to the documents bucket and answered with a 303 to a
#: presigned GET link.
CSV_INLINE_LIMIT = 5 * 1024 * 1024
CSV_LINK_SECONDS = 900  # outlives the public cache (300 s) of the redirect


def recipients_download(year: int, inline_limit: int | None = None) -> tuple[str | None, str | None]:
    """The year's CSV: ``(body, None)`` when it fits ``inline_limit`` bytes (default
    :data:`CSV_INLINE_LIMIT`), else ``(None, url)``: stored under ``sabilulungan/public/`` (nothing
    personal in it) and linked for :data:`CSV_LINK_SECONDS`."""
    text = recipients_csv(year)
    data = text.encode("utf-8")
    if len(data) <= (CSV_INLINE_LIMIT if inline_limit is None else inline_limit):
        return text, None
    digest = hashlib.sha256(data).hexdigest()[:16]  # same content, same object
    key = f"sabilulungan/public/penerima-{year}-{digest}.csv"
    storage.put_bytes(key, data, "text/csv; charset=utf-8")
    url = storage.presign_download(key, filename=f"penerima-{year}.csv", expires=CSV_LINK_SECONDS)
    return None, url


def summary() -> SummaryOut:
    rows = [
        SummaryRow(
            year=int(b.year or 0),
            budget_ceiling=int(b.ceiling) if b.ceiling is not None else None,
            realised=int(b.disbursed or 0),
            recipients_paid=int(b.recipients_paid or 0),
            recipients_reported=int(b.recipients_reported or 0),
        )
        for b in store.budgets()
    ]
    return SummaryOut(years=sorted(rows, key=lambda r: r.year))
