"""HTML report -> PDF with WeasyPrint (print CSS in the HTML), with reproducible bytes."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import gc
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tpn_survey.errors import OptionError
from tpn_survey.report._atomic import write_bytes_atomic

FALLBACK_DATE = "2000-01-01T00:00:00Z"
_CREATED = re.compile(r'<meta name="dcterms.created" content="([^"]+)">')


def _pdf_date(html: str) -> str:
    """SOURCE_DATE_EPOCH if set, else the date the HTML carries, else a fixed date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = _CREATED.search(html)
    return found.group(1) if found else FALLBACK_DATE


_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_SVG_SIZE = re.compile(r'\bwidth="([\d.]+)" height="([\d.]+)"')
_SVG_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)
_SVG_DESC = re.compile(r"<desc\b[^>]*>(.*?)</desc>", re.S)


def _chart_image(match: re.Match[str]) -> str:
    """One inline chart as an <img> of the same SVG (a data: URI), sized as the chart."""
    svg = match.group(0)
    size = _SVG_SIZE.search(svg[: svg.index(">")])
    title = _SVG_TITLE.search(svg)
    desc = _SVG_DESC.search(svg)
    alt = " ".join(m.group(1).rstrip(".") + "." for m in (title, desc) if m is not None)
    dims = f' width="{size.group(1)}" height="{size.group(2)}"' if size else ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img class="chart" alt="{alt}"{dims} src="data:image/svg+xml;base64,{data}">'


_NARROW = re.compile(r'<div class="narrow">.*?</div>', re.S)


def charts_as_images(html: str) -> str:
    """The report's inline SVG charts as images, for print.

    WeasyPrint draws an inline <svg> and an SVG image alike, but it also runs the page's CSS
    cascade over every element inside an inline one: half the elements of a report. The
    title and description (already escaped: the chart's finding and its numbers) become the
    image's alt text. The narrow-screen copies of charts are left out of print.
    """
    return _SVG.sub(_chart_image, _NARROW.sub("", html))


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cycle collector paused, then restored as it was.

    A render makes millions of short-lived objects: the collector ran ~800 times during the
    sample report, five of them over the whole heap, ~8 % of WeasyPrint's time; without it
    the render's peak memory grows by ~4 MB (of ~160). The cycles are freed at the next
    collection after the render.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def pdf_bytes(html: str) -> bytes:
    """Render `html` to PDF bytes; identical input gives identical bytes."""
    try:
        import weasyprint
    except (ImportError, OSError) as ex:  # OSError: missing pango/cairo libraries
        raise OptionError(
            f"PDF output needs WeasyPrint (pip install 'tpn-survey[pdf]'): {ex}"
        ) from None

    date = _pdf_date(html)
    epoch = int(dt.datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp())
    # Only data: URIs (the inline logo); the report never fetches files or network resources.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    # fontTools stamps each embedded font subset with "now" unless SOURCE_DATE_EPOCH is set.
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(max(0, epoch))
    try:
        with _no_cyclic_gc():
            page = weasyprint.HTML(string=charts_as_images(html), url_fetcher=fetcher)
            document = page.render()
            document.metadata.created = date
            document.metadata.modified = date
            # Tagged (structure tree, language, figure alt text): PDF/UA-1. No /ID (optional
            # in PDF 1.7 and PDF/UA-1): pydyf would serialize and compress every object a
            # second time to hash them, ~15 % of write_pdf.
            data = document.write_pdf(pdf_identifier=False, pdf_variant="pdf/ua-1")
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    assert isinstance(data, bytes)
    return data


class PdfWorker:
    """WeasyPrint in a child process (`tpn_survey.report.pdf_worker`), started before the
    analysis so that importing it, half a second, overlaps the analysis on another core."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tpn_survey.report.pdf_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def start(self, html: str) -> Callable[[], bytes]:
        """Send `html` to the worker, which renders it while this process goes on; the returned
        function waits for the PDF (as `pdf_bytes` gives it). The worker renders one document."""
        stdin = self._proc.stdin
        assert stdin is not None
        # Closed here so that the worker sees the end of its input; communicate() would flush
        # a closed stdin and fail, so the Popen no longer holds it.
        self._proc.stdin = None
        # This may wait for the worker to finish importing WeasyPrint, which it then needs
        # anyway before the PDF is ready: the longer path of the two.
        with suppress(BrokenPipeError):  # the worker died: result() says why
            stdin.write(html.encode("utf-8"))
        with suppress(BrokenPipeError):
            stdin.close()
        return self._result

    def _result(self) -> bytes:
        out, err = self._proc.communicate()
        if self._proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit status {self._proc.returncode}"
            raise OptionError(f"the PDF could not be rendered: {reason}")
        return out

    def close(self) -> None:
        """Stop the worker if it is still running (a failed or interrupted run)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.communicate()


PdfStart = Callable[[str], Callable[[], bytes]]
"""HTML -> a function that gives its PDF bytes: rendering may start at once, elsewhere."""


def pdf_later(html: str) -> Callable[[], bytes]:
    """`pdf_bytes` as a `PdfStart`: rendered in this process when the PDF is asked for."""
    return functools.partial(pdf_bytes, html)


@contextmanager
def pdf_renderer(start_worker: bool) -> Iterator[PdfStart]:
    """A `PdfStart`: a `PdfWorker` started now, or `pdf_later` in this process."""
    if not start_worker:
        yield pdf_later
        return
    worker = PdfWorker()
    try:
        yield worker.start
    finally:
        worker.close()


def write_pdf(html: str, path: Path) -> None:
    """Write the report PDF to `path` atomically (temporary file, then rename)."""
    write_bytes_atomic(Path(path), pdf_bytes(html))
