"""Finding addons, reading their manifests without importing them, and ordering them by dependency.

An addon is a Python package with a ``__manifest__.py`` holding one dict literal::

    {"name": "invoicing", "version": "1.0", "summary": "...", "depends": []}

It is found in the built-in ``addons/`` folder, in the folders of ``ERP_ADDONS_PATH``, or through
an installed distribution's entry point in the group ``erp_core.addons`` (value: the package name).
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

ENTRY_POINT_GROUP = "erp_core.addons"
BUILTIN_FOLDER = Path(__file__).resolve().parent.parent / "addons"
MANIFEST_KEYS = {"name", "version", "summary", "depends"}


class AddonError(SystemExit):
    """Start-up cannot go on: the message names the addons at fault and what to do."""


@dataclass
class Addon:
    name: str
    version: str
    summary: str
    depends: list[str]
    module_name: str
    path: Path
    origin: str
    module: ModuleType | None = field(default=None, repr=False)

    def submodule(self, name: str) -> ModuleType | None:
        """Import ``<addon>.<name>`` when the addon ships it (a conventional module), else None."""
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
    return data


def _addon(package_dir: Path, module_name: str, origin: str) -> Addon:
    data = read_manifest(package_dir)
    return Addon(
        name=data["name"],
        version=str(data["version"]),
        summary=data.get("summary", ""),
        depends=list(data.get("depends", [])),
        module_name=module_name,
        path=package_dir,
        origin=origin,
    )


def _scan_folder(folder: Path, package_prefix: str | None) -> list[Addon]:
    found = []
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if (child / "__manifest__.py").exists():
            module_name = f"{package_prefix}.{child.name}" if package_prefix else child.name
            found.append(_addon(child, module_name, str(folder)))
    return found


def discover(extra_paths: list[str]) -> list[Addon]:
    """Every addon on offer; two of one name stop start-up."""
    found = _scan_folder(BUILTIN_FOLDER, "addons")
    for folder in extra_paths:
        folder = str(Path(folder).resolve())
        if folder not in sys.path:
            sys.path.insert(0, folder)
        found += _scan_folder(Path(folder), None)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(ep.value)
        if spec is None or not spec.submodule_search_locations:
            raise AddonError(f"Entry point {ep.name!r} ({ENTRY_POINT_GROUP}) names {ep.value!r}, which is not an importable package.")
        found.append(_addon(Path(spec.submodule_search_locations[0]), ep.value, f"entry point {ep.name}"))
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
    """The selected addons (all when None) plus what they depend on, dependencies first."""
    by_name = {a.name: a for a in available}
    wanted = selected if selected is not None else [a.name for a in available]
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise AddonError(f"ERP_ADDONS names addons that were not found: {', '.join(unknown)}. Found: {', '.join(sorted(by_name)) or 'none'}.")

    ordered: list[Addon] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = chain[chain.index(name):] + [name]
            raise AddonError(f"Addon dependency cycle: {' -> '.join(cycle)}. Break it by removing one of these 'depends'.")
        addon = by_name[name]
        state[name] = "visiting"
        for dep in addon.depends:
            if dep not in by_name:
                raise AddonError(f"Addon {name!r} depends on {dep!r}, which was not found. Install {dep!r} or add its folder to ERP_ADDONS_PATH.")
            visit(dep, chain + [name])
        state[name] = "done"
        ordered.append(addon)

    for name in wanted:
        visit(name, [])
    return ordered


def load(selected: list[str] | None, extra_paths: list[str]) -> list[Addon]:
    addons = resolve(discover(extra_paths), selected)
    for addon in addons:
        addon.module = importlib.import_module(addon.module_name)
    return addons
