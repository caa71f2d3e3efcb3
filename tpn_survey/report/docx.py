"""The report part as a Word document (python-docx), for staff who add their own narrative:
headings, the findings, each survey's sentences and charts (SVG drawn to PNG by cairosvg, no
network), and a table of agreement by item. Same inputs, same bytes: fixed core-property dates
and zip entry times (SOURCE_DATE_EPOCH, else the report's date, else the day of the run)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from tpn_survey.errors import OptionError
from tpn_survey.report.meta import ReportMeta, build_date, report_year
from tpn_survey.results import Results

_TAG = re.compile(r"<[^>]+>")


def _png(svg: str) -> io.BytesIO:
    """An SVG chart as a PNG at twice its size (sharp when printed)."""
    import cairosvg

    return io.BytesIO(cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=2))


def _width(svg: str) -> float:
    found = re.search(r'width="([\d.]+)"', svg)
    return float(found.group(1)) if found else 720.0


def _picture(doc: Any, svg: str, alt: str) -> None:
    from docx.shared import Inches

    # 96 px an inch, at most the 6.5 in of a Letter page's text width
    doc.add_picture(_png(svg), width=Inches(min(6.5, _width(svg) / 96)))
    doc.paragraphs[-1].runs[-1]._r.xpath(".//wp:docPr")[0].set("descr", alt)


def _text(markup: Any) -> str:
    return _TAG.sub("", str(markup)).replace("&amp;", "&").replace("&lt;", "<").replace(
        "&gt;", ">"
    ).replace("&#34;", '"').replace("&#39;", "'")  # fmt: skip


def _alt(svg: str) -> str:
    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.S)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S)
    return " ".join(_text(m.group(1)) for m in (title, desc) if m)


def docx_bytes(surveys: list[Results], meta: ReportMeta | None = None) -> bytes:
    """The report part (cover figures, findings, a section per survey) as .docx bytes."""
    try:
        import docx
    except ImportError as ex:
        raise OptionError(f"DOCX output needs python-docx and cairosvg: {ex}") from None
    from tpn_survey.report.cells import without_controls
    from tpn_survey.report.html import report_parts

    # python-docx refuses text with control characters (NUL, ESC...): one pass removes them.
    surveys = [without_controls(res) for res in surveys]
    meta = without_controls(meta or ReportMeta())
    parts = report_parts(surveys, meta)
    when = build_date(meta, surveys)
    doc = docx.Document()
    props = doc.core_properties
    props.title, props.author = meta.title, meta.network or ""
    props.created = props.modified = props.last_printed = when.replace(tzinfo=None)
    props.revision = 1
    doc.add_heading(meta.title, 0)
    year = report_year(meta, surveys)
    if meta.network or year:
        doc.add_paragraph(" · ".join(str(x) for x in (meta.network, year) if x))
    doc.add_heading("Key figures", 1)
    table = doc.add_table(rows=0, cols=2)
    for f in parts["key_figures"]:
        cells = table.add_row().cells
        cells[0].text = f["value"]
        cells[1].text = f"{f['label']} ({f['note']})"
    if parts["findings"]:
        doc.add_heading("Summary", 1)
        for f in parts["findings"]:
            doc.add_paragraph(_text(f["sentence"]), style="List Number")
            _picture(doc, str(f["chart"]), _alt(str(f["chart"])))
            doc.add_paragraph(_text(f["detail"]))
    for s in parts["surveys"]:
        doc.add_heading(s["res"].survey.title, 1)
        doc.add_paragraph(_text(s["lede"]))
        for h in s["headlines"]:
            doc.add_paragraph(_text(h), style="List Bullet")
        for chart in s["bars"]:
            doc.add_heading(_text(chart["title"]), 3)
            _picture(doc, str(chart["wide"]), _alt(str(chart["wide"])))
        for d in s["differences"]:
            doc.add_paragraph(_text(d), style="List Bullet")
        for bd in s["breakdowns"]:
            doc.add_heading(f"By {bd.label.lower()}", 2)
            for chart in bd.charts:
                _picture(doc, str(chart["svg"]), _alt(str(chart["svg"])))
        rows = s["overall_rows"]
        if rows:
            doc.add_heading("Agreement by item", 2)
            grid = doc.add_table(rows=1, cols=4)
            grid.style = "Light List Accent 1"
            for cell, text in zip(grid.rows[0].cells, ["Item", "Agree", f"{s['level']} CI", "n"],
                                  strict=True):  # fmt: skip
                cell.text = text
            for r in rows:
                cells = grid.add_row().cells
                values = [r.label, r.mask or r.rate, "" if r.mask else r.ci, "" if r.mask else r.n]
                for cell, text in zip(cells, values, strict=True):
                    cell.text = text
    raw = io.BytesIO()
    doc.save(raw)
    return _fixed_zip(raw.getvalue(), when.timetuple()[:6])


def _fixed_zip(data: bytes, when: tuple[int, ...]) -> bytes:
    """The same zip with every entry's time set to `when` (python-docx stamps "now")."""
    stamp = (max(1980, when[0]), *when[1:6])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)  # type: ignore[arg-type]
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
