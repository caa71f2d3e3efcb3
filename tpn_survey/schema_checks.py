"""Checks of an instrument that need all of it (cross references, labels, personal data,
question options, composites, invitations, pairs); each message starts with the key's path
as the user wrote it."""

from __future__ import annotations

from typing import Any

from tpn_survey.errors import OptionError
from tpn_survey.problems import did_you_mean
from tpn_survey.schema import (
    Code,
    Instrument,
    Invited,
    Item,
    Question,
    normalize_code,
    normalize_label,
)


def cross_check(
    inst: Instrument, likert_at: list[int] | None = None, question_at: list[int] | None = None
) -> list[str]:
    """Checks that need the whole instrument; each message starts with the key's path.
    `likert_at` / `question_at`: positions in the YAML `items:` list of `inst.items` and
    `inst.questions` (so messages name the key as the user wrote it)."""
    likert_at = likert_at if likert_at is not None else list(range(len(inst.items)))
    question_at = (
        question_at
        if question_at is not None
        else [len(inst.items) + k for k in range(len(inst.questions))]
    )
    errors: list[str] = []
    for name, scale in inst.scales.items():
        levels = [normalize_label(v) for v in scale.levels]
        if len(set(levels)) != len(levels):
            errors.append(f"scales.{name}.levels: levels repeat")
        for i, p in enumerate(scale.positive):
            if normalize_label(p) not in levels:
                errors.append(f"scales.{name}.positive[{i}]: {p!r} is not one of the levels")
        for i, ns in enumerate(scale.non_substantive):
            if normalize_label(ns) in levels:
                errors.append(f"scales.{name}.non_substantive[{i}]: {ns!r} is also a level")
        if isinstance(scale.codes, list) and len(scale.codes) != len(scale.levels):
            errors.append(
                f"scales.{name}.codes: {len(scale.codes)} codes for {len(scale.levels)} levels"
            )
        if scale.codes is not None:
            errors += _check_codes(f"scales.{name}", scale.codes)
    if not inst.items and not inst.questions:
        errors.append("items: the instrument has no items")
    ids: set[str] = set()
    for i, item in zip(likert_at, inst.items, strict=True):
        if item.id in ids:
            errors.append(f"items[{i}].id: {item.id!r} repeats an earlier item id")
        ids.add(item.id)
        if item.scale not in inst.scales:
            hint = did_you_mean(item.scale, list(inst.scales))
            errors.append(f"items[{i}].scale: {item.scale!r} is not a defined scale{hint}")
    for i, question in zip(question_at, inst.questions, strict=True):
        if question.id in ids:
            errors.append(f"items[{i}].id: {question.id!r} repeats an earlier item id")
        ids.add(question.id)
        errors += [f"items[{i}].{e}" for e in _check_question(question)]
    every: list[Item | Question] = [*inst.items, *inst.questions]
    positions = [*likert_at, *question_at]
    for i, entry in zip(positions, every, strict=True):
        cond = entry.asked_if
        if cond is not None and cond.item is not None:
            if cond.item == entry.id:
                errors.append(f"items[{i}].asked_if.item: an item cannot depend on itself")
            elif cond.item not in ids:
                hint = did_you_mean(cond.item, sorted(ids))
                errors.append(f"items[{i}].asked_if.item: {cond.item!r} is not an item{hint}")
    if inst.reach is not None:
        target = inst.question(inst.reach.item)
        if target is None or target.type != "number":
            numbers = [q.id for q in inst.questions if q.type == "number"]
            hint = did_you_mean(inst.reach.item, numbers)
            errors.append(f"reach.item: {inst.reach.item!r} is not a number item{hint}")
    gids: set[str] = set()
    for i, group in enumerate(inst.groups):
        if group.id in gids:
            errors.append(f"groups[{i}].id: {group.id!r} repeats an earlier group id")
        gids.add(group.id)
    errors += _check_labels(inst) + _check_pii(inst)
    errors += _check_composites(inst) + _check_invited(inst) + _check_pairs(inst, ids)
    if inst.population is not None and inst.design is not None and inst.design.fpc is not None:
        errors.append("population: give either population or design.fpc, not both")
    return errors


def _check_labels(inst: Instrument) -> list[str]:
    """Every level, positive, non-substantive answer and code label is a non-blank text."""
    errors = []
    for name, scale in inst.scales.items():
        for key in ("levels", "positive", "non_substantive"):
            for i, label in enumerate(getattr(scale, key)):
                if not str(label).strip():
                    errors.append(f"scales.{name}.{key}[{i}]: empty label")
        if isinstance(scale.codes, dict):
            for code, label in scale.codes.items():
                if label is None or not str(label).strip():
                    errors.append(f"scales.{name}.codes.{code}: empty label for code {code!r}")
    return errors


def pii_roles(inst: Instrument) -> list[tuple[str, str]]:
    """(key path, column) of every use of a column other than the respondent id and the link
    (which may be pii: they only link or de-duplicate rows)."""
    uses = [(f"items[{i}].column", item.column) for i, item in enumerate(inst.items)]
    uses += [
        (f"items[{q.id}].{'columns' if q.columns else 'column'}", column)
        for q in inst.questions
        for column in q.source_columns()
    ]
    uses += [(f"groups[{i}].column", g.column) for i, g in enumerate(inst.groups)]
    conditions = [(f"items[{i}]", item.asked_if) for i, item in enumerate(inst.items)]
    conditions += [(f"items[{q.id}]", q.asked_if) for q in inst.questions]
    for where, cond in conditions:
        if cond is not None and cond.column is not None:
            uses.append((f"{where}.asked_if.column", cond.column))
    for i, pair in enumerate(inst.pairs):
        uses += [(f"pairs[{i}].before", pair.before), (f"pairs[{i}].after", pair.after)]
    design = inst.design
    if design is not None:
        for role in ("weight", "cluster", "strata", "fpc"):
            value = getattr(design, role)
            if isinstance(value, str):
                uses.append((f"design.{role}", value))
    if isinstance(inst.invited, Invited) and inst.invited.by and not inst.group(inst.invited.by):
        uses.append(("invited.by", inst.invited.by))
    return uses


def _check_pii(inst: Instrument) -> list[str]:
    """A pii column is never analyzed: not an item, group, design column or breakdown."""
    private = set(inst.pii)
    return [
        f"{where}: {column!r} is listed under pii; personal data cannot be analyzed "
        "(remove it from pii or from here)"
        for where, column in pii_roles(inst)
        if column in private
    ]


def check_pii_options(inst: Instrument, roles: dict[str, list[str]]) -> None:
    """OptionError (exit 2) when an option names a pii column: `roles` maps an option
    (`--by`, `--weight`...) to the columns or group ids it names."""

    private = set(inst.pii)
    for option, keys in roles.items():
        for key in keys:
            group = inst.group(key)
            column = group.column if group else key
            if column in private:
                raise OptionError(
                    f"{option} {key!r}: column {column!r} is listed under pii in the schema; "
                    "personal data cannot be a group, weight, cluster or strata"
                )


def _check_codes(where: str, codes: list[Code] | dict[Code, str]) -> list[str]:
    errors = []
    keys = list(codes) if isinstance(codes, list) else list(codes.keys())
    canon = [normalize_code(str(k)) for k in keys]
    for i, (key, c) in enumerate(zip(keys, canon, strict=True)):
        if c is None:
            errors.append(f"{where}.codes[{i}]: {key!r} is not a number")
    if len(set(canon)) != len(canon):
        errors.append(f"{where}.codes: codes repeat")
    return errors


_ONLY = {
    "columns": ("multi",),
    "exclusive": ("multi",),
    "options": ("multi", "choice"),
    "codes": ("multi", "choice"),
    "non_substantive": ("choice",),
    "min": ("number",),
    "max": ("number",),
    "total": ("number",),
    "quotes": ("text",),
}


def _check_question(q: Question) -> list[str]:
    """Type-specific checks of one question; messages start with the key under the item."""
    errors = []
    for key, types in _ONLY.items():
        if q.type not in types and key in q.model_fields_set:
            errors.append(f"{key}: only for {' or '.join(types)} items, not {q.type}")
    if q.columns is not None and q.column is not None:
        errors.append("columns: give either column or columns, not both")
    elif q.column is None and not (q.type == "multi" and q.columns):
        errors.append("column: required" + (" (or columns)" if q.type == "multi" else ""))
    if q.type in ("multi", "choice") and q.columns is None and not q.options:
        errors.append("options: required for a " + q.type + " item")
    options = q.option_list()
    folded = [normalize_label(o) for o in options]
    if len(set(folded)) != len(folded):
        errors.append("options: options repeat")
    for i, ex in enumerate(q.exclusive):
        if normalize_label(ex) not in folded:
            errors.append(f"exclusive[{i}]: {ex!r} is not one of the options")
    for i, ns in enumerate(q.non_substantive):
        if normalize_label(ns) in folded:
            errors.append(f"non_substantive[{i}]: {ns!r} is also an option")
    if isinstance(q.codes, list) and len(q.codes) != len(options):
        errors.append(f"codes: {len(q.codes)} codes for {len(options)} options")
    if isinstance(q.codes, dict):
        known = set(folded) | {normalize_label(n) for n in q.non_substantive}
        for code, label in q.codes.items():
            if normalize_label(label) not in known:
                errors.append(f"codes.{code}: {label!r} is not an option")
    if q.codes is not None:
        errors += [e.removeprefix(".") for e in _check_codes("", q.codes)]
    if q.min is not None and q.max is not None and q.min > q.max:
        errors.append("min: larger than max")
    return errors


def _check_composites(inst: Instrument) -> list[str]:
    errors = []
    items = {item.id: item for item in inst.items}
    for name, comp in inst.composites.items():
        scales = set()
        for i, item_id in enumerate(comp.items):
            if item_id not in items:
                hint = did_you_mean(item_id, list(items))
                errors.append(f"composites.{name}.items[{i}]: {item_id!r} is not an item{hint}")
            else:
                scales.add(items[item_id].scale)
        if len(set(comp.items)) != len(comp.items):
            errors.append(f"composites.{name}.items: items repeat")
        if len(scales) > 1:
            errors.append(f"composites.{name}.items: items are on different scales")
        if comp.min_items is not None and comp.min_items > len(comp.items):
            errors.append(f"composites.{name}.min_items: more than its {len(comp.items)} items")
    return errors


def _check_invited(inst: Instrument) -> list[str]:
    inv = inst.invited
    if not isinstance(inv, Invited):
        if isinstance(inv, int) and inv < 1:
            return ["invited: must be a positive count"]
        return []
    errors = []
    if (inv.total is None) == (inv.counts is None):
        errors.append("invited: give either total or counts")
    if inv.counts is not None and inv.by is None:
        errors.append("invited.by: name the group the counts are for")
    if inv.counts is not None and any(c < 0 for c in inv.counts.values()):
        errors.append("invited.counts: counts must not be negative")
    if inv.partial > inv.complete:
        errors.append("invited.partial: must not exceed invited.complete")
    return errors


def user_loc(loc: tuple[Any, ...], likert_at: list[int], question_at: list[int]) -> tuple[Any, ...]:
    """An error location in the model, as the YAML `items:` list numbers its entries."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        at = {"items": likert_at, "questions": question_at}.get(str(loc[0]))
        if at is not None and loc[1] < len(at):
            return ("items", at[loc[1]], *loc[2:])
    return loc


def _check_pairs(inst: Instrument, item_ids: set[str]) -> list[str]:
    errors = []
    seen: set[str] = set()
    for i, pair in enumerate(inst.pairs):
        if pair.id in seen or pair.id in item_ids:
            errors.append(f"pairs[{i}].id: {pair.id!r} repeats an item or pair id")
        seen.add(pair.id)
        if pair.scale not in inst.scales:
            hint = did_you_mean(pair.scale, list(inst.scales))
            errors.append(f"pairs[{i}].scale: {pair.scale!r} is not a defined scale{hint}")
        if pair.before == pair.after:
            errors.append(f"pairs[{i}]: before and after name the same column")
    return errors
