from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, ValidationError

from replika.core import runtime
from replika.core.errors import BadRequest
from replika.core.http import status_of
from replika.core.pagination import Page, PageQuery, decode_cursor, encode_cursor

KEY = {"pk": {"S": "EMP#198001012005011001"}, "sk": {"S": "EMP"}, "kind": {"S": "EMP"}}
SCOPE = "directory:employees:opd=1.02.01"


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CURSOR_SECRET", "test-secret-1")
    runtime.reset()
    yield
    runtime.reset()


def test_round_trip() -> None:
    cursor = encode_cursor(KEY, scope=SCOPE)
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert decode_cursor(cursor, scope=SCOPE) == KEY


def test_none_means_first_or_last_page() -> None:
    assert encode_cursor(None, scope=SCOPE) is None
    assert decode_cursor(None, scope=SCOPE) is None
    assert decode_cursor("", scope=SCOPE) is None


def _assert_invalid(cursor: str, scope: str = SCOPE) -> None:
    with pytest.raises(BadRequest) as info:
        decode_cursor(cursor, scope=scope)
    assert info.value.code == "invalid_cursor"
    assert status_of(info.value) == 400


def test_tampered_key_is_rejected() -> None:
    cursor = encode_cursor(KEY, scope=SCOPE)
    assert cursor is not None
    body, sig = cursor.split(".")
    forged = dict(KEY, pk={"S": "EMP#199001012010011002"})
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    _assert_invalid(f"{forged_body}.{sig}")
    # flip one character of the signature
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    _assert_invalid(f"{body}.{flipped}")


def test_wrong_scope_is_rejected() -> None:
    cursor = encode_cursor(KEY, scope=SCOPE)
    assert cursor is not None
    _assert_invalid(cursor, scope="directory:employees:opd=1.03.01")


def test_other_secret_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    cursor = encode_cursor(KEY, scope=SCOPE)
    assert cursor is not None
    monkeypatch.setenv("CURSOR_SECRET", "rotated")
    runtime.reset()
    _assert_invalid(cursor)


@pytest.mark.parametrize(
    "garbage",
    ["abc", "....", "not base64!.x", "eyJ9.", ".c2ln", "a" * 3000, "€€€.€€€", "e30.e30.e30"],
)
def test_garbage_is_rejected(garbage: str) -> None:
    _assert_invalid(garbage)


def test_signed_non_object_is_rejected() -> None:
    # a validly signed JSON list is still not a start key
    cursor = encode_cursor({"a": 1}, scope=SCOPE)
    assert cursor is not None
    _assert_invalid(cursor.replace(".", "..", 1))


class Item(BaseModel):
    nip: str


def test_page_models() -> None:
    page = Page[Item](items=[Item(nip="1")], next_cursor="x.y")
    assert page.model_dump() == {"items": [{"nip": "1"}], "next_cursor": "x.y"}
    assert Page[Item](items=[]).next_cursor is None
    assert PageQuery().limit == 50
    assert PageQuery.model_validate({"limit": "100"}).limit == 100  # query strings coerce
    for bad in (0, 101):
        with pytest.raises(ValidationError):
            PageQuery(limit=bad)
    with pytest.raises(ValidationError):
        PageQuery(limit=10, other=1)  # type: ignore[call-arg]
