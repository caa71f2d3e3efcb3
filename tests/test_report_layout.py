"""The sample report laid out: nothing overflows its cell, chart or page in the PDF (word and
character boxes from pdfplumber), the report part fits 12 pages and speaks plain words, and the
PDF is tagged with alt text carrying each chart's numbers."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from tests.report_sample import sample_project
from tpn_survey.report.html import render_html
from tpn_survey.report.meta import report_meta
from tpn_survey.results import Results

pdfplumber = pytest.importorskip("pdfplumber")
weasyprint = pytest.importorskip("weasyprint")

APPENDIX_WORDS = ("non-substantive", "deff", "icc", "rr2", "holm", "linearized", "feldt")
MAX_REPORT_PAGES = 12


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Results], Path]:
    folder = tmp_path_factory.mktemp("sample")
    project, results = sample_project(folder)
    html = render_html(results, report_meta(project.report))
    from tpn_survey.report.pdf import write_pdf

    pdf = folder / "report.pdf"
    write_pdf(html, pdf)
    return html, results, pdf


def _report_part(html: str) -> str:
    return html[: html.index('<div class="appendix-part"')]


def _text(html: str) -> str:
    html = re.sub(r"<style.*?</style>|<head.*?</head>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_report_part_has_no_appendix_words(sample: tuple[str, list[Results], Path]) -> None:
    html, _, _ = sample
    report = _text(_report_part(html)).lower()  # the charts' text alternatives included
    for word in APPENDIX_WORDS:
        assert not re.search(rf"\b{word}\b", report), word
    appendix = _text(html[html.index('<div class="appendix-part"') :]).lower()
    for word in ("non-substantive", "deff", "icc", "rr2", "holm", "linearized", "feldt"):
        assert re.search(rf"\b{word}\b", appendix), word  # explained where they belong


def _pages_of_report_part(pdf: Path) -> int:
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            if re.search(r"^Technical appendix$", page.extract_text() or "", flags=re.M):
                return number - 1
    raise AssertionError("no Technical appendix page")


def test_report_part_fits_twelve_pages(sample: tuple[str, list[Results], Path]) -> None:
    _, _, pdf = sample
    assert _pages_of_report_part(pdf) <= MAX_REPORT_PAGES


def test_no_text_overflows_page_cell_or_chart(sample: tuple[str, list[Results], Path]) -> None:
    """Every character inside the page's margins; no two characters of a line overlap (text of
    neighbouring cells or labels running into each other); no two numbers run together."""
    _, _, pdf = sample
    problems = []
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            margin = (
                0.5 * 72 / 2.54
            )  # page furniture sits in the 1.8 cm margins; text within 0.5 cm
            for ch in page.chars:
                if not ch["text"].strip():
                    continue
                if (
                    ch["x0"] < margin
                    or ch["x1"] > page.width - margin
                    or ch["top"] < margin
                    or ch["bottom"] > page.height - margin
                ):
                    problems.append(f"page {number}: {ch['text']!r} outside the page")
            lines: dict[int, list[dict]] = {}
            for ch in page.chars:
                if ch["text"].strip() and ch.get("upright", True):
                    lines.setdefault(round(ch["bottom"]), []).append(ch)
            for chars in lines.values():
                chars.sort(key=lambda c: c["x0"])
                for a, b in itertools.pairwise(chars):
                    overlap = a["x1"] - b["x0"]
                    # kerning moves a glyph a fraction of a point; colliding text overlaps more
                    if overlap > 0.35 * min(a["size"], b["size"]) and abs(a["top"] - b["top"]) < 2:
                        problems.append(f"page {number}: {a['text']}{b['text']} overlap")
            for word in page.extract_words(x_tolerance=1):
                if re.search(r"\d%\d|%[–-]\d+%\d", word["text"]):
                    problems.append(f"page {number}: {word['text']!r} runs together")
    assert not problems, problems[:20]


def test_pdf_tagged_with_language_title_and_alt_text(
    sample: tuple[str, list[Results], Path],
) -> None:
    import pypdf

    _, _, pdf = sample
    reader = pypdf.PdfReader(str(pdf))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]).startswith("en")
    assert reader.metadata is not None and reader.metadata.title
    # every figure element carries alt text with numbers in it
    figures = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert figures
    for alt in figures:
        assert re.search(r"\d+%", alt), alt[:120]
