"""All outputs of a run, rendered in memory first and then written together.

Rendering (the slow part: the PDF) happens before any file is touched; the files are then
written as one set (`report.output_set`), never over an input, so a run that fails or is
interrupted leaves the previous outputs as they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tpn_survey.errors import OutputError
from tpn_survey.report.output_set import MANIFEST, write_output_set
from tpn_survey.results import Results

FORMATS = ("html", "pdf", "json", "csv", "xlsx")


def safe_name(text: str) -> str:
    """A file-name fragment: letters, digits, `._-` only, never a path."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip(".-")
    return name[:80] or "survey"


def render_outputs(
    results: list[Results],
    formats: list[str],
    names: list[str] | None = None,
    report: dict[str, Any] | None = None,
    templates: Path | None = None,
    render_pdf: Callable[[str], bytes] | None = None,
) -> dict[str, bytes]:
    """File name -> content for each requested format; `render_pdf` (HTML -> PDF bytes) is
    `report.pdf.pdf_bytes` unless given (e.g. a `PdfWorker` started earlier)."""
    files: dict[str, bytes] = {}
    if "json" in formats:
        from tpn_survey.report.json_out import dumps

        for i, res in enumerate(results):
            stem = names[i] if names else res.survey.id
            name = "results.json" if len(results) == 1 else f"results-{safe_name(stem)}.json"
            files[name] = dumps(res).encode("utf-8")
    if "csv" in formats:
        from tpn_survey.report.tables import csv_bytes, tidy_table

        files["tables.csv"] = csv_bytes(tidy_table(results))
        from tpn_survey.report.question_tables import question_tables

        for name, frame in question_tables(results).items():  # no free text: counts only
            files[f"{name}.csv"] = csv_bytes(frame)
    if "xlsx" in formats:
        from tpn_survey.report.workbook import xlsx_bytes

        files["tables.xlsx"] = xlsx_bytes(results)
    if "html" in formats or "pdf" in formats:
        from tpn_survey.report.html import render_html
        from tpn_survey.report.meta import report_meta

        html = render_html(results, report_meta(report), templates)
        if "html" in formats:
            files["report.html"] = html.encode("utf-8")
        if "pdf" in formats:
            from tpn_survey.report.pdf import pdf_bytes

            files["report.pdf"] = (render_pdf or pdf_bytes)(html)
    return files


def refuse_inputs(out: Path, names: Iterable[str], inputs: Iterable[Path]) -> None:
    """OutputError (exit 2) if writing `names` into `out` would overwrite an input file (data,
    schema, margins, tpn.toml, templates, results.json) or `out` is an input itself."""
    target = Path(out).resolve()
    written = {target / n for n in names} | {target / MANIFEST}
    for given in inputs:
        path = Path(given).resolve()
        if path == target:
            raise OutputError(f"--out {out} is an input ({given}); give another output folder")
        if path in written:
            raise OutputError(
                f"--out {out} would overwrite the input {given} (tpn writes {path.name} there); "
                "give another output folder"
            )


def write_files(out: Path, files: dict[str, bytes], inputs: Iterable[Path] = ()) -> list[Path]:
    """Write every file into `out` as one output set (see `report.output_set`): all or nothing,
    with a manifest; never over an input."""
    refuse_inputs(out, files, inputs)
    return write_output_set(out, files, inputs)
