"""The PDF worker process: imports WeasyPrint at once, then renders the HTML read from stdin
to PDF bytes on stdout (see `report.pdf.PdfWorker`). Errors go to stderr, one line."""

from __future__ import annotations

import contextlib
import sys


def main() -> int:
    # Loaded while the parent analyzes; if it cannot load, pdf_bytes says why when asked.
    with contextlib.suppress(ImportError, OSError):
        import weasyprint  # noqa: F401
    from tpn_survey.errors import TpnError
    from tpn_survey.report.pdf import pdf_bytes

    html = sys.stdin.buffer.read().decode("utf-8")
    if not html:  # the parent went away without sending a report
        return 0
    try:
        data = pdf_bytes(html)
    except TpnError as ex:
        print(ex, file=sys.stderr)
        return 2
    sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
