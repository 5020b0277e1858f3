"""``python -m disco build``: a playlist from seed songs."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from disco.errors import DiscoError

POOLS = ("union", "subgenre", "genre", "cooccurrence", "knn")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _weight(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value


def _spicy(text: str) -> float:
    value = _weight(text)
    if value == 0:
        raise argparse.ArgumentTypeError("spicy must be > 0 (it scales the network's prediction)")
    return value


def _percent(text: str) -> float:
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage like 6 or 6%, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite percentage >= 0, got {text}")
    return value


def add_engine_options(p: argparse.ArgumentParser, default_search: str | None) -> None:
    """Options shared by ``build`` and ``reorder``: preset, weights, search, DJ scoring, output, data and model.

    Weight and scoring options default to None: :func:`weights_from_args` / :func:`scoring_from_args` fill
    what is not given from ``--preset``."""
    from disco.scoring import DEFAULT_PRESET, KEY_MODES, PRESET_NAMES, preset

    dw, ds = preset(DEFAULT_PRESET)
    rw, rs = preset("reference")
    p.add_argument("--preset", choices=PRESET_NAMES, default=DEFAULT_PRESET,
                   help=f"starting values of the options below: dj (graded Camelot key score, DJ tempo kernel, "
                   f"sweetness {dw.sweetness:g}, smoothness {dw.smoothness:g}) or reference (the spec's algorithm); "
                   f"flags given override it (default {DEFAULT_PRESET})")
    g = p.add_argument_group("loss weights (spec section 3; defaults: dj preset / reference preset)")
    for name, help_text in (("flow", "weight of the distance to the network's predicted next song"),
                            ("sweetness", "weight of the key score"), ("smoothness", "weight of the tempo score")):
        g.add_argument(f"--{name}", type=_weight, default=None,
                       help=f"{help_text} ({getattr(dw, name):g} / {getattr(rw, name):g})")
    g.add_argument("--spicy", type=_spicy, default=None,
                   help=f"scale of the network's prediction, > 1 asks for bolder moves ({dw.spicy:g} / {rw.spicy:g})")
    dj = p.add_argument_group("DJ scoring (issue 8)")
    dj.add_argument("--key-score", choices=KEY_MODES, default=None,
                    help="reference: circle of fifths (diagonal moves score perfect); camelot: graded DJ wheel "
                    f"(same 1, +/-1 0.9, A<->B 0.8, diagonal 0.55, +/-2 0.45, else 0.1) ({ds.key} / {rs.key})")
    dj.add_argument("--tempo-score", choices=("reference", "dj"), default=None,
                    help="reference: cosine of the log2 tempo ratio; dj: exp(-(pct/4%%)^2) of the change after "
                    f"folding double/half time, 6%% is the edge ({ds.tempo} / {rs.tempo})")
    dj.add_argument("--arc", default="none", metavar="none|peak|build|waves|FILE.json",
                    help="target energy curve over the playlist: warm-up/peak/cool-down, steady build, waves, or "
                    'a JSON file {"energy": [[pos, value], ...]} (pos and value 0..1) (default none)')
    dj.add_argument("--arc-weight", type=_weight, default=None,
                    help=f"weight of |energy - target| in the loss (default {ds.arc_weight:g})")
    dj.add_argument("--max-bpm-change", type=_percent, metavar="PCT",
                    help="hard limit on the tempo change in percent after folding double/half time")
    dj.add_argument("--camelot-only", action="store_true",
                    help="only Camelot-compatible moves (same code, +/-1, A<->B) while the pool allows")
    dj.add_argument("--no-repeat-artist", action="store_true", help="never the same artist twice in a row")
    s = p.add_argument_group("search")
    s.add_argument("--search", choices=("greedy", "beam"), default=default_search,
                   help="greedy (the reference) or beam search over the summed loss "
                   f"(default {default_search or 'the preset: beam for dj, greedy for reference'})")
    s.add_argument("--beam-width", type=_positive_int, default=8, help="partial playlists kept by beam search (default 8)")
    o = p.add_argument_group("output")
    o.add_argument("--format", choices=("table", "json", "csv", "m3u"), default="table", help="default table")
    o.add_argument("--out", type=Path, help="write to this file instead of the terminal")
    d = p.add_argument_group("data and model")
    d.add_argument("--data", type=Path, help="song catalog file (default: spotify_songs.csv in $DISCO_DATA_DIR)")
    d.add_argument("--models-dir", type=Path, help="trained model folder (default: models/)")
    d.add_argument("--network", help="a network of the model card other than the chosen one")


def _preset_of(args):
    from disco.scoring import DEFAULT_PRESET, preset

    return preset(getattr(args, "preset", None) or DEFAULT_PRESET)


def _given(args, name: str, default):
    value = getattr(args, name, None)
    return default if value is None else value


def weights_from_args(args):
    """The preset's :class:`~disco.engine.Weights` with the weight flags given."""
    from disco.engine import Weights

    base, _ = _preset_of(args)
    return Weights(**{name: _given(args, name, getattr(base, name))
                      for name in ("flow", "sweetness", "smoothness", "spicy")})


def scoring_from_args(args):
    """The preset's :class:`disco.scoring.Scoring` with the DJ flags given; a bad ``--arc`` file raises
    DiscoError."""
    from disco import arcs
    from disco.scoring import Rules, Scoring

    _, base = _preset_of(args)
    return Scoring(key=_given(args, "key_score", base.key), tempo=_given(args, "tempo_score", base.tempo),
                   tempo_width=base.tempo_width, arc=arcs.parse_arc(_given(args, "arc", "none")),
                   arc_weight=_given(args, "arc_weight", base.arc_weight),
                   rules=Rules(bool(getattr(args, "camelot_only", False)), getattr(args, "max_bpm_change", None),
                               bool(getattr(args, "no_repeat_artist", False))))


def load_service(args):
    from disco.service import Disco

    return Disco.load(data_path=args.data, models_dir=args.models_dir, network=args.network)


def write_output(text: str, args) -> None:
    if args.out is None:
        sys.stdout.write(text)
        return
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DiscoError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out}", file=sys.stderr)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="build a playlist with flow from seed songs",
        description="Build a playlist: the seeds first, in your order, then songs chosen from a candidate pool "
        "around them by predicted flow, key consonance and tempo.")
    p.add_argument("--seed", action="append", required=True, metavar="SONG",
                   help="'artist - title', a Spotify track id/URI/URL or a search text; repeat for several seeds")
    p.add_argument("--length", type=_positive_int, default=20, help="songs in the playlist, seeds included (default 20)")
    p.add_argument("--pool", choices=POOLS, default="union", help="where candidates come from (default union)")
    p.add_argument("--pool-size", type=_positive_int, default=300, help="candidates (default 300)")
    add_engine_options(p, default_search=None)  # None: the preset's search
    p.set_defaults(func=run)


def run(args) -> int:
    if args.length < len(args.seed):
        raise DiscoError(f"--length {args.length} is shorter than the {len(args.seed)} seeds; "
                         "the length counts the seeds")
    weights = weights_from_args(args)
    scoring = scoring_from_args(args)
    disco = load_service(args)
    playlist = disco.build(args.seed, length=args.length, pool=args.pool, pool_size=args.pool_size,
                           weights=weights, search=args.search, beam_width=args.beam_width, scoring=scoring,
                           preset=args.preset)
    if playlist.message:
        print(f"note: {playlist.message}", file=sys.stderr)
    write_output(disco.render(playlist, args.format), args)
    return 0
