"""A playlist: songs in order, the settings that made it, and its loss move by move."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from disco.engine.settings import EngineSettings
from disco.errors import DiscoError


class RequestError(DiscoError, ValueError):
    """A playlist request that cannot be met as asked (a locked position past the end, a banned seed, an
    empty BPM range...): a user's input problem (DiscoError) and a bad value (ValueError) at once."""


@dataclass
class Playlist:
    """An ordered playlist with the breakdown of its loss (see :mod:`disco.engine.loss`).

    ``indices`` (L,) song indices; the first ``n_seeds`` are the seeds (or the fixed start of a reorder).
    ``settings``: the settings the songs were scored with (a named arc as fitted to the songs).
    Row ``i`` of the per-song arrays describes the move *into* song ``i`` (NaN for seeds):
    ``predicted`` (L, 8) the network's spicy-scaled next-song vector, ``distance``, ``key_score`` and
    ``tempo_score`` (the loss's key and tempo terms, -1..1), ``arc_target`` (L, F) and ``arc_penalty`` (L,)
    (NaN without an arc), ``loss`` (L,) and ``relaxed`` (L tuples: the hard rules the move breaks).
    ``total_loss`` sums the moves' losses. ``message`` explains a shorter playlist than asked; ``info`` holds
    facts of the run (pool, search, source, network...).
    """

    indices: np.ndarray
    n_seeds: int
    settings: EngineSettings
    predicted: np.ndarray
    distance: np.ndarray
    key_score: np.ndarray
    tempo_score: np.ndarray
    arc_target: np.ndarray
    arc_penalty: np.ndarray
    loss: np.ndarray
    relaxed: list
    total_loss: float
    message: str | None = None
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def relaxed_moves(self) -> int:
        """Moves that break at least one hard rule."""
        return sum(bool(r) for r in self.relaxed)

    @property
    def broken_rules(self) -> int:
        """Rule violations summed over the moves (a move may break several)."""
        return sum(len(r) for r in self.relaxed)

    @property
    def moves(self) -> int:
        """Scored moves (songs after the seeds)."""
        return max(0, len(self) - self.n_seeds)
