"""Personal data: the patterns of names and values that look personal, shared by validation
(a warning for a column not listed under `pii`) and `schema infer` (which drafts such a
column under `pii`). Values are never shown, only the column."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.analysis.coding import trimmed_factorize
from tpn_survey.problems import Problem, ProblemCode
from tpn_survey.shown import clip, shown

if TYPE_CHECKING:
    import pandas as pd

    from tpn_survey.io.table import Table
    from tpn_survey.schema import Instrument


# Patterns of personal data. Emails and phone numbers are looked for anywhere in a cell (free
# text can hold them); IP addresses and coordinates must be the whole (trimmed) cell. Every
# pattern runs in time linear in the cell: no leading `.*`, and each unbounded repeat stops at a
# character the next part needs (a 2 MB cell is scanned once, not once per start position).
PERSONAL_PATTERNS = {
    "email addresses": r"[^@\s]@[^@\s.]+(?:\.[^@\s.]+)*\.[A-Za-z]{2,}",
    "phone numbers": r"(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}",
    "IP addresses": r"(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}",
    "coordinates": r"-?\d{1,3}\.\d{4,}",
}
_ANYWHERE = {"email addresses", "phone numbers"}
LOCATION_NAME = re.compile(r"(?i)lat|lon|coord|location")
PERSONAL_NAMES = re.compile(
    r"(?i)(e-?mail|phone|mobile|(first|last|full|given|family|sur)[ _.-]?name|^name$|recipient"
    r"|ip[ _.-]?address|^ip$|latitude|longitude|^lat$|^lng$|^lon$|street|address|postal"
    r"|zip[ _-]?code|birth)"
)


def check_personal(schema: Instrument, table: Table) -> list[Problem]:
    """Warn about columns not listed under `pii` that look personal; never show their values.

    Patterns are tried on distinct values (a sample of the first 5,000 to decide, all of them
    to count), so a million-row column costs one factorize.
    """
    frame = table.frame
    used = {i.column for i in schema.items} | {schema.respondent_id}
    # Open answers are never copied to tables; quotes from them are scrubbed (analysis/texts).
    used |= {q.column for q in schema.questions if q.type == "text" and q.column}
    patterns = {
        what: re.compile(p).search if what in _ANYWHERE else re.compile(p).fullmatch
        for what, p in PERSONAL_PATTERNS.items()
    }
    out = []
    for col in table.columns:
        if col in used or col in schema.pii:
            continue
        if not LOCATION_NAME.search(col) and _all_numbers(frame[col]):
            # Only "coordinates" can match a number, and only in a column named for a place.
            if PERSONAL_NAMES.search(col) and len(frame):
                out.append(_personal(col, ["its name suggests personal data"]))
            continue
        inverse, texts = trimmed_factorize(frame[col])
        per_text = np.bincount(inverse, minlength=len(texts))
        nonblank = int(per_text.sum() - per_text[texts.index("")])
        found = []
        for what, matches in patterns.items():
            if what == "coordinates" and not LOCATION_NAME.search(col):
                continue
            if not any(matches(t) for t in texts[:5000] if t):
                continue
            count = sum(int(per_text[i]) for i, t in enumerate(texts) if t and matches(t))
            found.append(f"{count} value(s) look like {what}")
        if PERSONAL_NAMES.search(col) and not found and nonblank:
            found.append("its name suggests personal data")
        if found:
            out.append(_personal(col, found))
    return out


def _personal(col: str, found: list[str]) -> Problem:
    return Problem(
        code=ProblemCode.POSSIBLE_PII,
        severity="warning",
        column=clip(col),
        message=(
            f"column {shown(col)} is not listed under pii but {'; '.join(found)}; "
            "add it to the schema's pii list to keep it out of every output"
        ),
    )


def _all_numbers(values: pd.Series) -> bool:
    """True when every cell of an arrow-backed text column is a number (arrow casts it)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(values) or not (
        isinstance(values.dtype, pd.ArrowDtype)
        or getattr(values.dtype, "storage", None) == "pyarrow"
    ):
        return False
    try:
        cells = pa.array(values.array)
        if not (pa.types.is_string(cells.type) or pa.types.is_large_string(cells.type)):
            return False
        # A text column fails on its first cells: no need to trim a million of them first.
        pc.cast(pc.utf8_trim_whitespace(cells.slice(0, 1000)), pa.float64())
        pc.cast(pc.utf8_trim_whitespace(cells), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return False
    return True


_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")


def looks_personal(column: str, values: list[str]) -> bool:
    """True when a column's name suggests personal data, or most of its first 200 distinct
    values are e-mail addresses, phone numbers or IP addresses (what `schema infer` lists under
    `pii`)."""
    if PERSONAL_NAMES.search(column):
        return True
    sample = [v for v in values[:200] if v]
    if not sample:
        return False
    for what in ("email addresses", "phone numbers", "IP addresses"):
        pattern = re.compile(PERSONAL_PATTERNS[what])
        hits = sum(1 for v in sample if pattern.search(v) and not _DECIMAL.match(v))
        if hits * 2 > len(sample):
            return True
    return False
