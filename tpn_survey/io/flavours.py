"""Export flavours: recognize Qualtrics, SurveyMonkey, Google Forms or plain from the header rows.

Column naming rules (what a schema's `column:` refers to):

- **plain**: the header row as written (trimmed).
- **qualtrics**: row 1 (the column ids, e.g. `Q5_1`, `ResponseId`); row 2 (question text) goes to
  `Table.questions`; row 3 (`{"ImportId":...}`) is dropped. Respondents start at row 4 (row 3
  when one of the two extra rows was deleted by hand; legacy `V1,V2,...` exports likewise).
- **surveymonkey**: row 1 holds the question (only over the first of its columns), row 2 the
  sub-question, "Response" or blank. A column is named by its question when row 2 is blank or
  "Response"/"Open-Ended Response", else `"<question> - <sub-question>"` (the question carried
  over from the left for matrix columns). Respondents start at row 3.
- **google**: the header row as written, grids as `Question [Row]`. Respondents start at row 2.

Vendor exports may repeat a name; the second becomes `"<name> (2)"`, and so on. Plain CSV
files with a repeated name are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tpn_survey.errors import InputError

EXPORTS = ("plain", "qualtrics", "surveymonkey", "google")
_ALIASES = {
    "csv": "plain",
    "plain": "plain",
    "qualtrics": "qualtrics",
    "surveymonkey": "surveymonkey",
    "survey-monkey": "surveymonkey",
    "monkey": "surveymonkey",
    "google": "google",
    "google-forms": "google",
    "googleforms": "google",
    "forms": "google",
}
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_SM_SUBS = {"response", "open-ended response", "responses"}
_GOOGLE_FIRST = {
    "timestamp",
    "marca temporal",
    "horodateur",
    "zeitstempel",
    "carimbo de data/hora",
    "informazioni cronologiche",
    "tijdstempel",
}

#: Columns a survey platform adds about the response rather than answers (matched case-folded).
METADATA = {
    c.casefold()
    for c in (
        # Qualtrics
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "ResponseID",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "ExternalDataReference",
        "LocationLatitude",
        "LocationLongitude",
        "LocationAccuracy",
        "DistributionChannel",
        "UserLanguage",
        "Q_RecaptchaScore",
        "Q_RelevantIDDuplicate",
        "Q_RelevantIDDuplicateScore",
        "Q_RelevantIDFraudScore",
        "Q_RelevantIDLastStartDate",
        "Q_BallotBoxStuffing",
        "Q_TotalDuration",
        "Q_URL",
        "Q_DataPolicyViolations",
        # SurveyMonkey
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        # Google Forms
        "Timestamp",
        "Score",
        "Total score",
    )
}
_CUSTOM_DATA = re.compile(r"^custom data \d+$")


def is_metadata(column: str) -> bool:
    """Whether a column is one a survey platform adds (dates, ids, IP address, recipient...)."""
    folded = column.strip().casefold()
    return folded in METADATA or bool(_CUSTOM_DATA.match(folded))


def normalize_export(name: str, export: str | None) -> str | None:
    """The canonical flavour of an `--export` value (None = recognize from content)."""
    if export is None:
        return None
    key = export.strip().casefold()
    if key not in _ALIASES:
        raise InputError(
            f"{name}: unknown export flavour {export!r} (use one of {', '.join(EXPORTS)})"
        )
    return _ALIASES[key]


@dataclass
class Layout:
    """How a file's first records map to column names: flavour, header rows, names, questions."""

    export: str
    header_rows: int
    columns: list[str]
    questions: dict[str, str] = field(default_factory=dict)
    metadata: list[str] = field(default_factory=list)


def _row(records: list[list[str]], i: int) -> list[str]:
    return records[i] if len(records) > i else []


def detect_export(records: list[list[str]]) -> str:
    """Flavour from the first three records of a file."""
    if any(_IMPORT_ID.match(c) for c in _row(records, 2)) or any(
        _IMPORT_ID.match(c) for c in _row(records, 1)
    ):
        return "qualtrics"
    first = [c.strip() for c in _row(records, 0)]
    second = [c.strip() for c in _row(records, 1)]
    if first[:1] == ["V1"] and second[:1] == ["ResponseID"]:
        return "qualtrics"  # legacy export: V1..Vn ids, then a row of names/question text
    if _qualtrics_text_row(first, second):
        return "qualtrics"  # the ImportId row was deleted by hand; the question row is left
    folded = [c.casefold() for c in first]
    # SurveyMonkey's second row is a sub-heading row: "Response" under a question, blank under
    # its own columns, and a question heads several columns (blank header cells). A plain file
    # whose first answer happens to be "Response" has neither blanks in its header nor a blank
    # first cell under it.
    if any(c.casefold() in _SM_SUBS for c in second) and (
        "" in first or second[:1] == [""] or "respondent id" in folded
    ):
        return "surveymonkey"
    if "respondent id" in folded and "collector id" in folded:
        idx = folded.index("respondent id")
        if len(second) > idx and second[idx] == "":
            return "surveymonkey"
    if folded and folded[0] in _GOOGLE_FIRST:
        return "google"
    return "plain"


_QUALTRICS_TEXT = {"StartDate": "Start Date", "ResponseId": "Response ID", "EndDate": "End Date"}


def _qualtrics_text_row(first: list[str], second: list[str]) -> bool:
    """Qualtrics ids on row 1 with their display names right under them on row 2."""
    hits = 0
    for col, text in _QUALTRICS_TEXT.items():
        if col in first:
            i = first.index(col)
            if i < len(second) and second[i] == text:
                hits += 1
    return hits >= 2


def layout(name: str, records: list[list[str]], export: str | None = None) -> Layout:
    """Column names, question text and header-row count for the flavour (given or detected)."""
    if not records:
        raise InputError(f"{name}: the file has no header row")
    flavour = normalize_export(name, export) or detect_export(records)
    if flavour == "qualtrics":
        out = _qualtrics(name, records)
    elif flavour == "surveymonkey":
        out = _surveymonkey(name, records)
    elif flavour == "google":
        cols = unique_names(name, clean_names(name, records[0]))
        out = Layout("google", 1, cols, {c: c for c in cols})
    else:
        out = Layout("plain", 1, refuse_repeats(name, clean_names(name, records[0])))
    out.metadata = [c for c in out.columns if is_metadata(c)]
    return out


def clean_names(name: str, header: list[str]) -> list[str]:
    """Trimmed names; blank ones become `column_N`; refuse a header with no names at all."""
    names = [h.replace("\ufeff", "").strip() for h in header]
    if not any(names):
        raise InputError(f"{name}: the first row has no column names")
    return [n or f"column_{i + 1}" for i, n in enumerate(names)]


def refuse_repeats(name: str, names: list[str]) -> list[str]:
    """Plain files: a repeated column name is an error (which one would a schema mean?)."""
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in seen:
            raise InputError(
                f"{name}: column name {n!r} appears twice (columns {seen[n] + 1} and {i + 1})"
            )
        seen[n] = i
    return names


def unique_names(name: str, names: list[str]) -> list[str]:
    """Vendor files: the k-th repeat of a name becomes `name (k)`."""
    seen: set[str] = set()
    out = []
    for n in names:
        candidate, k = n, 1
        while candidate in seen:
            k += 1
            candidate = f"{n} ({k})"
        seen.add(candidate)
        out.append(candidate)
    return out


def _qualtrics(name: str, records: list[list[str]]) -> Layout:
    ids = clean_names(name, records[0])
    if ids[:1] == ["V1"] and [c.strip() for c in _row(records, 1)][:1] == ["ResponseID"]:
        rows = 2
    elif not any(_IMPORT_ID.match(c) for c in _row(records, 2)) and (
        any(_IMPORT_ID.match(c) for c in _row(records, 1))
        or _qualtrics_text_row(
            [c.strip() for c in records[0]], [c.strip() for c in _row(records, 1)]
        )
    ):
        rows = 2  # ids, then either ImportId or question text (the other row deleted by hand)
    else:
        rows = 3
    cols = unique_names(name, ids)
    text_row = _row(records, 1)
    questions = {}
    for i, col in enumerate(cols):
        text = text_row[i].strip() if i < len(text_row) else ""
        if text and not _IMPORT_ID.match(text) and text != col:
            questions[col] = text
    return Layout("qualtrics", rows, cols, questions)


def _surveymonkey(name: str, records: list[list[str]]) -> Layout:
    top = [c.replace("\ufeff", "").strip() for c in records[0]]
    sub_row = _row(records, 1)
    if not any(top):
        raise InputError(f"{name}: the first row has no column names")
    names: list[str] = []
    questions: dict[str, str] = {}
    current = ""
    for i, head in enumerate(top):
        sub = sub_row[i].strip() if i < len(sub_row) else ""
        if head:
            current = head
        if not current:
            col = sub or f"column_{i + 1}"
        elif sub and sub.casefold() not in _SM_SUBS:
            col = f"{current} - {sub}"
        elif head:
            col = head
        else:
            col = f"column_{i + 1}"
        names.append(col)
    cols = unique_names(name, names)
    for col, head_i in zip(cols, range(len(cols)), strict=True):
        if not is_metadata(col) and col != f"column_{head_i + 1}":
            questions[col] = col
    return Layout("surveymonkey", 2, cols, questions)
