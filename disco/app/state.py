"""The session's settings record: one :class:`SessionSettings` in ``st.session_state``, shared by every page.

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

SETTINGS_KEY = "disco_settings"  # session_state: the SessionSettings record
DEFAULT_LENGTH = 15
DEFAULT_POOL = "union"
DEFAULT_POOL_SIZE = 300


@dataclass(frozen=True)
class SessionSettings:
    """What the pages build with: the engine's settings, and the build request (songs, candidate pool)."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    length: int = DEFAULT_LENGTH
    pool: str = DEFAULT_POOL
    pool_size: int = DEFAULT_POOL_SIZE

    def __post_init__(self):
        if not isinstance(self.engine, EngineSettings):
            raise TypeError(f"engine must be EngineSettings, got {type(self.engine).__name__}")
        if self.pool not in SOURCES:
            raise ValueError(f"pool must be one of {', '.join(SOURCES)}; got {self.pool!r}")
        for name in ("length", "pool_size"):
            value = int(getattr(self, name))
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
            object.__setattr__(self, name, value)

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


def update_engine(**changes) -> None:
    """Apply ``changes`` to the record's engine settings."""
    store(current().with_engine(**changes))


def choose_preset(name: str) -> None:
    """Replace the record's engine settings by the preset ``name``; "custom" (or anything else) keeps them."""
    if name in PRESETS:
        store(current().with_preset(name))
