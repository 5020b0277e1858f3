"""Where the dashboard's page scripts are: ``main.py`` routes to them, other pages link to them."""

from __future__ import annotations

from pathlib import Path

VIEWS = Path(__file__).resolve().parent / "views"
PAGES = ("build", "reorder", "library", "evaluate", "model", "data")


def page_file(name: str) -> Path:
    """The script of the page ``name`` (one of :data:`PAGES`)."""
    if name not in PAGES:
        raise ValueError(f"page must be one of {', '.join(PAGES)}; got {name!r}")
    return VIEWS / f"{name}.py"
