"""Parquet copies of loaded catalogs, keyed by the source file's sha256, for fast reloads.

Folder: ``$DISCO_CACHE_DIR``, else ``$XDG_CACHE_HOME/disco`` (default ``~/.cache/disco``); never beside the data
or in the working folder. A cache problem never breaks loading: it just means a slow load.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

VERSION = 3  # bump when the catalog's tables or validation change


def cache_dir() -> Path | None:
    """The first usable cache folder (created if needed), or None when none is writable."""
    folder = base_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def base_cache_dir() -> Path:
    """DISCO's cache folder: ``$DISCO_CACHE_DIR``, else ``$XDG_CACHE_HOME/disco``, else ``~/.cache/disco``."""
    env = os.environ.get("DISCO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "disco"


def _paths(folder: Path, sha256: str) -> tuple[Path, Path, Path]:
    stem = f"catalog-v{VERSION}-{sha256[:40]}"
    return folder / f"{stem}.songs.parquet", folder / f"{stem}.members.parquet", folder / f"{stem}.json"


def load(sha256: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]] | None:
    """(songs, memberships, report dict) cached for this source checksum, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    songs_p, members_p, meta_p = _paths(folder, sha256)
    try:
        meta = json.loads(meta_p.read_text())
        if meta.get("sha256") != sha256:
            return None
        return pd.read_parquet(songs_p), pd.read_parquet(members_p), meta
    except Exception:  # missing, partial or corrupt cache: load from the source instead
        return None


def save(sha256: str, songs: pd.DataFrame, memberships: pd.DataFrame, meta: dict[str, Any]) -> bool:
    """Write the cache (each file atomically, the json last so it marks a complete entry)."""
    folder = cache_dir()
    if folder is None:
        return False
    songs_p, members_p, meta_p = _paths(folder, sha256)
    try:
        for path, write in ((songs_p, lambda p: songs.to_parquet(p, index=False)),
                            (members_p, lambda p: memberships.to_parquet(p, index=False)),
                            (meta_p, lambda p: Path(p).write_text(json.dumps(meta)))):
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=path.suffix)
            os.close(fd)
            try:
                write(tmp)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return True
    except Exception:
        return False
