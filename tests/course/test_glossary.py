"""docs/glossary.md (用語集): one term per concept across the notebooks' prose."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
NOTEBOOKS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*/*.ipynb"))


def table(heading):
    """Rows (lists of cells) of the markdown table under ``## heading``."""
    text = GLOSSARY.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1]
    rows = [line for line in text.split("\n## ")[0].splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def variants(cell):
    return re.findall(r"`([^`]+)`", cell)


def prose():
    """{notebook name: [(cell index, markdown text)]} of every solution notebook."""
    result = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        result[path.parent.name] = [(i, c.source) for i, c in enumerate(nb.cells)
                                    if c.cell_type == "markdown"]
    return result


PROSE = prose()
TERMS = table("用語")
SPELLINGS = table("表記")


def test_the_glossary_lists_terms_and_spellings():
    assert len(TERMS) >= 25 and len(SPELLINGS) >= 5
    assert all(len(row) == 4 for row in TERMS) and all(len(row) == 3 for row in SPELLINGS)


@pytest.mark.parametrize("row", TERMS + SPELLINGS, ids=lambda row: row[0])
def test_no_notebook_uses_a_listed_variant(row):
    found = []
    for pattern in variants(row[-1]):
        for name, cells in PROSE.items():
            for index, text in cells:
                for match in re.finditer(pattern, text):
                    found.append(f"{name} cell {index}: "
                                 f"{text[max(0, match.start() - 15):match.end() + 15]!r}")
    assert not found, f"「{row[0]}」と書くところに別の表記があります: {found}"


@pytest.mark.parametrize("row", TERMS, ids=lambda row: row[0])
def test_first_notebook_column_is_where_the_term_first_appears(row):
    term, _, first, _ = row
    where = next((name for name, cells in PROSE.items()
                  if any(term in text for _, text in cells)), None)
    assert where == first, f"「{term}」の初出は {where} です (用語集には {first})"


def test_the_check_catches_a_variant(tmp_path):
    pattern = variants(next(row for row in TERMS if row[0] == "正解率")[-1])
    assert any(re.search(p, "テストデータの認識精度は 0.95 です") for p in pattern)
    assert not any(re.search(p, "テストデータの正解率は 0.95 です") for p in pattern)
