"""`--chunksize`: read a UTF-8 CSV export in chunks of rows into a compact table.

The whole file is never held as text. pyarrow parses it in small blocks; every column whose
values repeat is dictionary-encoded at once (a survey answer repeats a handful of labels, so a
cell becomes a small integer), ids and other columns of distinct values stay text, and the
blocks are joined column by column into pandas categoricals and arrow text. With a tally (a
simple analysis, or validation), the blocks are gathered into chunks of `chunksize` rows whose
answers are added to the tally and then let go: the table keeps every column but the answers.
Either way the analysis gives the same results as in memory, number for number.
"""

from __future__ import annotations

import copy
import mmap
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.io.csv_reader import (
    HEAD_BYTES,
    Parsed,
    blank_records,
    cut_problem,
    empty_rows,
    ends_in_quote,
    header_end,
    number_rows,
    sniff_delimiter,
    split_records,
)
from tpn_survey.io.flavours import layout

if TYPE_CHECKING:
    from tpn_survey.io.table import Tallier

BOM = b"\xef\xbb\xbf"
MAX_BLOCK = 1 << 20


def is_streamable(head: bytes, encoding: str | None) -> bool:
    """Only UTF-8 text streams; other encodings (and a guessed one) are read whole."""
    if encoding not in (None, "utf-8", "utf8", "utf-8-sig"):
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    body = head[len(BOM) :] if head.startswith(BOM) else head
    cut = body.rfind(b"\n")
    try:
        body[: cut if cut > 0 else len(body)].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def feed_file(digest: Any, path: Path) -> None:
    """Feed a file to a hashlib `digest`, 1 MiB at a time."""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)


def parse_chunked(
    name: str,
    path: Path,
    chunksize: int,
    export: str | None = None,
    tally: Tallier | None = None,
    drop: Collection[str] = (),
) -> Parsed:
    """Parse `path` (UTF-8, any flavour) `chunksize` rows at a time into dictionary columns.

    With a `tally` (a `tpn_survey.analysis.tally.Tally`), each chunk's answers are added to it and
    their columns are not kept; the tally sees no column of `drop` (personal data).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    start = len(BOM) if head.startswith(BOM) else 0
    head = head[start:]
    head_text = head.decode("utf-8", errors="replace")
    delimiter = sniff_delimiter(head_text.splitlines()[0] if head_text else "")
    shape = layout(name, split_records(name, head_text, delimiter, 3), export)
    skip = header_end(head, shape.header_rows)
    names = [f"c{i}" for i in range(len(shape.columns))]
    kept = list(range(len(names)))
    tallied: list[int] = []  # columns the tally reads from each chunk
    if tally is not None:
        items = tally.item_columns
        wanted = items | set(tally.keys) | {tally.rates_column}
        tallied = [i for i, c in enumerate(shape.columns) if c in wanted and c not in drop]
        kept = [i for i, c in enumerate(shape.columns) if c not in items]
    per_row = max(1, skip // max(1, shape.header_rows))  # a rough size of one record
    ragged: list[Any] = []

    def on_invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"

    block = min(MAX_BLOCK, max(1 << 16, chunksize * per_row))
    fresh = copy.deepcopy(tally)  # to start again if a long cell outgrows the block
    while True:
        ragged.clear()
        batches = []
        empty: list[np.ndarray] = []  # rows with no text, numbered across the chunks
        seen = 0
        try:
            with path.open("rb") as fh:
                fh.seek(start + skip)
                records = path.stat().st_size > start + skip  # pyarrow refuses a header alone
                reader: Any = (
                    iter(())
                    if not records
                    else pacsv.open_csv(
                        fh,
                        read_options=pacsv.ReadOptions(
                            column_names=names,
                            use_threads=False,
                            # At most MAX_BLOCK of text at a time: pyarrow's reader holds many
                            # times its block size in memory (400 MB at 8 MiB blocks, 110 at 1 MiB).
                            block_size=block,
                        ),
                        parse_options=pacsv.ParseOptions(
                            delimiter=delimiter,
                            newlines_in_values=True,
                            ignore_empty_lines=False,  # numbered as rows; dropped below
                            invalid_row_handler=on_invalid,
                        ),
                        convert_options=pacsv.ConvertOptions(
                            column_types=dict.fromkeys(names, pa.string()),
                            strings_can_be_null=False,
                            quoted_strings_can_be_null=False,
                        ),
                    )
                )
                encode: list[bool] | None = None
                pending: list[list[Any]] = []  # parsed blocks not yet tallied
                waiting = 0
                for batch in reader:
                    empty.append(empty_rows(batch.columns) + seen)
                    seen += batch.num_rows
                    if encode is None:  # the first chunk tells answers (few values) from ids
                        encode = [i in kept and _repeats(c) for i, c in enumerate(batch.columns)]
                    columns = [
                        c.dictionary_encode() if enc else c
                        for c, enc in zip(batch.columns, encode, strict=True)
                    ]
                    if tally is not None:
                        pending.append([columns[i] for i in tallied])
                        waiting += batch.num_rows
                        if waiting >= chunksize:  # pyarrow's blocks are small: tally whole chunks
                            tally.add(
                                _folded(
                                    _chunk_frame(pending, waiting, tallied, shape.columns),
                                    tally.keys,
                                )
                            )
                            pending, waiting = [], 0
                    batches.append(
                        pa.record_batch([columns[i] for i in kept], names=[names[i] for i in kept])
                    )
                if pending and tally is not None:
                    tally.add(
                        _folded(_chunk_frame(pending, waiting, tallied, shape.columns), tally.keys)
                    )
            break
        except (pa.ArrowInvalid, pa.ArrowException) as ex:
            # A record longer than the block (a 10 MB free-text cell) "straddles" blocks:
            # start again with blocks that hold it, the tally as it was.
            if "straddl" in str(ex) and block < path.stat().st_size + 1:
                block = min(max(16 << 20, 4 * block), path.stat().st_size + 1, (1 << 31) - 1)
                if tally is not None and fresh is not None:
                    tally.__dict__.update(copy.deepcopy(fresh).__dict__)
                continue
            raise InputError(f"{name}: cannot parse as UTF-8 CSV in chunks: {ex}") from None
    frame = _categorical_frame(batches, [names[i] for i in kept])
    frame.columns = [shape.columns[i] for i in kept]
    rows, keep, problems = number_rows(
        name,
        len(frame),
        shape.header_rows,
        ragged,
        np.concatenate(empty) if empty else np.zeros(0, dtype=np.int64),
        lambda: _blank_records(path, start + skip),
    )
    if keep is not None:
        frame = frame[keep].reset_index(drop=True)
    if tally is not None:
        if keep is not None:
            tally.drop_rows(keep)
        tally.columns = [c for c in shape.columns if c not in drop]
    if len(rows) and path.stat().st_size:
        with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            if ends_in_quote(mapped, start + skip):
                problems.append(cut_problem(name, int(rows[-1])))
    return Parsed(frame=frame, rows=rows, problems=problems, layout=shape)


def _folded(frame: Any, keys: Collection[str]) -> Any:
    """The chunk with its group columns folded as `io.folding.fold_group_values` folds a whole
    table (NFC, non-breaking spaces), so tallied groups equal those of a table read whole."""
    from tpn_survey.io.folding import folded_column

    for key in keys:
        if key in frame.columns:
            frame[key], _ = folded_column(frame[key])
    return frame


def _chunk_frame(blocks: list[list[Any]], rows: int, which: list[int], names: list[str]) -> Any:
    """Columns `which` of consecutive blocks (`rows` rows in all) as one frame: categoricals
    and arrow text. With no column (none of the file's is tallied), still `rows` rows."""
    import pandas as pd
    import pyarrow as pa

    if not which:
        return pd.DataFrame(index=pd.RangeIndex(rows))
    out = {}
    for at, i in enumerate(which):
        column = pa.chunked_array([block[at] for block in blocks])
        if pa.types.is_dictionary(column.type):
            out[names[i]] = column.to_pandas()  # unifies the blocks' dictionaries
        else:
            out[names[i]] = pd.Series(pd.arrays.ArrowExtensionArray(column))
    return pd.DataFrame(out, copy=False)


def _blank_records(path: Path, start: int) -> list[int]:
    """`csv_reader.blank_records` of a file, mapped rather than read into memory."""
    if path.stat().st_size <= start:
        return []
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return blank_records(mapped, start)


def _repeats(column: Any) -> bool:
    """True for a column whose values repeat (answers, groups): worth a dictionary. Ids,
    weights and free text are kept as text: a dictionary of all-distinct values only adds."""
    import pyarrow.compute as pc

    return bool(pc.count_distinct(column).as_py() <= max(100, len(column) // 4))


def _categorical_frame(batches: list[Any], names: list[str]) -> Any:
    """Join the batches into a frame, a column at a time (each column's chunks are let go
    once converted): categoricals for dictionary columns (their dictionaries unified),
    arrow-backed text (the chunks themselves, no copy) for the others."""
    import pandas as pd
    import pyarrow as pa

    if not batches:
        return pd.DataFrame({n: pd.Series([], dtype=str) for n in names})
    chunks = [[b.column(i) for b in batches] for i in range(len(names))]
    batches.clear()
    columns = {}
    for i, name in enumerate(names):
        column = pa.chunked_array(chunks[i])
        chunks[i] = []
        if pa.types.is_dictionary(column.type):
            columns[name] = column.to_pandas()  # unifies the chunks' dictionaries
        else:
            columns[name] = pd.Series(pd.arrays.ArrowExtensionArray(column))
    return pd.DataFrame(columns, copy=False)
