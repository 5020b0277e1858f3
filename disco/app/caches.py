"""The dashboard's caches and their bounds, read from the decorated functions themselves (for tests, and for
whoever wonders what the server keeps)."""

from __future__ import annotations

from disco.app.figures import playlist_figures
from disco.app.reports import catalog_report
from disco.app.session import loaders

MODULES = (loaders, catalog_report, playlist_figures)  # every module of disco.app that caches


def cache_limits() -> dict[str, dict]:
    """``{"module.function": {"max_entries": ..., "ttl": seconds or None, "scope": "global" | "session"}}``
    for every ``st.cache_data``/``st.cache_resource`` function of :data:`MODULES`."""
    out = {}
    for module in MODULES:
        for name, obj in vars(module).items():
            info = getattr(obj, "_info", None)
            if info is None or not hasattr(info, "max_entries") or getattr(info, "func", None) is None:
                continue
            if info.func.__module__ != module.__name__:
                continue  # imported from another module: listed there
            short = module.__name__.rpartition(".")[2]
            out[f"{short}.{name}"] = {"max_entries": info.max_entries, "ttl": info.ttl,
                                      "scope": getattr(info, "scope", "global")}
    return out
