"""The instrument schema: pydantic models of scales, items, groups and design, read from YAML."""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tpn_survey.errors import SchemaError, validation_messages
from tpn_survey.problems import did_you_mean

_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SPACES = re.compile(r"\s+")
MAX_SCHEMA_BYTES = 1_000_000


def normalize_label(text: str) -> str:
    """Fold a label for matching: trim, casefold, one space, straight quotes, NBSP as space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).translate(_CURLY)).strip().casefold()


def normalize_code(text: str) -> str | None:
    """Canonical form of a numeric code (`' 3'`, `'3.0'` -> `'3'`), or None if not a number."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return str(int(number)) if number == int(number) else repr(number)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Code = int | float | str


class Scale(_Model):
    """Ordered answer levels (low -> high), which of them count as positive, and accepted codes."""

    levels: list[str] = Field(min_length=2)
    positive: list[str] = Field(min_length=1)
    non_substantive: list[str] = []
    codes: list[Code] | dict[Code, str] | None = None

    def categories(self) -> list[str]:
        """Levels, then non-substantive answers (including those named only by a code mapping)."""
        extra = [v for v in (self.codes.values() if isinstance(self.codes, dict) else []) if v]
        out = list(self.levels) + list(self.non_substantive)
        seen = {normalize_label(c) for c in out}
        for label in extra:
            if normalize_label(label) not in seen:
                seen.add(normalize_label(label))
                out.append(label)
        return out

    def lookup(self) -> dict[str, int]:
        """Map folded labels and canonical codes to category index (see `categories`)."""
        cats = self.categories()
        index = {normalize_label(c): i for i, c in enumerate(cats)}
        table = dict(index)
        if isinstance(self.codes, list):
            for code, level in zip(self.codes, self.levels, strict=True):
                table[normalize_code(str(code)) or str(code)] = index[normalize_label(level)]
        elif isinstance(self.codes, dict):
            for code, label in self.codes.items():
                table[normalize_code(str(code)) or str(code)] = index[normalize_label(label)]
        return table

    def positive_mask(self) -> list[bool]:
        """For each level, whether it counts as agreement."""
        pos = {normalize_label(p) for p in self.positive}
        return [normalize_label(level) in pos for level in self.levels]


class AskedIf(_Model):
    """Skip logic: only respondents whose `column` value (trimmed, case kept), or whose answer
    to `item` (matched as answers are), is one of `in` were asked."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    column: str | None = None
    item: str | None = None
    values: list[Code] = Field(alias="in", min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> AskedIf:
        if (self.column is None) == (self.item is None):
            raise ValueError("give either column or item")
        return self


class Item(_Model):
    """A Likert item: an answer on one of the instrument's scales."""

    id: str
    column: str
    scale: str
    type: Literal["likert"] | None = None
    text: str = ""
    headline: str | None = None
    short: str | None = Field(default=None, max_length=40)
    """A chart label for the item (at most 40 characters); else the chart shows `text`."""
    asked_if: AskedIf | None = None


QUESTION_TYPES = ("multi", "choice", "number", "text")


class Question(_Model):
    """A question that is not a Likert item: `type` multi (select all that apply), choice
    (one option), number or text. See DESIGN.md "Question types"."""

    id: str
    type: Literal["multi", "choice", "number", "text"]
    column: str | None = None
    columns: dict[str, str] | None = None  # multi: option -> its own column
    text: str = ""
    headline: str | None = None
    short: str | None = Field(default=None, max_length=40)
    asked_if: AskedIf | None = None
    options: list[str] | None = None
    codes: list[Code] | dict[Code, str] | None = None  # numeric codes of options
    exclusive: list[str] = []
    separator: str = Field(default=",", min_length=1)
    non_substantive: list[str] = []
    min: float | None = None
    max: float | None = None
    total: bool = False
    quotes: bool = False

    def option_list(self) -> list[str]:
        """The options, in schema order (a per-option multi: its columns' keys)."""
        if self.options is not None:
            return list(self.options)
        return list(self.columns or {})

    def source_columns(self) -> list[str]:
        """The data columns this question reads."""
        return list(self.columns.values()) if self.columns else [self.column or ""]


class Reach(_Model):
    """A key figure from a number item: its total (estimated or reported)."""

    item: str
    label: str = "teachers reached"


class Group(_Model):
    id: str
    column: str
    values: list[str] | None = None
    label: str | None = None


class Design(_Model):
    weight: str | None = None
    cluster: str | None = None
    strata: str | None = None
    fpc: str | float | None = None

    @field_validator("fpc")
    @classmethod
    def _positive_fpc(cls, value: str | float | None) -> str | float | None:
        if isinstance(value, float | int) and not (value > 0 and math.isfinite(value)):
            raise ValueError("must be a positive number or a column name")
        return value

    def is_empty(self) -> bool:
        return all(v is None for v in (self.weight, self.cluster, self.strata, self.fpc))


class Composite(_Model):
    """A named set of items on one scale, scored as each respondent's mean item code."""

    items: list[str] = Field(min_length=2)
    label: str | None = None
    min_items: int | None = Field(default=None, ge=1)  # default: half the items, rounded up

    def required(self) -> int:
        return self.min_items or -(-len(self.items) // 2)


class Invited(_Model):
    """Invitation counts for AAPOR response rates: a total, or counts per value of a group."""

    total: int | None = Field(default=None, ge=1)
    by: str | None = None  # group id or column name the counts are keyed by
    counts: dict[str, int] | None = None
    complete: float = Field(default=0.8, gt=0, le=1)  # share of items answered: a complete
    partial: float = Field(default=0.5, gt=0, le=1)  # at least this, below complete: a partial


class Pair(_Model):
    """A retrospective pre-post question: the same answer scale asked "before" and "now" on
    one form (DESIGN.md "Change in the same people")."""

    id: str
    before: str  # column
    after: str  # column
    scale: str
    text: str = ""
    headline: str | None = None


class Instrument(_Model):
    """One survey instrument as DESIGN.md defines it."""

    id: str
    title: str
    respondent_id: str
    population: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    scales: dict[str, Scale] = {}
    items: list[Item] = []  # the Likert items (YAML `items:` of other types go to `questions`)
    questions: list[Question] = []
    groups: list[Group] = []
    design: Design | None = None
    pii: list[str] = []
    composites: dict[str, Composite] = {}
    invited: Invited | int | None = None
    link: str | None = None  # column: a stable id of a person across waves (may be pii)
    pairs: list[Pair] = []
    reach: Reach | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_items(cls, data: Any) -> Any:
        """YAML lists every question under `items:`; Likert items stay there, the other
        types move to `questions` (so code about Likert items sees only them)."""
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            raw = data["items"]
            likert, other = split_items(raw)
            data = dict(data)
            data["items"] = [raw[i] for i in likert]
            data["questions"] = list(data.get("questions") or []) + [raw[i] for i in other]
        return data

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.id == key), None)

    def scale_of(self, item: Item) -> Scale:
        return self.scales[item.scale]

    def effective_design(self) -> Design | None:
        """The design block, with `population: N` as shorthand for `fpc: N`."""
        if self.population is not None:
            return Design(fpc=self.population)
        return self.design if self.design and not self.design.is_empty() else None

    def group(self, key: str) -> Group | None:
        """A group by id, else by column name."""
        for group in self.groups:
            if group.id == key:
                return group
        for group in self.groups:
            if group.column == key:
                return group
        return None


def split_items(raw: list[Any]) -> tuple[list[int], list[int]]:
    """Positions in a YAML `items:` list of the Likert items and of the other questions."""
    likert: list[int] = []
    other: list[int] = []
    for i, entry in enumerate(raw):
        kind = entry.get("type") if isinstance(entry, dict) else None
        (other if kind in QUESTION_TYPES else likert).append(i)
    return likert, other


def pairs_as_items(inst: Instrument) -> Instrument:
    """The instrument with the before and after columns of each retrospective pair as its
    items (ids `<pair>:before`, `<pair>:after`), to code and check them as items are."""
    items = [
        Item(id=f"{pair.id}:{side}", column=column, scale=pair.scale)
        for pair in inst.pairs
        for side, column in (("before", pair.before), ("after", pair.after))
    ]
    return inst.model_copy(
        update={"items": items, "composites": {}, "pairs": [], "questions": [], "reach": None}
    )


class _Yaml12Loader(yaml.SafeLoader):
    """Safe loader with YAML 1.2 booleans: `Yes`, `No`, `on`, `off` stay strings."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _compose_checked(loader: _Yaml12Loader) -> Any:
    """Refuse alias bombs and absurd nesting before building Python objects."""
    node = loader.get_single_node()
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(node, 0)] if node is not None else []
    visits = 0
    while stack:
        current, depth = stack.pop()
        visits += 1
        if depth > 50:
            raise SchemaError("nesting deeper than 50 levels")
        if visits > 200_000:
            raise SchemaError("too many nodes (alias expansion?)")
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        mark = key.start_mark
                        raise SchemaError(
                            f"duplicate key {key.value!r} (line {mark.line + 1}, column "
                            f"{mark.column + 1}); a key may appear once in a mapping"
                        )
                    keys.add(key.value)
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        seen.add(id(current))
    return loader.construct_document(node) if node is not None else None


def load_yaml(text: str) -> Any:
    """Parse YAML 1.2-ish text safely (no tags, no alias bombs, no deep nesting)."""
    loader = _Yaml12Loader(text)
    try:
        return _compose_checked(loader)
    finally:
        loader.dispose()


def _cross_check(
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
    from tpn_survey.errors import OptionError

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


def _user_loc(
    loc: tuple[Any, ...], likert_at: list[int], question_at: list[int]
) -> tuple[Any, ...]:
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


def parse_schema(data: Any, source: str = "schema") -> Instrument:
    """Build an Instrument from parsed YAML; every error names the path of the bad key."""
    if not isinstance(data, dict):
        raise SchemaError(
            f"{source}: expected a mapping of instrument keys, got {type(data).__name__}"
        )
    raw_items = data.get("items")
    likert_at, question_at = split_items(raw_items) if isinstance(raw_items, list) else ([], [])
    try:
        inst = Instrument.model_validate(data)
    except ValidationError as ex:
        found = validation_messages(ex, relocate=lambda loc: _user_loc(loc, likert_at, question_at))
        lines = [f"{key or '(top level)'}: {msg}" for key, msg in found]
        raise SchemaError(f"{source}: invalid schema\n  " + "\n  ".join(lines)) from None
    problems = _cross_check(inst, likert_at, question_at)
    if problems:
        raise SchemaError(f"{source}: invalid schema\n  " + "\n  ".join(problems))
    return inst


def load_schema(path: str | Path) -> Instrument:
    """Read and validate an instrument YAML file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SchemaError(f"{path}: schema file not found") from None
    except OSError as ex:
        raise SchemaError(f"{path}: cannot read schema ({ex.strerror})") from None
    if len(raw) > MAX_SCHEMA_BYTES:
        raise SchemaError(f"{path}: schema larger than {MAX_SCHEMA_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SchemaError(f"{path}: schema is not UTF-8 text") from None
    try:
        data = load_yaml(text)
    except SchemaError as ex:
        raise SchemaError(f"{path}: {ex}") from None
    except yaml.YAMLError as ex:
        mark = getattr(ex, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(ex, "problem", None) or str(ex)
        raise SchemaError(f"{path}: not valid YAML{where}: {problem}") from None
    return parse_schema(data, str(path))


def instrument_json_schema() -> dict[str, Any]:
    """JSON Schema of the instrument format, for editors."""
    schema = Instrument.model_json_schema()
    # One `items:` list holds Likert items and the other question types (see _split_items).
    props = schema["properties"]
    props["items"]["items"] = {"anyOf": [{"$ref": "#/$defs/Item"}, {"$ref": "#/$defs/Question"}]}
    del props["questions"]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tpn instrument"
    return schema
