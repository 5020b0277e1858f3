"""The session's settings record: one :class:`SessionSettings` in ``st.session_state``, shared by every page
(the engine's settings; the build request: seed songs, length or target minutes, candidate pool and its
filters; and the edits of the current build: locked and removed songs).

Widgets never hold the settings: Streamlit drops the state of widgets a page does not draw, so a record kept
under a widget's key would be lost on the way Build -> Reorder -> Build. Widgets are drawn from this record
and write it back when they change (:mod:`disco.app.sidebar.controls`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import streamlit as st

from disco.engine.planning import check_target
from disco.engine.pools import SOURCES, PoolFilters
from disco.engine.settings import PRESETS, EngineSettings
from disco.theory.keys import NOTATIONS

SETTINGS_KEY = "disco_settings"  # session_state: the SessionSettings record
DEFAULT_LENGTH = 15
DEFAULT_POOL = "union"
DEFAULT_POOL_SIZE = 300
DEFAULT_NOTATION = "camelot"


@dataclass(frozen=True)
class SessionSettings:
    """What the pages build with: the engine's settings, and the build request (seed songs, length, candidate
    pool), and how keys are written (``key_notation``: "camelot", "open_key" or "musical"). ``seeds``: song
    indices of the session's catalog in the order picked; None until the user picks (the Build page then shows
    a playlist from the most popular song, which the user's first pick replaces).

    The plan: ``target_minutes`` builds as many songs as last that long instead of ``length`` (None: use
    ``length``); ``filters``: what every candidate must be (inactive by default).

    The edits of the current build: ``locked`` ((position, song) pairs, 0-based positions after the seeds,
    sorted by position) and ``banned`` (songs never chosen, sorted). They belong to the seeds they were made
    on: :func:`set_seeds` clears them when the seeds change. Every other setting keeps them."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    length: int = DEFAULT_LENGTH
    pool: str = DEFAULT_POOL
    pool_size: int = DEFAULT_POOL_SIZE
    seeds: tuple[int, ...] | None = None
    key_notation: str = DEFAULT_NOTATION
    target_minutes: float | None = None
    filters: PoolFilters = field(default_factory=PoolFilters)
    locked: tuple[tuple[int, int], ...] = ()
    banned: tuple[int, ...] = ()

    def __post_init__(self):
        if not isinstance(self.engine, EngineSettings):
            raise TypeError(f"engine must be EngineSettings, got {type(self.engine).__name__}")
        if self.pool not in SOURCES:
            raise ValueError(f"pool must be one of {', '.join(SOURCES)}; got {self.pool!r}")
        if self.key_notation not in NOTATIONS:
            raise ValueError(f"key notation must be one of {', '.join(NOTATIONS)}; got {self.key_notation!r}")
        for name in ("length", "pool_size"):
            value = int(getattr(self, name))
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
            object.__setattr__(self, name, value)
        if self.seeds is not None:
            seeds = tuple(int(s) for s in self.seeds)
            if len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
                raise ValueError(f"seeds must be distinct song indices, got {seeds}")
            object.__setattr__(self, "seeds", seeds)
        if self.target_minutes is not None:
            object.__setattr__(self, "target_minutes", check_target(self.target_minutes))
        if self.filters is None:
            object.__setattr__(self, "filters", PoolFilters())
        if not isinstance(self.filters, PoolFilters):
            raise TypeError(f"filters must be PoolFilters, got {type(self.filters).__name__}")
        self._check_edits()

    def _check_edits(self) -> None:
        locked = tuple(sorted((int(p), int(s)) for p, s in self.locked))
        banned = tuple(sorted({int(s) for s in self.banned}))
        positions, songs = [p for p, _ in locked], [s for _, s in locked]
        # position 0 always holds a seed (the demo seed too); the seeds' own positions are checked when known
        first = len(self.seeds) if self.seeds else 1
        if len(set(positions)) != len(positions) or any(p < first for p in positions):
            raise ValueError(f"locked positions must be distinct and after the seeds (from {first}), got "
                             f"{positions}")
        if len(set(songs)) != len(songs) or any(s < 0 for s in songs):
            raise ValueError(f"locked songs must be distinct song indices, got {songs}")
        if any(s < 0 for s in banned):
            raise ValueError(f"banned songs must be song indices, got {banned}")
        both = set(songs) & set(banned)
        if both:
            raise ValueError(f"song {min(both)} is locked and removed at once")
        seeds = set(self.seeds or ())
        if seeds & (set(songs) | set(banned)):
            raise ValueError("a seed cannot be locked or removed")
        object.__setattr__(self, "locked", locked)
        object.__setattr__(self, "banned", banned)

    @property
    def locks(self) -> dict[int, int]:
        """The locked songs as {position: song}."""
        return dict(self.locked)

    @property
    def has_edits(self) -> bool:
        return bool(self.locked or self.banned)

    def with_edits(self, locks: dict[int, int] | None = None, banned=None) -> SessionSettings:
        """A copy with these locks ({position: song}) and removed songs (None: those unchanged)."""
        return self.replace(locked=self.locked if locks is None else tuple(locks.items()),
                            banned=self.banned if banned is None else tuple(banned))

    def without_edits(self) -> SessionSettings:
        return self.replace(locked=(), banned=())

    def replace(self, **changes) -> SessionSettings:
        return dataclasses.replace(self, **changes)

    def with_engine(self, **changes) -> SessionSettings:
        """A copy whose engine settings have ``changes`` applied (validated by EngineSettings)."""
        return self.replace(engine=self.engine.replace(**changes))

    def with_preset(self, name: str) -> SessionSettings:
        """A copy on the preset ``name`` (every engine setting replaced; length and pool kept)."""
        return self.replace(engine=EngineSettings.from_preset(name))


def current() -> SessionSettings:
    """The session's record (the defaults on a first visit)."""
    record = st.session_state.get(SETTINGS_KEY)
    if not isinstance(record, SessionSettings):
        record = st.session_state[SETTINGS_KEY] = SessionSettings()
    return record


def store(record: SessionSettings) -> None:
    st.session_state[SETTINGS_KEY] = record


def set_seeds(seeds) -> None:
    """The session's seed songs (None: not picked yet, or a new catalog). Changing them clears the edits
    (locked and removed songs): they were made on a playlist of the old seeds, whose positions and songs mean
    something else now. Forgetting them (None) clears the edits too: the catalog may be another."""
    record = current()
    seeds = None if seeds is None else tuple(int(s) for s in seeds)
    if seeds is None or seeds != record.seeds:
        record = record.without_edits()
    store(record.replace(seeds=seeds))


def store_edits(locks: dict[int, int] | None = None, banned=None) -> None:
    """The edits of the current build: locked songs {position: song} and removed songs (None: unchanged)."""
    store(current().with_edits(locks, banned))


def clear_edits() -> None:
    store(current().without_edits())


def set_notation(notation: str) -> None:
    """How the session writes keys: one of :data:`disco.theory.keys.NOTATIONS`."""
    store(current().replace(key_notation=notation))


def update_engine(**changes) -> None:
    """Apply ``changes`` to the record's engine settings."""
    store(current().with_engine(**changes))


def choose_preset(name: str) -> None:
    """Replace the record's engine settings by the preset ``name``; "custom" (or anything else) keeps them."""
    if name in PRESETS:
        store(current().with_preset(name))
