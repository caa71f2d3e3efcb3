"""Text cells made safe for a spreadsheet: the one function every CSV and XLSX writer uses.

A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first, also
after leading spaces or control characters) gets a leading `'`, so it shows as the text it is.
Control characters other than tab, newline and CR are removed: XLSX cannot hold them (openpyxl
refuses the workbook) and in a CSV they only serve to hide or rewrite what a terminal shows.
Values from results.json fed to `tpn report` pass through the same function, so a hostile
results file is as harmless as hostile data.
"""

from __future__ import annotations

import re
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def safe_cell(value: Any) -> Any:
    """A text cell without control characters and never read as a formula; other values
    (numbers, None) unchanged."""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub("", value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def safe_row(values: list[Any]) -> list[Any]:
    """`safe_cell` of each value of a row."""
    return [safe_cell(v) for v in values]


def without_controls(value: Any) -> Any:
    """`value` (text, or a pydantic model, dict or list holding text) with the control
    characters removed that XML cannot hold (DOCX, XLSX); keys too. Other values unchanged."""
    from pydantic import BaseModel

    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, BaseModel):
        dumped = value.model_dump()
        cleaned = without_controls(dumped)
        return value if cleaned == dumped else type(value).model_validate(cleaned)
    if isinstance(value, dict):
        return {without_controls(k): without_controls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_controls(v) for v in value)
    return value
