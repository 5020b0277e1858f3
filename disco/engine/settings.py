"""The settings record: every knob of the loss and the search, in one hashable value.

``EngineSettings()`` is DISCO's default, the **DJ preset**; ``EngineSettings.from_preset("reference")`` is the
spec's algorithm exactly. The CLI, the dashboard, the evaluation and every cache key make their settings
here and nowhere else::

    settings = EngineSettings.from_preset("dj", sweetness=1.0, arc=Arc.named("peak"))
    settings.preset        # "custom": the values no longer match a preset
    EngineSettings.from_dict(settings.to_dict()) == settings
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from disco.theory.arcs import Arc
from disco.theory.keys import KEY_SCORES
from disco.theory.tempo import DJ_TEMPO_WIDTH_PCT, TEMPO_SCORES

SEARCHES = ("greedy", "beam")
PRESETS = ("dj", "reference")
DEFAULT_PRESET = "dj"
CUSTOM = "custom"
PRESET_LABELS = {"dj": "DJ (default)", "reference": "Reference (spec)", CUSTOM: "Custom"}
MAX_BEAM_WIDTH = 128  # wider beams cost linearly more and gain little (bench/bench_builds.py measures it)
MAX_WEIGHT = 100.0
MAX_ARTIST_GAP = 10  # songs: a wider window empties small pools of one scene
# relaxed first -> last when no candidate meets every rule (the artist rule is what listeners notice most)
RULES = ("camelot_only", "max_bpm_change", "artist_gap")
# The DJ preset keeps a song's artist out of the N songs before it (bench/bench_builds.py measures N = 2..5)
DJ_ARTIST_GAP = 3
CLOSED = ("both", "left", "right", "neither")


@dataclass(frozen=True)
class Interval:
    """The values a number setting may take: ``kind`` (``int`` or ``float``) from ``low`` to ``high``; ``closed``
    says which ends are allowed ("both", "left", "right", "neither"). ``optional``: None is allowed too (the
    setting is off); ``unit``: "%" for a percentage.

    ``typical``: (low, high, step) of the values sets use, what a slider offers; within the interval (a weight
    may be 100, but a slider up to 100 leaves no room for the useful values). None: the whole interval."""

    kind: type
    low: float
    high: float
    closed: str = "both"
    optional: bool = False
    unit: str = ""
    typical: tuple[float, float, float] | None = None

    def __post_init__(self):
        if self.kind not in (int, float) or self.closed not in CLOSED or not self.low <= self.high:
            raise ValueError(f"not an interval: {self!r}")
        if self.typical is not None:
            low, high, step = self.typical
            if not (self.accepts(low) and self.accepts(high) and low < high and step > 0):
                raise ValueError(f"typical range {self.typical} is not within {self.describe()}")

    def accepts(self, value) -> bool:
        """True for a value of the interval's kind (any real for ``float``, a whole number for ``int``; never a
        bool) between its ends; None counts when ``optional``."""
        if value is None:
            return self.optional
        kind = numbers.Integral if self.kind is int else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
            return False
        above = value >= self.low if self.closed in ("both", "left") else value > self.low
        below = value <= self.high if self.closed in ("both", "right") else value < self.high
        return above and below

    def describe(self) -> str:
        """``"a whole number between 1 and 128"``, ``"a finite number > 0 and <= 100"``."""
        what = {"%": "a percentage"}.get(self.unit, "a whole number" if self.kind is int else "a finite number")
        span = f"between {self.low:g} and {self.high:g}" if self.closed == "both" else self.ends(" and ")
        return f"{what} {span}" + (", or None" if self.optional else "")

    def short(self) -> str:
        """``"0..100"``, ``"> 0, <= 100"``: the interval in a help text, with its unit."""
        span = f"{self.low:g}..{self.high:g}" if self.closed == "both" else self.ends(", ")
        return span + self.unit

    def ends(self, joint: str) -> str:
        """``"> 0" + joint + "<= 100"``: each end with its comparison."""
        return (f"{'>=' if self.closed == 'left' else '>'} {self.low:g}{joint}"
                f"{'<=' if self.closed == 'right' else '<'} {self.high:g}")

    @property
    def slider(self) -> tuple[float, float, float]:
        """(min, max, step) of a slider over this setting: the typical range, else the interval (step 1 for a
        whole number)."""
        if self.typical is not None:
            return self.typical
        return self.low, self.high, 1 if self.kind is int else (self.high - self.low) / 100


# Each setting's allowed values, declared once: EngineSettings checks them, the CLI parses its options with them
# and the dashboard's sidebar draws its sliders from them. A tuple: the names allowed; a type: its values.
PARAMETER_CONSTRAINTS = MappingProxyType({
    "flow": Interval(float, 0.0, MAX_WEIGHT, typical=(0.0, 3.0, 0.1)),
    "sweetness": Interval(float, 0.0, MAX_WEIGHT, typical=(0.0, 3.0, 0.1)),
    "smoothness": Interval(float, 0.0, MAX_WEIGHT, typical=(0.0, 3.0, 0.1)),
    # > 0: it scales the network's prediction, which under-estimates magnitudes
    "spicy": Interval(float, 0.0, MAX_WEIGHT, closed="right", typical=(0.5, 2.0, 0.05)),
    "key_score": KEY_SCORES,
    "tempo_score": TEMPO_SCORES,
    "tempo_width_pct": Interval(float, 0.0, 50.0, closed="right", unit="%"),
    "camelot_only": bool,
    "max_bpm_change": Interval(float, 0.0, 100.0, optional=True, unit="%", typical=(1.0, 15.0, 0.5)),
    "artist_gap": Interval(int, 0, MAX_ARTIST_GAP),
    "arc": Arc,
    "arc_weight": Interval(float, 0.0, MAX_WEIGHT, typical=(0.0, 10.0, 0.5)),
    "fit_arc": bool,
    "search": SEARCHES,
    "beam_width": Interval(int, 1, MAX_BEAM_WIDTH),
})


@dataclass(frozen=True)
class EngineSettings:
    """How songs are scored and searched. The loss of moving from song ``s`` to candidate ``c`` at
    playlist position ``p`` (see :mod:`disco.engine.loss`)::

        L = flow * ||spicy * y_hat - z_c|| - sweetness * key(s, c) - smoothness * tempo(s, c)
            + arc_weight * |energy(c) - arc(p)|

    Each field's allowed values are in :data:`PARAMETER_CONSTRAINTS`; ``spicy`` scales the network's prediction
    up, which under-estimates magnitudes. ``key_score``: ``"camelot"`` (graded DJ
    wheel) or ``"reference"`` (circle of fifths); ``tempo_score``: ``"dj"`` (kernel of width
    ``tempo_width_pct`` percent) or ``"reference"`` (cosine). Hard rules, relaxed per move when no candidate
    meets them: ``camelot_only``, ``max_bpm_change`` (percent, None = off), ``artist_gap`` (N songs: a song's
    artist must not be among the N songs before it; 0 = off; unknown artists never count). ``arc``:
    an energy target curve (None = none); ``fit_arc`` stretches a named shape to the songs' energy range.
    ``search``: ``"greedy"`` (the spec) or ``"beam"`` keeping ``beam_width`` partial playlists.
    The defaults are the DJ preset.
    """

    flow: float = 1.0
    sweetness: float = 0.7
    smoothness: float = 0.6
    spicy: float = 1.2
    key_score: str = "camelot"
    tempo_score: str = "dj"
    tempo_width_pct: float = DJ_TEMPO_WIDTH_PCT
    camelot_only: bool = False
    max_bpm_change: float | None = None
    artist_gap: int = DJ_ARTIST_GAP
    arc: Arc | None = None
    arc_weight: float = 4.0  # the smallest weight at which >= 90% of peak and build arcs show (bench_builds.py)
    fit_arc: bool = True
    search: str = "beam"
    beam_width: int = 64  # 8 was 14-16% above beam(128) on the builds; 64 is within 1% (bench/bench_builds.py)

    def __post_init__(self):
        for name, allowed in PARAMETER_CONSTRAINTS.items():
            value = getattr(self, name)
            if isinstance(allowed, Interval):
                if not allowed.accepts(value):
                    raise ValueError(f"{name} must be {allowed.describe()}, got {value!r}")
                if value is not None:
                    object.__setattr__(self, name, allowed.kind(value))
            elif isinstance(allowed, tuple):
                _one_of(value, allowed, name)
            elif allowed is bool:
                object.__setattr__(self, name, bool(value))
            elif value is not None and not isinstance(value, allowed):
                raise ValueError(f"{name} must be {allowed.__name__} or None, got {type(value).__name__}")

    # -- presets -----------------------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str = DEFAULT_PRESET, **overrides) -> "EngineSettings":
        """The preset ``name`` (``"dj"`` or ``"reference"``) with ``overrides`` (field=value) applied."""
        _one_of(name, PRESETS, "preset")
        return cls(**{**_PRESET_VALUES[name], **overrides})

    @property
    def preset(self) -> str:
        """The preset these values are (``"dj"``, ``"reference"``), else ``"custom"``."""
        for name in PRESETS:
            if self == EngineSettings.from_preset(name):
                return name
        return CUSTOM

    def replace(self, **changes) -> "EngineSettings":
        """A copy with ``changes`` applied (validated)."""
        return dataclasses.replace(self, **changes)

    # -- views -------------------------------------------------------------------------------------
    @property
    def active_rules(self) -> tuple[str, ...]:
        """Names of the hard rules switched on, in relaxation order (:data:`RULES`)."""
        on = {"camelot_only": self.camelot_only, "max_bpm_change": self.max_bpm_change is not None,
              "artist_gap": self.artist_gap > 0}
        return tuple(name for name in RULES if on[name])

    def without_rules(self) -> "EngineSettings":
        """These settings with every hard rule off: the loss alone (rules are no part of it)."""
        return self.replace(camelot_only=False, max_bpm_change=None, artist_gap=0)

    @property
    def uses_arc(self) -> bool:
        return self.arc is not None and self.arc_weight > 0

    # -- records -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready record (the arc as its points); :meth:`from_dict` reads it back."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["arc"] = None if self.arc is None else self.arc.to_dict()
        out["preset"] = self.preset
        return out

    @classmethod
    def from_dict(cls, record: dict) -> "EngineSettings":
        """Settings from :meth:`to_dict`'s record; unknown keys are an error (a typo must not pass). Records
        from before the artist gap carry ``no_repeat_artist`` (a bool): True reads as ``artist_gap=1``, False
        as 0 (what those settings did)."""
        data = {k: v for k, v in dict(record).items() if k != "preset"}
        if "no_repeat_artist" in data:
            old = data.pop("no_repeat_artist")
            if not isinstance(old, (bool, np.bool_)):
                raise ValueError(f"no_repeat_artist must be true or false, got {old!r}")
            if "artist_gap" in data and bool(old) != (data["artist_gap"] not in (0, False)):
                raise ValueError(f"no_repeat_artist={old} contradicts artist_gap={data['artist_gap']!r}")
            data.setdefault("artist_gap", 1 if old else 0)
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown settings {unknown}")
        arc = data.get("arc")
        if isinstance(arc, dict):
            data["arc"] = Arc.from_points(arc["energy"], arc.get("valence"), arc.get("interpolation", "linear"),
                                          arc.get("name", "custom"))
        return cls(**data)

    def key(self) -> str:
        """A stable text key of these settings (for caches)."""
        return json.dumps(self.to_dict(), sort_keys=True)


def _one_of(value, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")


# "dj" is DISCO's default: graded Camelot key score + DJ tempo kernel at sweetness 0.7 / smoothness 0.6,
# beam search; chosen on builds seeded from training playlists' songs (see the README's evaluation).
# "reference" is the spec's algorithm exactly: circle of fifths, cosine tempo, weights 1/1/1, greedy, no rules.
_PRESET_VALUES = {
    "dj": {},
    "reference": {"sweetness": 1.0, "smoothness": 1.0, "key_score": "reference", "tempo_score": "reference",
                  "search": "greedy", "artist_gap": 0},
}
