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


def stored_report(report: dict[str, Any] | None, order: int) -> dict[str, Any]:
    """The report settings and the survey's place, as results.json keeps them (paths as text)."""
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in (report or {}).items()}
    return {"settings": settings, "order": order}


def stored_settings(results: list[Results]) -> tuple[list[Results], dict[str, Any]]:
    """Results in the order their report had, and its settings (a logo no longer on disk is
    left out): what `tpn report` uses when no tpn.toml is given."""
    ordered = sorted(
        range(len(results)),
        key=lambda i: (results[i].report or {}).get("order", i),
    )
    settings: dict[str, Any] = {}
    for res in results:
        if res.report and res.report.get("settings"):
            settings = dict(res.report["settings"])
            break
    if settings.get("logo") and not Path(str(settings["logo"])).is_file():
        del settings["logo"]
    return [results[i] for i in ordered], settings


def render_outputs(
    results: list[Results],
    formats: list[str],
    names: list[str] | None = None,
    report: dict[str, Any] | None = None,
    templates: Path | None = None,
    start_pdf: Callable[[str], Callable[[], bytes]] | None = None,
    editions: str | None = None,
    notes: list[str] | None = None,
) -> dict[str, bytes]:
    """File name -> content for each requested format. The report's PDF is handed to
    `start_pdf` (a `report.pdf.PdfStart`, e.g. a `PdfWorker` started earlier; rendered in
    process unless given) as soon as its HTML exists, and the other outputs are made meanwhile.
    With `editions` (a group id, e.g. "organization"), one report per value of that group under
    `editions/`, as HTML and/or PDF; an organization left without one is said in `notes`."""
    files: dict[str, bytes] = {}
    html = ""
    pdf: Callable[[], bytes] | None = None
    if "html" in formats or "pdf" in formats:
        from tpn_survey.report.html import render_html
        from tpn_survey.report.meta import report_meta

        html = render_html(results, report_meta(report), templates)
        if "pdf" in formats:
            from tpn_survey.report.pdf import pdf_later

            pdf = (start_pdf or pdf_later)(html)
    if "json" in formats:
        from tpn_survey.report.json_out import dumps

        for i, res in enumerate(results):
            stem = names[i] if names else res.survey.id
            name = "results.json" if len(results) == 1 else f"results-{safe_name(stem)}.json"
            if report or len(results) > 1:  # `tpn report` renders them again the same way
                res = res.model_copy(update={"report": stored_report(report, i)})
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
    if "docx" in formats:
        from tpn_survey.report.docx import docx_bytes
        from tpn_survey.report.meta import report_meta as docx_meta

        files["report.docx"] = docx_bytes(results, docx_meta(report))
    if "html" in formats or "pdf" in formats:
        if "html" in formats:
            files["report.html"] = html.encode("utf-8")
        if pdf is not None:
            files["report.pdf"] = pdf()
        if editions:
            from tpn_survey.report.editions import render_editions

            made = render_editions(results, editions, report_meta(report), templates)
            if notes is not None:
                notes.extend(made.skipped)
            for name, page in made.html.items():
                if "html" in formats:
                    files[name] = page.encode("utf-8")
                if "pdf" in formats:
                    from tpn_survey.report.pdf import pdf_bytes

                    files[name.removesuffix(".html") + ".pdf"] = pdf_bytes(page)
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
