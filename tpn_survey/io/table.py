"""The `Table` every reader returns, and `read_table`, which picks the reader from the content."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.problems import Problem, ProblemCode

if TYPE_CHECKING:
    import pandas as pd


class Tallier(Protocol):
    """What a reader needs of a tally (`tpn_survey.analysis.tally.Tally`): the reader adds
    rows to it and keeps no answer column, so io never imports the analysis."""

    keys: list[str]
    columns: list[str]

    @property
    def item_columns(self) -> set[str]: ...

    @property
    def rates_column(self) -> str | None: ...

    def add(self, frame: pd.DataFrame) -> None: ...

    def drop_rows(self, keep: Any) -> None: ...

    def relabel_blank(self, column: str, value: str) -> None: ...

    def merge(self, other: Any) -> None: ...

    def checks(self) -> Any: ...


FILE_COLUMN = "__file__"
ROW_COLUMN = "__row__"
MAX_BYTES = 4 << 30


@dataclass
class Table:
    """Respondent rows of one or more files as text cells ("" for blank).

    `frame` has the file's columns plus `__file__` (file name) and `__row__` (the row a
    spreadsheet shows for the line, header = row 1), so every problem can name where it is.
    `questions` maps columns to question text (Qualtrics/SurveyMonkey header rows, SPSS labels);
    `metadata` lists platform columns (dates, ids, IP address...); `levels` holds answer labels
    in order where the file declares them (SPSS value labels, ordered Parquet categories), and
    `non_substantive` the labels of SPSS user-missing codes. `tally` (a `tpn_survey.analysis.tally.Tally`)
    is set when the answers were tallied as they were read (`--chunksize`): then `frame` holds
    every column but the items, whose counts are in the tally. `hashing` holds a wait for each
    file whose SHA-256 is still being computed (`read_table(hash_later=True)`): `settle()`
    fills the `sha256` of `files` in.
    """

    frame: pd.DataFrame
    files: list[dict[str, str | int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    questions: dict[str, str] = field(default_factory=dict)
    metadata: list[str] = field(default_factory=list)
    levels: dict[str, list[str]] = field(default_factory=dict)
    non_substantive: dict[str, list[str]] = field(default_factory=dict)
    tally: Tallier | None = None
    sheets: dict[str, str] = field(default_factory=dict)  # workbook file -> the sheet read
    hashing: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def columns(self) -> list[str]:
        found = list(self.frame.columns)
        if self.tally is not None:  # the items' columns are tallied, not kept
            found = list(dict.fromkeys([*self.tally.columns, *found]))
        return [c for c in found if c not in (FILE_COLUMN, ROW_COLUMN)]

    def settle(self) -> Table:
        """Wait for the files' SHA-256 still being computed; every `files` entry has its
        `sha256` after this."""
        while self.hashing:
            self.hashing.pop(0)()
        return self


def _hash_in_background(
    info: dict[str, str | int], update: Callable[[Any], None]
) -> Callable[[], None]:
    """Start computing a file's SHA-256 on another thread (`update(digest)` feeds it; hashlib
    lets go of the GIL); the returned wait puts it in `info["sha256"]`."""
    digest = hashlib.sha256()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            update(digest)
        except BaseException as ex:  # raised by wait(), on the caller's thread
            failed.append(ex)

    hasher = threading.Thread(target=run, daemon=True)
    hasher.start()

    def wait() -> None:
        hasher.join()
        if failed:
            raise failed[0]
        info["sha256"] = digest.hexdigest()

    return wait


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a data file")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: larger than {MAX_BYTES >> 30} GiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as ex:
        raise InputError(f"{path}: cannot read ({ex.strerror or type(ex).__name__})") from None


MAP_BYTES = 16 << 20  # text files from this size are mapped rather than read


def _map_utf8_text(path: Path) -> Any:
    """A big UTF-8 text file (with or without a BOM) as a read-only memory map, else None.

    pyarrow parses the mapped pages in place: no copy of the file into Python's memory, which
    at 400 MB took longer than parsing it. Other files are read as bytes."""
    import mmap

    from tpn_survey.io.text import is_utf8, sniff_binary

    try:
        if path.is_dir() or path.stat().st_size < MAP_BYTES:
            return None
        if path.stat().st_size > MAX_BYTES:
            return None  # _read_bytes says why
        with path.open("rb") as fh:
            head = fh.read(8192)
            if head.startswith((b"\xff\xfe", b"\xfe\xff", b"PK", b"$FL", b"PAR1")):
                return None
            sniff_binary(path.name, head)
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None  # _read_bytes reports the file's problem
    return mapped if is_utf8(mapped) else None


def read_table(
    path: str | Path,
    encoding: str | None = None,
    export: str | None = None,
    drop: list[str] | tuple[str, ...] = (),
    sheet: str | None = None,
    chunksize: int | None = None,
    dictionary: Collection[str] = (),
    tally: Tallier | None = None,
    hash_later: bool = False,
) -> Table:
    """Read one export of any supported kind; columns in `drop` (personal data) go at once.

    The container is recognized by magic bytes (xlsx, SPSS .sav, Parquet, else text) and the
    flavour of text and xlsx files by their header rows (see `tpn_survey.io.flavours`);
    `export` overrides the flavour, `encoding` the text encoding, `sheet` picks an xlsx sheet.
    `chunksize` streams a UTF-8 text export that many rows at a time (see `io.chunked`);
    other files are read whole. `dictionary` names columns (the items) that a CSV reader
    returns as arrow dictionaries: the same cells, coded as they are parsed. With a `tally`
    (a `tpn_survey.analysis.tally.Tally`) the answers are added to it and their columns are not kept:
    chunk by chunk as they are streamed, else once the file is read.

    The file's SHA-256 is computed on another thread while the file is parsed. With
    `hash_later` it is started once the file is parsed (a parse keeps every core busy; the
    analysis that follows, one) and the table is returned before it is done: call
    `Table.settle()` before reading `files[...]["sha256"]`.
    """
    from tpn_survey.io import csv_reader, xlsx_reader
    from tpn_survey.io.flavours import is_metadata, normalize_export
    from tpn_survey.io.text import Decoded, decode, sniff_kind

    path = Path(path)
    name = path.name
    if encoding:
        from tpn_survey.io.text import check_encoding

        check_encoding(name, encoding)
    if chunksize:
        streamed = _read_chunked(path, chunksize, encoding, export, drop, tally)
        if streamed is not None:
            return streamed if hash_later else streamed.settle()
    mapped = _map_utf8_text(path) if encoding in (None, "utf-8", "utf8") else None
    raw: Any = mapped if mapped is not None else _read_bytes(path)
    if mapped is None and (not raw or raw.isspace()):
        raise InputError(f"{name}: the file is empty")
    info: dict[str, str | int] = {"file": name}
    hashing = [] if hash_later else [_hash_in_background(info, lambda d: d.update(raw))]
    flavour = normalize_export(name, export)
    kind = "text" if mapped is not None else sniff_kind(name, raw, encoding)
    problems: list[Problem] = []
    questions: dict[str, str] = {}
    sheets: dict[str, str] = {}
    levels: dict[str, list[str]] = {}
    non_subst: dict[str, list[str]] = {}
    if kind in ("text", "xlsx"):
        if kind == "text":
            start = 0
            if mapped is not None:
                start = 3 if mapped[:3] == b"\xef\xbb\xbf" else 0
                decoded = Decoded(mapped, "utf-8-sig" if start else "utf-8", False)
            else:
                decoded = decode(name, raw, encoding)
            parsed = csv_reader.parse(name, decoded.data, flavour, dictionary, start)
            used = decoded.encoding
            if decoded.guessed:
                problems.append(
                    Problem(
                        code=ProblemCode.ENCODING_GUESSED,
                        severity="warning",
                        file=name,
                        message=f"{name}: not UTF-8; read as {decoded.encoding}",
                    )
                )
        else:
            parsed = xlsx_reader.parse(name, raw, flavour, sheet)
            used = "xlsx"
        frame, rows, problems = parsed.frame, parsed.rows, problems + parsed.problems
        sheets = {name: parsed.sheet} if parsed.sheet is not None else {}
        export_used = parsed.layout.export
        questions = dict(parsed.layout.questions)
        metadata = list(parsed.layout.metadata)
    else:
        from tpn_survey.io.typed_readers import read_parquet, read_sav

        typed = read_sav(name, path) if kind == "sav" else read_parquet(name, raw)
        frame = typed.frame
        if not len(frame.columns):
            raise InputError(f"{name}: the file has no columns")
        rows = np.arange(2, 2 + len(frame), dtype=np.int64)
        used, export_used = kind, {"sav": "spss", "parquet": "parquet"}[kind]
        questions, levels, non_subst = typed.questions, typed.levels, typed.non_substantive
        metadata = [c for c in frame.columns if is_metadata(str(c))]
    clash = [c for c in (FILE_COLUMN, ROW_COLUMN) if c in frame.columns]
    if clash:
        raise InputError(f"{name}: column name {clash[0]!r} is reserved by tpn; rename it")
    gone = [c for c in drop if c in frame.columns]
    frame = frame.drop(columns=gone)
    frame[FILE_COLUMN] = name
    frame[ROW_COLUMN] = rows
    info.update({"rows": len(frame), "encoding": used, "export": export_used})
    keep = set(frame.columns)
    table = Table(
        frame=frame,
        files=[info],
        problems=problems,
        questions={k: v for k, v in questions.items() if k in keep},
        metadata=[c for c in metadata if c in keep],
        levels={k: v for k, v in levels.items() if k in keep},
        non_substantive={k: v for k, v in non_subst.items() if k in keep},
        sheets=sheets,
        hashing=hashing or [_hash_in_background(info, lambda d: d.update(raw))],
    )
    table = table if tally is None else _tallied(table, tally)
    return table if hash_later else table.settle()


def _tallied(table: Table, tally: Tallier) -> Table:
    """`table` with its answers added to `tally` and their columns let go."""
    tally.add(table.frame)
    tally.columns = table.columns
    table.frame = table.frame.drop(columns=[c for c in table.frame if c in tally.item_columns])
    table.tally = tally
    return table


def _read_chunked(
    path: Path,
    chunksize: int,
    encoding: str | None,
    export: str | None,
    drop: list[str] | tuple[str, ...],
    tally: Tallier | None = None,
) -> Table | None:
    """`read_table` for a streamable UTF-8 text file, or None if the file is not one."""
    from tpn_survey.io.chunked import feed_file, is_streamable, parse_chunked
    from tpn_survey.io.csv_reader import HEAD_BYTES
    from tpn_survey.io.flavours import normalize_export
    from tpn_survey.io.text import sniff_kind

    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return None  # read_table reports it
    if not head or head.isspace() or head.startswith(b"PK") or not is_streamable(head, encoding):
        return None
    if sniff_kind(name, head) != "text":
        return None
    # A streamed read leaves a core free: the file is hashed meanwhile (Table.settle).
    info: dict[str, str | int] = {"file": name}
    wait = _hash_in_background(info, lambda digest: feed_file(digest, path))
    parsed = parse_chunked(name, path, chunksize, normalize_export(name, export), tally, drop)
    frame = parsed.frame.drop(columns=[c for c in drop if c in parsed.frame.columns])
    clash = [c for c in (FILE_COLUMN, ROW_COLUMN) if c in frame.columns]
    if clash:
        raise InputError(f"{name}: column name {clash[0]!r} is reserved by tpn; rename it")
    frame[FILE_COLUMN] = name
    frame[ROW_COLUMN] = parsed.rows
    keep = set(frame.columns)
    info["rows"] = len(frame)
    info["encoding"] = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    info["export"] = parsed.layout.export
    return Table(
        frame=frame,
        files=[info],
        problems=parsed.problems,
        questions={k: v for k, v in parsed.layout.questions.items() if k in keep},
        metadata=[c for c in parsed.layout.metadata if c in keep],
        tally=tally,
        hashing=[wait],
    )


def tell_apart(tables: list[Table], paths: list[Path]) -> list[Table]:
    """Files of several waves that share a name are told apart by their folder: their rows,
    problems and fingerprints say `folder/name` (so the waves are `folder/stem`). The same
    file given twice is an InputError."""
    names = [str(t.files[0]["file"]) if t.files else "" for t in tables]
    if len(set(names)) == len(names):
        return tables
    seen: dict[Path, int] = {}
    for i, path in enumerate(paths):
        real = Path(path).resolve()
        if real in seen:
            raise InputError(f"{path}: given twice (as file {seen[real] + 1} and {i + 1})")
        seen[real] = i
    labels = [
        f"{Path(p).parent.name}/{n}" if names.count(n) > 1 else n
        for p, n in zip(paths, names, strict=True)
    ]
    if len(set(labels)) != len(labels):
        clash = next(label for label in labels if labels.count(label) > 1)
        raise InputError(
            f"two files are both {clash!r}; rename one so that each wave has its own name"
        )
    out = []
    for table, name, label in zip(tables, names, labels, strict=True):
        if label != name:
            table.settle()  # its files' entries are copied below
            table.frame[FILE_COLUMN] = label
            table.files = [{**table.files[0], "file": label}, *table.files[1:]]
            table.sheets = {label if k == name else k: v for k, v in table.sheets.items()}
            table.problems = [
                p.model_copy(update={"file": label, "message": p.message.replace(name, label, 1)})
                if p.file == name
                else p
                for p in table.problems
            ]
        out.append(table)
    return out


def stack_tables(
    tables: list[Table], wave_column: str = "wave", labels: list[str] | None = None
) -> Table:
    """Stack several files as waves: each row's `wave` is its file's label in `labels` when
    given, else the file's own `wave` column, else the file's stem."""
    import pandas as pd

    if len(tables) == 1:
        return tables[0]
    tallies = [t.tally for t in tables if t.tally is not None]
    if tallies and len(tallies) < len(tables):
        raise ValueError("stack either tallied tables or tables of answers, not both")
    frames = []
    for k, table in enumerate(tables):
        frame = table.frame
        if labels is not None or wave_column not in frame.columns:
            stem = (
                labels[k]
                if labels is not None
                else str(Path(str(table.files[0]["file"])).with_suffix(""))  # "2017", "w1/s"
            )
            frame = frame.assign(**{wave_column: stem})
            if table.tally is not None:
                table.tally.relabel_blank(wave_column, stem)
        frames.append(frame)
    for more in tallies[1:]:
        tallies[0].merge(more)
    frame = pd.concat(frames, ignore_index=True).fillna("")
    return Table(
        frame=frame,
        files=[f for t in tables for f in t.files],
        problems=[p for t in tables for p in t.problems],
        questions={k: v for t in tables for k, v in t.questions.items()},
        metadata=list(dict.fromkeys(c for t in tables for c in t.metadata)),
        levels={k: v for t in tables for k, v in t.levels.items()},
        non_substantive={k: v for t in tables for k, v in t.non_substantive.items()},
        sheets={k: v for t in tables for k, v in t.sheets.items()},
        tally=tallies[0] if tallies else None,
        hashing=[wait for t in tables for wait in t.hashing],
    )
