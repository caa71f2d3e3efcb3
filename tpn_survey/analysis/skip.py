"""Skip logic (`asked_if`): which respondents were asked an item.

`{column: C, in: [...]}` matches the column's trimmed values, case kept (as group values
match); `{item: I, in: [...]}` matches item I's answers as answers match (folded labels,
canonical codes). The denominator of an item is the respondents asked; an answer from
someone not asked is a warning (`answered-not-asked`) and is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.analysis.coding import MISSING, code_answers, code_groups, trimmed_factorize
from tpn_survey.results import Estimate
from tpn_survey.schema import AskedIf, Group, Instrument, normalize_code, normalize_label

if TYPE_CHECKING:
    import pandas as pd

    from tpn_survey.analysis.question_answers import QuestionAnswers


def asked_mask(
    schema: Instrument,
    cond: AskedIf,
    frame: pd.DataFrame,
    answers: dict[str, QuestionAnswers],
) -> np.ndarray:
    """Rows that were asked, by one `asked_if` condition."""
    wanted = [str(v).strip() for v in cond.values]
    if cond.column is not None:
        inverse, texts = trimmed_factorize(frame[cond.column])
        listed = set(wanted)
        return np.asarray(np.array([t in listed for t in texts], dtype=bool)[inverse])
    target = cond.item or ""
    likert = next((i for i in schema.items if i.id == target), None)
    if likert is not None:
        if likert.column not in frame.columns:  # tallied as read (--chunksize): not kept
            from tpn_survey.errors import OptionError

            raise OptionError(
                f"asked_if on the Likert item {target!r} needs its answers: read the file "
                "whole (without --chunksize)"
            )
        scale = schema.scale_of(likert)
        table = scale.lookup()
        codes = {
            table[k]
            for v in wanted
            for k in (normalize_label(v), normalize_code(v))
            if k is not None and k in table
        }
        coded, _ = code_answers(frame[likert.column], scale)
        return np.asarray(np.isin(coded, list(codes)) & (coded != MISSING), dtype=bool)
    qa = answers[target]
    if qa.question.type in ("multi", "choice"):
        from tpn_survey.analysis.question_answers import _lookup, option_lookup

        table = option_lookup(qa.question)
        picked = [j for v in wanted if (j := _lookup(table, v)) is not None]
        picked = [j for j in picked if j < len(qa.options)]
        if not picked:
            return np.zeros(len(frame), dtype=bool)
        return np.asarray(qa.chosen[:, picked].any(axis=1), dtype=bool)
    if qa.question.type == "number":
        numbers = [float(c) for v in wanted if (c := normalize_code(v)) is not None]
        assert qa.values is not None
        return np.asarray(np.isin(qa.values, numbers), dtype=bool)
    assert qa.texts is not None
    folded = {normalize_label(v) for v in wanted}
    return np.asarray([normalize_label(t) in folded for t in qa.texts], dtype=bool)


def not_asked_counts(
    schema: Instrument,
    asked: dict[str, np.ndarray],
    rows: np.ndarray,
    frame: pd.DataFrame,
    groups: list[Group],
) -> dict[tuple[str, tuple[tuple[str, str], ...]], int]:
    """For each Likert item with `asked_if`: how many of the counted `rows` (bool mask) were
    not asked it, overall and in each group value ((item, group items) -> count)."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    for item in schema.items:
        if item.id not in asked:
            continue
        skipped = rows & ~asked[item.id]
        out[(item.id, ())] = int(skipped.sum())
        for group in groups:
            index, order = code_groups(frame[group.column], group.values)
            inside = index >= 0
            per = np.bincount(index[inside], weights=skipped[inside], minlength=len(order))
            for value, count in zip(order, per, strict=True):
                out[(item.id, ((group.id, value),))] = int(count)
    return out


def leave_out_not_asked(
    estimates: list[Estimate], counts: dict[tuple[str, tuple[tuple[str, str], ...]], int]
) -> list[Estimate]:
    """Estimates whose `missing` no longer counts respondents who were not asked the item
    (DESIGN.md: only a blank from someone asked is missing)."""
    if not counts:
        return estimates
    out = []
    for est in estimates:
        skipped = counts.get((est.item, tuple(est.group.items())), 0)
        out.append(est.model_copy(update={"missing": est.missing - skipped}) if skipped else est)
    return out
