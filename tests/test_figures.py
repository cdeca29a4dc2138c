"""Figures quoted in the README and the user guide are the figures of the
benchmark pages they cite: a paragraph (or a table, with the paragraph
before it) that links a page under docs/ quotes only decimals that page
holds. A measured figure lives on the page that measured it; a copy that
drifts from it fails here."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
QUOTING = [ROOT / "README.md", ROOT / "docs" / "guide.md"]
_LINK = re.compile(r"\]\(([\w./-]+\.md)(?:#[\w-]*)?\)")
# a decimal figure: 70.6, 1.28 (of 1.28x), 24,420.5; not a version (2.13.0)
_FIGURE = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})*\.\d+(?![\w.]*\d)")


def blocks(text):
    """Paragraphs and tables outside code fences; a table carries the
    paragraph before it (where its source is usually linked)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    out, previous = [], ""
    for block in re.split(r"\n\s*\n", text):
        block = block.strip()
        if not block or block.startswith("#"):
            continue
        if block.startswith("|"):
            out.append((previous + "\n" + block, block))
        else:
            out.append((block, block))
        previous = block
    return out


def figures(block):
    """The decimals of ``block`` outside inline code."""
    return set(_FIGURE.findall(re.sub(r"`[^`]*`", "", block)))


def cited_pages(context, source):
    pages = []
    for link in _LINK.findall(context):
        path = (source.parent / link).resolve()
        if path.is_file() and path.parent == (ROOT / "docs").resolve():
            if path.name != "guide.md":
                pages.append(path)
    return pages


def quotes():
    for source in QUOTING:
        for context, block in blocks(source.read_text()):
            pages = cited_pages(context, source)
            if pages:
                yield source, block, pages


@pytest.mark.parametrize("source", QUOTING, ids=lambda p: p.name)
def test_quoted_figures_are_on_the_cited_page(source):
    stale = []
    for quoting, block, pages in quotes():
        if quoting != source:
            continue
        texts = [page.read_text() for page in pages]
        names = ", ".join(page.name for page in pages)
        for part in block.splitlines() if block.startswith("|") else [block]:
            missing = sorted(figures(part) - held(part, texts))
            if missing:
                stale.append(f"{missing} not in {names}: {part[:90]!r}")
    assert not stale, "\n".join(stale)


def held(part, texts):
    """The figures a quote may hold: those of the cited pages' table rows
    with the same label as a quoted table row, else of the whole pages."""
    label = part.split("|")[1].strip() if part.startswith("|") else None
    rows = [
        line
        for text in texts
        for line in text.splitlines()
        if label and line.startswith("|") and line.split("|")[1].strip() == label
    ]
    found = _FIGURE.findall("\n".join(rows or texts))
    # a quote may round: 9.4 quotes 9.39
    return {f"{float(f.replace(',', '')):.{d}f}" for f in found for d in (1, 2)} | set(
        found
    )


def test_the_check_finds_a_figure_that_drifted(tmp_path):
    page = tmp_path / "docs" / "page.md"
    page.parent.mkdir()
    page.write_text("| JEPA | 70.7 |\n")
    text = "JEPA reaches 70.7 ([page](page.md)); twin 63.4.\n"
    ((context, block),) = blocks(text)
    assert figures(block) == {"70.7", "63.4"}
    assert _FIGURE.findall("torch 2.13.0, 1.28x and 24,420.5") == ["1.28", "24,420.5"]
    # a quoted row is held to the cited page's row of the same label
    row = "| JEPA | 63.4 |"
    assert "70.7" in held(row, [page.read_text()])
    assert "63.4" not in held(row, [page.read_text()])
