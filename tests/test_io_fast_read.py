"""The fast CSV read (no newlines_in_values) falls back whenever a quoted value holds a line
break across pyarrow's blocks, so the cells are always the careful read's cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tpn_survey.io import csv_reader
from tpn_survey.io.csv_reader import read_records


def _careful(data: bytes, ncols: int) -> list[dict[str, str]]:
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(ncols)]
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    return table.to_pylist()


@pytest.mark.parametrize("seed", range(4))
def test_multiline_values_across_blocks(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_reader, "BLOCK_BYTES", 1 << 20)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(60_000):  # several MB: many 1 MB blocks
        note = "line one\nline two\r\nthree" if rng.random() < 0.3 else "short"
        rows.append(f'"R{i}","{note}","Agree","{rng.integers(1, 5)}"')
    data = ("\n".join(rows) + "\n").encode()
    table, ragged = read_records("x.csv", data, ",", 4)
    assert not ragged
    assert table.to_pylist() == _careful(data, 4)


def test_plain_values_take_the_fast_path() -> None:
    data = "".join(f"R{i},Agree,{i % 4}\n" for i in range(100_000)).encode()
    table, ragged = read_records("x.csv", data, ",", 3)
    assert not ragged and table.num_rows == 100_000


def test_text_validated_as_utf8_is_not_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """read_table validates (or transcodes) the text as UTF-8, so pyarrow skips its own check of
    every cell; a caller that has not checked keeps pyarrow's."""
    from tpn_survey.errors import InputError
    from tpn_survey.io import read_table

    bad = b"R1,Agree\nR2,\xff\n"
    with pytest.raises(InputError, match="cannot parse as CSV"):
        read_records("x.csv", bad, ",", 2)
    table, _ = read_records("x.csv", bad, ",", 2, utf8_checked=True)
    assert table.num_rows == 2

    seen: list[bool] = []
    real = csv_reader.read_records

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("utf8_checked", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(csv_reader, "read_records", spy)
    path = tmp_path / "s.csv"
    path.write_bytes("id,q1\nR1,Agree\nR2,Désaccord\n".encode())
    assert read_table(path).frame["q1"].tolist() == ["Agree", "Désaccord"]
    path.write_bytes("id,q1\nR1,Agree\nR2,D\xe9saccord\n".encode("latin-1"))  # Windows-1252
    assert read_table(path).frame["q1"].tolist() == ["Agree", "Désaccord"]
    assert seen == [True, True]
