"""Data problems: the one shape of everything wrong with the data (`Problem`), every code in
one enum (`ProblemCode`), the report `tpn validate` gives (`ValidationReport`), and the
did-you-mean hint the messages share."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tpn_survey.shown import shown


class ProblemCode(StrEnum):
    """Every problem code tpn reports (documented in schemas/results.schema.json)."""

    MISSING_COLUMN = "missing-column"
    MISSING_ID = "missing-id"
    DUPLICATE_ID = "duplicate-id"
    OFF_SCALE = "off-scale"
    UNKNOWN_GROUP_VALUE = "unknown-group-value"
    BLANK_GROUP = "blank-group"
    MISSING_DESIGN_VALUE = "missing-design-value"
    BAD_WEIGHT = "bad-weight"
    BAD_FPC = "bad-fpc"
    POSSIBLE_PII = "possible-pii"
    NO_ANSWERS = "no-answers"
    NO_RESPONSES = "no-responses"
    RAGGED_ROW = "ragged-row"
    ENCODING_GUESSED = "encoding-guessed"
    MORE_RESPONSES_THAN_INVITED = "more-responses-than-invited"
    NOT_INVITED = "not-invited"
    RATES_ONE_WAVE = "rates-one-wave"
    RATES_GROUP = "rates-group"
    CUT_IN_QUOTE = "cut-in-quote"
    MERGED_SPELLINGS = "merged-spellings"
    FORMULA_WITHOUT_VALUE = "formula-without-value"
    MERGED_CELLS = "merged-cells"
    HIDDEN_SHEET = "hidden-sheet"
    # question types (issue 16)
    UNKNOWN_OPTION = "unknown-option"
    EXCLUSIVE_COMBINED = "exclusive-combined"
    NOT_A_NUMBER = "not-a-number"
    OUT_OF_RANGE = "out-of-range"
    ANSWERED_NOT_ASKED = "answered-not-asked"
    LINK_REPEATED = "link-repeated"  # issue 17: a link id twice in one wave
    PAIR_ADJACENT = "pair-adjacent"  # issue 17: a retrospective pair's columns side by side
    PAIRS_CHUNKED = "pairs-chunked"  # issue 17: pairs not analyzed when read in chunks


class Problem(BaseModel):
    """One data problem: what, where (file, spreadsheet row, column) and the offending value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ProblemCode
    severity: Literal["error", "warning"]
    file: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str

    def where(self) -> str:
        parts = [p for p in (self.file, self.row and f"row {self.row}", self.column) if p]
        return ", ".join(str(p) for p in parts)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """' (did you mean 'X'?)' for the closest choice, or ''."""
    choices = list(choices)
    if len(value) > 200:  # difflib is quadratic; a long value is no typo of a short choice
        return ""
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if not close:
        folded = {c.casefold().strip(): c for c in choices}
        close = difflib.get_close_matches(value.casefold().strip(), list(folded), n=1, cutoff=0.6)
        close = [folded[c] for c in close]
    return f" (did you mean {shown(close[0])}?)" if close else ""


class ValidationReport(BaseModel):
    """What `tpn validate` finds: valid when no problem is an error. The CLI's
    `--format json` prints exactly this object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid: bool
    stats: dict[str, int]
    problems: list[Problem]

    @classmethod
    def of(cls, problems: list[Problem], rows_read: int, items: int) -> ValidationReport:
        errors = sum(p.severity == "error" for p in problems)
        stats = {
            "rows_read": rows_read,
            "items": items,
            "errors": errors,
            "warnings": len(problems) - errors,
        }
        return cls(valid=errors == 0, stats=stats, problems=problems)
