"""Coding the answers of multi, choice, number and text questions (DESIGN.md "Question types").

Each question's column is factorized once and every *distinct* cell is parsed once, so a
million rows cost one factorize per column. Bad cells are kept as `BadCells` (what, which
distinct value, which rows) for validation to turn into problems; the analysis never sees
them because validation stops it first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.analysis.coding import parse_numbers, trimmed_factorize
from tpn_survey.schema import Question, normalize_code, normalize_label

if TYPE_CHECKING:
    import pandas as pd

_SPACES = re.compile(r"\s+")
_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


@dataclass(frozen=True)
class BadCells:
    """Rows of one column whose cell has one bad value. `kind`: unknown-option,
    exclusive-combined, not-a-number, out-of-range or too-large (reported as out-of-range);
    `detail`: the part that is wrong."""

    kind: str
    column: str
    value: str
    detail: str
    rows: np.ndarray  # bool mask over the table's rows


@dataclass
class QuestionAnswers:
    """One question's answers, row by row.

    `chosen` (rows, options): options chosen (multi) or the option given (choice);
    `answered`: rows with an answer that counts (multi: at least one option; choice: an
    option or a non-substantive answer; number: a number; text: non-blank text);
    `substantive`: rows whose answer is in the denominator (choice: an option);
    `values`: numbers (NaN where none); `texts`: trimmed text per row (text items).
    """

    question: Question
    options: list[str]
    chosen: np.ndarray
    answered: np.ndarray
    substantive: np.ndarray
    values: np.ndarray | None = None
    texts: list[str] | None = None
    bad: list[BadCells] = field(default_factory=list)

    def take(self, rows: np.ndarray) -> QuestionAnswers:
        """The answers of some rows (an index array), in that order."""
        return QuestionAnswers(
            self.question,
            self.options,
            self.chosen[rows],
            self.answered[rows],
            self.substantive[rows],
            None if self.values is None else self.values[rows],
            None if self.texts is None else [self.texts[i] for i in rows],
        )

    def keep(self, rows: np.ndarray) -> None:
        """Forget the answers of rows outside the bool mask `rows` (not asked)."""
        self.chosen = self.chosen & rows[:, None]
        self.answered = self.answered & rows
        self.substantive = self.substantive & rows
        if self.values is not None:
            self.values = np.where(rows, self.values, np.nan)


def _fold(text: str) -> str:
    """normalize_label without the case fold (so a token keeps its case for messages)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_CURLY)).strip()


def option_lookup(q: Question) -> dict[str, int]:
    """Folded labels and canonical codes -> option index; non-substantive answers after the
    options (index >= len(options))."""
    options = q.option_list()
    labels = options + list(q.non_substantive)
    table = {normalize_label(label): i for i, label in enumerate(labels)}
    if isinstance(q.codes, list):
        for code, option in zip(q.codes, options, strict=False):
            table[normalize_code(str(code)) or str(code)] = table[normalize_label(option)]
    elif isinstance(q.codes, dict):
        for code, label in q.codes.items():
            if normalize_label(label) in table:
                table[normalize_code(str(code)) or str(code)] = table[normalize_label(label)]
    return table


def _lookup(table: dict[str, int], token: str) -> int | None:
    found = table.get(normalize_label(token))
    if found is None:
        code = normalize_code(token)
        found = table.get(code) if code is not None else None
    return found


def split_options(cell: str, q: Question, table: dict[str, int]) -> tuple[list[int], list[str]]:
    """Options chosen in one cell of a one-column multi, and the tokens that are no option.

    Options are matched longest first at each position, each followed by the end of the cell
    or the separator (spaces around it trimmed), so an option whose text holds the separator
    ("Planned, led PL") still matches; what matches no option runs to the next separator."""
    text = _fold(cell)
    folded = text.casefold()
    if len(folded) != len(text):  # a fold that changes lengths (rare): match folded text
        text = folded
    sep = _fold(q.separator) or q.separator
    sep_folded = sep.casefold()
    keys = sorted(table, key=len, reverse=True)
    chosen: list[int] = []
    unknown: list[str] = []
    pos = 0
    while pos < len(folded):
        if folded[pos].isspace():
            pos += 1
            continue
        if folded.startswith(sep_folded, pos):
            pos += len(sep_folded)
            continue
        for key in keys:
            if folded.startswith(key, pos):
                end = pos + len(key)
                rest = folded[end:].lstrip()
                if not rest or rest.startswith(sep_folded):
                    chosen.append(table[key])
                    pos = end
                    break
        else:
            stop = folded.find(sep_folded, pos)
            stop = len(folded) if stop < 0 else stop
            token = text[pos:stop].strip()
            found = _lookup(table, token)
            if found is None:
                unknown.append(token)
            else:
                chosen.append(found)
            pos = stop
    return chosen, unknown


def code_question(q: Question, frame: pd.DataFrame) -> QuestionAnswers:
    """Code one question's column(s) of `frame` (every column present)."""
    rows = len(frame)
    if q.type == "multi" and q.columns:
        return _code_split_multi(q, frame)
    column = q.column or ""
    if q.type == "number":
        return _code_number(q, frame[column])
    inverse, texts = trimmed_factorize(frame[column])
    blank = np.array([not t for t in texts], dtype=bool)
    if q.type == "text":
        none = np.zeros((rows, 0), dtype=bool)
        answered: np.ndarray = np.asarray(~blank[inverse], dtype=bool)
        cells = [texts[i] for i in inverse]
        return QuestionAnswers(q, [], none, answered, answered, texts=cells)
    options = q.option_list()
    table = option_lookup(q)
    k = len(options)
    marks = np.zeros((len(texts), k), dtype=bool)  # per distinct cell
    given = np.zeros(len(texts), dtype=bool)  # a counted answer
    subst = np.zeros(len(texts), dtype=bool)
    bad: list[BadCells] = []
    exclusive = {table[normalize_label(e)] for e in q.exclusive}
    for u, cell in enumerate(texts):
        if not cell:
            continue
        if q.type == "choice":
            found = _lookup(table, cell)
            if found is None:
                bad.append(BadCells("unknown-option", column, cell, cell, inverse == u))
                continue
            given[u] = True
            if found < k:
                marks[u, found] = subst[u] = True
            continue
        chosen, unknown = split_options(cell, q, table)
        for token in unknown:
            bad.append(BadCells("unknown-option", column, cell, token, inverse == u))
        picked = {c for c in chosen if c < k}
        if exclusive & picked and len(picked) > 1:
            named = options[min(exclusive & picked)]
            bad.append(BadCells("exclusive-combined", column, cell, named, inverse == u))
        if unknown or (exclusive & picked and len(picked) > 1):
            continue
        for c in picked:
            marks[u, c] = True
        given[u] = subst[u] = bool(picked)
    return QuestionAnswers(q, options, marks[inverse], given[inverse], subst[inverse], bad=bad)


def _code_split_multi(q: Question, frame: pd.DataFrame) -> QuestionAnswers:
    """One column per option: a cell is chosen unless blank or 0; all unchosen = missing."""
    options = q.option_list()
    columns = q.columns or {}
    chosen = np.zeros((len(frame), len(options)), dtype=bool)
    for j, option in enumerate(options):
        inverse, texts = trimmed_factorize(frame[columns[option]])
        on = np.array([bool(t) and normalize_code(t) != "0" for t in texts], dtype=bool)
        chosen[:, j] = on[inverse]
    bad = []
    answered: np.ndarray = np.asarray(chosen.any(axis=1), dtype=bool)
    for e in q.exclusive:
        j = options.index(next(o for o in options if normalize_label(o) == normalize_label(e)))
        combined = chosen[:, j] & (chosen.sum(axis=1) > 1)
        if combined.any():
            bad.append(
                BadCells("exclusive-combined", columns[options[j]], "", options[j], combined)
            )
            chosen[combined] = False
            answered = np.asarray(answered & ~combined, dtype=bool)
    return QuestionAnswers(q, options, chosen, answered, answered.copy(), bad=bad)


TOO_LARGE = 1e150
"""Numbers this large (either sign) are refused: their squares overflow a double, so no mean,
SD or interval could be computed (a typo, as no count, hours or dollars come near)."""


def _code_number(q: Question, values: pd.Series) -> QuestionAnswers:
    column = q.column or ""
    numbers = parse_numbers(values)
    rows = len(values)
    bad: list[BadCells] = []
    missing = ~np.isfinite(numbers)
    if missing.any():
        inverse, texts = trimmed_factorize(values)
        for u, cell in enumerate(texts):
            if not cell:
                continue
            rows_u = (inverse == u) & missing
            if rows_u.any():
                bad.append(BadCells("not-a-number", column, cell, cell, rows_u))
    out = np.zeros(rows, dtype=bool)
    if q.min is not None:
        out |= numbers < q.min
    if q.max is not None:
        out |= numbers > q.max
    huge = (np.abs(numbers) >= TOO_LARGE) & ~out
    if out.any() or huge.any():
        text = values.astype(str).str.strip().to_numpy()
        for kind, rows_of in (("out-of-range", out), ("too-large", huge)):
            for value in sorted(set(text[rows_of])):
                bad.append(BadCells(kind, column, value, value, rows_of & (text == value)))
    numbers = np.where(out | huge, np.nan, numbers)
    answered = np.isfinite(numbers)
    none = np.zeros((rows, 0), dtype=bool)
    return QuestionAnswers(q, [], none, answered, answered.copy(), values=numbers, bad=bad)
