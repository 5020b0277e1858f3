"""``python -m disco build``: a playlist from seed songs."""

from __future__ import annotations

import sys

from disco.cli.options import (add_engine_options, add_model_options, add_output_options, load_service,
                               positive_int, settings_from_args, write_output)
from disco.engine.pools import SOURCES
from disco.errors import DiscoError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="build a playlist with flow from seed songs",
        description="Build a playlist: the seeds first, in your order, then songs chosen from a candidate pool "
        "around them by predicted flow, key consonance and tempo.")
    p.add_argument("--seed", action="append", required=True, metavar="SONG",
                   help="'artist - title', a Spotify track id/URI/URL or a search text; repeat for several seeds")
    p.add_argument("--length", type=positive_int, default=20, help="songs in the playlist, seeds included (default 20)")
    p.add_argument("--pool", choices=SOURCES, default="union", help="where candidates come from (default union)")
    p.add_argument("--pool-size", type=positive_int, default=300, help="candidates (default 300)")
    add_engine_options(p)
    add_output_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from disco.export.formats import render

    if args.length < len(args.seed):
        raise DiscoError(f"--length {args.length} is shorter than the {len(args.seed)} seeds; "
                         "the length counts the seeds")
    settings = settings_from_args(args)
    disco = load_service(args)
    playlist = disco.build(args.seed, settings, length=args.length, pool=args.pool, pool_size=args.pool_size)
    if playlist.message:
        print(f"note: {playlist.message}", file=sys.stderr)
    write_output(render(disco.catalog, playlist, args.format), args)
    return 0
