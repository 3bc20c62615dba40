"""Each floor names only what is below it: the core knows no addon, and invoicing knows nothing of
serial_tracking, which builds on it. Checked in the code itself, leaving comments and docstrings
out (they may give examples)."""
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_CONCEPTS = re.compile(r"invoic|serial|warehouse|accountant|inventory_manager", re.I)
TEXT_TOKENS = {tokenize.NAME, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}  # f-strings split from 3.12
STOCK_WORDS = {"serial", "serials", "stock", "stocks", "move", "moves", "location", "locations"}


def code_tokens(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every name and string of a module, docstrings and comments left out."""
    tokens, previous = [], tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            previous = token.type
            continue  # a docstring (or a string standing alone as a statement)
        if token.type in TEXT_TOKENS:
            tokens.append((token.start[0], token.string))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    return tokens


def words(text: str) -> set[str]:
    """The words of an identifier or a string: snake_case, CamelCase and prose split alike."""
    return {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", text)}


CORE_FILES = sorted((ROOT / "erp_core").rglob("*.py"))
INVOICING_FILES = sorted(p for p in (ROOT / "addons" / "invoicing").rglob("*.py") if "tests" not in p.parts)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_names_no_addon_concept(path):
    found = [f"{line}: {text}" for line, text in code_tokens(path) if CORE_CONCEPTS.search(text)]
    assert found == [], f"{path.relative_to(ROOT)} names an addon's concept; let the addon bring it through a hook"


@pytest.mark.parametrize("path", INVOICING_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_invoicing_names_nothing_of_stock(path):
    found = [f"{line}: {text}" for line, text in code_tokens(path) if words(text) & STOCK_WORDS]
    assert found == [], f"{path.relative_to(ROOT)} names serial_tracking's concepts; serial_tracking extends invoices instead"


def test_the_checks_see_code_and_skip_docstrings(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text('"""Invoices are mentioned here only."""\n# serial in a comment\nx = "stock_moves"\n')
    assert [text for _, text in code_tokens(module)] == ["x", '"stock_moves"']
    assert words('"stock_moves"') == {"stock", "moves"} and "move" not in words("remove_line")
