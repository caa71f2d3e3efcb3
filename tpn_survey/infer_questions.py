"""`tpn schema infer` for the question types that are not Likert items.

Rules (drafts to review; `tpn analyze` accepts them as they are):

- **Numeric codes** (whole numbers 0/1..k, k <= 11, 9/99/98/97 as "Not applicable"/"Don't
  know"...) whose labels the file does not give become `choice` items with the codes as
  options: which codes agree is never guessed (a Qualtrics numeric export codes Yes = 1,
  No = 2; an upper-half guess would call "No" positive).
- **Select all, one column per option** (SurveyMonkey `Question - Option` columns; Qualtrics
  split exports `Q7_1, Q7_2...`): two or more columns of one question, each holding only one
  value (its option's text, or 1) or blank, become one `multi` item with `columns:`.
- **Select all, one column** (Qualtrics, Google Forms: chosen options joined by ","): a column
  whose cells split on "," into a small set of recurring options; two parts that always come
  together in that order are one option holding a comma; an option like "None of these" that
  is never chosen with another is `exclusive`.
- **Numbers**: columns of numbers that are not small codes (more than 11 values, decimals or
  large values), unless named like a weight or population column; counts (whole numbers,
  none negative) get `total: true`.
- **Open text**: columns of sentence-like answers (spaces, mostly distinct) that are no group.
- **Role-like columns** (role, position, organization, school, district, grade, region,
  subject...) are groups even when coded as numbers.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import Any

from tpn_survey.io.table import Table
from tpn_survey.schema import normalize_code, normalize_label

MAX_OPTIONS = 30
MAX_CODES = 11
ROLE_LIKE = re.compile(
    r"(?i)\b(role|position|job|organi[sz]ation|org|school|district|grade|band|region|subject|"
    r"content area|department|cohort|tenure)\b"
)
WEIGHT_LIKE = re.compile(r"(?i)^(w|wt|wgt|pw|fpc|n_?h|pop.*|.*weight.*|.*\bfpc\b.*)$")
NONE_LIKE = re.compile(r"(?i)^(none|no one|nothing|not applicable|n/a)\b")
SPECIAL = {"9": "Not applicable", "99": "Not applicable", "98": "Don't know", "97": "Refused"}


def role_like(column: str, question: str) -> bool:
    return bool(ROLE_LIKE.search(column.replace("_", " ")) or ROLE_LIKE.search(question))


def weight_like(column: str) -> bool:
    return bool(WEIGHT_LIKE.match(column.strip()))


def _numbers(values: list[str]) -> list[float] | None:
    out = []
    for v in values:
        c = normalize_code(v)
        if c is None:
            return None
        out.append(float(c))
    return out


def code_choice(column: str, values: list[str]) -> dict[str, Any] | None:
    """A `choice` item over whole-number codes (no labels known), or None."""
    numbers = _numbers(values)
    if not numbers or any(x != int(x) for x in numbers):
        return None
    codes = sorted({int(x) for x in numbers})
    special = [c for c in codes if str(c) in SPECIAL]
    rest = [c for c in codes if c not in special]
    if special and rest and max(rest) >= min(special):
        special = [s for s in special if s > max(rest)]
        rest = [c for c in codes if c not in special]
    if len(rest) < 2 or min(rest) < 0:
        return None
    low = 0 if min(rest) == 0 else 1
    if max(rest) - low + 1 > MAX_CODES:
        return None
    item: dict[str, Any] = {
        "type": "choice",
        "column": column,
        "options": [str(n) for n in range(low, max(rest) + 1)],
    }
    if special:
        labels = list(dict.fromkeys(SPECIAL[str(s)] for s in special))
        item["non_substantive"] = labels
        item["codes"] = {s: SPECIAL[str(s)] for s in special}
    return item


def number_item(column: str, values: list[str]) -> dict[str, Any] | None:
    """A `number` item, or None (not all numbers, or small whole-number codes)."""
    if weight_like(column):
        return None
    numbers = _numbers(values)
    if not numbers or len(numbers) < 2:
        return None
    whole = all(x == int(x) for x in numbers)
    if whole and len(set(numbers)) <= MAX_CODES and max(numbers) <= MAX_CODES:
        return None  # codes: see code_choice
    item: dict[str, Any] = {"type": "number", "column": column}
    if min(numbers) >= 0:
        item["min"] = 0
        if whole:  # a count (teachers supported, sessions held): its total is worth having
            item["total"] = True
    return item


def _merge_adjacent(rows: list[list[str]], counts: list[int]) -> list[list[str]]:
    """Join parts that always come together in that order (an option holding a comma)."""
    while True:
        alone = Counter[str]()
        pairs = Counter[tuple[str, str]]()
        for parts, k in zip(rows, counts, strict=True):
            for p in parts:
                alone[p] += k
            for a, b in itertools.pairwise(parts):
                pairs[(a, b)] += k
        joined = next(
            ((a, b) for (a, b), k in pairs.items() if k == alone[a] == alone[b] and a != b), None
        )
        if joined is None:
            return rows
        a, b = joined
        if any(normalize_label(f"{a}, {b}") == normalize_label(p) for r in rows for p in r):
            return rows  # the joined text is already an option (spelled otherwise)
        merged = []
        for parts in rows:
            out: list[str] = []
            for p in parts:
                if out and out[-1] == a and p == b:
                    out[-1] = f"{a}, {b}"
                else:
                    out.append(p)
            merged.append(out)
        rows = merged


def one_column_multi(table: Table, column: str, values: list[str]) -> dict[str, Any] | None:
    """A one-column `multi` item (options joined by ","), or None."""
    if not any("," in v for v in values):
        return None
    counts_by_value = table.frame[column].astype(str).str.strip().value_counts()
    cells = [v for v in values if v]
    spelling: dict[str, str] = {}  # folded -> first spelling: options match folded

    def part(text: str) -> str:
        clean = " ".join(text.split())
        return spelling.setdefault(normalize_label(clean), clean)

    rows = [[part(p) for p in v.split(",") if p.strip()] for v in cells]
    counts = [int(counts_by_value.get(v, 1)) for v in cells]
    rows = _merge_adjacent(rows, counts)
    tokens = Counter[str]()
    for parts, k in zip(rows, counts, strict=True):
        for p in set(parts):
            tokens[p] += k
    if not 2 <= len(tokens) <= MAX_OPTIONS:
        return None
    occurrences = sum(len(parts) for parts in rows)
    if occurrences < 1.5 * len(tokens) or any(len(t) > 120 for t in tokens):
        return None  # free text with commas: parts do not recur
    order = sorted(tokens, key=lambda t: (-tokens[t], t))
    numbers = _numbers(order)
    if numbers is not None:
        order = sorted(order, key=lambda t: float(normalize_code(t) or 0))
    exclusive = [
        t for t in order if NONE_LIKE.match(t) and all(parts == [t] for parts in rows if t in parts)
    ]
    order = [t for t in order if t not in exclusive] + exclusive
    item: dict[str, Any] = {"type": "multi", "column": column, "options": order}
    if exclusive:
        item["exclusive"] = exclusive
    return item


_SPLIT_ID = re.compile(r"^(.*?)_(\d+)$")


def split_multis(table: Table, columns: list[str], distinct: dict[str, list[str]]) -> list[dict]:
    """`multi` items with one column per option: SurveyMonkey `Question - Option` columns and
    Qualtrics `Q7_1, Q7_2...` columns whose question text ends in ` - <option>`."""
    groups: dict[str, list[str]] = {}
    for col in columns:
        values = distinct[col]
        if len(values) != 1:
            continue
        question = table.questions.get(col, "")
        split = _SPLIT_ID.match(col)
        if " - " in col:
            key = col.rsplit(" - ", 1)[0]
        elif split and " - " in question:
            key = "qualtrics:" + split.group(1)
        else:
            continue
        groups.setdefault(key, []).append(col)
    out = []
    for key, cols in groups.items():
        if len(cols) < 2:
            continue
        options: dict[str, str] = {}
        for col in cols:
            value = distinct[col][0]
            question = table.questions.get(col, "")
            suffix = col.rsplit(" - ", 1)[1] if " - " in col else question.rsplit(" - ", 1)[-1]
            label = value if normalize_code(value) is None else suffix
            label = " ".join(label.split())
            if normalize_label(label) in {normalize_label(o) for o in options}:
                label = f"{label} ({col})"
            options[label] = col
        text = key.removeprefix("qualtrics:")
        first_q = table.questions.get(cols[0], "")
        if key.startswith("qualtrics:") and first_q:
            text = first_q.split(" - ")[0]
        item: dict[str, Any] = {"type": "multi", "columns": options, "text": " ".join(text.split())}
        exclusive = [o for o in options if NONE_LIKE.match(o)]
        if exclusive:
            item["exclusive"] = exclusive
        out.append(item)
    return out


def text_item(table: Table, column: str, values: list[str]) -> dict[str, Any] | None:
    """An open `text` item: sentence-like answers, mostly distinct, or None."""
    if not values:
        return None
    nonblank = int((table.frame[column].astype(str).str.strip() != "").sum())
    spaced = sum(1 for v in values if " " in v)
    if spaced * 2 < len(values):
        return None
    mostly_distinct = len(values) * 2 > nonblank or len(values) > 20
    long = sorted(len(v) for v in values)[len(values) // 2] >= 15
    if not (mostly_distinct and long):
        return None
    return {"type": "text", "column": column}
