"""--format docx: the report part as an editable Word document, deterministic bytes."""

from __future__ import annotations

import io
import zipfile

import pytest
from test_report import make_results

from tpn_survey.report.meta import ReportMeta

docx = pytest.importorskip("docx")
pytest.importorskip("cairosvg")


def test_docx_has_headings_findings_charts_and_table() -> None:
    from tpn_survey.report.docx import docx_bytes

    data = docx_bytes([make_results()], ReportMeta(title="Board report", network="TPN"))
    doc = docx.Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Board report" and "Summary" in headings and "Key figures" in headings
    assert any(h.startswith("Most agree") or "agree" in h for h in headings)  # finding titles
    assert len(doc.inline_shapes) >= 3  # charts as images
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in z.namelist())
        body = z.read("word/document.xml").decode()
    assert 'descr="' in body and "%" in body.split('descr="', 1)[1][:400]  # alt text, numbers
    rows = [[c.text for c in r.cells] for r in doc.tables[-1].rows]
    assert rows[0] == ["Item", "Agree", "95% CI", "n"]
    assert any(r[1] == "91%" for r in rows[1:])
    assert doc.core_properties.title == "Board report"


def test_docx_bytes_are_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpn_survey.report.docx import docx_bytes

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = docx_bytes([make_results()])
    b = docx_bytes([make_results()])
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert "2023-11-14T22:13:20Z" in z.read("docProps/core.xml").decode()
