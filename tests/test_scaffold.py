"""`erp addon new NAME` writes an addon that works as written: its own tests pass (in a pytest of
their own, as a developer runs them), and an app loads it with its page, menu entry and endpoints,
its migration agreeing with its model."""
import os
import re
import subprocess
import sys
import uuid

import pytest

from erp_core import create_app
from erp_core.addons import read_manifest
from erp_core.database import db
from erp_core.migrations import schema_differences
from erp_core.testing import log_in, ok

WRITTEN = ["__init__.py", "__manifest__.py", "models.py", "services.py", "views.py", "api.py", "hooks.py",
           "templates/{name}/index.html", "migrations/{name}_0001_notes.py", "guide/90-{slug}.md",
           "tests/__init__.py", "tests/test_{name}.py"]
GENERATED_TESTS = 4


def run_erp(*args, **settings):
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True, **settings})
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def new_addon(tmp_path):
    """(folder, name) of an addon just written by `erp addon new`; its model is forgotten afterwards."""
    name = f"notes_{uuid.uuid4().hex[:8]}"
    result = run_erp("addon", "new", name, "--path", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"ERP_ADDONS_PATH={tmp_path}" in result.output
    yield tmp_path, name
    # The model joined the process-wide metadata; other tests compare that with their schema.
    if f"{name}_notes" in db.metadata.tables:
        db.metadata.remove(db.metadata.tables[f"{name}_notes"])
    for module in [m for m in sys.modules if m == f"erp_addons.{name}" or m.startswith(f"erp_addons.{name}.")]:
        del sys.modules[module]


def test_new_writes_every_file_of_an_addon(new_addon):
    folder, name = new_addon
    addon = folder / name
    expected = {path.format(name=name, slug=name.replace("_", "-")) for path in WRITTEN}
    written = {str(p.relative_to(addon)) for p in addon.rglob("*") if p.is_file()}
    assert written == expected
    assert read_manifest(addon) == {"name": name, "version": "0.1.0", "summary": f"Notes about {name.replace('_', ' ')}.",
                                    "depends": []}
    migration = (addon / "migrations" / f"{name}_0001_notes.py").read_text()
    assert f"branch_labels = ('{name}',)" in migration


def test_the_new_addons_own_tests_pass(new_addon):
    """As its developer runs them: from the folder holding the addon, without ERP_ADDONS_PATH (the
    test kit loads the addon under test), on PostgreSQL too when TEST_DATABASE_URL is set."""
    folder, name = new_addon
    env = {k: v for k, v in os.environ.items() if k not in ("ERP_ADDONS_PATH", "ERP_ADDONS") and not k.startswith("PYTEST_")}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder / name / "tests")],
                            cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    expected = GENERATED_TESTS * (2 if env.get("TEST_DATABASE_URL") else 1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"\b{expected} passed\b", result.stdout), result.stdout


@pytest.fixture
def app_settings(new_addon):
    return {"ERP_ADDONS_PATH": str(new_addon[0])}


def test_an_app_loads_the_new_addon_with_its_menu_page_and_endpoints(new_addon, app, api, client):
    _, name = new_addon
    slug = name.replace("_", "-")
    addons = {a.name: a for a in app.extensions["erp"].addons}
    assert addons[name].version == "0.1.0" and addons[name].module.__name__ == f"erp_addons.{name}"
    with db.engine.connect() as connection:
        assert schema_differences(connection) == [], "the generated migration creates the table of the generated model"

    created = ok(api.post(f"/{slug}/notes", json={"title": "Call the vendor"}), 201)
    assert ok(api.get(f"/{slug}/notes")) == {"items": [created], "total": 1}
    assert f"/api/v1/{slug}/notes" in ok(api.get("/openapi.json"))["paths"]

    log_in(client)
    header = client.get("/").get_data(as_text=True).split("</header>")[0]
    assert f'href="/{slug}/">Notes</a>' in header
    page = client.get(f"/{slug}/").get_data(as_text=True)
    assert "Call the vendor" in page
    assert client.get(f"/help/{slug}").status_code == 200


def test_new_refuses_a_name_that_is_not_a_package_name_or_is_taken(tmp_path):
    result = run_erp("addon", "new", "Bad-Name", "--path", str(tmp_path))
    assert result.exit_code != 0 and "lower-case letters" in result.output
    result = run_erp("addon", "new", "invoicing", "--path", str(tmp_path))
    assert result.exit_code != 0 and "An addon named invoicing already exists" in result.output
    assert list(tmp_path.iterdir()) == []
