"""Answers to category codes: one lookup per distinct value of a column, never per row."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.schema import Instrument, Scale, normalize_code, normalize_label

if TYPE_CHECKING:
    import pandas as pd

MISSING = -1
OFF_SCALE = -2
PARALLEL_ROWS = 50_000  # below this, threads cost more than they save


def factorize(values: pd.Series) -> tuple[np.ndarray, list[object]]:
    """(index of each value in the distinct values, distinct values); -1 for a null. The
    index is a signed integer array of at least 32 bits.

    One hash pass per column: a categorical's own codes, arrow's dictionary_encode for
    arrow-backed strings, else pandas.factorize. Distinct values come in first-seen order.
    """
    inverse, uniques, _ = _encode(values)
    return inverse, uniques


def _encode(values: pd.Series) -> tuple[np.ndarray, list[object], Any]:
    """factorize, plus the distinct values as an arrow string array when they are strings."""
    import pandas as pd

    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.codes, dtype=np.int64), list(values.cat.categories), None
    if getattr(dtype, "storage", None) == "pyarrow" or isinstance(dtype, pd.ArrowDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        array = pa.array(values.array)
        if pa.types.is_dictionary(array.type):  # coded as it was parsed: one dictionary
            if isinstance(array, pa.ChunkedArray):
                array = _one_dictionary(array)
            encoded = array
        else:
            encoded = pc.dictionary_encode(array)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks() if encoded.num_chunks != 1 else encoded.chunk(0)
        if isinstance(encoded, pa.DictionaryArray):
            indices = encoded.indices
            if indices.null_count:
                indices = indices.fill_null(-1)
            index = indices.to_numpy(zero_copy_only=False)
            dictionary = encoded.dictionary
            strings = pa.types.is_string(dictionary.type) or pa.types.is_large_string(
                dictionary.type
            )
            return (
                index,  # arrow's int32 indices, not copied: used only to look up
                dictionary.to_pylist(),
                dictionary if strings else None,
            )
    inverse, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(inverse, dtype=np.int64), list(uniques), None


def _one_dictionary(chunks: Any) -> Any:
    """Chunks of dictionary arrays as one array with one dictionary (first seen first).

    Concatenating unifies the chunks' dictionaries as it copies the indices: one pass where
    unifying and then concatenating took two (2.7 -> 1.1 ms a column of 1e6 rows)."""
    import pyarrow as pa

    try:
        return chunks.combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a pyarrow that cannot
        return pa.table({"v": chunks}).unify_dictionaries().column(0).combine_chunks()


def answer_lookup(scale: Scale, uniques: list[object]) -> tuple[np.ndarray, list[str]]:
    """The code of each distinct value (levels, then non-substantive; MISSING or OFF_SCALE),
    with one more entry, MISSING, for a null (factorize's -1), and the off-scale values."""
    lookup = scale.lookup()
    mapped = np.empty(len(uniques) + 1, dtype=np.int16)
    mapped[-1] = MISSING  # factorize's -1 (NaN) indexes the last slot
    unknown: list[str] = []
    for i, raw in enumerate(uniques):
        text = str(raw).strip()
        if not text:
            mapped[i] = MISSING
            continue
        code = lookup.get(normalize_label(text))
        if code is None:
            code = lookup.get(normalize_code(text) or "")
        if code is None:
            mapped[i] = OFF_SCALE
            unknown.append(str(raw))
        else:
            mapped[i] = code
    return mapped, unknown


def code_answers(
    values: pd.Series, scale: Scale, encoded: tuple[np.ndarray, list[object]] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Category index of each answer (levels, then non-substantive), MISSING or OFF_SCALE.

    Returns the codes and the distinct values that matched nothing on the scale. `encoded`:
    the column's `factorize`, if already done.
    """
    inverse, uniques = encoded or factorize(values)
    mapped, unknown = answer_lookup(scale, uniques)
    return mapped[inverse], unknown


@dataclass(frozen=True)
class ItemCodes:
    """Codes of every item, coded once and shared by validation and analysis.

    Item j's code in a row is `lookup[j][index[j]]`: `index[j]` places each row's answer among
    its column's distinct values (-1 for a null, which indexes `lookup`'s last entry,
    MISSING), `lookup[j]` codes each distinct value. Counts need no more; `codes`, the
    (rows, items) int16 matrix in column-major order, is built only when it is asked for.
    `unknown[j]` lists item j's distinct values that are off its scale.
    """

    index: list[np.ndarray]
    lookup: list[np.ndarray]
    unknown: list[list[str]]

    @classmethod
    def of_codes(cls, codes: np.ndarray) -> ItemCodes:
        """ItemCodes of a (rows, items) matrix of codes (>= OFF_SCALE)."""
        codes = np.asarray(codes)
        top = int(codes.max(initial=0))
        lookup = np.r_[np.arange(OFF_SCALE, top + 1), MISSING].astype(np.int16)
        index = [codes[:, j].astype(np.int64) - OFF_SCALE for j in range(codes.shape[1])]
        return cls(index=index, lookup=[lookup] * codes.shape[1], unknown=[[]] * codes.shape[1])

    @property
    def rows(self) -> int:
        return len(self.index[0]) if self.index else 0

    def column(self, j: int) -> np.ndarray:
        """Item j's code in every row."""
        return np.asarray(self.lookup[j][self.index[j]])

    def take(self, rows: np.ndarray) -> ItemCodes:
        """The codes of some rows."""
        return ItemCodes([i[rows] for i in self.index], self.lookup, self.unknown)

    @cached_property
    def codes(self) -> np.ndarray:
        out = np.empty((self.rows, len(self.index)), dtype=np.int16, order="F")
        for j in range(len(self.index)):
            out[:, j] = self.column(j)
        return out

    def codes_of(self, rows: np.ndarray) -> np.ndarray:
        """`codes` of `rows`, in that order: gathered column by column, with no copy of the
        whole matrix first."""
        out = np.empty((len(rows), len(self.index)), dtype=np.int16, order="F")
        for j, (index, lookup) in enumerate(zip(self.index, self.lookup, strict=True)):
            # np.take into the column: no temporary codes (a quarter less CPU at 1e6 rows)
            np.take(lookup, np.take(index, rows), out=out[:, j])
        return out

    @cached_property
    def answered(self) -> np.ndarray:
        """Mask of rows that answer at least one item (item by item, looking only at the rows
        not yet known to answer one)."""
        out = np.zeros(self.rows, dtype=bool)
        left = np.arange(self.rows)
        for index, lookup in zip(self.index, self.lookup, strict=True):
            if not left.size:
                break
            given = (lookup != MISSING)[index if len(left) == self.rows else index[left]]
            out[left[given]] = True
            left = left[~given]
        return out


def factorize_all(columns: list[pd.Series]) -> list[tuple[np.ndarray, list[object]]]:
    """`factorize` of several columns, two at a time on a big table: arrow's hashing lets go
    of the GIL, so the columns share the machine's cores."""
    if len(columns) < 2 or len(columns[0]) < PARALLEL_ROWS:
        return [factorize(c) for c in columns]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(factorize, columns))


def code_items(schema: Instrument, frame: pd.DataFrame) -> ItemCodes:
    """Code every item column of `frame` once (columns shared by items are coded once)."""
    columns = list(dict.fromkeys(item.column for item in schema.items))
    encoded = dict(zip(columns, factorize_all([frame[c] for c in columns]), strict=True))
    index: list[np.ndarray] = []
    lookup: list[np.ndarray] = []
    unknown: list[list[str]] = []
    done: dict[tuple[str, str], int] = {}
    for item in schema.items:
        key = (item.column, item.scale)
        if key not in done:
            mapped, bad = answer_lookup(schema.scale_of(item), encoded[item.column][1])
            done[key] = len(index)
            index.append(encoded[item.column][0])
            lookup.append(mapped)
            unknown.append(bad)
            continue
        at = done[key]
        index.append(index[at])
        lookup.append(lookup[at])
        unknown.append(unknown[at])
    return ItemCodes(index=index, lookup=lookup, unknown=unknown)


# A distinct value that str.strip() could change starts or ends with one of Python's white
# space characters: ASCII ones, the separators \x1c-\x1f and \x85, and Unicode's Z classes.
EDGE_SPACE = r"^[\s\x0b\x1c-\x1f\x85\p{Z}]|[\s\x0b\x1c-\x1f\x85\p{Z}]$"


def trimmed_factorize(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(index per row, distinct trimmed text); trimming is done once per distinct value.

    Distinct values that are equal after trimming share one index; a null counts as "".
    The result always lists "" (blank), whether or not any row is blank.
    """
    inverse, uniques, strings = _encode(values)
    if strings is not None and len(uniques) > 1000 and nothing_to_trim(strings):
        texts: list[str] = uniques  # type: ignore[assignment]  # arrow strings: all str
        if "" in texts:
            blank = texts.index("")
            return np.where(inverse < 0, blank, inverse), texts
        return np.where(inverse < 0, len(texts), inverse), [*texts, ""]
    stripped = [str(u).strip() for u in uniques]  # nulls are never among the distinct values
    position = {t: i for i, t in enumerate(dict.fromkeys([*stripped, ""]))}
    remap = np.fromiter(
        (position[t] for t in [*stripped, ""]), dtype=np.int64, count=len(stripped) + 1
    )
    if np.array_equal(remap[:-1], np.arange(len(stripped))) and inverse.min(initial=0) >= 0:
        # Trimming merged no two values and there is no null: the index stands as it is,
        # widened (a cast costs a third of the gather).
        return inverse.astype(np.int64), list(position)
    return remap[inverse], list(position)


def sorted_factorize(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(index per row, sorted distinct trimmed text); as `trimmed_factorize`, but the distinct
    values are sorted and only those present are listed ("" too, if a row is blank)."""
    inverse, texts = trimmed_factorize(values)
    present = np.bincount(inverse, minlength=len(texts)) > 0
    labels = sorted(t for t, here in zip(texts, present, strict=True) if here)
    position = {t: i for i, t in enumerate(labels)}
    remap = np.array([position.get(t, -1) for t in texts], dtype=np.int64)
    return remap[inverse], labels


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Each (trimmed) cell as a float64, NaN where it is not a number.

    Arrow-backed strings are cast by arrow in one call when every cell is a number (the
    usual weight column); anything else goes through pandas.to_numeric."""
    import pandas as pd

    if getattr(values.dtype, "storage", None) == "pyarrow" or isinstance(
        values.dtype, pd.ArrowDtype
    ):
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            trimmed = pc.utf8_trim_whitespace(pa.array(values.array))
            return np.asarray(pc.cast(trimmed, pa.float64()).to_numpy(zero_copy_only=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            pass
    text = values.astype(str).str.strip()
    return np.asarray(pd.to_numeric(text, errors="coerce"), dtype=np.float64)


def nothing_to_trim(strings: Any) -> bool:
    """True if no value of an arrow string (chunked) array starts or ends with white space."""
    import pyarrow.compute as pc

    if _printable_ends(strings):
        return True
    return not pc.any(pc.match_substring_regex(strings, EDGE_SPACE)).as_py()


def _printable_ends(strings: Any) -> bool:
    """True if every non-empty value starts and ends with a byte from "!" to "~": then none
    starts or ends with white space (every EDGE_SPACE character is below "!" or not ASCII).

    Looks at two bytes a value through arrow's offsets: the usual ids and answers pass, in
    a tenth of the time the regular expression takes on a million ids."""
    import pyarrow as pa

    for chunk in strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]:
        large = pa.types.is_large_string(chunk.type)
        if chunk.null_count or not (large or pa.types.is_string(chunk.type)):
            return False
        _, offsets_buffer, data_buffer = chunk.buffers()
        if data_buffer is None or not len(chunk):
            continue  # only empty values
        offsets: np.ndarray = np.frombuffer(offsets_buffer, np.int64 if large else np.int32)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        starts, ends = offsets[:-1], offsets[1:]
        full = ends > starts
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        edges = np.concatenate([data[starts[full]], data[ends[full] - 1]])
        if not ((edges > 0x20) & (edges < 0x7F)).all():
            return False
    return True


def code_groups(
    values: pd.Series, order: list[str] | None, blank: bool = False
) -> tuple[np.ndarray, list[str]]:
    """Group index of each (trimmed) value in `order` (or sorted values), -1 for blank or unlisted.

    `blank=True`: blank values, when there are any, are one more group "" after the others
    (a breakdown's cells include them, so withheld cells cannot be worked out by subtraction).
    """
    inverse, texts = trimmed_factorize(values)
    order = sorted(v for v in texts if v) if order is None else [v for v in order if v]
    if blank and (inverse == texts.index("")).any():
        order.append("")
    position = {v: i for i, v in enumerate(order)}
    remap = np.array([position.get(t, -1) for t in texts] + [-1], dtype=np.int64)
    return remap[inverse], order
