"""docs/addons.md documents every hook: the host's and those each addon declares. Adding a hook
spec without its "### hook_name" section fails here, and so does a section for a hook that is gone."""
import re
from pathlib import Path

import pytest

from erp_core import hookspecs
from erp_core.addons import discover

ADDONS_DOC = Path(__file__).resolve().parent.parent / "docs" / "addons.md"


def spec_names(module) -> set[str]:
    return {name for name, value in vars(module).items() if callable(value) and hasattr(value, "erp_spec")}


def declared_hooks() -> dict[str, str]:
    """{hook name: who declares it} for the host and every addon found in the built-in folder."""
    hooks = {name: "erp_core" for name in spec_names(hookspecs)}
    for addon in discover([]):
        module = addon.submodule("hookspecs")
        if module is not None:
            hooks.update({name: addon.name for name in spec_names(module)})
    return hooks


def reference_sections() -> set[str]:
    reference = ADDONS_DOC.read_text().split("\n# Hook reference\n", 1)
    assert len(reference) == 2, "docs/addons.md needs a '# Hook reference' part"
    return set(re.findall(r"^### (\w+)\s*$", reference[1], re.M))


HOOKS = declared_hooks()


def test_hooks_are_found():
    assert {"erp_menu_items", "erp_roles", "erp_record_extensions"} <= set(HOOKS)
    assert "invoicing_invoice_posted" in HOOKS


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_has_a_reference_section(hook):
    assert hook in reference_sections(), f"add a '### {hook}' section to the hook reference in docs/addons.md ({HOOKS[hook]} declares it)"


def test_every_reference_section_is_a_declared_hook():
    assert reference_sections() - set(HOOKS) == set()


def test_every_hook_section_shows_the_signature():
    text = ADDONS_DOC.read_text().split("\n# Hook reference\n", 1)[1]
    for hook in HOOKS:
        section = text.split(f"### {hook}\n", 1)[1].split("\n### ", 1)[0]
        assert f"`{hook}(" in section, f"the '### {hook}' section should start with its call signature"
