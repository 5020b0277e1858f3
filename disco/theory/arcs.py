"""Energy arcs: target curves over a playlist's positions.

A curve gives, for each position ``i`` of an ``L``-song playlist (seeds included, ``x = i / (L - 1)`` in
0..1), a target in RAW feature units (Spotify energy / valence, 0..1). The engine adds to each candidate's
loss ``arc_weight * |feature(c) - target(position of c)|`` (:func:`arc_penalty`, summed over energy and,
when the arc has one, valence), so the search is pulled toward the shape; beam search plans toward it.

Shapes: ``"none"``, ``"peak"`` (warm-up -> peak -> cool-down), ``"build"`` (steady build), ``"waves"``
(build-ups and break-downs), or custom control points (:meth:`Arc.from_points`, :meth:`Arc.from_json`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from disco.errors import DiscoError

ARC_SHAPES = ("none", "peak", "build", "waves")
INTERPOLATIONS = ("linear", "cubic")
# energy 10th / 90th percentiles of the TidyTuesday catalog: a typical low and high
DEFAULT_LOW, DEFAULT_HIGH = 0.45, 0.9
FEATURES = ("energy", "valence")
# a named arc runs between these quantiles of the songs' energy (what they can reach; fit_arc):
# chosen with the default arc weight on training builds (bench/bench_builds.py)
FIT_QUANTILES = (0.1, 0.9)

Points = tuple[tuple[float, float], ...]


def positions(length: int) -> np.ndarray:
    """(length,) relative positions 0..1 of a playlist's songs (``[0.]`` for one song)."""
    length = int(length)
    if length < 0:
        raise ValueError(f"length must be >= 0, got {length}")
    return np.linspace(0.0, 1.0, length) if length > 1 else np.zeros(length)


def shape_points(name: str, low: float = DEFAULT_LOW, high: float = DEFAULT_HIGH, cycles: int = 3) -> Points:
    """Control points ``((pos, value), ...)`` of a named shape between ``low`` and ``high`` (raw 0..1).

    peak: warm-up from ``low``, plateau at ``high`` over 40-65% of the playlist, cool-down to a quarter of
    the range. build: a straight line ``low`` -> ``high``. waves: ``cycles`` waves, each building for 70%
    of its span and breaking down in 30%, peaks and troughs rising gently (the last peak reaches ``high``).
    """
    if name not in ARC_SHAPES or name == "none":
        raise ValueError(f"arc shape must be one of {ARC_SHAPES[1:]}, got {name!r}")
    if not (0.0 <= low <= high <= 1.0):
        raise ValueError(f"need 0 <= low <= high <= 1 (raw energy), got low={low}, high={high}")
    span = high - low
    if name == "peak":
        return ((0.0, low), (0.4, high), (0.65, high), (1.0, low + 0.25 * span))
    if name == "build":
        return ((0.0, low), (1.0, high))
    cycles = int(cycles)
    if cycles < 1:
        raise ValueError(f"waves need cycles >= 1, got {cycles}")
    pts = []
    for k in range(cycles):
        rise = k / max(cycles - 1, 1)
        pts.append((k / cycles, low + 0.25 * span * rise))
        pts.append(((k + 0.7) / cycles, low + span * (0.7 + 0.3 * rise)))
    pts.append((1.0, low + 0.25 * span))
    return tuple(pts)


def interpolate(points: Points, x, interp: str = "linear") -> np.ndarray:
    """Values of the curve through ``points`` at positions ``x`` (0..1): piecewise-linear or monotone cubic
    (PCHIP: no overshoot, stays within the points' range); flat beyond the first and last point."""
    if interp not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interp!r}")
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x = np.asarray(x, dtype=np.float64)
    if len(p) < 3 or interp == "linear":
        return np.interp(x, p[:, 0], p[:, 1])
    from scipy.interpolate import PchipInterpolator  # only custom cubic arcs need scipy

    return PchipInterpolator(p[:, 0], p[:, 1])(np.clip(x, p[0, 0], p[-1, 0]))


def _clean_points(points, what: str) -> Points:
    """Validated, position-sorted points; ValueError naming ``what`` and the problem."""
    try:
        p = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a list of [position, value] pairs of numbers") from None
    if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
        raise ValueError(f"{what} must be a non-empty list of [position, value] pairs, got shape {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError(f"{what} has a non-finite number")
    bad = np.flatnonzero((p < 0).any(axis=1) | (p > 1).any(axis=1))
    if len(bad):
        raise ValueError(f"{what}: point {int(bad[0])} {p[bad[0]].tolist()} is outside 0..1 "
                         "(positions are fractions of the playlist, values raw 0..1 feature units)")
    p = p[np.argsort(p[:, 0], kind="stable")]
    if (np.diff(p[:, 0]) == 0).any():
        dup = p[1:, 0][np.diff(p[:, 0]) == 0][0]
        raise ValueError(f"{what} has two points at position {dup}")
    return tuple((float(a), float(b)) for a, b in p)


@dataclass(frozen=True)
class Arc:
    """A target curve: ``energy`` control points ``((pos, value), ...)`` (pos 0..1 along the playlist,
    value raw 0..1), optional ``valence`` points, ``interp`` ``"linear"`` or ``"cubic"`` (monotone).
    ``name``: a shape name, ``"custom"``, or the JSON file it came from. Hashable (points are tuples)."""

    energy: Points
    valence: Points | None = None
    interp: str = "linear"
    name: str = "custom"

    def __post_init__(self):
        if self.interp not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {self.interp!r}")

    @classmethod
    def from_points(cls, energy, valence=None, interp: str = "linear", name: str = "custom") -> "Arc":
        """An arc through ``energy`` points ``[(pos, value), ...]`` (and optional ``valence`` points)."""
        return cls(_clean_points(energy, "energy points"),
                   None if valence is None else _clean_points(valence, "valence points"), interp, name)

    @classmethod
    def named(cls, name: str, low: float = DEFAULT_LOW, high: float = DEFAULT_HIGH, cycles: int = 3) -> "Arc":
        """A named shape (``peak``, ``build``, ``waves``) on energy between ``low`` and ``high``."""
        return cls(shape_points(name, low, high, cycles), None, "linear", name)

    @classmethod
    def from_json(cls, path: str | Path) -> "Arc":
        """Read ``{"energy": [[pos, value], ...], "valence": [...], "interpolation": "linear"|"cubic"}``
        (valence and interpolation optional). Raises DiscoError naming the file and what was expected."""
        path = Path(path)
        expected = ('expected a JSON object like {"energy": [[0, 0.4], [0.5, 0.9], [1, 0.5]]} '
                    '(optional "valence" points and "interpolation": "linear" or "cubic")')
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DiscoError(f"arc file {path} not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise DiscoError(f"arc file {path} cannot be read: {e}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise DiscoError(f"arc file {path} is not valid JSON (line {e.lineno}, column {e.colno}: "
                             f"{e.msg}); {expected}") from None
        if not isinstance(data, dict):
            raise DiscoError(f"arc file {path} holds a JSON {type(data).__name__}; {expected}")
        unknown = sorted(set(data) - {"energy", "valence", "interpolation"})
        if unknown:
            raise DiscoError(f"arc file {path} has unknown key(s) {unknown}; {expected}")
        if "energy" not in data:
            raise DiscoError(f'arc file {path} has no "energy" points; {expected}')
        interp = data.get("interpolation", "linear")
        if interp not in INTERPOLATIONS:
            raise DiscoError(f'arc file {path}: "interpolation" must be "linear" or "cubic", got {interp!r}')
        try:
            return cls.from_points(data["energy"], data.get("valence"), interp, name=str(path))
        except ValueError as e:
            raise DiscoError(f"arc file {path}: {e}; {expected}") from None

    @property
    def features(self) -> tuple[str, ...]:
        """Features with a target: ``("energy",)`` or ``("energy", "valence")``."""
        return FEATURES if self.valence is not None else FEATURES[:1]

    def curve(self, length: int, feature: str = "energy") -> np.ndarray:
        """(length,) float64 targets of ``feature`` at each playlist position."""
        pts = {"energy": self.energy, "valence": self.valence}.get(feature)
        if pts is None:
            raise ValueError(f"this arc has no {feature} curve (it has {self.features})")
        return interpolate(pts, positions(length), self.interp)

    def targets(self, length: int) -> np.ndarray:
        """(length, F) targets, columns in :attr:`features` order."""
        return np.stack([self.curve(length, f) for f in self.features], axis=1)

    def to_dict(self) -> dict:
        """JSON-ready record (name, interpolation, points) for ``settings``."""
        out = {"name": self.name, "interpolation": self.interp, "energy": [list(p) for p in self.energy]}
        if self.valence is not None:
            out["valence"] = [list(p) for p in self.valence]
        return out


def arc_curve(name: str, length: int, low: float = DEFAULT_LOW, high: float = DEFAULT_HIGH,
              cycles: int = 3) -> np.ndarray:
    """(length,) float64 energy targets (raw 0..1) of a named shape; ``"none"`` gives all NaN (no target)."""
    if name == "none":
        return np.full(len(positions(length)), np.nan)
    return Arc.named(name, low, high, cycles).curve(length)


def parse_arc(spec: str | None, low: float = DEFAULT_LOW, high: float = DEFAULT_HIGH) -> Arc | None:
    """The CLI's ``--arc`` value: ``none``/None -> None, a shape name -> :meth:`Arc.named`, anything else
    is a JSON file path (:meth:`Arc.from_json`)."""
    if spec is None or spec == "none":
        return None
    if spec in ARC_SHAPES:
        return Arc.named(spec, low, high)
    if not spec.lower().endswith(".json") and not Path(spec).exists():
        raise DiscoError(f"--arc must be one of {', '.join(ARC_SHAPES)} or a .json file of control points, "
                         f"got {spec!r}")
    return Arc.from_json(spec)


def energy_range(energy, q: tuple[float, float] = (0.1, 0.9)) -> tuple[float, float]:
    """(low, high) quantiles of a pool's raw energy, to fit a named shape to what the pool can reach."""
    e = np.asarray(energy, dtype=np.float64)
    e = e[np.isfinite(e)]
    if len(e) == 0:
        return DEFAULT_LOW, DEFAULT_HIGH
    lo, hi = np.quantile(e, q)
    return float(lo), float(hi)


def arc_penalty(values, targets) -> np.ndarray:
    """``|value - target|`` (raw units, 0..1), broadcasting; 0 where the target is NaN (no arc)."""
    d = np.abs(np.asarray(values, dtype=np.float64) - np.asarray(targets, dtype=np.float64))
    return np.where(np.isnan(np.asarray(targets, dtype=np.float64)), 0.0, d)


def achieved_error(values, targets) -> float:
    """Mean ``|value - target|`` over a playlist's positions with a target (NaN if none): how well a
    playlist follows its arc, for the evaluation and the dashboard."""
    d = np.abs(np.asarray(values, dtype=np.float64) - np.asarray(targets, dtype=np.float64))
    d = d[np.isfinite(d)]
    return float(d.mean()) if len(d) else math.nan
