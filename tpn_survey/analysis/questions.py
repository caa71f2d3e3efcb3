"""Multi, choice, number and text items: coding with skip logic, their problems, and their
result rows overall, by group and by wave (DESIGN.md "Question types").

`code_questions` codes every question once (with `asked_if` applied); `question_problems`
turns bad cells and answers from respondents not asked into `Problem`s; `question_results`
estimates the `choices`, `numbers` and `texts` lists and the `reach` figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.coding import MISSING, ItemCodes, code_groups
from tpn_survey.analysis.question_answers import QuestionAnswers, code_question
from tpn_survey.analysis.skip import asked_mask
from tpn_survey.io.table import FILE_COLUMN, ROW_COLUMN
from tpn_survey.problems import Problem, ProblemCode
from tpn_survey.results import (
    ChoiceRow,
    NumberRow,
    QuestionInfo,
    ReachFigure,
    TextRow,
)
from tpn_survey.schema import AskedIf, Group, Instrument, Item, Question

if TYPE_CHECKING:
    import pandas as pd

Label = tuple[dict[str, str], str | None]  # (group, wave)
Domains = list[tuple[np.ndarray, list[Label]]]


def question_columns(schema: Instrument) -> list[str]:
    """Every column the questions and the skip conditions read."""
    cols: list[str] = []
    for q in schema.questions:
        cols += q.source_columns()
    entries: list[Item | Question] = [*schema.items, *schema.questions]
    for entry in entries:
        if entry.asked_if is not None and entry.asked_if.column is not None:
            cols.append(entry.asked_if.column)
    return list(dict.fromkeys(cols))


@dataclass
class CodedQuestions:
    """Every question's answers (answers from respondents not asked left out), and for every
    item with `asked_if` (Likert items too) the rows asked and the rows that answered anyway."""

    answers: dict[str, QuestionAnswers]
    asked: dict[str, np.ndarray]
    not_asked: dict[str, np.ndarray]

    def take(self, rows: np.ndarray) -> CodedQuestions:
        return CodedQuestions(
            {k: qa.take(rows) for k, qa in self.answers.items()},
            {k: v[rows] for k, v in self.asked.items()},
            {k: v[rows] for k, v in self.not_asked.items()},
        )

    def answered(self, rows: int) -> np.ndarray:
        """Rows that answer at least one question (of those they were asked)."""
        out = np.zeros(rows, dtype=bool)
        for qa in self.answers.values():
            out |= qa.answered
        return out


def code_questions(schema: Instrument, frame: pd.DataFrame) -> CodedQuestions:
    """Code every question of `frame` and apply the skip conditions (in dependency order, so
    a condition on a skipped item sees only the answers of those asked it)."""
    answers = {q.id: code_question(q, frame) for q in schema.questions}
    entries: list[Item | Question] = [*schema.items, *schema.questions]
    conditions: dict[str, AskedIf] = {e.id: e.asked_if for e in entries if e.asked_if}
    asked: dict[str, np.ndarray] = {}
    not_asked: dict[str, np.ndarray] = {}
    likert = {item.id: j for j, item in enumerate(schema.items)}

    def resolve(key: str, seen: tuple[str, ...] = ()) -> None:
        if key in asked or key not in conditions:
            return
        cond = conditions[key]
        if cond.item is not None and cond.item not in seen:
            resolve(cond.item, (*seen, key))
        mask = asked_mask(schema, cond, frame, answers)
        asked[key] = mask
        if key in answers:
            qa = answers[key]
            not_asked[key] = qa.answered & ~mask
            qa.keep(mask)
        elif key in likert:
            from tpn_survey.analysis.coding import code_answers

            item = schema.items[likert[key]]
            if item.column not in frame.columns:  # tallied as read (--chunksize)
                from tpn_survey.errors import OptionError

                raise OptionError(
                    f"asked_if on the Likert item {key!r} needs its answers: read the file "
                    "whole (without --chunksize)"
                )
            codes, _ = code_answers(frame[item.column], schema.scale_of(item))
            not_asked[key] = (codes != MISSING) & ~mask

    for key in conditions:
        resolve(key)
    return CodedQuestions(answers, asked, not_asked)


def skip_likert(schema: Instrument, coded: ItemCodes, questions: CodedQuestions) -> ItemCodes:
    """Likert codes with the answers of respondents not asked an item made missing."""
    if not any(item.id in questions.asked for item in schema.items):
        return coded
    index = list(coded.index)
    for j, item in enumerate(schema.items):
        mask = questions.asked.get(item.id)
        if mask is not None:
            index[j] = np.where(mask, index[j], -1)  # -1: a null, coded MISSING
    return ItemCodes(index=index, lookup=coded.lookup, unknown=coded.unknown)


_MESSAGES = {
    "unknown-option": "{detail!r} is not an option of {item!r}{hint}",
    "exclusive-combined": "{detail!r} must be chosen alone in {item!r}, but other options were too",
    "not-a-number": "{detail!r} is not a number ({item!r} is a number item)",
    "out-of-range": "{detail} is outside the range [{low}, {high}] of {item!r}",
    "too-large": "{detail} is too large to average ({item!r} is a number item; no number may"
    " reach 1e150 in size)",
}
_CODES = {"too-large": ProblemCode.OUT_OF_RANGE}


def question_problems(
    schema: Instrument, frame: pd.DataFrame, coded: CodedQuestions | None = None
) -> list[Problem]:
    """Bad answers of the questions (errors) and answers from respondents not asked
    (warnings), each naming file, spreadsheet row, column and value (`coded`: the frame's
    `code_questions`, if done already)."""
    from tpn_survey.problems import did_you_mean

    coded = coded or code_questions(schema, frame)
    files = frame[FILE_COLUMN].to_numpy()
    rows = frame[ROW_COLUMN].to_numpy()
    out = []
    for q in schema.questions:
        for bad in coded.answers[q.id].bad:
            first = int(np.flatnonzero(bad.rows)[0])
            count = int(bad.rows.sum())
            file, row = str(files[first]), int(rows[first])
            hint = ""
            if bad.kind == "unknown-option":
                hint = did_you_mean(bad.detail, q.option_list() + list(q.non_substantive))
            text = _MESSAGES[bad.kind].format(
                detail=bad.detail,
                item=q.id,
                hint=hint,
                low="" if q.min is None else f"{q.min:g}",
                high="" if q.max is None else f"{q.max:g}",
            )
            where = f"row {row}" if count == 1 else f"{count} rows, first row {row}"
            out.append(
                Problem(
                    code=_CODES.get(bad.kind) or ProblemCode(bad.kind),
                    severity="error",
                    file=file,
                    row=row,
                    column=bad.column,
                    value=bad.value or bad.detail,
                    message=f"{file}, {where}, column {bad.column!r}: {text}",
                )
            )
    columns = {i.id: i.column for i in schema.items} | {
        q.id: q.source_columns()[0] for q in schema.questions
    }
    for key, mask in coded.not_asked.items():
        if not mask.any():
            continue
        first = int(np.flatnonzero(mask)[0])
        count = int(mask.sum())
        file, row = str(files[first]), int(rows[first])
        where = f"row {row}" if count == 1 else f"{count} rows, first row {row}"
        out.append(
            Problem(
                code=ProblemCode.ANSWERED_NOT_ASKED,
                severity="warning",
                file=file,
                row=row,
                column=columns[key],
                message=(
                    f"{file}, {where}, column {columns[key]!r}: answered {key!r} but was not "
                    "asked it (asked_if); the answer is left out"
                ),
            )
        )
    return out


def question_domains(frame: pd.DataFrame, groups: list[Group], wave: Group | None) -> Domains:
    """Overall, each group, then (with waves) each wave overall and each group within each
    wave: (domain index per row, -1 for none; each domain's (group, wave))."""
    out: Domains = [(np.zeros(len(frame), dtype=np.int64), [({}, None)])]
    coded = []
    for group in groups:
        index, order = code_groups(frame[group.column], group.values, blank=True)
        coded.append((group, index, order))
        out.append((index, [({group.id: v}, None) for v in order]))
    if wave is not None:
        w_index, w_order = code_groups(frame[wave.column], wave.values)
        by_wave: list[Label] = [({}, w) for w in w_order]
        out.append((w_index, by_wave))
        for group, index, order in coded:
            cross = np.where((w_index >= 0) & (index >= 0), w_index * len(order) + index, -1)
            labels: list[Label] = [({group.id: v}, w) for w in w_order for v in order]
            out.append((cross, labels))
    return out


def question_info(schema: Instrument) -> list[QuestionInfo]:
    out = []
    for q in schema.questions:
        cond = q.asked_if
        asked = None
        if cond is not None:
            source = cond.column or cond.item
            asked = f"{source} in {', '.join(str(v) for v in cond.values)}"
        out.append(
            QuestionInfo(
                id=q.id,
                type=q.type,
                text=q.text,
                short=q.short,
                headline=q.headline,
                options=q.option_list(),
                total=q.total or (schema.reach is not None and schema.reach.item == q.id),
                asked_if=asked,
            )
        )
    return out


@dataclass(frozen=True)
class QuestionResults:
    choices: list[ChoiceRow]
    numbers: list[NumberRow]
    texts: list[TextRow]
    reach: list[ReachFigure]


def question_results(
    schema: Instrument,
    coded: CodedQuestions,
    domains: Domains,
    design: Any,
    method: str,
    level: float,
    min_n: int,
) -> QuestionResults:
    """Every question's rows in every domain; `design` is a stats.design.Design or None."""
    from tpn_survey.analysis.choices import choice_rows
    from tpn_survey.analysis.numbers import number_rows
    from tpn_survey.analysis.texts import text_rows

    choices: list[ChoiceRow] = []
    numbers: list[NumberRow] = []
    texts: list[TextRow] = []
    for q in schema.questions:
        qa = coded.answers[q.id]
        asked = coded.asked.get(q.id)
        if asked is None:
            asked = np.ones(len(qa.answered), dtype=bool)
        if q.type in ("multi", "choice"):
            choices += choice_rows(qa, asked, domains, design, method, level, min_n)
        elif q.type == "number":
            reach = schema.reach is not None and schema.reach.item == q.id
            numbers += number_rows(qa, asked, domains, design, level, min_n, total=reach)
        else:
            texts += text_rows(qa, asked, domains, min_n)
    return QuestionResults(choices, numbers, texts, reach_figures(schema, numbers, design))


def reach_figures(schema: Instrument, numbers: list[NumberRow], design: Any) -> list[ReachFigure]:
    """The reach key figure: overall, and for each wave."""
    if schema.reach is None:
        return []
    out = []
    for row in numbers:
        if row.item != schema.reach.item or row.group:
            continue
        out.append(
            ReachFigure(
                item=row.item,
                label=schema.reach.label,
                wave=row.wave,
                total=row.total,
                ci_low=row.total_ci_low,
                ci_high=row.total_ci_high,
                n=row.n,
                estimated=design is not None,
                suppressed=row.suppressed,
            )
        )
    return out
