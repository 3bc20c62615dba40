"""Finding addons, reading their manifests without importing them, ordering them by dependency,
and importing each one under one stable name: ``erp_addons.<name>``.

An addon is a Python package with a ``__manifest__.py`` holding one dict literal::

    {"name": "invoicing", "version": "1.0", "summary": "...", "depends": []}

It is found in the built-in ``addons/`` folder, in the folders of ``ERP_ADDONS_PATH``, or through
an installed distribution's entry point in the group ``erp_core.addons`` (value: the package name).
Wherever it was found, it is imported as ``erp_addons.<name>``, so a dependant writes
``from erp_addons.invoicing.models import Invoice`` whatever the installation looks like.
"""
from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

ENTRY_POINT_GROUP = "erp_core.addons"
NAMESPACE = "erp_addons"
BUILTIN_FOLDER = Path(__file__).resolve().parent.parent / "addons"
MANIFEST_KEYS = {"name", "version", "summary", "depends"}
log = logging.getLogger(__name__)


class AddonError(SystemExit):
    """Start-up cannot go on: the message names the addons at fault and what to do."""


@dataclass
class Addon:
    name: str
    version: str
    summary: str
    depends: list[str]
    path: Path
    origin: str
    module: ModuleType | None = field(default=None, repr=False)

    @property
    def module_name(self) -> str:
        return f"{NAMESPACE}.{self.name}"

    def submodule(self, name: str) -> ModuleType | None:
        """Import ``erp_addons.<addon>.<name>`` when the addon ships it (a conventional module), else None."""
        if not (self.path / f"{name}.py").exists() and not (self.path / name / "__init__.py").exists():
            return None
        return importlib.import_module(f"{self.module_name}.{name}")


def read_manifest(package_dir: Path) -> dict:
    manifest_file = package_dir / "__manifest__.py"
    try:
        data = ast.literal_eval(manifest_file.read_text())
    except (ValueError, SyntaxError) as exc:
        raise AddonError(f"{manifest_file}: the manifest must be one dict literal ({exc}).") from exc
    if not isinstance(data, dict) or not {"name", "version"} <= data.keys():
        raise AddonError(f"{manifest_file}: the manifest needs at least 'name' and 'version'.")
    unknown = data.keys() - MANIFEST_KEYS
    if unknown:
        raise AddonError(f"{manifest_file}: unknown manifest keys {sorted(unknown)}; allowed: {sorted(MANIFEST_KEYS)}.")
    if not str(data["name"]).isidentifier():
        raise AddonError(f"{manifest_file}: the name {data['name']!r} must be a Python identifier (it is imported as {NAMESPACE}.<name>).")
    return data


def _addon(package_dir: Path, origin: str) -> Addon:
    data = read_manifest(package_dir)
    return Addon(name=data["name"], version=str(data["version"]), summary=data.get("summary", ""),
                 depends=list(data.get("depends", [])), path=package_dir.resolve(), origin=origin)


def _scan_folder(folder: Path) -> list[Addon]:
    return [_addon(child, str(folder)) for child in sorted(folder.iterdir()) if (child / "__manifest__.py").exists()]


def discover(extra_paths: list[str]) -> list[Addon]:
    """Every addon on offer; two of one name stop start-up. A folder of ``ERP_ADDONS_PATH`` that
    does not exist or holds no addon is worth a warning: it is usually a typo."""
    found = _scan_folder(BUILTIN_FOLDER)
    for folder in map(Path, extra_paths):
        in_folder = _scan_folder(folder) if folder.is_dir() else []
        if not in_folder:
            log.warning("ERP_ADDONS_PATH: %s %s.", folder, "holds no addon (no sub-folder with a __manifest__.py)"
                        if folder.is_dir() else "does not exist")
        found += in_folder
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(ep.value)
        if spec is None or not spec.submodule_search_locations:
            raise AddonError(f"Entry point {ep.name!r} ({ENTRY_POINT_GROUP}) names {ep.value!r}, which is not an importable package.")
        found.append(_addon(Path(spec.submodule_search_locations[0]), f"entry point {ep.name}"))
    by_name: dict[str, Addon] = {}
    for addon in found:
        if addon.name in by_name:
            other = by_name[addon.name]
            raise AddonError(
                f"Two addons are named {addon.name!r}: one in {other.origin}, one in {addon.origin}. "
                "Remove or rename one of them."
            )
        by_name[addon.name] = addon
    return found


def resolve(available: list[Addon], selected: list[str] | None) -> list[Addon]:
    """The selected addons (all when None) plus what they depend on, dependencies first; among
    addons that do not depend on each other, the order of discovery."""
    by_name = {a.name: a for a in available}
    wanted = selected if selected is not None else [a.name for a in available]
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise AddonError(f"ERP_ADDONS names addons that were not found: {', '.join(unknown)}. Found: {', '.join(sorted(by_name)) or 'none'}.")
    needed, pending = set(), list(wanted)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        for dep in by_name[name].depends:
            if dep not in by_name:
                raise AddonError(f"Addon {name!r} depends on {dep!r}, which was not found. Install {dep!r} or add its folder to ERP_ADDONS_PATH.")
            pending.append(dep)
    sorter = TopologicalSorter({a.name: a.depends for a in available if a.name in needed})
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = list(reversed(exc.args[1]))  # graphlib lists it against the arrows
        raise AddonError(f"Addon dependency cycle: {' -> '.join(cycle)}. Break it by removing one of these 'depends'.") from None
    discovery = {a.name: index for index, a in enumerate(available)}
    ordered: list[Addon] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=discovery.__getitem__)
        ordered += [by_name[name] for name in ready]
        sorter.done(*ready)
    return ordered


def load(selected: list[str] | None, extra_paths: list[str]) -> list[Addon]:
    addons = resolve(discover(extra_paths), selected)
    for addon in addons:
        _finder.register(addon)
        addon.module = importlib.import_module(addon.module_name)
    return addons


# ---------------------------------------------------------------- the erp_addons namespace


class _AddonFinder(importlib.abc.MetaPathFinder):
    """Makes ``erp_addons.<name>`` import the addon of that name from wherever it was found.

    Addons loaded by an app are registered; any other name is looked up among the addons on offer
    (the built-in folder, ``ERP_ADDONS_PATH`` from the environment, entry points), so tests and
    scripts can import an addon's modules before any app exists."""

    def __init__(self):
        self.paths: dict[str, Path] = {}

    def register(self, addon: Addon) -> None:
        if self.paths.get(addon.name, addon.path) != addon.path:
            # Another addon of this name was imported before (tests build throwaway addons): forget it.
            for module in [m for m in sys.modules if m == addon.module_name or m.startswith(addon.module_name + ".")]:
                del sys.modules[module]
        self.paths[addon.name] = addon.path

    def _path_of(self, name: str) -> Path | None:
        if name not in self.paths:
            extra = [p for p in os.environ.get("ERP_ADDONS_PATH", "").split(os.pathsep) if p]
            for addon in discover(extra):
                self.paths.setdefault(addon.name, addon.path)
        return self.paths.get(name)

    def find_spec(self, fullname, path=None, target=None):
        if fullname == NAMESPACE:
            spec = importlib.machinery.ModuleSpec(NAMESPACE, None, is_package=True)
            spec.submodule_search_locations = []
            return spec
        package, _, name = fullname.partition(".")
        if package != NAMESPACE or not name or "." in name:
            return None
        folder = self._path_of(name)
        if folder is None:
            return None
        return importlib.util.spec_from_file_location(fullname, folder / "__init__.py", submodule_search_locations=[str(folder)])


_finder = _AddonFinder()
sys.meta_path.append(_finder)
