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


USUAL_ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "windows-1252",
    "latin-1",
    "mac-roman",
)


def check_encoding(name: str, encoding: str) -> str:
    """The codec's canonical name; InputError (exit 2) listing the usual ones if `encoding` is
    not a text encoding Python knows."""
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError, ValueError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise InputError(
            f"{name}: unknown encoding {encoding!r}; usual ones: {', '.join(USUAL_ENCODINGS)}"
        )
    return info.name


def wide_encoding(encoding: str | None) -> bool:
    """True for UTF-16/UTF-32 codecs, whose text is full of NUL bytes."""
    if not encoding:
        return False
    try:
        return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


def sniff_kind(name: str, raw: bytes, encoding: str | None = None) -> str:
    """The container by magic bytes: "xlsx", "sav", "parquet" or "text" (else InputError).
    With a UTF-16/32 `encoding` given, NUL bytes are text, not a sign of a binary file."""
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
    if not wide_encoding(encoding):
        sniff_binary(name, raw[:8192])
    return "text"


def sniff_binary(name: str, head: bytes) -> None:
    """Raise InputError if the first bytes say this is not a text file."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{name}: this is {what}, not a CSV export")
    if head.startswith(b"PK\x03\x04"):
        raise InputError(f"{name}: this is a zip archive, not a CSV export")
    sample = head[:8192]
    # A stray NUL in a text export is a control character in a cell (removed on output); a
    # binary file (or UTF-16 without a BOM) is full of them.
    if sample.count(0) > max(1, len(sample) // 20) and not head.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        odd, even = sample[1::2], sample[0::2]
        if odd.count(0) > len(odd) * 0.6 > 0 and even.count(0) < len(even) * 0.2:
            raise InputError(
                f"{name}: looks like UTF-16 text without a byte-order mark; "
                "give --encoding utf-16-le"
            )
        if even.count(0) > len(even) * 0.6 > 0 and odd.count(0) < len(odd) * 0.2:
            raise InputError(
                f"{name}: looks like UTF-16 text without a byte-order mark; "
                "give --encoding utf-16-be"
            )
        raise InputError(
            f"{name}: this is a binary file, not a CSV export "
            "(if it is UTF-16 text without a byte-order mark, give --encoding utf-16-le)"
        )


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
        check_encoding(name, encoding)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as ex:
            raise InputError(
                f"{name}: not valid {encoding} text: {_where(raw, ex.start, encoding)}"
            ) from None
        return Decoded(_line_ends(text.lstrip("\ufeff").encode("utf-8")), encoding, False)
    if raw.startswith(codecs.BOM_UTF8):
        body = raw[len(codecs.BOM_UTF8) :]
        bad = _utf8_error(body)
        if bad is not None:
            raise InputError(
                f"{name}: has a UTF-8 BOM but is not valid UTF-8: {_where(body, bad, 'utf-8')}"
            )
        return Decoded(_line_ends(body), "utf-8-sig", False)
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                text = raw[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise InputError(f"{name}: has a UTF-16 BOM but is not valid UTF-16") from None
            return Decoded(_line_ends(text.encode("utf-8")), "utf-16", False)
    if _utf8_error(raw) is None:
        return Decoded(_line_ends(raw), "utf-8", False)
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as ex:
        raise InputError(
            f"{name}: cannot decode the text: not UTF-8 and not Windows-1252: "
            f"{_where(raw, ex.start, 'cp1252')}; give --encoding"
        ) from None
    return Decoded(_line_ends(text.encode("utf-8")), "windows-1252", True)


def _line_ends(data: bytes) -> bytes:
    """Lone CR line ends (old Mac exports) as LF; CRLF and LF files unchanged."""
    head = data[: 1 << 20]
    if b"\r" in head and b"\n" not in head:
        return data.replace(b"\r", b"\n")
    return data


def _where(raw: bytes, offset: int, encoding: str) -> str:
    """Where an undecodable byte is, as a spreadsheet shows it: row (header = row 1), column
    (by its header name when the header reads) and the byte."""
    import csv

    byte = raw[offset : offset + 1]
    unit = 2 if wide_encoding(encoding) else 1
    newline = "\n".encode(encoding if unit == 2 else "latin-1")
    before = raw[:offset]
    line_start = before.rfind(newline) + len(newline) if newline in before else 0
    if unit == 2:
        line_start -= line_start % 2
    row = before.count(newline) + 1
    first_end = raw.find(newline)
    try:
        header_text = raw[: first_end if first_end >= 0 else len(raw)].decode(encoding)
        line_text = raw[line_start:offset].decode(encoding, errors="replace")
    except (UnicodeDecodeError, LookupError):
        return f"row {row}, byte {offset}: {byte!r}"
    delimiter = max(",;\t", key=header_text.count)
    try:
        header = next(csv.reader([header_text], delimiter=delimiter), [])
        cells = next(csv.reader([line_text], delimiter=delimiter), [""])
    except csv.Error:  # a stray CR in the line: say where by row and byte only
        return f"row {row}, byte {offset}: {byte!r}"
    index = max(0, len(cells) - 1)
    column = header[index].strip() if index < len(header) else f"column {index + 1}"
    shown = f"column {column!r}" if index < len(header) else column
    return f"row {row}, {shown}, byte {offset}: {byte!r}"
