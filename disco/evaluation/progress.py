"""Progress bars for the long sections, off by default (tests and the dashboard run quietly)."""

from __future__ import annotations


def progress(iterable, desc: str, enabled: bool, total: int | None = None):
    """``iterable`` wrapped in a tqdm bar when ``enabled``, else unchanged."""
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True)
