"""Replaying a demo's printed walk-through: each ``curl`` line as the guide prints it (a ``\\``
continuation joined), sent through the app as the reader would send it, with the status the guide
states after ``  # `` (200 when it states none)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Curl:
    text: str  # the command, without the note
    note: str  # what the guide says after "  # ", e.g. "409 checklist_incomplete"

    @cached_property
    def words(self) -> list[str]:
        return shlex.split(self.text)

    @property
    def method(self) -> str:
        words = self.words
        return words[words.index("-X") + 1] if "-X" in words else "GET"

    def path(self, app: str) -> str:
        url = next(w for w in self.words if w.startswith("http://"))
        return url.split(f"/{app}", 1)[1]

    @property
    def token(self) -> str | None:
        """The shell variable of its ``Authorization: Bearer $VAR`` header, if any."""
        auth = next((w for w in self.words if w.startswith("Authorization: Bearer $")), None)
        return auth.rsplit("$", 1)[1] if auth else None

    @property
    def body(self) -> bytes:
        words = self.words
        return words[words.index("-d") + 1].encode() if "-d" in words else b""

    @property
    def expected(self) -> int:
        return int(self.note.split()[0]) if self.note[:1].isdigit() else 200

    def send(self, client: Any, app: str, headers_of: Callable[[str], dict[str, str]]) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers.update(headers_of(self.token))
        return client.http.request(self.method, self.path(app), headers=headers, body=self.body)


def curl_at(lines: list[str], i: int) -> tuple[str, Curl]:
    """The command starting at ``lines[i]``: ``(line(s) as printed, command)``."""
    line = lines[i]
    continued = line.rstrip().endswith("\\")
    joined = line.rstrip(" \\") + (" " + lines[i + 1].strip() if continued else "")
    text, _, note = joined.partition("  # ")
    return line + (lines[i + 1] if continued else ""), Curl(text, note)


def curl_lines(lines: list[str]) -> Iterator[tuple[str, Curl]]:
    """Every ``curl`` command of the guide, in order."""
    for i, line in enumerate(lines):
        if line.strip().startswith("curl "):
            yield curl_at(lines, i)


def applicant(email: str, sub: str, name: str) -> dict[str, str]:
    """A demo applicant as the demo seeds take their users: of the applicants' (public) pool."""
    return {"username": email, "sub": sub, "pool": "public", "nip": "", "opd": "", "name": name}
