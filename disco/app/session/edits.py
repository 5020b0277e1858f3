"""What the Build page's edit buttons do to the session's record (:mod:`disco.app.session.state`): each returns the
record with new locked and removed songs, and the page then rebuilds with them under the same settings. A
song is locked at a position (0-based, after the seeds); a removed song is banned: no build chooses it again
until the edits are cleared.

No Streamlit here: the panel (:mod:`disco.app.playlist.editing`) calls these from its buttons' callbacks.
"""

from __future__ import annotations

from disco.app.session.state import SessionSettings
from disco.engine.playlist import Playlist


def editable_positions(playlist: Playlist) -> list[int]:
    """The positions after the seeds (the seeds are edited with the seed picker)."""
    return list(range(max(1, playlist.n_seeds), len(playlist)))


def song_at(playlist: Playlist, position: int) -> int:
    return int(playlist.indices[int(position)])


def _without(locks: dict[int, int], *songs: int) -> dict[int, int]:
    # a song is locked at one place only: a lock waiting past the set's end may name a song now placed here
    return {p: s for p, s in locks.items() if s not in songs}


def toggle_lock(record: SessionSettings, playlist: Playlist, position: int) -> SessionSettings:
    """Lock the song at ``position`` there, or unlock it when it is locked."""
    locks = record.locks
    if locks.pop(position, None) is None:
        song = song_at(playlist, position)
        locks = {**_without(locks, song), position: song}
    return record.with_edits(locks)


def remove(record: SessionSettings, playlist: Playlist, position: int) -> SessionSettings:
    """Take the song at ``position`` out and never choose it again (its lock goes with it)."""
    song = song_at(playlist, position)
    locks = _without(record.locks, song)
    locks.pop(position, None)
    return record.with_edits(locks, (*record.banned, song))


def can_move(playlist: Playlist, position: int, step: int) -> bool:
    """Whether the song at ``position`` can move by ``step`` (-1 up, +1 down) without leaving the editable
    positions."""
    positions = editable_positions(playlist)
    return position in positions and position + step in positions


def move(record: SessionSettings, playlist: Playlist, position: int, step: int) -> SessionSettings:
    """Swap the song at ``position`` with its neighbour ``step`` away (-1 up, +1 down): both are locked where
    they land, so the rebuild keeps the swap."""
    if not can_move(playlist, position, step):
        raise ValueError(f"the song at position {position} cannot move by {step}")
    other = position + step
    mover, displaced = song_at(playlist, position), song_at(playlist, other)
    locks = _without(record.locks, mover, displaced)
    locks.update({other: mover, position: displaced})
    return record.with_edits(locks)


def pick(record: SessionSettings, position: int, song: int) -> SessionSettings:
    """Put ``song`` (an alternative) at ``position``, locked there."""
    song = int(song)
    locks = {**_without(record.locks, song), int(position): song}
    return record.with_edits(locks, [s for s in record.banned if s != song])


def request_locks(record: SessionSettings) -> tuple[dict[int, int], dict[int, int]]:
    """(the locks a build uses, the locks it leaves waiting): with a song count, a lock past the set's end
    waits (the engine refuses it) and comes back when the set is long enough again; with a target in minutes,
    the set grows to reach every lock."""
    locks = record.locks
    if record.target_minutes is not None:
        return locks, {}
    used = {p: s for p, s in locks.items() if p < record.length}
    return used, {p: s for p, s in locks.items() if p not in used}
