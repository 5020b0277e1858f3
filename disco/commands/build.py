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


def add_engine_options(p: argparse.ArgumentParser, default_search: str) -> None:
    """Options shared by ``build`` and ``reorder``: weights, search, output, data and model."""
    g = p.add_argument_group("loss weights (spec section 3)")
    g.add_argument("--flow", type=_weight, default=1.0, help="weight of the feature distance (default 1)")
    g.add_argument("--sweetness", type=_weight, default=1.0, help="weight of key similarity (default 1)")
    g.add_argument("--smoothness", type=_weight, default=1.0, help="weight of tempo similarity (default 1)")
    g.add_argument("--spicy", type=_spicy, default=1.2, help="scale of the network's prediction (default 1.2)")
    s = p.add_argument_group("search")
    s.add_argument("--search", choices=("greedy", "beam"), default=default_search,
                   help=f"greedy (the reference) or beam search over the summed loss (default {default_search})")
    s.add_argument("--beam-width", type=_positive_int, default=8, help="partial playlists kept by beam search (default 8)")
    o = p.add_argument_group("output")
    o.add_argument("--format", choices=("table", "json", "csv", "m3u"), default="table", help="default table")
    o.add_argument("--out", type=Path, help="write to this file instead of the terminal")
    d = p.add_argument_group("data and model")
    d.add_argument("--data", type=Path, help="song catalog file (default: spotify_songs.csv in $DISCO_DATA_DIR)")
    d.add_argument("--models-dir", type=Path, help="trained model folder (default: models/)")
    d.add_argument("--network", help="a network of the model card other than the chosen one")


def weights_from_args(args):
    from disco.engine import Weights

    return Weights(flow=args.flow, sweetness=args.sweetness, smoothness=args.smoothness, spicy=args.spicy)


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
    add_engine_options(p, default_search="greedy")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.length < len(args.seed):
        raise DiscoError(f"--length {args.length} is shorter than the {len(args.seed)} seeds; "
                         "the length counts the seeds")
    weights = weights_from_args(args)
    disco = load_service(args)
    playlist = disco.build(args.seed, length=args.length, pool=args.pool, pool_size=args.pool_size,
                           weights=weights, search=args.search, beam_width=args.beam_width)
    if playlist.message:
        print(f"note: {playlist.message}", file=sys.stderr)
    write_output(disco.render(playlist, args.format), args)
    return 0
