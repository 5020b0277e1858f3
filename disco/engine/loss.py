"""DISCO's loss, defined once: the cost of moving from song ``s`` to candidate ``c`` at playlist position ``p``::

    L = flow * ||spicy * y_hat - z_c||                 distance to the network's predicted next song
        - sweetness * key(s, c)                        key term, -1..1 (graded Camelot or circle of fifths)
        - smoothness * tempo(s, c)                     tempo term, -1..1 (DJ kernel or the spec's cosine)
        + arc_weight * sum_f |f(c) - target_f(p)|      energy (and valence) arc, raw 0..1 units

plus, for orders that must place every song, ``RULE_PENALTY`` per hard rule a move breaks.

:class:`Loss` compiles (settings, song arrays, a candidate set) into lookup tables; greedy and beam search
call it in float32 (the fast path), scoring an order, reordering and the evaluation in float64 (exact). Both
run the same code: only the dtype differs.
"""

from __future__ import annotations

import numpy as np

from disco.engine.settings import EngineSettings
from disco.model.arrays import SongArrays
from disco.theory import keys, tempo

# added per broken rule where rules cannot be masks (reordering places every song): larger than any spread of
# the other terms over a move, so local search removes violations first
RULE_PENALTY = 10.0


class Loss:
    """The loss under ``settings`` of moves into ``candidates`` (song indices; default every song).

    Methods take ``last``, the songs moved from (B,) (song indices), and ``cols``, the candidates moved to:
    None (all, shared by every row), an index array (C,) into ``candidates`` shared by every row, or (B, C)
    per row. ``y`` (B, 8) are the network's predictions after ``last``; ``position`` the playlist position
    the candidate lands at (an int, or (B,) per row; needed by an arc). ``length``: the playlist's length,
    over which an arc's targets run. Results are (B, C) in ``dtype``.
    """

    def __init__(self, settings: EngineSettings, arrays: SongArrays, candidates=None, *, length: int | None = None,
                 dtype=np.float64):
        s = settings
        self.settings = s
        self.dtype = np.dtype(dtype)
        n = len(arrays)
        cand = np.arange(n) if candidates is None else np.asarray(candidates, dtype=np.int64).ravel()
        self.candidates = cand
        # per song (every song can be a "last")
        self.key_code = keys.key_codes(arrays.key, arrays.mode, s.key_score)
        self.log2_tempo = tempo.log2_tempo(arrays.tempo)
        self._key_table = keys.key_table(s.key_score).astype(self.dtype)
        z = np.asarray(arrays.z, dtype=np.float64)[cand]
        # per candidate, contiguous: the distance is one matrix product
        self._z = z.astype(self.dtype)
        self._z_sq = (z * z).sum(axis=1).astype(self.dtype)
        self._key_c = self.key_code[cand]
        self._log2_tempo_c = self.log2_tempo[cand]
        self.length = None if length is None else int(length)
        self._targets = self._arc_c = None
        if s.arc is not None:
            if length is None:
                raise ValueError("an energy arc needs the playlist length")
            self._targets = s.arc.targets(int(length)).astype(self.dtype)  # (L, F)
            self._arc_c = arc_values(arrays, s, cand).astype(self.dtype)  # (C, F)
        self._slot = self._slot_c = self._artist = self._artist_c = None
        if s.camelot_only:
            self._slot = keys.camelot_index(arrays.key, arrays.mode)
            self._slot_c = self._slot[cand]
        if s.artist_gap:
            # songs without artists (SongArrays.artist None) are all unknown: they never break the rule
            artist = np.full(n, -1, np.int64) if arrays.artist is None else np.asarray(arrays.artist, np.int64)
            self._artist = np.append(artist, -1)  # index -1 (no song: before the playlist's start) is unknown
            self._artist_c = self._artist[cand]

    def __len__(self) -> int:
        return len(self.candidates)

    # -- the terms, unweighted ------------------------------------------------------------------------
    def distance(self, y, cols=None) -> np.ndarray:
        """(B, C) ``||spicy * y - z_c||``."""
        a = (self.settings.spicy * np.asarray(y, dtype=np.float64)).astype(self.dtype)
        if cols is not None and np.ndim(cols) == 2:
            diff = a[:, None, :] - self._z[cols]
            return np.sqrt((diff * diff).sum(axis=-1))
        z, z_sq = (self._z, self._z_sq) if cols is None else (self._z[cols], self._z_sq[cols])
        d = z_sq[None, :] - 2 * (a @ z.T) + (a * a).sum(axis=1)[:, None]
        return np.sqrt(np.maximum(d, 0, out=d), out=d)

    def key_term(self, last, cols=None) -> np.ndarray:
        """(B, C) key score of each move, -1..1."""
        kc = self._key_c if cols is None else self._key_c[cols]
        return self._key_table[self.key_code[np.asarray(last)][:, None], kc]

    def octaves(self, last, cols=None, dtype=None) -> np.ndarray:
        """(B, C) ``log2(tempo_c / tempo_last)`` (NaN where a tempo is missing), in ``dtype`` (default the
        loss's)."""
        lc = self._log2_tempo_c if cols is None else self._log2_tempo_c[cols]
        return (lc - self.log2_tempo[np.asarray(last)][:, None]).astype(dtype or self.dtype)

    def tempo_term(self, last, cols=None) -> np.ndarray:
        """(B, C) tempo score of each move, -1..1."""
        x = self.octaves(last, cols)
        if self.settings.tempo_score == "dj":
            return tempo.dj_score_from_octaves(x, self.settings.tempo_width_pct).astype(self.dtype)
        return tempo.reference_score_from_octaves(x).astype(self.dtype)

    def arc_term(self, position, cols=None) -> np.ndarray:
        """(C,) or (B, C) ``sum_f |f(c) - target_f(position)|``; zeros without an arc."""
        if self._targets is None:
            shape = len(self) if cols is None else np.shape(cols)
            return np.zeros(shape, dtype=self.dtype)
        if position is None:
            raise ValueError("scoring with an arc needs the playlist position")
        values = self._arc_c if cols is None else self._arc_c[cols]
        target = self._targets[np.asarray(position)]
        if target.ndim == 2:  # one position per row
            target = target[:, None, :]
        return np.abs(values - target).sum(axis=-1)

    # -- the loss ----------------------------------------------------------------------------------
    def moves(self, y, last, position=None, cols=None, return_distance: bool = False):
        """(B, C) weighted loss of each move (no rule penalty); with ``return_distance`` also the distances."""
        s = self.settings
        dist = self.distance(y, cols)
        out = dist * self.dtype.type(s.flow)
        if s.sweetness:
            out = out - self.dtype.type(s.sweetness) * self.key_term(last, cols)
        if s.smoothness:
            out = out - self.dtype.type(s.smoothness) * self.tempo_term(last, cols)
        if s.uses_arc:
            out = out + self.dtype.type(s.arc_weight) * self.arc_term(position, cols)
        return (out, dist) if return_distance else out

    # -- hard rules ----------------------------------------------------------------------------------
    def rule_masks(self, last, cols=None, recent=None) -> dict[str, np.ndarray]:
        """Per active rule (in relaxation order), the (B, C) mask of moves that keep it.

        ``recent`` (B, m): the songs before the move, oldest first, ending with ``last`` (-1 = none: the
        playlist's start); the artist gap looks at its last ``artist_gap`` columns. None: ``last`` alone (a gap
        of one song, as :meth:`pair_matrix` must)."""
        s = self.settings
        last = np.asarray(last)
        out = {}
        if s.camelot_only:
            slot_c = self._slot_c if cols is None else self._slot_c[cols]
            out["camelot_only"] = keys.COMPATIBLE_TABLE[self._slot[last][:, None], slot_c]
        if s.max_bpm_change is not None:
            with np.errstate(invalid="ignore"):
                # float64 in both paths: a move of exactly the limit keeps the rule in search and in scoring
                pct = tempo.change_pct_from_octaves(self.octaves(last, cols, np.float64))
                out["max_bpm_change"] = pct <= s.max_bpm_change + 1e-9
        if s.artist_gap:
            window = last[:, None] if recent is None else np.asarray(recent, dtype=np.int64)[:, -s.artist_gap:]
            art_c = self._artist_c if cols is None else self._artist_c[cols]
            keep = None
            for w in range(window.shape[1]):
                a = self._artist[window[:, w]][:, None]
                ok = (a != art_c) | (a < 0)
                keep = ok if keep is None else keep & ok
            out["artist_gap"] = keep
        return {name: out[name] for name in s.active_rules}

    def lead_in_masks(self, ahead: dict[int, int]) -> dict[str, np.ndarray]:
        """Per active rule, the (C,) mask of candidates that keep the rules of the moves still to come into
        songs already fixed after them: ``ahead`` maps a distance (1 = the very next position) to a candidate
        column placed there. Distance 1 checks every rule of the move into that song; the artist gap also
        looks ``artist_gap`` songs ahead. Rules nothing constrains are all True."""
        s = self.settings
        C = len(self)
        out = {name: np.ones(C, dtype=bool) for name in s.active_rules}
        nxt = ahead.get(1)
        if nxt is not None:
            into = self.rule_masks(self.candidates, np.array([nxt]))
            for name, m in into.items():
                out[name] &= m[:, 0]
        if s.artist_gap:
            for distance, col in ahead.items():
                a = self._artist_c[col]
                if 1 <= distance <= s.artist_gap and a >= 0:
                    out["artist_gap"] &= self._artist_c != a
        return out

    def violations(self, last, cols=None, recent=None) -> np.ndarray:
        """(B, C) number of hard rules each move breaks (``recent`` as in :meth:`rule_masks`)."""
        masks = self.rule_masks(last, cols, recent)
        shape = self.key_term(last, cols).shape
        total = np.zeros(shape, dtype=np.int64)
        for m in masks.values():
            total += ~m
        return total

    # -- whole tables, for ordering a fixed set of songs -------------------------------------------
    def pair_matrix(self) -> np.ndarray:
        """(C, C) everything of a move c_i -> c_j that depends only on the pair: ``-sweetness * key
        - smoothness * tempo + RULE_PENALTY * broken rules``, in ``dtype``. The artist gap counts here for the
        song right before only (the rest of its window depends on the order: :func:`recent_songs`)."""
        s = self.settings
        last = self.candidates
        out = np.zeros((len(self), len(self)), dtype=self.dtype)
        if s.sweetness:
            out -= self.dtype.type(s.sweetness) * self.key_term(last)
        if s.smoothness:
            out -= self.dtype.type(s.smoothness) * self.tempo_term(last)
        if s.active_rules:
            out += self.dtype.type(RULE_PENALTY) * self.violations(last)
        return out

    def arc_matrix(self) -> np.ndarray | None:
        """(L, C) weighted arc term of each candidate at each position; None without an arc."""
        if not self.settings.uses_arc:
            return None
        diff = np.abs(self._arc_c[None, :, :] - self._targets[:, None, :]).sum(axis=-1)
        return self.dtype.type(self.settings.arc_weight) * diff


def arc_values(arrays: SongArrays, settings: EngineSettings, idx) -> np.ndarray:
    """(len(idx), F) float64 raw values of the arc's features (energy, valence) of songs ``idx``."""
    cols = []
    for name in settings.arc.features:
        values = getattr(arrays, name)
        if values is None:
            raise ValueError(f"the energy arc needs raw {name} per song (SongArrays.{name})")
        cols.append(np.asarray(values, dtype=np.float64)[idx])
    return np.stack(cols, axis=1)


def recent_songs(orders, positions, gap: int) -> np.ndarray:
    """(S, P, gap) the ``gap`` songs before each position of ``positions`` (P,) in each order ``orders`` (S, L),
    oldest first, -1 before the start: the ``recent`` window of :meth:`Loss.rule_masks`."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    at = np.asarray(positions, dtype=np.int64)[:, None] - np.arange(max(int(gap), 1), 0, -1)[None, :]
    return np.where(at >= 0, orders[:, np.maximum(at, 0)], -1)
