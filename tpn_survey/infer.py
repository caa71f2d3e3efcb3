"""Draft an instrument schema from a read export: items, scales, groups, respondent id, pii.

Rules (a draft to review, but one `tpn analyze` accepts as it is):

- **Items** are columns whose every answer is a level of one known scale (agreement 4/5/6
  points, extent, frequency, satisfaction, quality, yes/no) or a known non-substantive answer
  ("Not applicable", "Don't know"...); or whose answers the file itself orders (SPSS value
  labels, ordered Parquet categories); or small whole-number codes (1..k, with 9/99/98/97 as
  non-substantive codes), whose levels are then named by the codes.
- **Positive** answers are the known scale's agreeing half; for other scales the upper half
  (the middle level of an odd scale is left out).
- **Respondent id**: a column named like one (ResponseId, Respondent ID, response_id, id...)
  whose values are unique, else the first column with unique, non-blank values.
- **Groups**: other text columns with 2 to 20 distinct values, some repeated.
- **pii**: columns named like emails, names, phone numbers, IP addresses or coordinates, or
  whose values mostly look like emails, IP addresses or phone numbers, and every column that
  `validate.check_personal` would warn about (so the draft raises no personal-data warnings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tpn_survey.errors import TpnError
from tpn_survey.infer_questions import (
    code_choice,
    number_item,
    one_column_multi,
    role_like,
    split_multis,
    text_item,
)
from tpn_survey.infer_vocab import (
    KNOWN_SCALES,
    MAX_CODES,
    NON_SUBSTANTIVE,
    SPECIAL_CODES,
    KnownScale,
)
from tpn_survey.io.table import Table
from tpn_survey.personal import looks_personal
from tpn_survey.schema import normalize_code, normalize_label, parse_schema

MAX_GROUP_VALUES = 20


class InferError(TpnError):
    """The data were read but hold nothing a schema can be drafted from (no item columns)."""

    exit_code = 1


ID_NAMES = (
    "responseid",
    "response_id",
    "response id",
    "respondent id",
    "respondent_id",
    "respondentid",
    "record id",
    "_recordid",
    "id",
)
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")
_SLUG = re.compile(r"[^a-z0-9]+")


_LEADS = re.compile(
    r"^(?:(?:this|last|in the past) (?:school )?year,?\s+|to what extent\s+|how (?:much|often)\s+"
    r"|please (?:rate|indicate)\s+|(?:did|do|have|were|are) you\s+|i (?:have|am)\s+|i\s+)",
    re.IGNORECASE,
)
SHORT_MAX = 40


def draft_short(text: str) -> str | None:
    """A chart label drafted from a question (at most 40 characters, whole words): lead-ins
    such as "This year, to what extent did you" dropped, the first letter capitalised.
    `coach peers one to one`, from "This year, to what extent did you coach peers one to one?"."""
    short = " ".join(text.split()).rstrip(" ?.!:;")
    while True:
        cut = _LEADS.sub("", short, count=1)
        if cut == short or not cut:
            break
        short = cut
    if len(short) > SHORT_MAX:
        short = short[: SHORT_MAX + 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    short = short[:SHORT_MAX]
    return short[:1].upper() + short[1:] if short else None


def slug(text: str, limit: int = 40) -> str:
    """A lower-case identifier from any text (`Q5_1` -> `q5_1`)."""
    out = _SLUG.sub("_", normalize_label(text)).strip("_")[:limit].strip("_")
    return out or "x"


@dataclass
class _Scale:
    levels: list[str]
    positive: list[str]
    non_substantive: list[str] = field(default_factory=list)
    codes: dict[int, str] | None = None

    def add_non_substantive(self, labels: list[str]) -> None:
        seen = {normalize_label(x) for x in self.non_substantive}
        for label in labels:
            if normalize_label(label) not in seen:
                seen.add(normalize_label(label))
                self.non_substantive.append(label)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"levels": _Flow(self.levels)}
        if self.codes:
            out["codes"] = self.codes
        out["positive"] = _Flow(self.positive)
        if self.non_substantive:
            out["non_substantive"] = _Flow(self.non_substantive)
        return out


class _Flow(list[str]):
    """A list written in YAML flow style: `[a, b]`."""


class _FlowDict(dict[str, str]):
    """A mapping written in YAML flow style: `{id: org, column: org}`."""


def _upper_half(levels: list[str]) -> list[str]:
    return levels[len(levels) - len(levels) // 2 :]


def _distinct(table: Table, column: str) -> list[str]:
    """Distinct non-blank trimmed values of a column (one pass, vectorized)."""
    values = table.frame[column].astype(str).str.strip()
    return [v for v in values.unique().tolist() if v]


def _known_scale(values: list[str]) -> tuple[KnownScale, list[str]] | None:
    """The smallest known scale holding every value, and the non-substantive labels seen."""
    ns = {normalize_label(x): x for x in NON_SUBSTANTIVE}
    folded = {normalize_label(v) for v in values}
    seen_ns = [ns[f] for f in folded if f in ns]
    substantive = folded - set(ns)
    if not substantive:
        return None
    fits = [
        s for s in KNOWN_SCALES if substantive <= {normalize_label(level) for level in s.levels}
    ]
    if not fits:
        return None
    return min(fits, key=lambda s: len(s.levels)), sorted(seen_ns)


def _code_scale(values: list[str]) -> tuple[str, _Scale] | None:
    """Whole-number codes 0/1..k (k <= 11), with 9/99/98/97 as non-substantive codes."""
    canon = [normalize_code(v) for v in values]
    if not canon or any(c is None or "." in c or "e" in c for c in canon):
        return None
    numbers = sorted({int(c) for c in canon if c is not None})
    special = [n for n in numbers if str(n) in SPECIAL_CODES]
    rest = [n for n in numbers if n not in special]
    if special and rest and max(rest) >= min(abs(s) for s in special):
        special = [s for s in special if s > max(rest) or s < 0]
        rest = [n for n in numbers if n not in special]
    if len(rest) < 2 or min(rest) < 0:
        return None
    low = 0 if min(rest) == 0 else 1
    high = max(rest)
    if high - low + 1 > MAX_CODES:
        return None
    levels = [str(n) for n in range(low, high + 1)]
    codes = {n: str(n) for n in range(low, high + 1)}
    non_subst = []
    for s in special:
        label = SPECIAL_CODES[str(s)]
        codes[s] = label
        non_subst.append(label)
    name = f"codes_{low}_{high}"
    scale = _Scale(levels, _upper_half(levels), codes=codes)
    scale.add_non_substantive(non_subst)
    return name, scale


def _declared_scale(column: str, table: Table, values: list[str]) -> tuple[str, _Scale] | None:
    """A scale from levels the file declares (SPSS value labels, ordered categories)."""
    levels = table.levels.get(column)
    if not levels or len(levels) < 2:
        return None
    declared_ns = list(table.non_substantive.get(column, []))
    allowed = {normalize_label(x) for x in levels + declared_ns}
    known_ns = {normalize_label(x): x for x in NON_SUBSTANTIVE}
    for v in values:
        f = normalize_label(v)
        if f in allowed:
            continue
        if f in known_ns:
            declared_ns.append(known_ns[f])
            continue
        return None
    for known in KNOWN_SCALES:
        if [normalize_label(x) for x in known.levels] == [normalize_label(x) for x in levels]:
            scale = _Scale(list(known.levels), list(known.positive))
            scale.add_non_substantive(declared_ns)
            return known.name, scale
    name = f"{slug(levels[0], 20)}_to_{slug(levels[-1], 20)}"
    scale = _Scale(list(levels), _upper_half(list(levels)))
    scale.add_non_substantive(declared_ns)
    return name, scale


def _unique_values(table: Table, col: str) -> bool:
    values = table.frame[col].astype(str).str.strip()
    return bool(len(values)) and bool((values != "").all()) and values.is_unique


def _named(candidates: list[str]) -> list[str]:
    named = [c for c in candidates if normalize_label(c) in ID_NAMES]
    return sorted(named, key=lambda c: ID_NAMES.index(normalize_label(c)))


def _named_id(table: Table, candidates: list[str]) -> str | None:
    """A column named like a respondent id whose values are unique (any, if no rows)."""
    for col in _named(candidates):
        if not len(table.frame) or _unique_values(table, col):
            return col
    return None


def _respondent_id(table: Table, candidates: list[str]) -> str:
    """The first column with unique non-blank values (id-like names first), else a guess."""
    named = _named(candidates)

    def unique(col: str) -> bool:
        return _unique_values(table, col)

    ranked = sorted(
        candidates, key=lambda c: 0 if re.search(r"id\b|_id|^id", c, re.IGNORECASE) else 1
    )
    for col in ranked:
        if unique(col):
            return col
    return named[0] if named else candidates[0]


def _item_id(column: str, export: str, taken: set[str]) -> str:
    """A short id: the row of a grid (`Q [Row]`) or sub-question (`Q - Sub`), else the column."""
    base = column
    grid = re.match(r"^.*\[([^\[\]]+)\]\s*$", column)
    if grid:
        base = grid.group(1)
    elif export == "surveymonkey" and " - " in column:
        base = column.rsplit(" - ", 1)[1]
    return _unique(slug(base), taken)


def _unique(name: str, taken: set[str]) -> str:
    out, k = name, 1
    while out in taken:
        k += 1
        out = f"{name}_{k}"
    taken.add(out)
    return out


def infer_schema(table: Table, name: str | None = None) -> dict[str, Any]:
    """A draft instrument (as plain data) for `table`; `parse_schema` accepts it."""
    source = name or (str(table.files[0]["file"]) if table.files else "survey")
    export = str(table.files[0].get("export", "plain")) if table.files else "plain"
    columns = table.columns
    metadata = set(table.metadata)
    distinct = {c: _distinct(table, c) for c in columns}
    pii = [c for c in columns if looks_personal(c, distinct[c])]
    scales: dict[str, _Scale] = {}
    items: list[dict[str, Any]] = []
    item_columns: set[str] = set()
    taken: set[str] = set()
    named_id = _named_id(table, columns)
    candidates = [c for c in columns if c not in metadata and c not in pii and c != named_id]
    questions: list[dict[str, Any]] = []
    for multi in split_multis(table, candidates, distinct):  # one column per option
        name = multi["text"] or next(iter(multi["columns"].values()))
        questions.append({"id": _unique(slug(name), taken), **multi})
        item_columns |= set(multi["columns"].values())
    for col in candidates:
        if col in item_columns:
            continue
        values = distinct[col]
        text = " ".join(table.questions.get(col, "").split()).removesuffix(" - Selected Choice")
        found = _classify(col, table, values) if len(values) <= 64 else None
        if found is None and role_like(col, text) and 2 <= len(values) <= MAX_GROUP_VALUES:
            continue  # a group (below), even when coded as numbers
        if found is None:
            other = (
                code_choice(col, values)
                or one_column_multi(table, col, values)
                or number_item(col, values)
                or text_item(table, col, values)
            )
            if other is not None:
                other = {"id": _item_id(col, export, taken), **other}
                if text:
                    other["text"] = text
                questions.append(other)
                item_columns.add(col)
            continue
        scale_name, scale = found
        if scale_name in scales:
            held = scales[scale_name]
            held.add_non_substantive(scale.non_substantive)
            if scale.codes and held.codes is not None:
                held.codes.update({k: v for k, v in scale.codes.items() if k not in held.codes})
        else:
            scales[scale_name] = scale
        item: dict[str, Any] = {
            "id": _item_id(col, export, taken),
            "column": col,
            "scale": scale_name,
        }
        if text:
            item["text"] = text
            short = draft_short(item["text"])
            if short:
                item["short"] = short
        items.append(item)
        item_columns.add(col)
    if not items and not questions:
        raise InferError(
            f"{source}: no column holds answers on a known scale (agreement, extent, frequency, "
            "satisfaction, quality, yes/no), labels declared by the file, codes, options, "
            "numbers or open text; nothing to draft a schema from"
        )
    _merge_nested_scales(scales, items)
    rest = [c for c in columns if c not in item_columns]
    respondent_id = named_id or _respondent_id(table, rest or columns)
    groups = []
    group_ids: set[str] = set()
    for col in rest:
        if col == respondent_id or col in pii or col in metadata:
            continue
        values = distinct[col]
        nonblank = int((table.frame[col].astype(str).str.strip() != "").sum())
        if not 2 <= len(values) <= MAX_GROUP_VALUES or len(values) >= nonblank:
            continue
        if any(len(v) > 80 for v in values):
            continue
        codes = [normalize_code(v) for v in values]
        if all(c is not None for c in codes) and any("." in str(c) for c in codes):
            continue  # a measurement (weights, durations), not a group
        groups.append({"id": _unique(slug(col), group_ids), "column": col})
    stem = Path(source).stem
    data: dict[str, Any] = {
        "id": slug(stem, 60).replace("_", "-"),
        "title": f"{stem} (draft schema from {source})",
        "respondent_id": respondent_id,
        "scales": {k: v.as_dict() for k, v in scales.items()},
        "items": _in_column_order(items + questions, columns),
    }
    if not scales:
        del data["scales"]
    # Whatever validation would warn about as possible personal data goes under pii too.
    from tpn_survey.personal import check_personal

    flagged = [p.column for p in check_personal(parse_schema(data), table) if p.column]
    pii += [c for c in flagged if c not in pii]
    groups = [g for g in groups if g["column"] not in pii]
    # A personal-data column is never analyzed: an item drafted on one (coordinates read as a
    # number, say) is left out, or the draft would not load.
    data["items"] = [i for i in data["items"] if not set(_item_columns(i)) & set(pii)]
    if not data["items"]:
        raise InferError(f"{source}: every answer column looks like personal data")
    if groups:
        data["groups"] = [_FlowDict(g) for g in groups]
    if pii:
        data["pii"] = _Flow(pii)
    return data


def _item_columns(item: dict[str, Any]) -> list[str]:
    """The column(s) a drafted item reads."""
    columns = item.get("columns")
    return list(columns.values()) if isinstance(columns, dict) else [str(item.get("column"))]


def _in_column_order(items: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    """Items in the order of their (first) column in the file."""
    place = {c: i for i, c in enumerate(columns)}

    def first(item: dict[str, Any]) -> int:
        cols = list(item["columns"].values()) if "columns" in item else [item["column"]]
        return min(place.get(c, len(place)) for c in cols)

    return sorted(items, key=first)


def _merge_nested_scales(scales: dict[str, _Scale], items: list[dict[str, Any]]) -> None:
    """Where one used known scale's levels lie inside another's, use the larger for both.

    (A 5-point item where nobody chose the middle looks 4-point; its siblings show it is not.)
    """
    known = {s.name: s for s in KNOWN_SCALES}
    used = [n for n in scales if n in known]
    for small in used:
        small_levels = {normalize_label(x) for x in known[small].levels}
        bigger = [
            n
            for n in used
            if n != small
            and n in scales
            and small_levels < {normalize_label(x) for x in known[n].levels}
        ]
        if not bigger or small not in scales:
            continue
        target = max(bigger, key=lambda n: len(known[n].levels))
        scales[target].add_non_substantive(scales[small].non_substantive)
        del scales[small]
        for item in items:
            if item["scale"] == small:
                item["scale"] = target


def _classify(col: str, table: Table, values: list[str]) -> tuple[str, _Scale] | None:
    """The scale of an item column, or None if the column is not an item."""
    declared = _declared_scale(col, table, values)
    if declared:
        return declared
    known = _known_scale(values)
    if known:
        scale, seen_ns = known
        out = _Scale(list(scale.levels), list(scale.positive))
        out.add_non_substantive(seen_ns)
        return scale.name, out
    return None  # numeric codes without labels: a choice item (infer_questions.code_choice)


def to_yaml(data: dict[str, Any], source: str = "", rows: int | None = None) -> str:
    """YAML text of a drafted schema (strings quoted where YAML 1.1 or 1.2 would misread them)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def flow(dumper: yaml.SafeDumper, value: _Flow) -> Any:
        return dumper.represent_sequence("tag:yaml.org,2002:seq", list(value), flow_style=True)

    def flow_dict(dumper: yaml.SafeDumper, value: _FlowDict) -> Any:
        return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)

    def represent_text(dumper: yaml.SafeDumper, value: str) -> Any:
        # YAML reads NEL and the Unicode line/paragraph separators as line breaks even in a
        # plain scalar; only a double-quoted scalar keeps them (escaped).
        style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(_Flow, flow)
    Dumper.add_representer(_FlowDict, flow_dict)
    Dumper.add_representer(str, represent_text)
    body = yaml.dump(
        data,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 16,
        default_flow_style=False,
    )
    about = f" from {source}" if source else ""
    count = f" ({rows} rows)" if rows is not None else ""
    header = (
        f"# Drafted by `tpn schema infer`{about}{count}.\n"
        "# Review it: scales, positive answers, groups and pii are guesses from the answers seen.\n"
    )
    text = header + body
    from tpn_survey.schema import load_yaml

    parse_schema(load_yaml(text), "inferred schema")  # a bug if this ever fails
    return text
