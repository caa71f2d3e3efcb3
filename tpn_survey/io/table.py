"""The `Table` every reader returns, and `read_table`, which picks the reader from the content."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tpn_survey.errors import InputError
from tpn_survey.results import Problem

if TYPE_CHECKING:
    import pandas as pd

FILE_COLUMN = "__file__"
ROW_COLUMN = "__row__"


@dataclass
class Table:
    """Respondent rows of one or more files as text cells ("" for blank).

    `frame` has the file's columns plus `__file__` (file name) and `__row__` (the row a
    spreadsheet shows for the line, header = row 1), so every problem can name where it is.
    """

    frame: pd.DataFrame
    files: list[dict[str, str | int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    questions: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in (FILE_COLUMN, ROW_COLUMN)]


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_table(
    path: str | Path,
    encoding: str | None = None,
    export: str | None = None,
    drop: list[str] | tuple[str, ...] = (),
) -> Table:
    """Read one export; columns named in `drop` (personal data) are removed at once."""
    from tpn_survey.io import csv_reader
    from tpn_survey.io.text import decode, sniff_binary

    path = Path(path)
    name = path.name
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a data file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except OSError as ex:
        raise InputError(f"{path}: cannot read ({ex.strerror})") from None
    if not raw.strip():
        raise InputError(f"{name}: the file is empty")
    if export not in (None, "plain", "csv"):
        raise InputError(f"{name}: unknown export flavour {export!r} (use plain)")
    sniff_binary(name, raw[:8192])
    decoded = decode(name, raw, encoding)
    parsed = csv_reader.parse(name, decoded.data)
    problems = list(parsed.problems)
    if decoded.guessed:
        problems.insert(
            0,
            Problem(
                code="encoding-guessed",
                severity="warning",
                file=name,
                message=f"{name}: not UTF-8; read as {decoded.encoding}",
            ),
        )
    frame = parsed.frame
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    frame[FILE_COLUMN] = name
    frame[ROW_COLUMN] = parsed.rows
    info: dict[str, str | int] = {
        "file": name,
        "sha256": sha256_of(raw),
        "rows": len(frame),
        "encoding": decoded.encoding,
        "export": "plain",
    }
    return Table(frame=frame, files=[info], problems=problems)


def stack_tables(tables: list[Table], wave_column: str = "wave") -> Table:
    """Stack several files as waves; each row keeps its file's stem in `wave` unless it has one."""
    import pandas as pd

    if len(tables) == 1:
        return tables[0]
    frames = []
    for table in tables:
        frame = table.frame
        if wave_column not in frame.columns:
            frame = frame.assign(**{wave_column: Path(str(table.files[0]["file"])).stem})
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True).fillna("")
    return Table(
        frame=frame,
        files=[f for t in tables for f in t.files],
        problems=[p for t in tables for p in t.problems],
        questions={k: v for t in tables for k, v in t.questions.items()},
    )


def row_numbers(first: int, count: int) -> np.ndarray:
    """Spreadsheet row numbers of `count` respondent rows starting at row `first`."""
    return np.arange(first, first + count, dtype=np.int64)
