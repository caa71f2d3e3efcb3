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
from tpn_survey.yaml12 import load_yaml

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


def parse_schema(data: Any, source: str = "schema") -> Instrument:
    """Build an Instrument from parsed YAML; every error names the path of the bad key."""
    from tpn_survey.schema_checks import cross_check, user_loc  # they read these models

    if data is None:  # an empty file, or only comments
        raise SchemaError(f"{source}: the schema is empty (expected id, title, scales, items...)")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise SchemaError(f"{source}: expected a mapping of instrument keys, got {kind}")
    raw_items = data.get("items")
    likert_at, question_at = split_items(raw_items) if isinstance(raw_items, list) else ([], [])
    try:
        inst = Instrument.model_validate(data)
    except ValidationError as ex:
        found = validation_messages(ex, relocate=lambda loc: user_loc(loc, likert_at, question_at))
        lines = [f"{key or '(top level)'}: {msg}" for key, msg in found]
        raise SchemaError(f"{source}: invalid schema\n  " + "\n  ".join(lines)) from None
    problems = cross_check(inst, likert_at, question_at)
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
