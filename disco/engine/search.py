"""Building a playlist: greedy search (the spec) and beam search over the summed loss.

The predictor carries its hidden state, so each added song costs one O(1) network step; candidates are
scored all at once (beams x pool) by :class:`disco.engine.loss.Loss` in float32, and the result is scored
again exactly (:func:`disco.engine.score.score_order`). Hard rules mask candidates, relaxed per move when the
pool cannot meet them (the move is then marked). Locked songs are forced moves at their positions; banned
songs are never candidates.
"""

from __future__ import annotations

import numbers
from typing import Collection, Iterable, Mapping, Sequence

import numpy as np

from disco.engine import rules
from disco.engine.blas import single_thread_blas
from disco.engine.loss import RULE_PENALTY, Loss, recent_songs
from disco.engine.playlist import Playlist, RequestError
from disco.engine.score import fit_arc, score_order
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays, step, take_state
from disco.wording import plural


def build_playlist(seeds: Sequence[int], pool: Sequence[int], length: int,
                   settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                   predictor: Predictor, locked: Mapping[int, int] | None = None,
                   banned: Collection[int] = ()) -> Playlist:
    """Extend ``seeds`` (song indices, kept first in this order) with songs of ``pool`` to ``length`` songs
    (seeds included), minimising the loss at each step (``settings.search == "greedy"``, the spec) or the
    summed loss over the playlist (``"beam"``, keeping ``settings.beam_width`` partial playlists).

    ``locked`` {position (0-based, after the seeds) -> song index}: those songs at those positions, as forced
    moves (the network's state and the loss run through them); a locked song need not be in the pool and is
    never picked elsewhere. The songs just before a locked one are chosen, while the pool allows, so that the
    moves into it keep the hard rules too. ``banned`` song indices are never candidates.

    A named energy arc is fitted to the energy range of the seeds and candidates (the fitted settings are the
    playlist's ``settings``). Beam search also runs greedy and returns whichever breaks fewer rules, then
    has the lower total loss, so beam is never worse than greedy. Pool songs equal to a seed or repeated are
    ignored; if the pool runs out the playlist is shorter and ``message`` says so (a locked position past
    what the pool can fill is an error). ``info``: ``length_asked``, ``pool_size`` (candidates after bans),
    ``pool_indices`` (those candidates), ``n_seeds``, ``locked`` (the locked positions), ``banned`` (the banned
    songs) and, with beam search, ``beam_improved_on_greedy``.
    """
    seeds, pool = _check_inputs(seeds, pool, length, arrays)
    banned = _check_banned(banned, seeds, arrays)
    locked = _check_locked(locked, seeds, length, banned, arrays)
    pool = pool[~np.isin(pool, banned)]
    lock_songs = np.array(list(locked.values()), dtype=np.int64)
    free = pool[~np.isin(pool, lock_songs)]
    # the locked songs are the last candidates, reserved for their positions (without locks: the pool as given)
    candidates = np.concatenate([free, lock_songs]) if locked else pool
    n_add = max(0, min(int(length) - len(seeds), len(candidates)))
    message = _shortage(len(seeds), len(candidates), length)
    if locked and max(locked) >= len(seeds) + n_add:
        # "song N" too: the CLI numbers songs from 1, the API positions from 0
        raise RequestError(f"position {max(locked)} (song {max(locked) + 1}) is locked, but the pool fills the "
                           f"playlist up to song {len(seeds) + n_add} only ({len(free)} free candidates)")
    settings = fit_arc(settings, arrays, np.concatenate([seeds, candidates]))
    info = {"length_asked": int(length), "pool_size": int(len(pool)), "n_seeds": int(len(seeds)),
            "pool_indices": [int(i) for i in pool], "locked": [int(p) for p in locked],
            "banned": [int(i) for i in banned]}
    lock_cols = {p: len(free) + i for i, p in enumerate(locked)}  # position -> candidate column
    score = lambda order: score_order(order, settings, arrays=arrays, predictor=predictor,  # noqa: E731
                                      n_seeds=len(seeds))
    if n_add == 0:
        best = score(seeds)
    else:
        with single_thread_blas():
            loss = Loss(settings, arrays, candidates, length=len(seeds) + n_add, dtype=np.float32)
            best = score(np.concatenate([seeds, greedy_path(seeds, n_add, loss, arrays, predictor, lock_cols)]))
            if settings.search == "beam":
                _, path = beam_paths(seeds[None, :], n_add, settings.beam_width, loss, arrays, predictor,
                                     lock_cols)
                cand = score(np.concatenate([seeds, path]))
                # fewer broken rules first, then the lower loss: beam never breaks more rules than greedy
                better = (cand.broken_rules < best.broken_rules
                          or (cand.broken_rules == best.broken_rules and cand.total_loss < best.total_loss - 1e-9))
                info["beam_improved_on_greedy"] = bool(better)
                if better:
                    best = cand
    best.message, best.info = message, info
    return best


def greedy_path(seeds: np.ndarray, n_add: int, loss: Loss, arrays: SongArrays, predictor: Predictor,
                locked: Mapping[int, int] | None = None) -> list[int]:
    """The ``n_add`` songs greedy search adds after ``seeds``, from ``loss.candidates`` (the spec's search).
    ``locked`` {position: candidate column}: forced moves; those columns are never picked elsewhere."""
    pool = loss.candidates
    locked = locked or {}
    gap = loss.settings.artist_gap
    state = predictor.initial_state(1)
    y = None
    for s in seeds:
        state, y = step(predictor, state, arrays.inputs(s))
    used: list[int] = list(locked.values())  # locked songs are reserved for their positions
    last = int(seeds[-1])
    played = [int(s) for s in seeds]
    for k in range(n_add):
        position = len(seeds) + k
        if position in locked:
            j = locked[position]
        else:
            total = loss.moves(y, np.array([last]), position=position)[0]
            total[used] = np.inf
            if loss.settings.active_rules:
                available = np.ones((1, len(pool)), dtype=bool)
                available[0, used] = False
                masks = loss.rule_masks(np.array([last]), recent=_recent(np.array([played]), gap))
                mask, _ = rules.allowed(_with_lead_in(masks, loss, locked, position), available)
                total[~mask[0]] = np.inf
            j = int(np.argmin(total))  # first minimum: ties go to the earlier pool position
            used.append(j)
        last = int(pool[j])
        played.append(last)
        state, y = step(predictor, state, arrays.inputs(last))
    return played[len(seeds):]


def _recent(songs: np.ndarray, gap: int) -> np.ndarray | None:
    """(B, gap) the last ``gap`` songs of each row of ``songs`` (B, m), -1 before the start; None when the
    artist gap is off (the rules then look at the last song only)."""
    if gap <= 0:
        return None
    return recent_songs(songs, [songs.shape[1]], gap)[:, 0, :]


def _with_lead_in(masks: dict, loss: Loss, locked: Mapping[int, int], position: int) -> dict:
    """The rule masks of a move to ``position``, narrowed to candidates that also keep the rules of the moves
    into the locked songs after it (the next one for every rule, those within the artist gap for it)."""
    reach = max(loss.settings.artist_gap, 1)
    ahead = {d: locked[position + d] for d in range(1, reach + 1) if position + d in locked}
    if not ahead:
        return masks
    lead_in = loss.lead_in_masks(ahead)
    return {name: m & lead_in[name][None, :] for name, m in masks.items()}


def _top_k(flat: np.ndarray, k: int, bound_row: np.ndarray) -> np.ndarray:
    """Flat indices of the ``k`` smallest finite values, sorted by (value, index): deterministic ties.

    The k-th smallest value of any single row bounds the overall k-th smallest, so only values under that
    bound are sorted (a few per beam) instead of partitioning all B x P values.
    """
    finite_row = bound_row[np.isfinite(bound_row)]
    if len(finite_row) >= k:
        bound = np.partition(finite_row, k - 1)[k - 1]
        cand = np.flatnonzero(flat <= bound)
    else:
        cand = np.flatnonzero(np.isfinite(flat))
    cand = cand[np.lexsort((cand, flat[cand]))]
    return cand[:k]


def _prune(loss: Loss, last, y, off, used, blocked, width, position, allowed) -> np.ndarray | None:
    """Pool positions (sorted) that can still enter the next beam; None to score them all.

    Exact bound: with ``r`` the best beam and ``tau`` the ``width``-th best total among its own extensions,
    beam ``b`` can only add ``c`` if ``off_b + flow * d_bc - sweetness - smoothness <= tau`` (the key and
    tempo terms are at most 1, the arc term is >= 0), and ``d_bc >= d_rc - ||a_b - a_r||`` (triangle
    inequality on the scaled predictions ``a``). Beams share most of their history, so few candidates
    survive. ``allowed`` (the hard rules' masks) must be applied to beam ``r`` for ``tau`` to be reachable.
    """
    s = loss.settings
    if s.flow < 1e-6:  # the bound divides by flow
        return None
    r = int(np.argmin(off))
    loss_r, d_r = loss.moves(y[r:r + 1], last[r:r + 1], position, return_distance=True)
    loss_r, d_r = loss_r[0], d_r[0]
    if used.shape[1]:
        loss_r[used[r]] = np.inf
    if blocked is not None:
        loss_r[blocked[r]] = np.inf
    if allowed is not None:
        loss_r[~allowed[r]] = np.inf
    finite = loss_r[np.isfinite(loss_r)]
    if len(finite) < width:
        return None
    tau = float(np.partition(finite, width - 1)[width - 1])
    a = s.spicy * np.asarray(y, dtype=np.float64)
    delta = np.sqrt(((a - a[r]) ** 2).sum(axis=1))
    slack = 1e-4 * (1.0 + abs(tau) + s.sweetness + s.smoothness)  # float32 rounding of the losses
    reach = (tau - off.astype(np.float64) + s.sweetness + s.smoothness + slack) / s.flow + delta
    radius = float(reach.max()) + 1e-2  # float32 rounding of the distances
    cols = np.flatnonzero(d_r <= radius)
    return cols if 0 < len(cols) < 0.5 * len(d_r) else None


def beam_paths(starts, n_add: int, width: int, loss: Loss, arrays: SongArrays,
               predictor: Predictor, locked: Mapping[int, int] | None = None) -> tuple[int, list[int]]:
    """Beam search over the summed loss from one or more equal-length prefixes ``starts`` (B0, m), adding
    ``n_add`` songs of ``loss.candidates``; songs of a beam's prefix are unusable in that beam. ``locked``
    {position: candidate column}: every beam makes that move there (plus ``RULE_PENALTY`` per rule it breaks,
    so beams that reach a locked song cleanly win); those columns are never picked elsewhere. Returns
    (row of the best prefix, its added songs)."""
    pool = loss.candidates
    P = len(pool)
    prefix = np.asarray(starts, dtype=np.int64)
    B0 = len(prefix)
    locked = locked or {}
    state = predictor.initial_state(B0)
    y = None
    for i in range(prefix.shape[1]):
        state, y = step(predictor, state, arrays.inputs(prefix[:, i]))
    # prefix songs that are also pool songs (reorder with a free start) are blocked per beam, and the locked
    # songs everywhere but at their positions
    blocked = (pool[None, :] == prefix[:, :, None]).any(axis=1) if np.isin(pool, prefix).any() else None
    if locked:
        reserved = np.zeros((B0, P), dtype=bool)
        reserved[:, list(locked.values())] = True
        blocked = reserved if blocked is None else blocked | reserved
    recent = _recent(prefix, loss.settings.artist_gap)  # each beam's last songs, for the artist gap
    used = np.zeros((B0, 0), dtype=np.int64)  # pool positions picked by each beam
    last = prefix[:, -1].copy()
    cum = np.zeros(B0)
    parents: list[np.ndarray] = []
    picks: list[np.ndarray] = []
    for k in range(n_add):
        B = len(last)
        position = prefix.shape[1] + k
        off = (cum - cum.min()).astype(np.float32)
        if position in locked:  # a forced move: every beam takes the locked song
            cols = np.array([locked[position]])
            total = loss.moves(y, last, position, cols)
            if loss.settings.active_rules:
                total += np.float32(RULE_PENALTY) * loss.violations(last, cols, recent).astype(np.float32)
        else:
            allowed = None
            if loss.settings.active_rules:  # each beam relaxes on its own when its pool can't meet them
                available = np.ones((B, P), dtype=bool)
                if used.shape[1]:
                    available[np.arange(B)[:, None], used] = False
                if blocked is not None:
                    available &= ~blocked
                masks = _with_lead_in(loss.rule_masks(last, recent=recent), loss, locked, position)
                allowed, _ = rules.allowed(masks, available)
            cols = _prune(loss, last, y, off, used, blocked, width, position, allowed) if B > 1 else None
            total = _mask_unusable(loss.moves(y, last, position, cols), cols, used, blocked, allowed)
        C = total.shape[1]
        # offsets relative to the best beam keep width 1 bit-identical to greedy
        total += off[:, None]
        flat = total.ravel()
        keep = min(width, int(np.isfinite(flat).sum()))
        if keep == 0:
            break
        cand = _top_k(flat, keep, total[int(np.argmin(cum))])
        b, j = np.divmod(cand, C)
        if cols is not None:
            j = cols[j]
        parents.append(b)
        picks.append(j)
        cum = cum.min() + flat[cand].astype(np.float64)
        used = np.concatenate([used[b], j[:, None]], axis=1)
        blocked = None if blocked is None else blocked[b]
        last = pool[j]
        if recent is not None:
            recent = np.concatenate([recent[b][:, 1:], last[:, None]], axis=1)
        state, y = step(predictor, take_state(state, b), arrays.inputs(last))
    path_j: list[int] = []
    r = 0  # candidates are sorted, so row 0 is the best beam
    for t in range(len(picks) - 1, -1, -1):
        path_j.append(int(picks[t][r]))
        r = int(parents[t][r])
    return int(r), [int(pool[j]) for j in reversed(path_j)]


def _mask_unusable(total: np.ndarray, cols, used: np.ndarray, blocked, allowed) -> np.ndarray:
    """``total`` (B, C) with the moves to songs a beam used, to blocked songs and those the rules forbid at
    inf (``cols``: the candidate columns of ``total``, None = all)."""
    B, C = total.shape
    if used.shape[1]:
        if cols is None:
            total[np.arange(B)[:, None], used] = np.inf
        else:
            at = np.searchsorted(cols, used)
            hit = cols[np.minimum(at, C - 1)] == used
            rows = np.broadcast_to(np.arange(B)[:, None], used.shape)
            total[rows[hit], at[hit]] = np.inf
    if blocked is not None:
        total[blocked if cols is None else blocked[:, cols]] = np.inf
    if allowed is not None:
        total[~(allowed if cols is None else allowed[:, cols])] = np.inf
    return total


def _check_inputs(seeds, pool, length, arrays: SongArrays) -> tuple[np.ndarray, np.ndarray]:
    n = len(arrays)
    seeds = np.asarray(seeds, dtype=np.int64).ravel()
    if len(seeds) == 0:
        raise ValueError("at least one seed song is needed")
    if len(np.unique(seeds)) != len(seeds):
        raise ValueError(f"seed songs must be distinct, got indices {seeds.tolist()}")
    if int(length) < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    pool = np.asarray(pool, dtype=np.int64).ravel()
    for name, idx in (("seed", seeds), ("pool", pool)):
        bad = idx[(idx < 0) | (idx >= n)]
        if len(bad):
            raise ValueError(f"{name} index {int(bad[0])} out of range for {n} songs")
    # drop seeds and repeats, keeping first occurrences in the caller's order (deterministic)
    _, first = np.unique(pool, return_index=True)
    pool = pool[np.sort(first)]
    return seeds, pool[~np.isin(pool, seeds)]


def _shortage(n_seeds: int, available: int, length: int) -> str | None:
    """The message of a pool that cannot fill ``length`` songs, else None."""
    wanted = int(length) - n_seeds
    if wanted <= available:
        return None
    return (f"the candidate pool ran out: {plural(available, 'candidate')} for {plural(wanted, 'song')} to add; "
            f"the playlist has {plural(n_seeds + available, 'song')} instead of {int(length)}")


def _song_index(value, n: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise RequestError(f"{what} must be a song index (a whole number), got {value!r}")
    if not 0 <= int(value) < n:
        raise RequestError(f"{what} {int(value)} is out of range for {n} songs")
    return int(value)


def _check_banned(banned, seeds: np.ndarray, arrays: SongArrays) -> np.ndarray:
    """The banned song indices (sorted, each once); banning a seed is an error."""
    if isinstance(banned, (str, bytes)) or not isinstance(banned, Iterable):
        raise RequestError(f"banned songs must be a collection of song indices, got {banned!r}")
    out = np.unique(np.array([_song_index(b, len(arrays), "banned song") for b in banned], dtype=np.int64))
    clash = out[np.isin(out, seeds)]
    if len(clash):
        raise RequestError(f"song {int(clash[0])} is a seed and banned at once")
    return out


def _check_locked(locked, seeds: np.ndarray, length: int, banned: np.ndarray,
                  arrays: SongArrays) -> dict[int, int]:
    """``locked`` as {position: song index} sorted by position; a clear error for a seed's position, one past
    the playlist's end, a song locked twice, a locked seed or a locked banned song."""
    if not locked:
        return {}
    if not isinstance(locked, Mapping):
        raise RequestError(f"locked songs must be a mapping {{position: song index}}, got {type(locked).__name__}")
    out: dict[int, int] = {}
    k = len(seeds)
    for position, song in locked.items():
        if isinstance(position, (bool, np.bool_)) or not isinstance(position, numbers.Integral):
            raise RequestError(f"a locked position must be a whole number (0 = the first song), got {position!r}")
        position = int(position)
        song = _song_index(song, len(arrays), f"the song locked at position {position}")
        if not k <= position < int(length):
            if position < 0:
                where = "is before the start (positions count from 0, the first seed)"
            elif position < k:
                where = f"is a seed's (positions 0..{k - 1} hold the {k} seed{'s' if k != 1 else ''})"
            else:
                where = f"is past the end of a {int(length)}-song playlist (positions 0..{int(length) - 1})"
            raise RequestError(f"locked position {position} {where}; songs can be locked at positions "
                             f"{k}..{int(length) - 1}")
        if song in seeds:
            raise RequestError(f"song {song} is a seed; it cannot also be locked at position {position}")
        if song in banned:
            raise RequestError(f"song {song} is banned and locked at position {position}")
        if song in out.values():
            raise RequestError(f"song {song} is locked at two positions")
        out[position] = song
    return dict(sorted(out.items()))
