"""Uploaded files: the size limit, a check of the header's width before any parsing, and letting go of
Streamlit's copy of a file once the session has taken what it needs.

Streamlit refuses files over ``server.maxUploadSize`` (``.streamlit/config.toml``) before they reach the app.
A table whose header has thousands of fields (one name repeated 20,000 times kept the parser busy for 20 s) is
refused from its first line, unparsed.
"""

from __future__ import annotations

import io
import zlib

import streamlit as st

from disco.errors import CatalogError

MAX_COLUMNS = 500  # song tables have a few dozen
HEADER_SCAN = 1 << 20  # bytes searched for the end of the header line
DELIMITERS = (b",", b";", b"\t", b"|")
ROWS_PER_MB = 3_000  # a TidyTuesday-like table: 100,000 songs take about 30 MB


def max_upload_mb() -> int:
    """The server's upload limit in MB."""
    return int(st.get_option("server.maxUploadSize"))


def size_help() -> str:
    """The upload limit in words, for an uploader's help."""
    mb = max_upload_mb()
    return f"Files up to {mb} MB: about {mb * ROWS_PER_MB:,} songs in the TidyTuesday layout."


def _first_line(head: bytes, complete: bool) -> bytes | None:
    """The first non-empty line of ``head`` (the start of a file; ``complete`` when it is the whole file), None
    when it runs past ``head``."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    start = 0
    while True:
        end = head.find(b"\n", start)
        if end < 0:
            return head[start:] if complete else None
        if head[start:end].strip(b"\r\n\x00 \t"):
            return head[start:end]
        start = end + 1


def column_count(data: bytes) -> int | None:
    """Columns in the header of a song file's bytes: from the schema of a Parquet file, else from the first line
    of the (possibly gzipped) text, counted with the delimiter that splits it most. None when the first line is
    longer than :data:`HEADER_SCAN` bytes; 0 when the columns cannot be told (the loader then says why)."""
    view = memoryview(data)
    if bytes(view[:4]) == b"PAR1":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(io.BytesIO(data)).metadata.num_columns
        except Exception:  # a corrupt file: the loader reports it
            return 0
    complete = len(view) <= HEADER_SCAN
    head = bytes(view[:HEADER_SCAN])
    if head[:2] == b"\x1f\x8b":
        inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            head = inflate.decompress(bytes(view[:HEADER_SCAN]), HEADER_SCAN)
        except zlib.error:
            return 0
        complete = inflate.eof and len(head) < HEADER_SCAN
    line = _first_line(head, complete)
    if line is None:
        return None
    return max(line.count(d) for d in DELIMITERS) + 1


def check_header(name: str, data: bytes) -> None:
    """Refuse a file whose header is wider than any song table, before it is parsed. Raises CatalogError."""
    columns = column_count(data)
    if columns is None:
        raise CatalogError(f"{name}: its first line is over {HEADER_SCAN // 2**20} MB long; a song table starts "
                           "with a header row of column names")
    if columns > MAX_COLUMNS:
        raise CatalogError(f"{name} has {columns:,} columns in its header; a song table has a few dozen (at "
                           f"most {MAX_COLUMNS} are read): is it the right file?")


def take(file) -> bytes:
    """The bytes of an uploaded file (a Streamlit ``UploadedFile``) once its header is checked; Streamlit's copy
    of the file is let go either way (the caller keeps the bytes as long as the session needs them). Raises
    CatalogError."""
    try:
        data = file.getvalue()  # no copy: the buffer Streamlit received
        check_header(file.name, data)
        return data
    finally:
        release(file)


def release(file) -> None:
    """Drop the server's copy of an uploaded file (it is kept for the session otherwise)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is not None and ctx.uploaded_file_mgr is not None:
            ctx.uploaded_file_mgr.remove_file(ctx.session_id, file.file_id)
    except Exception:  # no runtime (bare mode) or another Streamlit: the session's end frees it
        pass
