"""The Data page's account of the loaded catalog: example rows of the file that were excluded, and why."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
import streamlit as st

from disco import config
from disco.app.session.loaders import USER_DATA_TTL
from disco.app.session.sources import current_source


@st.cache_data(max_entries=2, ttl=USER_DATA_TTL, scope="session")  # rows of the user's file
def example_rows(source_key: str, _read: Callable[[], object], rows: tuple[int, ...]) -> pd.DataFrame:
    """Raw rows ``rows`` (1-based data rows, as in the load report) of a CSV song file; empty when the file
    cannot be read as CSV (a Parquet upload, say)."""
    wanted = set(rows)
    try:
        frame = pd.read_csv(_read(), skiprows=lambda r: r != 0 and r not in wanted, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError):  # examples are a nicety: show none
        return pd.DataFrame()
    frame.insert(0, "row", sorted(wanted)[:len(frame)])
    return frame


def exclusion_examples(report) -> pd.DataFrame:
    """Example excluded rows of the session's song file with the reason of each (empty when unavailable)."""
    examples = {reason: rows for reason, rows in report.examples.items() if rows}
    if not examples:
        return pd.DataFrame()
    src = current_source()
    if src.is_default:
        path = config.default_dataset_path()
        if not path.is_file():
            return pd.DataFrame()
        key, read = f"{path}:{path.stat().st_mtime}", (lambda: path)
    else:
        key, read = src.sha256, (lambda: io.BytesIO(src.data))
    frame = example_rows(key, read, tuple(sorted({r for rows in examples.values() for r in rows})))
    if frame.empty:
        return frame
    reason_of = {r: reason for reason, rows in examples.items() for r in rows}
    frame.insert(1, "excluded because", [reason_of.get(r, "") for r in frame["row"]])
    return frame
