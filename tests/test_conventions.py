"""House rules that hold for the core and every addon in this repository, checked in the source:
roles are compared in one place, and templates and stylesheets use only local assets and no
inline code (the Content Security Policy allows neither, and users run this on closed networks)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for folder in ("erp_core", "addons") for p in (ROOT / folder).rglob("*")
           if p.suffix in (".py", ".html") and not {"tests", "testing", "migrations"} & set(p.parts)]
TEMPLATES = [p for p in SOURCES if p.suffix == ".html"]
STYLESHEETS = [p for folder in ("erp_core", "addons") for p in (ROOT / folder).rglob("*.css")]

ROLE_COMPARISON = re.compile(r"\.role\s*(?:==|!=|\bin\b|\bnot\s+in\b|\bis\b)")  # user.role == "admin"


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_sources_are_found():
    assert any(relative(p) == "erp_core/templates/core/base.html" for p in TEMPLATES)
    assert STYLESHEETS


def test_roles_are_compared_only_by_the_permission_check():
    """Views, services and templates ask ``may``/``authorize``/``requires``; only erp_core/auth.py
    looks at role names, so a permission is changed in one place (an erp_permissions hook)."""
    offenders = [f"{relative(p)}:{n}: {line.strip()}" for p in SOURCES if relative(p) != "erp_core/auth.py"
                 for n, line in enumerate(p.read_text().splitlines(), 1) if ROLE_COMPARISON.search(line)]
    assert offenders == []


@pytest.mark.parametrize("template", TEMPLATES, ids=relative)
def test_templates_have_no_inline_code_and_no_remote_assets(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "move the script to a file in static/"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), "attach event handlers from a static .js file"
    assert not re.search(r"<style\b|<[^>{]+\sstyle\s*=", html), "move the style to a .css file"
    assert not re.search(r"\b(?:src|href)=\"(?:https?:)?//", html), "serve every asset locally"


@pytest.mark.parametrize("stylesheet", STYLESHEETS, ids=relative)
def test_stylesheets_load_nothing_remote(stylesheet):
    css = stylesheet.read_text()
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", css)
