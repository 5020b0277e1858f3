"""Hard rules as masks on the candidates of a search, relaxed per move when the pool cannot meet them.

The rules themselves (Camelot-only, max BPM change, no repeated artist) and their order are in
:mod:`disco.engine.settings`; which moves keep them is :meth:`disco.engine.loss.Loss.rule_masks`.
"""

from __future__ import annotations

import numpy as np


def allowed(masks: dict[str, np.ndarray], available: np.ndarray) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Candidates each row may move to: ``available`` (B, C) and every rule mask (B, C) of ``masks`` (in
    relaxation order). A row where no available candidate keeps every rule drops rules one by one, first
    to last, until some candidate qualifies. Returns ``(mask (B, C), relaxed rule names per row)``."""
    available = np.asarray(available, dtype=bool)
    B, C = available.shape
    names = list(masks)
    mask = available.copy()
    for m in masks.values():
        mask &= np.broadcast_to(m, (B, C))
    relaxed: list[tuple[str, ...]] = [() for _ in range(B)]
    todo = np.flatnonzero(~mask.any(axis=1) & available.any(axis=1))
    for n_dropped in range(1, len(names) + 1):
        if len(todo) == 0:
            break
        m = available[todo].copy()
        for name in names[n_dropped:]:
            m &= np.broadcast_to(masks[name], (B, C))[todo]
        ok = m.any(axis=1) | (n_dropped == len(names))
        mask[todo[ok]] = m[ok]
        for r in todo[ok]:
            relaxed[int(r)] = tuple(names[:n_dropped])
        todo = todo[~ok]
    return mask, relaxed


def broken(masks: dict[str, np.ndarray], row: int, col: int) -> tuple[str, ...]:
    """Names of the rules that move ``(row, col)`` of ``masks`` breaks."""
    return tuple(name for name, m in masks.items() if not np.broadcast_to(m, m.shape)[row, col])
