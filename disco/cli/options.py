"""Options shared by the commands that build, reorder and score: one place that turns flags into settings."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from disco.engine.settings import DEFAULT_PRESET, PARAMETER_CONSTRAINTS, PRESETS, EngineSettings
from disco.errors import DiscoError
from disco.export.formats import ALIASES, FORMATS
from disco.outputs import check_target, write_atomically
from disco.theory.arcs import ARC_SHAPES, parse_arc


def whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number from ``low`` (to ``high``)."""
    span = f">= {low}" if high is None else f"from {low} to {high}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected a whole number {span}, got {value}")
        return value
    return parse


def number(what: str, minimum: float = 0.0, *, strict: bool = False, unit: str = ""):
    """An argparse type: ``what`` (e.g. "a number of minutes"), a finite number >= ``minimum`` (> with
    ``strict``); ``unit``: a sign the text may end with ("%")."""
    bound = f"{'>' if strict else '>='} {minimum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text.removesuffix(unit) if unit else text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"expected {what} ({bound}, finite), got {text}")
        return value
    return parse


positive_int = whole_number(1)


def setting(name: str):
    """An argparse type for the engine setting ``name``: its allowed values (:data:`PARAMETER_CONSTRAINTS`),
    a percentage written 6 or 6%."""
    allowed = PARAMETER_CONSTRAINTS[name]

    def parse(text: str):
        try:
            value = allowed.kind(text.removesuffix(allowed.unit) if allowed.unit else text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {allowed.describe()}, got {text!r}") from None
        if not allowed.accepts(value):
            finite = "" if math.isfinite(value) else " (finite)"
            raise argparse.ArgumentTypeError(f"expected {allowed.describe()}{finite}, got {text}")
        return value
    return parse


def allowed_values(name: str) -> str:
    """The help text's account of what ``name`` may be: ``"0..100"``, ``"> 0, <= 100"``."""
    return PARAMETER_CONSTRAINTS[name].short()


def add_song_file_arguments(p: argparse.ArgumentParser) -> None:
    """FILE and ``--playlist``: the songs ``reorder`` and ``score`` read, in their order."""
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--playlist", metavar="NAME", help="only this playlist of FILE (e.g. of a Rekordbox, Traktor or "
                   "Mixxx library), in its order")


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """Preset, weights, key/tempo scores, hard rules, arc and search. Every option defaults to None: what is
    not given comes from ``--preset`` (:func:`settings_from_args`)."""
    dj, ref = EngineSettings(), EngineSettings.from_preset("reference")
    p.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET,
                   help=f"starting values of the options below: dj (DISCO's default: graded Camelot key score, "
                        f"DJ tempo kernel, sweetness {dj.sweetness:g}, smoothness {dj.smoothness:g}, beam search) "
                        "or reference (the spec's algorithm); options given override it")
    g = p.add_argument_group("loss weights (defaults: dj preset / reference preset)")
    for name, text in (("flow", "weight of the distance to the network's predicted next song"),
                       ("sweetness", "weight of the key score"), ("smoothness", "weight of the tempo score"),
                       ("spicy", "scale of the network's prediction (> 1 asks for bolder moves)")):
        g.add_argument(f"--{name}", type=setting(name), default=None,
                       help=f"{text}, {allowed_values(name)} ({getattr(dj, name):g} / {getattr(ref, name):g})")
    k = p.add_argument_group("key and tempo scores, hard rules, energy arc")
    k.add_argument("--key-score", choices=PARAMETER_CONSTRAINTS["key_score"], default=None,
                   help="camelot: graded DJ wheel (same 1, +/-1 0.9, A<->B 0.8, diagonal 0.55, +/-2 0.45, else 0.1); "
                        f"reference: circle of fifths ({dj.key_score} / {ref.key_score})")
    k.add_argument("--tempo-score", choices=PARAMETER_CONSTRAINTS["tempo_score"], default=None,
                   help="dj: exp(-(change/4%%)^2) after folding double/half time, 6%% is the edge; reference: "
                        f"cosine of the log2 tempo ratio ({dj.tempo_score} / {ref.tempo_score})")
    k.add_argument("--camelot-only", action="store_true", default=None,
                   help="only Camelot-compatible moves (same code, +/-1, A<->B) while the songs allow")
    k.add_argument("--max-bpm-change", type=setting("max_bpm_change"), metavar="PCT", default=None,
                   help="hard limit on each move's tempo change, in percent after folding double/half time, "
                        f"{allowed_values('max_bpm_change')}".replace("%", "%%"))
    k.add_argument("--artist-gap", type=setting("artist_gap"), metavar="N", default=None,
                   help=f"no song by an artist among the N songs before it, while the songs allow; 0 = off, "
                        f"{allowed_values('artist_gap')} ({dj.artist_gap} / {ref.artist_gap})")
    k.add_argument("--no-repeat-artist", dest="artist_gap", action="store_const", const=1,
                   help="never the same artist twice in a row (--artist-gap 1)")
    k.add_argument("--arc", default=None, metavar="|".join(ARC_SHAPES) + "|FILE.json",
                   help="target energy curve over the playlist: warm-up/peak/cool-down, steady build, waves, or "
                        'a JSON file {"energy": [[position, value], ...]} (both 0..1) (default none)')
    k.add_argument("--arc-weight", type=setting("arc_weight"), default=None,
                   help=f"weight of |energy - target| in the loss, {allowed_values('arc_weight')} "
                        f"(default {dj.arc_weight:g})")
    s = p.add_argument_group("search")
    s.add_argument("--search", choices=PARAMETER_CONSTRAINTS["search"], default=None,
                   help=f"greedy (the spec) or beam search over the summed loss ({dj.search} / {ref.search})")
    s.add_argument("--beam-width", type=setting("beam_width"), default=None,
                   help=f"partial playlists kept by beam search, {allowed_values('beam_width')} "
                        f"(default {dj.beam_width})")


def settings_from_args(args: argparse.Namespace) -> EngineSettings:
    """The preset of ``--preset`` with every engine option given; a bad value raises DiscoError."""
    overrides = {name: getattr(args, name) for name in (
        "flow", "sweetness", "smoothness", "spicy", "key_score", "tempo_score", "camelot_only", "max_bpm_change",
        "artist_gap", "arc_weight", "search", "beam_width") if getattr(args, name, None) is not None}
    if getattr(args, "arc", None) is not None:
        overrides["arc"] = parse_arc(args.arc)
    try:
        return EngineSettings.from_preset(args.preset, **overrides)
    except ValueError as exc:
        raise DiscoError(str(exc)) from None


def add_output_options(p: argparse.ArgumentParser) -> None:
    o = p.add_argument_group("output")
    o.add_argument("--format", choices=FORMATS + tuple(ALIASES), default="table",
                   help="table (default), json or csv (every song column: loads again as a song file), m3u8 "
                        "(your files, Spotify links for songs without one), rekordbox (XML) or nml (Traktor)")
    o.add_argument("--out", type=Path, help="write to this file instead of the terminal")


def add_model_options(p: argparse.ArgumentParser) -> None:
    d = p.add_argument_group("data and model")
    d.add_argument("--data", type=Path, help="song catalog file (default: spotify_songs.csv in $DISCO_DATA_DIR)")
    d.add_argument("--models-dir", type=Path, help="trained model folder (default: models/)")
    d.add_argument("--network", help="a network of the model card other than the chosen one")
    d.add_argument("--no-audio", action="store_true",
                   help="do not measure loudness, energy and danceability from the songs' files when the song file "
                        "(e.g. a DJ library) lacks them (default: measure them, cached; with --playlist only its "
                        "songs); without them the flow network is off")


def load_service(args):
    """The :class:`~disco.engine.service.Disco` of ``--data``, ``--models-dir`` and ``--network``; songs lacking
    audio features are measured from their files unless ``--no-audio`` (:func:`disco.cli.audio.audio_filler`)."""
    from disco.cli.audio import audio_filler
    from disco.engine.service import Disco

    return Disco.load(data_path=args.data, models_dir=args.models_dir, network=args.network,
                      fill=audio_filler(args))


def write_output(text: str, args: argparse.Namespace, inputs=(), suffixes=()) -> None:
    """``text`` to ``--out`` (atomically, creating its folder) or to the terminal. An ``--out`` that is one
    of the command's ``inputs``, is not a regular file, is read-only or is an existing file without one of the
    ``suffixes`` is refused (:func:`disco.outputs.check_target`)."""
    if args.out is None:
        sys.stdout.write(text)
        return
    out = check_target(args.out, inputs, suffixes)

    def write(path: str) -> None:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)

    write_atomically(out, write)
    print(f"wrote {out}", file=sys.stderr)


def write_playlist(args: argparse.Namespace, catalog, playlist, name: str, inputs=()) -> None:
    """The playlist in ``--format`` to ``--out`` or the terminal; ``name`` names it in Rekordbox/NML, and an
    M3U8's file paths are relative to the folder it is written to."""
    from disco.export.formats import SUFFIXES, render

    base_dir = None if args.out is None else Path(args.out).parent
    write_output(render(catalog, playlist, args.format, name=name, base_dir=base_dir), args, inputs,
                 SUFFIXES[args.format])
