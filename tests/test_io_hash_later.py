"""The inputs' SHA-256 is computed on another thread after the parse; `hash_later` returns the
table before it is done and `Table.settle()` fills it in, for every reader and stacking."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import MINI_HEADER, write_csv
from tpn_survey.io import read_table, stack_tables
from tpn_survey.io.table import _hash_in_background, tell_apart


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv(path: Path, rows: int = 30) -> Path:
    body = [[f"r{i}", "", "Org A", "Urban", "Agree", "1"] for i in range(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_csv(path, [MINI_HEADER, *body])


@pytest.mark.parametrize("chunksize", [None, 7])
def test_settle_fills_in_the_sha256(tmp_path: Path, chunksize: int | None) -> None:
    path = _csv(tmp_path / "s.csv")
    table = read_table(path, chunksize=chunksize, hash_later=True)
    assert table.hashing
    assert table.settle() is table and not table.hashing
    assert table.files[0]["sha256"] == _sha(path)
    assert read_table(path, chunksize=chunksize).files[0]["sha256"] == _sha(path)  # at once


def test_stacked_and_told_apart_files_keep_their_hashes(tmp_path: Path) -> None:
    paths = [_csv(tmp_path / "w1" / "s.csv", 20), _csv(tmp_path / "w2" / "s.csv", 25)]
    tables = [read_table(p, hash_later=True) for p in paths]
    stacked = stack_tables(tell_apart(tables, paths)).settle()
    assert [(f["file"], f["sha256"]) for f in stacked.files] == [
        ("w1/s.csv", _sha(paths[0])),
        ("w2/s.csv", _sha(paths[1])),
    ]


def test_a_failed_hash_is_raised_by_settle() -> None:
    def update(digest: object) -> None:
        raise OSError("gone")

    info: dict[str, str | int] = {"file": "x.csv"}
    wait = _hash_in_background(info, update)
    with pytest.raises(OSError, match="gone"):
        wait()
    assert "sha256" not in info


@pytest.mark.parametrize(
    ("hash_later", "order"), [(False, ["hash", "parse"]), (True, ["parse", "hash"])]
)
def test_hashing_overlaps_the_parse_unless_it_can_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hash_later: bool, order: list[str]
) -> None:
    """A table returned settled hashes while it parses; one that can wait hashes after the
    parse, which keeps every core busy, alongside the analysis, which keeps one."""
    from tpn_survey.io import csv_reader, table

    seen: list[str] = []
    real_hash, real_parse = table._hash_in_background, csv_reader.parse

    def hashing(*args: object) -> object:
        seen.append("hash")
        return real_hash(*args)  # type: ignore[arg-type]

    def parse(*args: object, **kwargs: object) -> object:
        seen.append("parse")
        return real_parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(table, "_hash_in_background", hashing)
    monkeypatch.setattr(csv_reader, "parse", parse)
    path = _csv(tmp_path / "s.csv")
    assert read_table(path, hash_later=hash_later).settle().files[0]["sha256"] == _sha(path)
    assert seen == order
