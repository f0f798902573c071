"""The printed walk-throughs of the demos: one ``curl`` line per call, as a reader would type it."""

from __future__ import annotations

import json
from typing import Any


def curl(
    base: str, method: str, path: str, token: str | None, body: dict[str, Any] | None = None, note: str = ""
) -> None:
    """One curl line against ``base`` (``http://host:port/<app>``), its JSON body on a continuation
    line; ``token`` names the shell variable holding the bearer token; ``note`` (``409 ...``) says
    what the call answers when not 2xx."""
    auth = f' -H "Authorization: Bearer ${token}"' if token else ""
    tail = f"  # {note}" if note else ""
    if body is None:
        verb = "" if method == "GET" else f" -X {method}"
        print(f'  curl -s{verb}{auth} "{base}{path}"{tail}')
        return
    print(f"  curl -s -X {method}{auth} -H 'Content-Type: application/json' {base}{path} \\")
    print(f"    -d '{json.dumps(body, ensure_ascii=False)}'{tail}")
