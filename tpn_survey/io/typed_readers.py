"""SPSS .sav (value labels become answers, in code order) and Parquet into text cells."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tpn_survey.errors import InputError
from tpn_survey.io.cells import arrow_text, text_frame

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Typed:
    """A typed file's text cells, question text and the ordered answer labels it declares."""

    frame: pd.DataFrame
    questions: dict[str, str] = field(default_factory=dict)
    levels: dict[str, list[str]] = field(default_factory=dict)
    non_substantive: dict[str, list[str]] = field(default_factory=dict)


def _number_key(value: Any) -> str:
    from tpn_survey.io.xlsx_reader import cell_text

    return cell_text(value)


def _missing_codes(ranges: list[dict[str, Any]]) -> list[tuple[float, float]]:
    out = []
    for r in ranges or []:
        try:
            out.append((float(r["lo"]), float(r["hi"])))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def _user_missing(series: pd.Series, ranges: list[dict[str, Any]]) -> Any:
    """Mask of the cells holding a user-missing value (numeric ranges, or string values), or
    None when the column declares none."""
    import numpy as np
    import pandas as pd

    if not ranges:
        return None
    mask = np.zeros(len(series), dtype=bool)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    for r in ranges:
        lo, hi = r.get("lo"), r.get("hi")
        if isinstance(lo, str) or isinstance(hi, str):
            mask |= (series.astype(str) == str(lo)).to_numpy() | (
                series.astype(str) == str(hi)
            ).to_numpy()
            continue
        if lo is None or hi is None:
            continue
        try:
            low, high = float(lo), float(hi)
        except (TypeError, ValueError):
            continue
        with np.errstate(invalid="ignore"):
            mask |= (numbers >= low) & (numbers <= high)
    return pd.Series(mask, index=series.index) if mask.any() else None


def read_sav(name: str, path: Path) -> Typed:
    """An SPSS file via pyreadstat; labelled codes become their labels, user-missing kept."""
    import pyarrow as pa

    try:
        import pyreadstat
    except ImportError:  # pragma: no cover - pyreadstat is a dependency
        raise InputError(
            f"{name}: reading SPSS files needs pyreadstat (pip install pyreadstat)"
        ) from None
    try:
        df, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as ex:  # pyreadstat raises several types for broken files
        raise InputError(f"{name}: cannot read the SPSS file ({type(ex).__name__})") from None
    columns: dict[str, Any] = {}
    out = Typed(frame=df.iloc[:0])
    labels_of = dict(getattr(meta, "variable_value_labels", {}) or {})
    missing = dict(getattr(meta, "missing_ranges", {}) or {})
    for col, text in zip(meta.column_names, getattr(meta, "column_labels", []) or [], strict=False):
        if text and text != col:
            out.questions[str(col)] = str(text)
    for col in df.columns:
        series = df[col]
        try:
            arrow = pa.Array.from_pandas(series)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrow = pa.array([None if v is None else str(v) for v in series.tolist()], pa.string())
        text = arrow_text(arrow).to_pandas()
        # User-missing codes (SPSS "missing values": 9 = refused, 97-99...) are missing answers.
        user_missing = _user_missing(series, missing.get(col, []))
        value_labels = labels_of.get(col) or {}
        if value_labels:
            keys = {
                _number_key(k) if not isinstance(k, str) else k: str(v)
                for k, v in value_labels.items()
            }
            mapped = text.map(keys)
            text = mapped.where(mapped.notna(), text)
            ranges = _missing_codes(missing.get(col, []))
            levels: list[str] = []
            non_subst: list[str] = []
            for code in sorted(value_labels, key=lambda k: (isinstance(k, str), k)):
                label = str(value_labels[code])
                is_missing = not isinstance(code, str) and any(
                    lo <= float(code) <= hi for lo, hi in ranges
                )
                (non_subst if is_missing else levels).append(label)
            out.levels[str(col)] = levels
            if non_subst:
                out.non_substantive[str(col)] = non_subst
        if user_missing is not None:
            text = text.astype(str).where(~user_missing, "")
        columns[str(col)] = pa.Array.from_pandas(text.astype(str))
    out.frame = text_frame(columns)
    return out


def read_parquet(name: str, raw: bytes) -> Typed:
    """A Parquet file via pyarrow; ordered categorical columns declare their levels."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(raw))
    except Exception as ex:  # arrow raises several types for broken files
        raise InputError(f"{name}: cannot read the Parquet file ({type(ex).__name__})") from None
    names = [n for n in table.column_names if not n.startswith("__index_level_")]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise InputError(f"{name}: column name {n!r} appears twice")
        seen.add(n)
    out = Typed(frame=text_frame({}))
    columns = {}
    for n in names:
        column = table.column(n)
        if pa.types.is_dictionary(column.type) and column.type.ordered and column.num_chunks:
            out.levels[n] = [str(v) for v in column.chunk(0).dictionary.to_pylist()]
        columns[n] = column
    out.frame = text_frame(columns)
    return out
