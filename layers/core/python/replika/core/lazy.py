"""Modules that load on first use: an app declares every route at import (Chalice needs them), but
the module behind a route loads only when a request first reaches it, so a cold start pays for the
modules of its first request only (``functions/<app>/app.py``)::

    if TYPE_CHECKING:
        from replika.wbs import staff
    else:
        staff = lazy_module("replika.wbs.staff")

The standard library's :class:`importlib.util.LazyLoader` does the work: the module object is real
(in ``sys.modules`` and an attribute of its package, as an import leaves it; ``monkeypatch`` and
``from … import`` elsewhere see the same one), and its code runs on the first attribute access.
A module under a package that is itself lazy (``replika.remunerasi.payroll.outputs``) is found
without loading that package.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from types import ModuleType

#: The specs of the modules made lazy here: where their submodules are, without loading them.
_SPECS: dict[str, importlib.machinery.ModuleSpec] = {}


def _find_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    parent, _, _child = name.rpartition(".")
    lazy_parent = _SPECS.get(parent)
    if lazy_parent is not None:  # importlib.util.find_spec would load it (it reads __path__)
        return importlib.machinery.PathFinder.find_spec(name, lazy_parent.submodule_search_locations)
    return importlib.util.find_spec(name)  # imports the parent packages, not the module


def lazy_module(name: str) -> ModuleType:
    """``name`` imported lazily (or the module itself if something imported it already)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = _find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _SPECS[name] = spec
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:  # as an import does (setting it does not load a lazy package)
        setattr(sys.modules[parent], child, module)
    return module


def lazy_modules(package: str, *names: str) -> tuple[ModuleType, ...]:
    """``package.name`` for each name, each imported lazily (:func:`lazy_module`)."""
    return tuple(lazy_module(f"{package}.{name}") for name in names)
