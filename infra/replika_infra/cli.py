"""`replika` command line. Each sub-command lives in its own module with a ``register`` function."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute sub-commands; each defines register(subparsers) and sets a `func` default.
COMMAND_MODULES = [
    "replika_infra.local.dev",
    "replika_infra.events",
    "replika_infra.release.package",
    "replika_infra.release.deploy",
    "replika_infra.payroll_cli",
    "replika_infra.audit_cli",
    "replika_infra.permit_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replika", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
