"""Every page of every loaded addon, opened by every role on a database with demo data: no server
error, nothing but local assets, and no inline script or style the Content Security Policy would
block (a page that needs one silently breaks in the browser)."""
import re

import pytest

from erp_core.cli import initialise
from erp_core.testing import example_path, is_public, log_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.I)
ASSET = re.compile(r"<(?:script|img|iframe)\b[^>]*\bsrc=\"([^\"]*)\"|<link\b[^>]*\bhref=\"([^\"]*)\"", re.I)


def page_paths(app) -> list[str]:
    """A GET path for every page (integer ids filled with 1), the API and static files left out."""
    paths = {example_path(rule) for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.rule.startswith("/api/") and not is_public(rule.endpoint)}
    return sorted(paths)


@pytest.fixture
def demo_app(app):
    initialise(app, demo=True)
    return app


def page_problems(html: str) -> list[str]:
    problems = [f"inline script {m.group(0)}" for m in INLINE_SCRIPT.finditer(html)]
    problems += [f"inline event handler {m.group(0)[:80]}" for m in INLINE_HANDLER.finditer(html)]
    problems += [f"inline style {m.group(0)[:80]}" for m in INLINE_STYLE.finditer(html)]
    for match in ASSET.finditer(html):
        url = match.group(1) or match.group(2)
        if not url.startswith("/") or url.startswith("//"):
            problems.append(f"asset not served by the app: {url}")
    return problems


@pytest.mark.parametrize("role", ["admin", "accountant", "warehouse", "inventory_manager"])
def test_every_page_opens_for_every_role_with_only_local_assets_and_no_inline_code(demo_app, role):
    client = demo_app.test_client()
    log_in(client, role)
    failures, opened = [], 0
    for path in page_paths(demo_app):
        response = client.get(path)
        if response.status_code >= 500 or response.status_code not in (200, 302, 403, 404):
            failures.append(f"GET {path}: {response.status_code}")
            continue
        if response.status_code == 200 and response.mimetype == "text/html":
            opened += 1
            failures += [f"GET {path}: {problem}" for problem in page_problems(response.get_data(as_text=True))]
    assert failures == []
    assert opened >= 5
