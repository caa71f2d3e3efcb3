"""Typed columns (Parquet, SPSS, Excel) to the text cells every reader returns ("" for blank)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def arrow_text(array: Any) -> Any:
    """An arrow (chunked) array as strings: whole floats without `.0`, blanks as ""."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks else pa.array([], array.type)
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.dictionary_decode()
        kind = array.type
    try:
        if pa.types.is_timestamp(kind):
            text = pc.strftime(array, format="%Y-%m-%d %H:%M:%S")
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            text = array.cast(pa.string())
        else:
            text = pc.cast(array, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        text = pa.array([_as_text(v) for v in array.to_pylist()], pa.string())
    return pc.fill_null(text, "")


def _as_text(value: Any) -> str:
    """A cell arrow could not cast: bytes (Parquet BINARY) decode as UTF-8, a bad byte as U+FFFD."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def text_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A DataFrame of text cells from named arrow arrays."""
    import pyarrow as pa

    return arrow_frame(pa.table({k: arrow_text(v) for k, v in columns.items()}))


def arrow_frame(table: Any) -> pd.DataFrame:
    """An arrow table of strings (or dictionaries of strings) as a DataFrame that keeps
    arrow's buffers (no copy, no cast)."""
    import pandas as pd
    import pyarrow as pa

    return table.to_pandas(
        types_mapper=lambda t: (
            pd.ArrowDtype(t) if t == pa.string() or pa.types.is_dictionary(t) else None
        )
    )
