"""Check a table against an instrument: every problem at once, as values (never raises on data)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.analysis.coding import (
    code_items,
    factorize,
    nothing_to_trim,
    parse_numbers,
    trimmed_factorize,
)
from tpn_survey.analysis.tally import ItemChecks, item_checks
from tpn_survey.io.folding import fold_text
from tpn_survey.io.table import FILE_COLUMN, ROW_COLUMN, Table
from tpn_survey.personal import check_personal
from tpn_survey.problems import Problem, ProblemCode, did_you_mean
from tpn_survey.schema import Design, Instrument, pairs_as_items
from tpn_survey.shown import clip, shown, some

if TYPE_CHECKING:
    import pandas as pd

    from tpn_survey.analysis.questions import CodedQuestions


def _first_rows(frame: pd.DataFrame, mask: np.ndarray) -> tuple[str, int, int]:
    """File and spreadsheet row of the first row in `mask`, and how many rows it holds."""
    first = int(np.flatnonzero(mask)[0])
    row = int(frame[ROW_COLUMN].to_numpy()[first])
    return str(frame[FILE_COLUMN].iat[first]), row, int(mask.sum())


def _rows_phrase(count: int, row: int) -> str:
    return f"row {row}" if count == 1 else f"{count} rows, first row {row}"


def required_columns(
    schema: Instrument, design: Design | None, by: Iterable[str] = ()
) -> list[str]:
    """Columns the analysis reads, in schema order."""
    from tpn_survey.analysis.questions import question_columns

    cols = [schema.respondent_id] + [i.column for i in schema.items]
    cols += question_columns(schema)
    cols += [g.column for g in schema.groups]
    if design is not None:
        cols += [c for c in (design.weight, design.cluster, design.strata) if c]
        if isinstance(design.fpc, str):
            cols.append(design.fpc)
    for key in by:
        group = schema.group(key)
        cols.append(group.column if group else key)
    return list(dict.fromkeys(cols))


def check_columns(
    schema: Instrument, table: Table, design: Design | None, by: Iterable[str] = ()
) -> list[Problem]:
    present = table.columns
    files = ", ".join(str(f["file"]) for f in table.files)
    where = "the file"
    if table.sheets:  # a workbook: say which sheet was read, and how to read another
        read = ", ".join(f"sheet {shown(v)} of {k}" for k, v in table.sheets.items())
        where = f"{read} (read another sheet with --sheet)"
    out = []
    for col in required_columns(schema, design, by):
        if col not in present:
            out.append(
                Problem(
                    code=ProblemCode.MISSING_COLUMN,
                    severity="error",
                    file=files,
                    column=col,
                    message=f"{files}: column {col!r} named in the schema is not in {where}"
                    + did_you_mean(col, present),
                )
            )
    return out


def check_ids(schema: Instrument, table: Table) -> list[Problem]:
    """Respondent ids must be present and unique."""
    frame = table.frame
    col = schema.respondent_id
    if _all_distinct_and_trimmed(frame[col]):
        return []
    inverse, texts = trimmed_factorize(frame[col])
    private = col in schema.pii
    out = []
    blank = inverse == texts.index("")
    if blank.any():
        file, row, count = _first_rows(frame, blank)
        out.append(
            Problem(
                code=ProblemCode.MISSING_ID,
                severity="error",
                file=file,
                row=row,
                column=col,
                message=f"{file}, {_rows_phrase(count, row)}: no respondent id in {col!r}",
            )
        )
    # Ids are unique within a file; the same id in two waves (files) is two responses.
    key = inverse
    if len(table.files) > 1:
        file_code, _ = factorize(frame[FILE_COLUMN])
        key = file_code.astype(np.int64) * (len(texts) + 1) + inverse
    counts = np.bincount(key)
    dup = (counts[key] > 1) & ~blank
    if dup.any():
        where_dup = np.flatnonzero(dup)
        codes = key[where_dup]
        order = np.argsort(codes, kind="stable")  # rows of each id stay in file order
        codes, where_dup = codes[order], where_dup[order]
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        groups = np.split(where_dup, starts[1:])
        all_rows = frame[ROW_COLUMN].to_numpy()
        all_files = frame[FILE_COLUMN].to_numpy()
        for positions in sorted(groups, key=lambda g: texts[inverse[g[0]]]):
            value = texts[inverse[positions[0]]]
            rows = all_rows[positions]
            files = all_files[positions]
            what = "a respondent id" if private else f"respondent id {shown(value)}"
            where = some(f"{f} row {r}" for f, r in zip(files, rows, strict=True))
            out.append(
                Problem(
                    code=ProblemCode.DUPLICATE_ID,
                    severity="error",
                    file=str(files[0]),
                    row=int(rows[1]),
                    column=col,
                    value=None if private else clip(str(value)),
                    message=f"{what} appears {len(rows)} times ({where})",
                )
            )
    return out


def _all_distinct_and_trimmed(values: pd.Series) -> bool:
    """True when arrow-backed ids are all present, all different and none has white space at
    an end (then trimming changes none, so they stay different): no id problem to look for."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = isinstance(values.dtype, pd.ArrowDtype)
    if not (arrow or getattr(values.dtype, "storage", None) == "pyarrow"):
        return False

    try:
        ids = pa.array(values.array)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    if not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)) or not len(ids):
        return False
    if ids.null_count:
        return False
    lengths = np.asarray(pc.binary_length(ids))
    if lengths.min() == 0:
        return False
    # unique hashes twice as fast as count_distinct, but an ascending list needs no hashing
    if not _ascending(ids, lengths) and len(pc.unique(ids)) != len(ids):
        return False
    return nothing_to_trim(ids)


def _ascending(ids: Any, lengths: np.ndarray) -> bool:
    """True when every id is longer than the one before it, or as long and after it in byte
    order: then no two are equal. Sequential ids ("R_9", "R_10") come so; checking costs a
    tenth of hashing a million of them."""
    import pyarrow.compute as pc

    if len(lengths) < 2 or (lengths[1:] < lengths[:-1]).any():
        return len(lengths) < 2
    after = np.asarray(pc.less(ids[:-1], ids[1:]))
    return bool(((lengths[1:] > lengths[:-1]) | after).all())


def check_answers(schema: Instrument, table: Table, checks: ItemChecks) -> list[Problem]:
    """Every answer is a level, a code, a non-substantive answer or blank."""
    frame = table.frame
    files, rows = frame[FILE_COLUMN], frame[ROW_COLUMN]
    out = []
    for j, item in enumerate(schema.items):
        found = sorted((v, at) for (i, v), at in checks.off_scale.items() if i == j)
        if not found:
            continue
        scale = schema.scale_of(item)
        choices = scale.categories() + [
            str(c) for c in (scale.codes if isinstance(scale.codes, list) else scale.codes or {})
        ]
        for value, (first, count) in found:
            file, row = str(files.iat[first]), int(rows.to_numpy()[first])
            out.append(
                Problem(
                    code=ProblemCode.OFF_SCALE,
                    severity="error",
                    file=file,
                    row=row,
                    column=item.column,
                    value=clip(value),
                    message=(
                        f"{file}, {_rows_phrase(count, row)}, column {item.column!r}: "
                        f"{shown(value)} is not an answer on the {item.scale!r} scale"
                        f"{did_you_mean(value.strip(), choices)}"
                    ),
                )
            )
    return out


def check_pairs(schema: Instrument, table: Table) -> list[Problem]:
    """Retrospective pairs (issue 17): their columns exist, their answers are on the scale,
    and a warning when the two columns sit side by side on the form (a then/now grid, which
    invites answering "before" low to show change)."""
    if not schema.pairs:
        return []
    pseudo = pairs_as_items(schema)
    missing = check_columns(pseudo, table, None)
    if missing:
        return missing
    checks = item_checks(pseudo, table.frame, code_items(pseudo, table.frame))
    out = check_answers(pseudo, table, checks)
    position = {c: i for i, c in enumerate(table.frame.columns)}
    for pair in schema.pairs:
        if abs(position[pair.before] - position[pair.after]) == 1:
            out.append(
                Problem(
                    code=ProblemCode.PAIR_ADJACENT,
                    severity="warning",
                    column=f"{pair.before}, {pair.after}",
                    message=(
                        f"pair {pair.id!r}: columns {pair.before!r} and {pair.after!r} are next "
                        "to each other on the form; retrospective before/now answers given "
                        "side by side tend to overstate change"
                    ),
                )
            )
    return out


def check_groups(schema: Instrument, table: Table) -> list[Problem]:
    """Group values must be among a group's listed `values` (trimmed, case kept)."""
    frame = table.frame
    out = []
    for group in schema.groups:
        if group.values is None or group.column in schema.pii:
            continue
        inverse, texts = trimmed_factorize(frame[group.column])
        listed = {fold_text(v) for v in group.values} | set(group.values)
        for value in sorted(t for t in texts if t and t not in listed):
            mask = inverse == texts.index(value)
            file, row, count = _first_rows(frame, mask)
            out.append(
                Problem(
                    code=ProblemCode.UNKNOWN_GROUP_VALUE,
                    severity="error",
                    file=file,
                    row=row,
                    column=group.column,
                    value=clip(value),
                    message=(
                        f"{file}, {_rows_phrase(count, row)}, column {group.column!r}: "
                        f"{shown(value)} is not one of the values listed for group {group.id!r}"
                        f"{did_you_mean(value, group.values)}"
                    ),
                )
            )
    return out


def check_design(table: Table, design: Design | None) -> list[Problem]:
    """Weights are positive numbers; fpc values are positive numbers."""
    if design is None:
        return []
    frame = table.frame
    out = []
    numeric = [(design.weight, "weight")]
    if isinstance(design.fpc, str):
        numeric.append((design.fpc, "fpc"))
    for col, role in numeric:
        if not col or col not in frame.columns:
            continue
        number = parse_numbers(frame[col])
        bad = ~np.isfinite(number) | (number <= 0)
        if not bad.any():
            continue
        text = frame[col].astype(str).str.strip()
        for value in sorted(text[bad].unique()):
            mask = (text == value).to_numpy()
            file, row, count = _first_rows(frame, mask)
            got = shown(value) if value else "a blank"
            out.append(
                Problem(
                    code=ProblemCode(f"bad-{role}"),
                    severity="error",
                    file=file,
                    row=row,
                    column=col,
                    value=clip(value),
                    message=(
                        f"{file}, {_rows_phrase(count, row)}, column {col!r}: {role} must be a "
                        f"positive number, got {got}"
                    ),
                )
            )
    for col in (design.cluster, design.strata):
        if col and col in frame.columns:
            # Trimmed once per distinct value, not per cell as `astype(str).str.strip()` did.
            inverse, texts = trimmed_factorize(frame[col])
            blank = inverse == texts.index("")
            if blank.any():
                file, row, count = _first_rows(frame, blank)
                out.append(
                    Problem(
                        code=ProblemCode.MISSING_DESIGN_VALUE,
                        severity="error",
                        file=file,
                        row=row,
                        column=col,
                        message=f"{file}, {_rows_phrase(count, row)}: blank {col!r} (design column)",
                    )
                )
    return out


def check_unanswered(table: Table, checks: ItemChecks) -> list[Problem]:
    """A warning for each row that answers no item (left out of the analysis)."""
    frame = table.frame
    mask = ~checks.answered
    if not mask.any():
        return []
    rows = frame[ROW_COLUMN].to_numpy()[mask]
    files = frame[FILE_COLUMN].to_numpy()[mask]
    return [
        Problem(
            code=ProblemCode.NO_ANSWERS,
            severity="warning",
            file=str(f),
            row=int(r),
            message=f"{f}, row {r}: answers no item; left out of the analysis",
        )
        for f, r in zip(files, rows, strict=True)
    ]


def validate(
    schema: Instrument,
    table: Table,
    design: Design | None = None,
    by: Iterable[str] = (),
    *,
    checks: ItemChecks | None = None,
    questions: CodedQuestions | None = None,
) -> list[Problem]:
    """All problems of `table` against `schema` (and the design and breakdowns asked for).

    `checks` (from `tally.item_checks`, or a table's tally) saves coding the items again;
    `questions` (from `analysis.questions.code_questions`) the other question types.
    """
    problems = list(table.problems)
    if len(table.frame) == 0:
        files = ", ".join(str(f["file"]) for f in table.files)
        problems.append(
            Problem(
                code=ProblemCode.NO_RESPONSES,
                severity="error",
                file=files,
                message=f"{files}: the file has a header but no responses",
            )
        )
        return problems
    columns = check_columns(schema, table, design, by)
    problems += columns
    if columns:
        return problems
    if checks is None:
        checks = table.tally.checks() if table.tally is not None else None
    if checks is None:
        checks = item_checks(schema, table.frame, code_items(schema, table.frame))
    problems += check_ids(schema, table)
    problems += check_answers(schema, table, checks)
    problems += check_groups(schema, table)
    problems += check_design(table, design)
    problems += check_personal(schema, table)
    if schema.questions or any(i.asked_if for i in schema.items):
        from tpn_survey.analysis.questions import code_questions, question_problems

        questions = questions or code_questions(schema, table.frame)
        problems += question_problems(schema, table.frame, questions)
        answered = questions.answered(len(table.frame))
        if checks.answered.shape == answered.shape:  # else: no Likert items
            answered |= checks.answered
        checks = ItemChecks(checks.off_scale, answered)
    problems += check_pairs(schema, table)
    if not any(p.severity == "error" for p in problems):
        if len(checks.answered) and not checks.answered.any():
            files = ", ".join(str(f["file"]) for f in table.files)
            problems.append(
                Problem(
                    code=ProblemCode.NO_ANSWERS,
                    severity="error",
                    file=files,
                    message=f"{files}: no answers: every answer to every item is blank",
                )
            )
            return problems
        problems += check_unanswered(table, checks)
    return problems
