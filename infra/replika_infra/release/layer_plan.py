"""Which layers each app's functions get: core, common, one layer per extra that several apps name,
then the app's own extras.

An extra two or more apps name (fpdf2, openpyxl, Pillow...) ships once, in a layer of its own named
after it, instead of inside each app's extras layer: one layer of an app's extras together is over
the 15 MiB limit (fpdf2 + Pillow + fontTools + openpyxl are 16.3 MiB zipped on x86_64, fpdf2 with
Pillow alone 15.6), and shared layers are uploaded once. Lambda attaches at most five layers to a
function, so an app takes the shared layers that the most apps name first; an extra that does not
fit goes into the app's own layer, and a shared layer that ends up with a single app is that app's
own extra again.
"""

from __future__ import annotations

from collections.abc import Iterable

from replika.core.manifest import AppManifest, all_manifests
from replika_infra.release import layers

__all__ = ["MAX_LAYERS_PER_FUNCTION", "layer_names", "own_extras", "plan", "shared_extras"]

#: Lambda attaches at most five layers to a function.
MAX_LAYERS_PER_FUNCTION = 5
BASE = ("core", "common")


def _everyone(manifest: AppManifest | None, manifests: Iterable[AppManifest] | None) -> list[AppManifest]:
    found = list(all_manifests() if manifests is None else manifests)
    if manifest is not None and manifest.app not in {m.app for m in found}:
        found.append(manifest)
    return found


def plan(manifests: Iterable[AppManifest] | None = None) -> dict[str, tuple[str, ...]]:
    """app -> the shared extras (dist names) it gets as layers, in layer order, for every app's
    manifest (not only those packaged: a layer's contents must not depend on what is packaged)."""
    named = {m.app: {layers.dist_name(n) for n in m.layer_extras} for m in _everyone(None, manifests)}
    candidates = {n for n in set().union(*named.values()) if sum(n in mine for mine in named.values()) > 1}
    room = MAX_LAYERS_PER_FUNCTION - len(BASE)
    while True:
        count = {n: sum(n in mine for mine in named.values()) for n in candidates}
        order = sorted(candidates, key=lambda n: (-count[n], n))
        given: dict[str, tuple[str, ...]] = {}
        for app, mine in named.items():
            wanted = [n for n in order if n in mine]
            fits = len(wanted) <= room - (1 if mine - candidates else 0)
            given[app] = tuple(wanted if fits else wanted[: room - 1])
        used = {n: sum(n in g for g in given.values()) for n in candidates}
        still = {n for n in candidates if used[n] > 1}
        if still == candidates:
            return given
        candidates = still


def shared_extras(manifests: Iterable[AppManifest] | None = None) -> tuple[str, ...]:
    """The extras that ship in layers of their own (each once)."""
    return tuple(sorted({n for given in plan(manifests).values() for n in given}))


def own_extras(manifest: AppManifest, manifests: Iterable[AppManifest] | None = None) -> tuple[str, ...]:
    """The app's extras that are not in a shared layer it gets: what its own layer adds."""
    given = set(plan(_everyone(manifest, manifests))[manifest.app])
    return tuple(n for n in manifest.layer_extras if layers.dist_name(n) not in given)


def layer_names(manifest: AppManifest, manifests: Iterable[AppManifest] | None = None) -> list[str]:
    """The layers an app's functions get, in order: core, common, its shared extras' layers, then
    its own extras (if any)."""
    everyone = _everyone(manifest, manifests)
    own = own_extras(manifest, everyone)
    return [*BASE, *plan(everyone)[manifest.app], *([manifest.app] if own else [])]
