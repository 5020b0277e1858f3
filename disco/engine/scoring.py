"""DJ-grade transition scoring (issue 8): a graded Camelot key score, a DJ tempo kernel and hard rules.

Pure, vectorized NumPy functions; arguments broadcast against each other. Keys are Spotify pitch classes
(0 = C .. 11 = B, -1 = no key), modes 1 = major / 0 minor, tempi in BPM. Scores come in two scales: ``0..1``
(the ``*_score`` functions of one kind) and ``-1..1`` (``2 s - 1``, :func:`key_score` / :func:`tempo_score`),
the scale the loss uses so that the new modes drop in where ``theory.key_similarity`` /
``theory.tempo_similarity`` were: ``L = flow * d - sweetness * key_score - smoothness * tempo_score``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from disco import theory

if TYPE_CHECKING:  # pragma: no cover
    from disco.arcs import Arc

KEY_MODES = ("reference", "camelot")
TEMPO_MODES = ("reference", "dj")

# graded Camelot scores (0..1) by (same letter?, wheel step distance 0..6)
CAMELOT_SAME_LETTER = np.array([1.0, 0.9, 0.45, 0.1, 0.1, 0.1, 0.1])  # same code, +/-1, +/-2 "energy boost"
CAMELOT_OTHER_LETTER = np.array([0.8, 0.55, 0.1, 0.1, 0.1, 0.1, 0.1])  # A<->B, diagonal (8A -> 9B)
CAMELOT_NO_KEY = 0.5
DJ_TEMPO_WIDTH = 0.04  # 4%: exp(-(p/width)^2) is ~0.78 at 2%, ~0.1 at 6%, ~0.002 at 10%


# --- keys -----------------------------------------------------------------------------------------------


def camelot_index(key, mode) -> np.ndarray:
    """Camelot wheel slot 0..23 (``number - 1`` for A/minor, ``number + 11`` for B/major); 24 = no key."""
    n = theory.camelot_number(key, mode)
    idx = np.where(np.asarray(mode) == 0, n - 1, n + 11)
    return np.where(n > 0, idx, 24).astype(np.intp)


def _camelot_table01() -> np.ndarray:
    slot = np.arange(24)
    number, letter = slot % 12, slot // 12
    diff = np.abs(number[:, None] - number[None, :])
    step = np.minimum(diff, 12 - diff)
    same = letter[:, None] == letter[None, :]
    table = np.full((25, 25), CAMELOT_NO_KEY)
    table[:24, :24] = np.where(same, CAMELOT_SAME_LETTER[step], CAMELOT_OTHER_LETTER[step])
    return table


_CAMELOT_TABLE = _camelot_table01()


def camelot_key_score(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """Graded DJ key score of mixing a into b, in 0..1 (float64, symmetric).

    Same Camelot code 1.0; +/-1 with the same letter 0.9 (12 wraps to 1); same number A<->B 0.8; +/-1 with
    the other letter (diagonal, 8A -> 9B) 0.55; +/-2 with the same letter ("energy boost") 0.45; anything
    else 0.1. Either key -1 (not detected) -> neutral 0.5.
    """
    return _CAMELOT_TABLE[camelot_index(key_a, mode_a), camelot_index(key_b, mode_b)]


def key_codes(key, mode, mode_name: str = "reference") -> np.ndarray:
    """Per-song index into :func:`key_table`: circle-of-fifths position 0..11 (12 = no key) for
    ``"reference"``, Camelot slot 0..23 (24 = no key) for ``"camelot"``. Precompute once per catalog."""
    _check(mode_name, KEY_MODES, "key score")
    if mode_name == "camelot":
        return camelot_index(key, mode)
    pos = theory.circle_position(key, mode)
    return np.where(pos < 0, 12, pos).astype(np.intp)


def key_table(mode_name: str = "reference") -> np.ndarray:
    """Lookup ``T[key_codes(a), key_codes(b)]`` = :func:`key_score` in -1..1: (13, 13) for ``"reference"``,
    (25, 25) for ``"camelot"``. Scores thousands of candidates with one ``take``."""
    _check(mode_name, KEY_MODES, "key score")
    if mode_name == "camelot":
        return 2.0 * _CAMELOT_TABLE - 1.0
    return theory.keysim_table()


def key_score(key_a, mode_a, key_b, mode_b, mode: str = "reference") -> np.ndarray:
    """Key term of the loss, in -1..1: ``"reference"`` = ``theory.key_similarity`` (circle of fifths, no key
    -> 0); ``"camelot"`` = ``2 * camelot_key_score - 1`` (1, 0.8, 0.6, 0.1, -0.1, -0.8; no key -> 0)."""
    _check(mode, KEY_MODES, "key score")
    if mode == "camelot":
        return 2.0 * camelot_key_score(key_a, mode_a, key_b, mode_b) - 1.0
    return np.asarray(theory.key_similarity(key_a, mode_a, key_b, mode_b), dtype=np.float64)


def camelot_compatible_table() -> np.ndarray:
    """(25, 25) bool ``T[camelot_index(a), camelot_index(b)]`` = :func:`camelot_strict_compatible`."""
    key, mode = np.arange(24) % 12, np.arange(24) // 12
    slot = camelot_index(key, mode)
    table = np.zeros((25, 25), dtype=bool)
    table[slot[:, None], slot[None, :]] = theory.camelot_compatible(key[:, None], mode[:, None], key[None, :],
                                                                     mode[None, :])
    return table


def camelot_strict_compatible(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """Strict DJ rule (same code, +/-1 same letter, A<->B): ``theory.camelot_compatible``; False for no key."""
    return theory.camelot_compatible(key_a, mode_a, key_b, mode_b)


# --- tempo ----------------------------------------------------------------------------------------------


def bpm_change_pct(t_from, t_to) -> np.ndarray:
    """Absolute tempo change in percent of ``t_from`` after folding double/half time (0..~41.4);
    NaN where a tempo is non-positive or NaN. 120 -> 123 BPM is 2.5; 120 -> 246 BPM is 2.5 too."""
    return np.abs(theory.fold_tempo_ratio(t_from, t_to) - 1.0) * 100.0


def dj_tempo_score(t_from, t_to, width: float = DJ_TEMPO_WIDTH) -> np.ndarray:
    """DJ tempo kernel in 0..1: ``exp(-(p / width)^2)`` with ``p`` the folded change as a fraction
    (0.02 = 2%) and ``width`` a fraction (default 0.04): ~0.78 at 2%, ~0.105 at 6%, ~0.002 at 10%.
    Invalid tempi (<= 0, NaN) -> neutral 0.5."""
    if not (width > 0 and math.isfinite(width)):
        raise ValueError(f"tempo width must be a positive fraction, got {width!r}")
    p = bpm_change_pct(t_from, t_to) / 100.0
    with np.errstate(invalid="ignore"):
        s = np.exp(-np.square(p / width))
    return np.where(np.isnan(p), 0.5, s)


def tempo_score(t_from, t_to, mode: str = "reference", width: float = DJ_TEMPO_WIDTH) -> np.ndarray:
    """Tempo term of the loss, in -1..1: ``"reference"`` = ``theory.tempo_similarity`` (cosine of the log2
    ratio); ``"dj"`` = ``2 * dj_tempo_score - 1`` (1 at 0%, ~0.56 at 2%, ~-0.79 at 6%; invalid -> 0)."""
    _check(mode, TEMPO_MODES, "tempo score")
    if mode == "dj":
        return 2.0 * dj_tempo_score(t_from, t_to, width) - 1.0
    return np.asarray(theory.tempo_similarity(t_from, t_to), dtype=np.float64)


# --- hard rules -----------------------------------------------------------------------------------------

# relaxed first -> last when no candidate meets every rule (the artist rule is what listeners notice most)
RELAX_ORDER = ("camelot_only", "max_bpm_change", "no_repeat_artist")
# added to a move's loss per broken rule where rules cannot be masks (reordering places every song): larger
# than any spread of the other terms over a move, so local search removes violations first
RULE_PENALTY = 10.0


@dataclass(frozen=True)
class Rules:
    """Hard rules on each move. camelot_only: strict Camelot-compatible moves only; max_bpm_change: the
    largest folded tempo change in percent (None = no limit); no_repeat_artist: never the same artist
    twice in a row. Rules are relaxed per move, in :data:`RELAX_ORDER`, when the pool cannot meet them."""

    camelot_only: bool = False
    max_bpm_change: float | None = None
    no_repeat_artist: bool = False

    def __post_init__(self):
        m = self.max_bpm_change
        if m is not None and not (isinstance(m, (int, float, np.integer, np.floating)) and math.isfinite(m)
                                  and m >= 0):
            raise ValueError(f"max BPM change must be a percent >= 0 or None, got {m!r}")

    @property
    def active(self) -> tuple[str, ...]:
        """Names of the rules switched on, in relaxation order."""
        on = {"camelot_only": self.camelot_only, "max_bpm_change": self.max_bpm_change is not None,
              "no_repeat_artist": self.no_repeat_artist}
        return tuple(name for name in RELAX_ORDER if on[name])

    def to_dict(self) -> dict:
        return {"camelot_only": bool(self.camelot_only),
                "max_bpm_change": None if self.max_bpm_change is None else float(self.max_bpm_change),
                "no_repeat_artist": bool(self.no_repeat_artist)}


@dataclass(frozen=True)
class SongFields:
    """What the rules look at, for one song (scalars) or many (arrays, broadcasting): key (-1 = none),
    mode, tempo (BPM) and artist (int codes with -1 = unknown, or strings with "" = unknown; an unknown
    artist never counts as a repeat). ``artist`` may be None when the artist rule is off."""

    key: Any
    mode: Any
    tempo: Any
    artist: Any = None

    def take(self, idx) -> "SongFields":
        """The fields of songs ``idx`` (index arrays of per-song fields)."""
        pick = lambda a: None if a is None else np.asarray(a)[idx]  # noqa: E731
        return SongFields(pick(self.key), pick(self.mode), pick(self.tempo), pick(self.artist))


def rule_masks(rules: Rules, last: SongFields, cand: SongFields) -> dict[str, np.ndarray]:
    """Per active rule, the boolean mask (broadcast shape of last x cand) of candidates meeting it."""
    out = {}
    if rules.camelot_only:
        out["camelot_only"] = camelot_strict_compatible(last.key, last.mode, cand.key, cand.mode)
    if rules.max_bpm_change is not None:
        with np.errstate(invalid="ignore"):
            out["max_bpm_change"] = bpm_change_pct(last.tempo, cand.tempo) <= rules.max_bpm_change + 1e-9
    if rules.no_repeat_artist:
        if last.artist is None or cand.artist is None:
            raise ValueError("the no-repeat-artist rule needs the songs' artists")
        a, b = np.asarray(last.artist), np.asarray(cand.artist)
        unknown = (a == "") if a.dtype.kind in "OUST" else (a < 0)
        out["no_repeat_artist"] = (a != b) | unknown
    return out


def allowed_mask(rules: Rules, last: SongFields, cand: SongFields,
                 available=None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Candidates allowed after song ``last`` (scalar fields) under ``rules``.

    cand: fields of the P candidates; available: (P,) bool, the unused candidates (default all). Returns
    ``(mask (P,) bool, relaxed)``: ``mask`` = available candidates meeting every rule; if there are none,
    rules are dropped cumulatively in :data:`RELAX_ORDER` (camelot_only, then max_bpm_change, then
    no_repeat_artist) until some candidate qualifies, and ``relaxed`` names the dropped rules (empty tuple,
    falsy, when nothing was relaxed). With no available candidate the mask is all False, nothing relaxed.
    """
    masks = rule_masks(rules, last, cand)
    shape = np.broadcast_shapes(np.shape(cand.key), np.shape(cand.tempo), *(np.shape(m) for m in masks.values()))
    avail = np.ones(shape, dtype=bool) if available is None else np.broadcast_to(np.asarray(available, bool), shape)
    if len(shape) != 1:
        raise ValueError(f"allowed_mask takes one last song and a 1-D candidate list, got shape {shape}")
    active = list(rules.active)
    for n_dropped in range(len(active) + 1):
        mask = avail.copy()
        for name in active[n_dropped:]:
            mask &= masks[name]
        if mask.any() or n_dropped == len(active):
            relaxed = tuple(active[:n_dropped]) if avail.any() else ()
            return mask, relaxed
    raise AssertionError("unreachable")  # pragma: no cover


def allowed_masks(rules: Rules, last: SongFields, cand: SongFields, available=None,
                  masks: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Batched :func:`allowed_mask` for beam search: ``last`` fields (B,), ``cand`` (P,), ``available``
    (B, P) or (P,). Returns ``(mask (B, P), relaxed per row)``; each beam relaxes on its own. ``masks``:
    the (B, P) :func:`rule_masks` if the caller computed them already (the engine uses lookup tables)."""
    B = len(np.atleast_1d(last.key))
    P = len(np.atleast_1d(cand.key))
    col = lambda a: None if a is None else np.asarray(a).reshape(B, 1)  # noqa: E731
    if masks is None:
        masks = rule_masks(rules, SongFields(col(last.key), col(last.mode), col(last.tempo), col(last.artist)),
                           cand)
    avail = (np.ones((B, P), bool) if available is None
             else np.broadcast_to(np.asarray(available, bool), (B, P)))
    active = list(rules.active)
    mask = avail.copy()
    for m in masks.values():
        mask &= m
    relaxed: list[tuple[str, ...]] = [() for _ in range(B)]
    todo = np.flatnonzero(~mask.any(axis=1) & avail.any(axis=1))
    for n_dropped in range(1, len(active) + 1):
        if len(todo) == 0:
            break
        m = avail[todo].copy()
        for name in active[n_dropped:]:
            m &= np.broadcast_to(masks[name], (B, P))[todo]
        ok = m.any(axis=1) | (n_dropped == len(active))
        mask[todo[ok]] = m[ok]
        for r in todo[ok]:
            relaxed[int(r)] = tuple(active[:n_dropped])
        todo = todo[~ok]
    return mask, relaxed


# --- the bundle -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scoring:
    """How transitions are scored beyond the feature distance: key score mode (``"reference"`` or
    ``"camelot"``), tempo score mode (``"reference"`` or ``"dj"``, kernel ``tempo_width`` as a fraction),
    hard ``rules``, and an energy ``arc`` (None = no target) weighted by ``arc_weight`` (>= 0) in the loss
    (``fit_arc``: the engine stretches a named arc shape to the energy range of the pool)::

        L(c) = flow * d(c) - sweetness * key_score(s, c) - smoothness * tempo_score(s, c)
               + arc_weight * sum_f |f(c) - target_f(position of c)|     (f = energy, and valence if given)

    ``Scoring()`` is the spec's reference scoring (bit-identical losses, no rules, no arc).
    """

    key: str = "reference"
    tempo: str = "reference"
    tempo_width: float = DJ_TEMPO_WIDTH
    rules: Rules = field(default_factory=Rules)
    arc: "Arc | None" = None
    arc_weight: float = 1.0
    fit_arc: bool = True

    def __post_init__(self):
        _check(self.key, KEY_MODES, "key score")
        _check(self.tempo, TEMPO_MODES, "tempo score")
        if not (self.tempo_width > 0 and math.isfinite(self.tempo_width)):
            raise ValueError(f"tempo width must be a positive fraction, got {self.tempo_width!r}")
        if not (math.isfinite(self.arc_weight) and self.arc_weight >= 0):
            raise ValueError(f"arc weight must be a finite number >= 0, got {self.arc_weight!r}")

    @property
    def uses_arc(self) -> bool:
        return self.arc is not None and self.arc_weight > 0

    def key_score(self, key_a, mode_a, key_b, mode_b) -> np.ndarray:
        """The loss's key term (-1..1) in this scoring's mode."""
        return key_score(key_a, mode_a, key_b, mode_b, mode=self.key)

    def tempo_score(self, t_from, t_to) -> np.ndarray:
        """The loss's tempo term (-1..1) in this scoring's mode."""
        return tempo_score(t_from, t_to, mode=self.tempo, width=self.tempo_width)

    def to_dict(self) -> dict:
        """JSON-ready record for a playlist's ``settings``."""
        return {"key_score": self.key, "tempo_score": self.tempo, "tempo_width": float(self.tempo_width),
                "rules": self.rules.to_dict(),
                "arc": None if self.arc is None else self.arc.to_dict(),
                "arc_weight": float(self.arc_weight), "fit_arc": bool(self.fit_arc)}


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {allowed}, got {value!r}")


# Presets: (Weights, Scoring) pairs by name, plus the search each uses (preset_search).
# "dj" is DISCO's default: camelot key score + dj tempo kernel at sweetness 0.7 / smoothness 0.6, beam search.
# Chosen on builds seeded from TRAIN playlists' songs (20 seeds x 3 sets, 300-song subgenre pools, 20 songs);
# `python -m disco evaluate` reports it on test songs: issue 8's targets are >= 80% Camelot-compatible moves,
# >= 85% within 6% tempo, mean feature step within 10% of the reference. The step budget binds: with
# sweetness/smoothness 1 the step grows ~1.25 x. "reference" is the spec's algorithm exactly (greedy).
# Built lazily (module __getattr__ / preset()) because disco.engine, which defines Weights, imports this module.
PRESET_NAMES = ("dj", "reference")
DEFAULT_PRESET = "dj"
PRESET_LABELS = {"dj": "DJ (default)", "reference": "Reference (spec)"}
_PRESET_ARGS = {
    "dj": ({"flow": 1.0, "sweetness": 0.7, "smoothness": 0.6, "spicy": 1.2}, {"key": "camelot", "tempo": "dj"}),
    "reference": ({}, {}),
}
_PRESET_SEARCH = {"dj": "beam", "reference": "greedy"}


def preset(name: str = DEFAULT_PRESET):
    """``(Weights, Scoring)`` of a preset: ``"dj"`` (DISCO's default: graded Camelot key score, DJ tempo
    kernel, sweetness 0.7, smoothness 0.6) or ``"reference"`` (the spec's algorithm: ``Weights()``,
    ``Scoring()``). No rules and no arc in either."""
    from disco.engine import Weights

    _check(name, PRESET_NAMES, "preset")
    weights, scoring = _PRESET_ARGS[name]
    return Weights(**weights), Scoring(**scoring)


def preset_search(name: str = DEFAULT_PRESET) -> str:
    """The search a preset uses: ``"beam"`` for ``"dj"`` (less greedy, more key/tempo matches at the same
    feature step), ``"greedy"`` for ``"reference"`` (the spec's algorithm)."""
    _check(name, PRESET_NAMES, "preset")
    return _PRESET_SEARCH[name]


def __getattr__(name: str):
    if name == "PRESETS":
        return {n: preset(n) for n in PRESET_NAMES}
    if name == "DJ_DEFAULTS":  # the issue-8 proposal, now the "dj" preset
        return preset("dj")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
