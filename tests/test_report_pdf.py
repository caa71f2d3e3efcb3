"""PDF through WeasyPrint: pages not blank, headline numbers equal the Results, reproducible."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from test_report import make_results

from tpn_survey.report.format import pct
from tpn_survey.report.html import render_html
from tpn_survey.report.meta import ReportMeta

try:
    import weasyprint  # noqa: F401
except (ImportError, OSError) as ex:  # OSError: pango/cairo missing
    pytest.skip(
        f"WeasyPrint cannot be imported ({ex}); PDF output untested", allow_module_level=True
    )

pypdf = pytest.importorskip("pypdf", reason="pypdf is needed to read the PDF back")

from tpn_survey.report.pdf import write_pdf  # noqa: E402


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    html = render_html([make_results(), make_results(design=True)], ReportMeta(page_size="A4"))
    write_pdf(html, path)
    return path


def _text(path: Path) -> list[str]:
    reader = pypdf.PdfReader(str(path))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def test_pages_not_blank_and_numbered(pdf: Path) -> None:
    pages = _text(pdf)
    assert len(pages) >= 6
    assert all(len(p.strip()) > 20 for p in pages)
    assert f"Page 2 of {len(pages)}" in pages[1]
    reader = pypdf.PdfReader(str(pdf))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_headline_numbers_match_results(pdf: Path) -> None:
    res = make_results()
    text = " ".join(_text(pdf))
    est = next(e for e in res.estimates if e.item == "confident_standards" and not e.group)
    expected = (
        f"{pct(est.rate)} of teacher leaders feel more confident providing standards-aligned "
        f"instruction (95% CI {pct(est.ci_low)}–{pct(est.ci_high)}, n = {est.n})."
    )
    assert expected == (
        "91% of teacher leaders feel more confident providing standards-aligned "
        "instruction (95% CI 88%–93%, n = 512)."
    )
    assert expected in text


def test_suppressed_cells_in_pdf(pdf: Path) -> None:
    text = " ".join(_text(pdf))
    assert re.search(r"Org C n<10", text)
    assert not re.search(r"Org C (100|>99)%", text)


def test_toc_page_numbers(pdf: Path) -> None:
    pages = _text(pdf)
    toc = pages[0]  # the contents are on the cover
    found = re.search(r"Technical appendix[ .]*(\d+)", toc)
    assert found is not None
    appendix_page = pages[int(found.group(1)) - 1]
    assert appendix_page.lstrip().split("\n")[0] != "" and "Technical appendix" in appendix_page


def test_pdf_reproducible(pdf: Path, tmp_path: Path) -> None:
    html = render_html([make_results(), make_results(design=True)], ReportMeta(page_size="A4"))
    again = tmp_path / "again.pdf"
    write_pdf(html, again)
    assert again.read_bytes() == pdf.read_bytes()
    meta = pypdf.PdfReader(str(again)).metadata
    # the run's day (no SOURCE_DATE_EPOCH, no [report] date), not a fixed date
    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    assert meta is not None and meta["/CreationDate"].startswith(f"D:{today}")
    dated = render_html([make_results()], ReportMeta(date=dt.date(2018, 6, 30)))
    write_pdf(dated, again)
    assert pypdf.PdfReader(str(again)).metadata["/CreationDate"].startswith("D:20180630")


def test_worker_process_gives_the_same_bytes(pdf: Path) -> None:
    """The worker process started before the analysis renders exactly what pdf_bytes does."""
    from tpn_survey.report.pdf import PdfWorker, pdf_renderer

    html = render_html([make_results(), make_results(design=True)], ReportMeta(page_size="A4"))
    with pdf_renderer(True) as start:
        assert start(html)() == pdf.read_bytes()
    with pdf_renderer(False) as start:
        assert start(html)() == pdf.read_bytes()
    worker = PdfWorker()  # a run that fails before the report: the worker is stopped
    worker.close()
    assert worker._proc.returncode is not None
    worker = PdfWorker()  # ... or while the worker renders (another output failed)
    worker.start(html)
    worker.close()
    assert worker._proc.returncode is not None


def test_worker_errors_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from tpn_survey.errors import OptionError
    from tpn_survey.report.pdf import pdf_renderer

    # The worker cannot import WeasyPrint: the message the in-process render would give.
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent / "fixtures" / "no_weasyprint"))
    with pdf_renderer(True) as start, pytest.raises(OptionError, match="needs WeasyPrint"):
        start(render_html([make_results()]))()


def test_worker_that_died_before_the_html_is_an_option_error() -> None:
    from tpn_survey.errors import OptionError
    from tpn_survey.report.pdf import PdfWorker

    worker = PdfWorker()
    worker._proc.kill()
    worker._proc.wait()
    result = worker.start(render_html([make_results()]))  # the broken pipe is not the error
    with pytest.raises(OptionError, match="the PDF could not be rendered: exit status -9"):
        result()
    worker.close()


def test_pdf_does_not_fetch(tmp_path: Path) -> None:
    html = render_html([make_results()]).replace(
        "</body>", '<img src="http://127.0.0.1:9/x.png" alt="x"></body>'
    )
    write_pdf(html, tmp_path / "r.pdf")  # the fetcher refuses http: the image is just left out
    assert (tmp_path / "r.pdf").stat().st_size > 1000


def test_new_sections_in_pdf_equal_results(tmp_path: Path) -> None:
    from test_report_sections import make_rich

    from tpn_survey.report.format import decimal

    res = make_rich()
    path = tmp_path / "rich.pdf"
    write_pdf(render_html([res]), path)
    pages = _text(path)
    text = " ".join(pages)
    assert all(len(p.strip()) > 20 for p in pages)
    change = res.trends[0]
    assert f"+{round(change.difference * 100)} pts (significant)" in text
    mean = res.means[0]
    assert (
        f"{decimal(mean.mean)} on a 1–4 scale {decimal(mean.ci_low)}–{decimal(mean.ci_high)}"
        in (text)
    )
    assert "73% response rate" in text
    assert "Cronbach's α 0.63 (95% CI 0.57–0.68, n = 483)" in text.replace("\u00a0", " ")
    assert "2018 n<10 n<10" in text
    # each new table's caption is on the same page as its first row
    for caption, first_row in [
        ("Agreement by wave and change", "2016"),
        ("Composites: average answer", "Standards confidence"),
        ("Response rates by organization", "All 712"),
    ]:
        page = next(p for p in pages if caption in p)
        assert first_row in page.split(caption, 1)[1], caption


def test_no_cycle_collection_while_rendering() -> None:
    """The collector pauses for the render (~8 % of it, five passes over the whole heap) and is
    left as it was found."""
    import gc

    from tpn_survey.report.pdf import pdf_bytes

    html = render_html([make_results()])
    passes: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(count)
    try:
        assert gc.isenabled()
        pdf_bytes(html)
        assert gc.isenabled()
        assert len(passes) <= 1  # one may fall before the render (~800 passes without the pause)
        gc.disable()
        pdf_bytes(html)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()
        gc.callbacks.remove(count)


def test_no_file_identifier(pdf: Path) -> None:
    """No /ID: optional, and pydyf hashes every object again to make one."""
    reader = pypdf.PdfReader(str(pdf))
    assert "/ID" not in reader.trailer
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
