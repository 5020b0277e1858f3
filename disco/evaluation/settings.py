"""What the evaluation runs: its own knobs (:class:`EvalSettings`), the methods it compares, the engine
settings each DISCO method runs with, and the DJ targets the builds are checked against."""

from __future__ import annotations

from dataclasses import dataclass

from disco.engine.settings import EngineSettings
from disco.theory.tempo import TEMPO_TOLERANCE_PCT

RETRIEVAL_METHODS = ("disco", "disco_reference", "disco_distance", "nearest_neighbour", "popularity", "random")
ORDERING_METHODS = ("disco_greedy", "disco_beam", "disco_reorder", "disco_greedy_reference", "disco_beam_reference",
                    "disco_dj_rules", "nearest_neighbour", "camelot_bpm", "random", "human")
ORDERING_METRICS = ("camelot_rate", "tempo_rate", "feature_step", "energy_change", "total_loss",
                    "loss_per_transition", "total_loss_dj", "loss_per_transition_dj", "relaxed_rate")
# DISCO ordering methods -> (preset, search, hard rules?)
DISCO_METHODS = {"disco_greedy": ("dj", "greedy", False), "disco_beam": ("dj", "beam", False),
                 "disco_greedy_reference": ("reference", "greedy", False),
                 "disco_beam_reference": ("reference", "beam", False),
                 "disco_dj_rules": ("dj", "greedy", True),
                 "disco_reorder": ("dj", "beam", False)}
# disco_dj_rules: the DJ preset plus hard rules (Camelot-compatible moves only, at most the DJ tempo change)
DJ_RULES = {"camelot_only": True, "max_bpm_change": TEMPO_TOLERANCE_PCT}
# what the Reorder page and `python -m disco reorder` do: pairwise optimum, DJ sort and beam as starts, local
# search on the true loss
REORDER_METHODS = frozenset({"disco_reorder"})
SLIDERS = ("flow", "sweetness", "smoothness", "spicy")
# the DJ targets, checked on the builds
TARGETS = {"camelot_rate": 0.80, "tempo_rate": 0.85, "step_ratio": 1.10, "peak_share": 0.90}


@dataclass(frozen=True)
class EvalSettings:
    """What the evaluation does. ``quick`` trims everything to a few seconds' worth (a smoke run).
    ``beam_width`` is the beam of the ordering methods; builds use each preset's own."""

    seed: int = 0
    quick: bool = False
    n_negatives: int = 99  # retrieval: negatives per transition (100 candidates)
    k: int = 10  # hit@k
    rprec_first: int = 5  # R-precision: songs given
    rprec_holdout: int = 10  # R-precision: |G|, the playlist's last songs to find
    rprec_negatives: int = 990
    beam_width: int = 8
    tempo_tolerance_pct: float = TEMPO_TOLERANCE_PCT  # a move "within tempo": folded change in percent
    grid: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
    max_playlists: int | None = None  # None = all test playlists
    n_builds: int = 20  # builds: seed songs drawn from the test playlists
    build_pool: int = 300  # builds: subgenre pool size
    build_length: int = 20
    peak_arc_weight: float = EngineSettings().arc_weight  # the default: arcs must show at it
    build_grid_sweetness: tuple[float, ...] = (0.5, 0.7, 1.0)
    build_grid_smoothness: tuple[float, ...] = (0.4, 0.6, 0.8, 1.0)

    @classmethod
    def for_run(cls, seed: int = 0, quick: bool = False) -> "EvalSettings":
        if quick:
            return cls(seed=seed, quick=True, max_playlists=12, beam_width=4, grid=(0.0, 1.0, 4.0), n_builds=6,
                       build_grid_sweetness=(0.7,), build_grid_smoothness=(0.6, 1.0))
        return cls(seed=seed)


def preset_settings() -> dict[str, EngineSettings]:
    """``{"dj": ..., "reference": ...}``: DISCO's default DJ preset and the spec's reference algorithm."""
    return {name: EngineSettings.from_preset(name) for name in ("dj", "reference")}


def distance_settings() -> EngineSettings:
    """The DJ preset with key and tempo switched off: the distance to the network's prediction alone."""
    return EngineSettings.from_preset("dj", sweetness=0.0, smoothness=0.0)


def method_settings(method: str, beam_width: int) -> EngineSettings:
    """The engine settings of a DISCO ordering method (:data:`DISCO_METHODS`), beam ``beam_width``."""
    if method not in DISCO_METHODS:
        raise ValueError(f"not a DISCO ordering method: {method!r} (one of {', '.join(DISCO_METHODS)})")
    preset, search, with_rules = DISCO_METHODS[method]
    settings = EngineSettings.from_preset(preset, search=search, beam_width=beam_width)
    return settings.replace(**DJ_RULES) if with_rules else settings


def method_info(method: str) -> str:
    """One line on what an ordering method does."""
    if method in DISCO_METHODS:
        preset, search, with_rules = DISCO_METHODS[method]
        extra = (f" + Camelot-compatible moves only + at most {DJ_RULES['max_bpm_change']:g}% tempo change"
                 if with_rules else "")
        if method in REORDER_METHODS:
            extra += (" + the reorder search: starts from the pairwise optimum, the DJ sort and beam, polished by "
                      "local search on the true loss, as the Reorder page")
        return f"DISCO {search}, {preset} preset{extra}"
    return {"nearest_neighbour": "always the closest unused song in feature space",
            "camelot_bpm": "a Camelot-compatible key with the closest folded tempo, else the closest tempo",
            "random": "a random shuffle", "human": "the playlist as curated"}[method]
