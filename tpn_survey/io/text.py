"""Bytes to text: encoding by BOM, strict UTF-8, else Windows-1252; refuse binary files."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import Any

from tpn_survey.errors import InputError

_MAGIC = {
    b"\x1f\x8b": "a gzip-compressed file",
    b"BZh": "a bzip2-compressed file",
    b"\xfd7zXZ": "an xz-compressed file",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": (
        "an old Excel (.xls) or password-protected Office file; save it as .xlsx or CSV"
    ),
    b"Rar!": "a RAR archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x28\xb5\x2f\xfd": "a zstd-compressed file",
    b"SQLite format 3": "an SQLite database",
}


@dataclass(frozen=True)
class Decoded:
    """Text of a file, how it was decoded, and whether the encoding was guessed."""

    data: Any  # UTF-8 bytes without BOM (or a read-only memory map of them)
    encoding: str
    guessed: bool


def sniff_kind(name: str, raw: bytes) -> str:
    """The container by magic bytes: "xlsx", "sav", "parquet" or "text" (else InputError)."""
    if raw.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise InputError(f"{name}: this is a broken zip archive, not a survey export") from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if any(n.startswith("xl/") for n in names) or "[Content_Types].xml" in names:
            raise InputError(f"{name}: an Office file but not an Excel .xlsx workbook")
        raise InputError(f"{name}: this is a zip archive, not a survey export; unzip it first")
    if raw.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if raw.startswith(b"PAR1"):
        return "parquet"
    sniff_binary(name, raw[:8192])
    return "text"


def sniff_binary(name: str, head: bytes) -> None:
    """Raise InputError if the first bytes say this is not a text file."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{name}: this is {what}, not a CSV export")
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{name}: this is a zip archive, not a CSV export")
    if b"\x00" in head[:8192] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: this is a binary file, not a CSV export")


def is_utf8(data: Any, block: int = 1 << 24) -> bool:
    """True if `data` (bytes, or an mmap) is valid UTF-8; ASCII is checked with numpy a block at
    a time, other text decoded a block at a time."""
    import numpy as np

    view = np.frombuffer(data, dtype=np.uint8)
    try:
        ascii_only = all(
            int(view[i : i + block].max(initial=0)) < 128 for i in range(0, len(view), block)
        )
    finally:
        del view  # an mmap cannot close while a view of it is alive
    return ascii_only or _utf8_error(data, block) is None


def _utf8_error(raw: bytes, block: int = 1 << 24) -> int | None:
    """Offset of the first byte that is not valid UTF-8, or None; checked a block at a time,
    so a large file is never held as one str as well as bytes."""
    if isinstance(raw, bytes) and raw.isascii():  # ASCII is UTF-8: a fast scan of the bytes
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    end = 0
    try:
        for start in range(0, len(raw), block):
            end = start + block
            decoder.decode(view[start:end])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        try:  # the exact offset: the first error up to the end of the failing block
            bytes(raw[:end]).decode("utf-8")
        except UnicodeDecodeError as ex:
            return ex.start
        return len(raw)
    return None


def decode(name: str, raw: bytes, encoding: str | None = None) -> Decoded:
    """Decode by --encoding, else BOM (UTF-8, UTF-16), else strict UTF-8, else Windows-1252."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"{name}: unknown encoding {encoding!r}") from None
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as ex:
            raise InputError(
                f"{name}: not valid {encoding} text (byte {ex.start}: {raw[ex.start : ex.start + 1]!r})"
            ) from None
        return Decoded(text.lstrip("\ufeff").encode("utf-8"), encoding, False)
    if raw.startswith(codecs.BOM_UTF8):
        body = raw[len(codecs.BOM_UTF8) :]
        bad = _utf8_error(body)
        if bad is not None:
            raise InputError(f"{name}: has a UTF-8 BOM but invalid UTF-8 at byte {bad + 3}")
        return Decoded(body, "utf-8-sig", False)
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise InputError(f"{name}: has a UTF-16 BOM but is not valid UTF-16") from None
            return Decoded(text.encode("utf-8"), "utf-16", False)
    if _utf8_error(raw) is None:
        return Decoded(raw, "utf-8", False)
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as ex:
        raise InputError(
            f"{name}: cannot decode the text: not UTF-8 and not Windows-1252 "
            f"(byte {ex.start}: {raw[ex.start : ex.start + 1]!r}); give --encoding"
        ) from None
    return Decoded(text.encode("utf-8"), "windows-1252", True)
