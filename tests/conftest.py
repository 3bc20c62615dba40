"""Fixtures of the core's own tests (the test kit, erp_core.testing, provides the rest)."""
import sys
import uuid

import pytest

from tests.support import (GADGETS_HOOKS, GADGETS_HOOKSPECS, GADGETS_VIEWS, WIDGETS_HOOKS, WIDGETS_VIEWS, write_addon,
                           write_distribution)


@pytest.fixture
def addon_tmp(tmp_path, monkeypatch):
    """A unique package-name suffix; the test's changes to ``sys.path`` and ``sys.modules`` are
    undone afterwards, so throwaway addons never leak into other tests."""
    suffix = uuid.uuid4().hex[:8]
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield suffix
    for name in [m for m in sys.modules if m.endswith(suffix) or f"{suffix}." in m]:
        del sys.modules[name]


@pytest.fixture
def throwaway_addons(tmp_path, addon_tmp, monkeypatch):
    """Settings that load "widgets" from an ERP_ADDONS_PATH folder and "gadgets" from an
    installed distribution's entry point."""
    folder = tmp_path / "extra_addons"
    widgets = write_addon(folder, f"widgets_{addon_tmp}", {"name": "widgets", "version": "2.5", "summary": "Test widgets",
                                                            "depends": ["gadgets"]}, hooks=WIDGETS_HOOKS, views=WIDGETS_VIEWS)
    (widgets / "guide").mkdir()
    (widgets / "guide" / "95-using-widgets.md").write_text(  # the help marks send the widgets pages' Help here
        "<!-- help: widgets -->\n# Using widgets\n\nPaint a widget with **Paint**.\n\n"
        "<!-- help: widgets.settings -->\n## Widget settings\n\nChoose the colours.\n")
    site = tmp_path / "site"
    write_addon(site, f"gadgets_{addon_tmp}", {"name": "gadgets", "version": "0.3", "summary": "Test gadgets", "depends": []},
                hookspecs=GADGETS_HOOKSPECS, hooks=GADGETS_HOOKS, views=GADGETS_VIEWS)
    write_distribution(site, f"erp_gadgets_{addon_tmp}", "gadgets", f"gadgets_{addon_tmp}")
    monkeypatch.syspath_prepend(str(site))
    return {"ERP_ADDONS_PATH": str(folder)}
