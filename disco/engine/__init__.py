"""Choosing and ordering songs: the settings record, the one loss, hard rules, candidate pools, greedy and beam
search, reorder, scoring an order, and the facade the command line and the dashboard use.

The stable API is listed in ``__all__`` and importable from here (``from disco.engine import Disco``); each name
is loaded on first use, so importing one submodule does not load the others. Local search on an order is its
module's: ``from disco.engine.local_search import local_search``.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    # the facade
    "Disco": "service", "TrackList": "service",
    # settings and results
    "EngineSettings": "settings", "PARAMETER_CONSTRAINTS": "settings", "Playlist": "playlist",
    "RequestError": "playlist",
    # the loss and scoring an order
    "Loss": "loss", "score_order": "score", "order_totals": "score", "order_violations": "score",
    "fit_arc": "score",
    # building a playlist
    "build_playlist": "search", "CandidatePool": "pools", "PoolFilters": "pools",
    "slot_alternatives": "editing", "build_for_minutes": "planning",
    # ordering a fixed set of songs
    "reorder_songs": "reorder", "ReorderWork": "reorder", "starting_orders": "reorder", "exact_order": "reorder",
    "solve_path": "pairwise", "exact_path": "pairwise", "dj_sort": "pairwise",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
