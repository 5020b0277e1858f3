"""Reading a song file's bytes into a raw table of text cells, whatever the file is.

CSV in any common delimiter (``,`` ``;`` tab ``|``, Excel's ``sep=`` line, decimal commas), any encoding
(UTF-8 with or without BOM, UTF-16/32 with BOM; lines that are not UTF-8 are read as Windows-1252 and named in
the notes), gzip, Parquet. Absurd input is refused before parsing, with one clear line: a file that is not a
regular file (folder, FIFO, device), over :data:`MAX_BYTES`, without line breaks, or with more than
:data:`MAX_COLUMNS` columns.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from disco.errors import CatalogError

MAX_BYTES = 512 * 1024 * 1024  # a song table of 100k rows is ~30 MB
MAX_COLUMNS = 500  # every known layout has under 50
MAX_HEADER_BYTES = 1 << 20
DELIMITERS = ",;\t|"
_BAD_LINE = re.compile(r"[Ll]ine (\d+)")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class RawTable:
    """A song file as text cells (or a typed Parquet frame): ``frame``; ``bad_lines`` = 1-based data rows
    pandas could not split into the header's fields; ``notes`` = what reading had to work around (each
    names its rows); ``decimal_comma``: numbers may be written 0,5."""

    frame: pd.DataFrame
    bad_lines: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decimal_comma: bool = False


def read_bytes(source: Any, name: str | None = None) -> tuple[bytes, str]:
    """(bytes, display name) of a path, an open binary file or bytes. Only regular files are read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        display = name or "uploaded data"
    elif isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        display = name or str(path)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise CatalogError(f"song file not found: {display}") from None
        except OSError as exc:
            raise CatalogError(f"cannot read {display}: {exc.strerror or exc}") from None
        if stat.S_ISDIR(info.st_mode):
            raise CatalogError(f"{display} is a folder, not a song file (CSV or Parquet)")
        if not stat.S_ISREG(info.st_mode):
            raise CatalogError(f"{display} is not a regular file (a pipe or a device): give a song file")
        if info.st_size > MAX_BYTES:
            raise CatalogError(f"{display} is {info.st_size / 2**20:,.0f} MB: song files up to "
                               f"{MAX_BYTES // 2**20} MB are read")
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CatalogError(f"cannot read {display}: {exc.strerror or exc}") from None
    elif hasattr(source, "read"):
        display = name or str(getattr(source, "name", "uploaded data"))
        data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    else:
        raise CatalogError(f"cannot read songs from a {type(source).__name__}: give a file path or an open file")
    if len(data) > MAX_BYTES:
        raise CatalogError(f"{display} is over {MAX_BYTES // 2**20} MB: too large for a song file")
    return data, display


def parse_table(data: bytes, display: str) -> RawTable:
    """A file's bytes as a :class:`RawTable`; CatalogError (one line, naming the file) when unusable."""
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, display)
    if not data.strip():
        raise CatalogError(f"{display} is empty: expected a CSV of songs with a header row")
    if data[:4] == b"PAR1":
        return RawTable(_read_parquet(data, display))
    if data[:4] == b"PK\x03\x04":
        raise CatalogError(f"{display} is a ZIP archive or an Excel workbook, not a CSV: unzip it or save it as CSV")
    if data[:16] == b"SQLite format 3\x00":
        raise CatalogError(f"{display} is an SQLite database, not a song table")
    text, notes = _decode(data, display)
    if text.lstrip()[:1] in ("{", "["):
        try:
            return RawTable(_read_json(text, display), notes=notes)
        except CatalogError:
            if text.lstrip()[:1] == "{":  # a CSV header never opens with "{"; one may open with "[" (a name)
                raise
    return _read_csv(text, display, notes)


def _read_json(text: str, display: str) -> pd.DataFrame:
    """A JSON song table: DISCO's export (``{"playlist": [{column: value}, ...], ...}``), a list of rows, or
    ``{column: [values]}``."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{display} looks like JSON but cannot be read: {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}") from None
    rows = doc.get("playlist", doc) if isinstance(doc, dict) else doc
    try:
        if isinstance(rows, list):
            if not all(isinstance(r, dict) for r in rows):
                raise ValueError("a list of songs must hold one object per song")
            frame = pd.DataFrame.from_records(rows)
        elif isinstance(rows, dict) and all(isinstance(v, list) for v in rows.values()):
            frame = pd.DataFrame(rows)
        else:
            raise ValueError("expected a list of songs or {column: [values]}")
    except ValueError as exc:
        raise CatalogError(f"{display}: not a song table in JSON ({exc})") from None
    return _sized(frame, display)


def _gunzip(data: bytes, display: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise CatalogError(f"{display} looks gzip-compressed but cannot be read: {exc}") from None
    if len(out) > MAX_BYTES:
        raise CatalogError(f"{display} unpacks to over {MAX_BYTES // 2**20} MB: too large for a song file")
    return out


def _read_parquet(data: bytes, display: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises many types on corrupt files
        raise CatalogError(f"{display} looks like Parquet but cannot be read: {str(exc).splitlines()[0]}") from None
    return _sized(frame, display)


def _sized(frame: pd.DataFrame, display: str) -> pd.DataFrame:
    """``frame`` when it has song rows and no more than :data:`MAX_COLUMNS` columns; else a CatalogError."""
    if frame.shape[1] > MAX_COLUMNS:
        raise CatalogError(f"{display} has {frame.shape[1]:,} columns; a song table has at most {MAX_COLUMNS}")
    if frame.empty:
        raise CatalogError(f"{display} has columns but no song rows")
    return frame


def _decode(data: bytes, display: str) -> tuple[str, list[str]]:
    """Text of the file: BOM-marked UTF-16/32, else UTF-8; lines that are not UTF-8 are read as
    Windows-1252 (Latin-1 plus quotes and dashes) and reported by row."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), []
            except UnicodeDecodeError as exc:
                raise CatalogError(f"{display} says it is {encoding.upper()} but byte {exc.start} is not: "
                                   "save it as UTF-8") from None
    if b"\x00" in data[:8192]:
        raise CatalogError(f"{display} is a binary file, not a CSV or Parquet song table "
                           "(or UTF-16 without a byte-order mark: save it as UTF-8)")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    lines, odd = [], []
    for number, raw in enumerate(data.split(b"\n")):
        try:
            lines.append(raw.decode("utf-8-sig" if number == 0 else "utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("cp1252", errors="replace"))
            odd.append(number)  # line 0 = header, so a data line's number is its data row
    shown = ", ".join(str(n) for n in odd[:5]) + (f" (+{len(odd) - 5} more)" if len(odd) > 5 else "")
    note = (f"{len(odd):,} line(s) are not UTF-8 and were read as Windows-1252 (Latin-1): rows {shown}; "
            "check their accented letters, or save the file as UTF-8")
    return "\n".join(lines), [note]


def _read_csv(text: str, display: str, notes: list[str]) -> RawTable:
    head = text[:MAX_HEADER_BYTES]
    if "\n" not in head and len(text) > MAX_HEADER_BYTES:
        raise CatalogError(f"{display} has no line break in its first {MAX_HEADER_BYTES // 2**20} MB: "
                           "not a song table")
    first, _, rest = text.partition("\n")
    if re.fullmatch(r"\s*sep=(.)\s*", first):  # Excel's hint line
        sep, text = re.fullmatch(r"\s*sep=(.)\s*", first).group(1), rest
        first = rest.partition("\n")[0]
    else:
        sep = _delimiter(first)
    width = len(next(csv.reader([first], delimiter=sep), []))
    if width > MAX_COLUMNS:
        raise CatalogError(f"{display} has {width:,} columns in its header; a song table has at most "
                           f"{MAX_COLUMNS}")
    bad: list[int] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[],
                                on_bad_lines="warn", skip_blank_lines=True)
        for w in caught:
            bad += [int(n) - 1 for n in _BAD_LINE.findall(str(w.message))]  # file line -> data row
    except pd.errors.EmptyDataError:
        raise CatalogError(f"{display} is empty: expected a CSV of songs with a header row") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise CatalogError(f"{display} is not a readable CSV: {str(exc).strip().splitlines()[0]}") from None
    if frame.empty:
        raise CatalogError(f"{display} has a header but no song rows")
    names = [str(c) for c in next(csv.reader([first], delimiter=sep))]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        notes.append(f"column(s) {', '.join(repr(n) for n in repeated[:5])} appear more than once: the first "
                     "of each is used")
    return RawTable(frame, sorted(bad), notes, decimal_comma=sep != ",")


def _delimiter(header: str) -> str:
    """The header's delimiter: the csv sniffer's pick among :data:`DELIMITERS`, else the most frequent."""
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return max(DELIMITERS, key=header.count)
