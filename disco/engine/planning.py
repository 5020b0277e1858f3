"""Planning a set by time: build until the songs' total duration reaches a target number of minutes.

The length is found by building, not guessed once: the first build's song count is estimated from the pool's
median song duration; each build then either falls short of the target (the next build is longer by the
missing minutes over the median, at least one song) or reaches it at song ``m`` before its last (the next build
has ``m`` songs, so the arc and the search plan for that length). It stops at a build that reaches the target
with its last song, or after :data:`MAX_BUILDS` builds or a length tried before; then the shortest build that
reaches the target is cut after the song that reaches it (and scored again). So the set ends within one song's
duration of the target: its total is at least the target, and without its last song it would be below.

Songs without a duration count as the pool's median duration (:func:`song_minutes`).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from disco.engine.playlist import Playlist, RequestError
from disco.engine.score import score_order

MAX_BUILDS = 8  # builds per planned set; the estimate is usually right within two
DEFAULT_SONG_MINUTES = 3.5  # stands in for every duration when no song of the pool or catalog has one
MAX_TARGET_MINUTES = 24 * 60.0


def song_minutes(duration_ms, pool) -> tuple[np.ndarray, float, np.ndarray]:
    """(minutes per song (n,), the stand-in minutes, which songs got the stand-in (n,) bool): ``duration_ms``
    (n,) in minutes, songs without one (NaN, <= 0) at the median of the known durations of the songs ``pool``
    (else of all songs, else :data:`DEFAULT_SONG_MINUTES`)."""
    minutes = np.asarray(duration_ms, dtype=np.float64) / 60_000.0
    unknown = ~(np.isfinite(minutes) & (minutes > 0))
    pool = np.asarray(pool, dtype=np.int64)
    for among in (pool, np.arange(len(minutes))):
        known = minutes[among][~unknown[among]]
        if len(known):
            median = float(np.median(known))
            break
    else:
        median = DEFAULT_SONG_MINUTES
    return np.where(unknown, median, minutes), median, unknown


def check_target(target_minutes) -> float:
    """``target_minutes`` as a float; a clear error unless it is a number of minutes in (0, 24 h]."""
    if isinstance(target_minutes, bool) or not isinstance(target_minutes, (int, float, np.integer, np.floating)):
        raise RequestError(f"the target must be a number of minutes, got {target_minutes!r}")
    value = float(target_minutes)
    if not (math.isfinite(value) and 0 < value <= MAX_TARGET_MINUTES):
        raise RequestError(f"the target must be more than 0 and at most {MAX_TARGET_MINUTES:g} minutes, got "
                           f"{target_minutes!r}")
    return value


def reach_index(playlist: Playlist, minutes: np.ndarray, target: float) -> int | None:
    """The number of songs after which ``playlist`` first reaches ``target`` minutes; None if it never does."""
    total = np.cumsum(minutes[np.asarray(playlist.indices, dtype=np.int64)])
    hit = np.flatnonzero(total >= target - 1e-9)
    return int(hit[0]) + 1 if len(hit) else None


def build_for_minutes(build: Callable[[int], Playlist], minutes: np.ndarray, target: float, *, seeds,
                      min_length: int, median: float, arrays, predictor) -> Playlist:
    """The playlist ``build(length)`` whose songs last ``target`` minutes (see the module's docstring).
    ``minutes`` (n,) per song, ``seeds`` the seed songs, ``median`` the pool's median song; ``min_length``: no
    shorter (the seeds, the last locked position). ``info`` gains ``target_minutes`` and ``lengths_tried``;
    ``message`` says when the pool ran out before the target, or the seeds or a locked song carry the set
    past it."""
    seeds = np.asarray(seeds, dtype=np.int64)
    built: dict[int, Playlist] = {}
    need = max(0.0, target - float(minutes[seeds].sum()))
    length = max(min_length, len(seeds) + math.ceil(need / median - 1e-9))
    for _ in range(MAX_BUILDS):
        if length not in built:
            built[length] = build(length)
        playlist = built[length]
        m = reach_index(playlist, minutes, target)
        if m is None:
            if len(playlist) < length:  # the pool ran out
                break
            short = target - float(minutes[np.asarray(playlist.indices, dtype=np.int64)].sum())
            nxt = length + max(1, math.ceil(short / median - 1e-9))
        elif m >= len(playlist) or length <= min_length:
            break
        else:
            nxt = max(m, min_length)
        if nxt in built:
            break
        length = nxt
    out = _choose(built, minutes, target, min_length, len(seeds), arrays, predictor)
    out.info["target_minutes"] = round(target, 3)
    out.info["lengths_tried"] = sorted(built)
    total = float(minutes[np.asarray(out.indices, dtype=np.int64)].sum())
    note = None
    if total < target - 1e-9:
        note = f"the candidate pool ran out at {total:.1f} of the {target:g} minutes asked ({len(out)} songs)"
    elif len(out) > 1 and total - float(minutes[out.indices[-1]]) >= target - 1e-9:
        what = "the seeds last" if min_length == len(seeds) else "the last locked song ends the set at"
        note = f"{what} {total:.1f} minutes, past the {target:g} asked"
    # the lengths built were the planner's, not the user's: a build's own shortage note ("... instead of N songs")
    # would name a count never asked for, and a set that reaches the target lacks nothing
    out.message = note
    return out


def _choose(built: dict[int, Playlist], minutes, target, min_length, n_seeds, arrays, predictor) -> Playlist:
    """The build that reaches the target with its last song; else the shortest that reaches it, cut after the
    song that does (no shorter than ``min_length``) and scored again; else the longest (the pool ran out)."""
    reaching = {n: pl for n, pl in built.items() if reach_index(pl, minutes, target) is not None}
    if not reaching:
        return built[max(built, key=lambda n: len(built[n]))]
    exact = [pl for pl in reaching.values() if reach_index(pl, minutes, target) >= len(pl)]
    if exact:
        return min(exact, key=len)
    pl = reaching[min(reaching)]
    keep = max(reach_index(pl, minutes, target), min_length)
    if keep >= len(pl):
        return pl
    cut = score_order(pl.indices[:keep], pl.settings, arrays=arrays, predictor=predictor, n_seeds=n_seeds)
    cut.message, cut.info = pl.message, dict(pl.info)
    return cut
