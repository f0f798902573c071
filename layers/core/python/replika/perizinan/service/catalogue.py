"""The catalogue: permit types managed by DPMPTSP, every change a new immutable version.

An application records the version it was submitted under and is always read against it.
"""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from replika.core.auth import Principal
from replika.core.pagination import Page
from replika.perizinan import store
from replika.perizinan.models import CatalogueImportOut, PermitTypeIn, PermitTypeOut
from replika.perizinan.rules import forms
from replika.perizinan.service.common import now_iso, stream
from replika.perizinan.tables import PerizinanItem


def _out(item: PerizinanItem) -> PermitTypeOut:
    return PermitTypeOut.model_validate({**(item.data or {}), "version": int(item.version or 0)})


def save_type(body: PermitTypeIn, principal: Principal, request_id: str | None) -> PermitTypeOut:
    """A new version of the type (version 1 when new); conditional on the version read."""
    forms.check_schema(body.form_schema)
    current = store.current_type(body.code)
    previous = int(current.version or 0) if current is not None else 0
    version = previous + 1
    at = now_iso()
    data: dict[str, Any] = {**body.model_dump(mode="json"), "created_at": at}
    frozen, pointer = store.type_items(body.code, version, data, at)

    def write(tx: TransactWrite) -> None:
        store.save_new(tx, frozen)
        if current is None:
            store.save_new(tx, pointer)
        else:
            store.save_versioned(tx, pointer, previous)

    store.write(
        stream("catalogue"),
        write,
        actor=principal.actor,
        action="catalogue.version",
        subject=f"perizinan-type#{body.code}",
        after={"version": version, "fee": body.fee},
        request_id=request_id,
    )
    return _out(pointer)


def import_types(
    types: list[PermitTypeIn], principal: Principal, request_id: str | None
) -> CatalogueImportOut:
    """Each type of a JSON import becomes a new version (one transaction per type); every form
    schema is checked first, so a bad one saves nothing."""
    for t in types:
        forms.check_schema(t.form_schema)
    versions = {t.code: save_type(t, principal, request_id).version for t in types}
    return CatalogueImportOut(versions=versions)


def import_csv(raw: bytes, principal: Principal, request_id: str | None) -> CatalogueImportOut:
    """The CSV layout of :mod:`replika.perizinan.rules.catalogue_csv`: every row is checked (and
    every type validated) before anything is saved; then as :func:`import_types`."""
    from pydantic import ValidationError

    from replika.core.errors import ValidationFailed
    from replika.perizinan.rules import catalogue_csv

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("Berkas CSV harus UTF-8.", code="invalid_csv") from exc
    try:
        bodies = catalogue_csv.parse(text)
    except catalogue_csv.CsvProblems as exc:
        raise ValidationFailed(
            "CSV katalog tidak valid.", code="invalid_csv", details={"problems": exc.problems}
        ) from exc
    types, problems = [], []
    for body in bodies:
        try:
            types.append(PermitTypeIn.model_validate(body))
        except ValidationError as exc:
            problems += [
                {"type": body["code"], "field": ".".join(map(str, e["loc"])), "problem": e["msg"]}
                for e in exc.errors()
            ]
    if problems:
        raise ValidationFailed("CSV katalog tidak valid.", code="invalid_csv", details={"problems": problems})
    for t in types:
        forms.check_schema(t.form_schema)
    return import_types(types, principal, request_id)


def get_type(code: str, version: int | None = None) -> PermitTypeOut:
    item = store.current_type(code) if version is None else store.type_version(code, version)
    return _out(store.require(item, "Jenis izin"))


def list_types(limit: int, cursor: str | None) -> Page[PermitTypeOut]:
    rows, nxt = store.list_types(limit, cursor)
    return Page[PermitTypeOut](items=[_out(r) for r in rows], next_cursor=nxt)
