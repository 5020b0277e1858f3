"""The session's settings record: one :class:`SessionSettings` in ``st.session_state``, shared by every page
(the engine's settings, and the build request: seed songs, length and candidate pool).

Widgets never hold the settings: Streamlit drops the state of widgets a page does not draw, so a record kept
under a widget's key would be lost on the way Build -> Reorder -> Build. Widgets are drawn from this record
and write it back when they change (:mod:`disco.app.controls`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import streamlit as st

from disco.engine.pools import SOURCES
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
    a playlist from the most popular song, which the user's first pick replaces)."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    length: int = DEFAULT_LENGTH
    pool: str = DEFAULT_POOL
    pool_size: int = DEFAULT_POOL_SIZE
    seeds: tuple[int, ...] | None = None
    key_notation: str = DEFAULT_NOTATION

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
    """The session's seed songs (None: not picked yet)."""
    store(current().replace(seeds=None if seeds is None else tuple(seeds)))


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
