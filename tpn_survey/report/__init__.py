"""Render Results: HTML (Jinja + inline SVG), PDF (WeasyPrint), CSV/XLSX tables and JSON.

Heavy libraries (pandas, openpyxl, weasyprint) are imported inside the functions that need them,
so importing this package (and `tpn --help`) stays fast.
"""

from tpn_survey.report.html import ReportMeta, render_html
from tpn_survey.report.json_out import write_json
from tpn_survey.report.pdf import write_pdf
from tpn_survey.report.tables import tidy_table, write_csv, write_xlsx

__all__ = [
    "ReportMeta",
    "render_html",
    "tidy_table",
    "write_csv",
    "write_json",
    "write_pdf",
    "write_xlsx",
]
