"""Wording shared by every message DISCO shows: counts with the right plural, lists cut to a few items."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 song"``, ``"2 songs"`` (``many`` for irregular plurals)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def listed(items, total: int | None = None, shown: int = 5) -> str:
    """The first ``shown`` items, comma-separated, and how many more (of ``total``, default all)."""
    items = list(items)
    total = len(items) if total is None else total
    text = ", ".join(str(i) for i in items[:shown])
    return text + (f" (+{total - shown} more)" if total > shown else "")
