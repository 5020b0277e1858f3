"""The Build page's place for editing the result and planning the set: lock a song, remove or ban one,
alternatives for a slot, move a song up or down; a target length in minutes and pool filters.

Empty for now: these come with the engine's editing and planning API. The Build page calls
:func:`edit_panel` right after the playlist, so the controls land there without touching the rest of the page.
"""

from __future__ import annotations

from disco.engine.playlist import Playlist
from disco.engine.service import Disco


def edit_panel(disco: Disco, playlist: Playlist, *, key: str) -> None:
    """The editing controls of ``playlist`` (nothing yet)."""
    return None
