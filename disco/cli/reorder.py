"""``python -m disco reorder FILE``: your songs, in the order with the best flow."""

from __future__ import annotations

import sys
from pathlib import Path

from disco.cli.options import (add_engine_options, add_model_options, add_output_options, load_service,
                               settings_from_args, write_output)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "reorder", help="order your own songs for the best flow",
        description="Order the songs of FILE to minimise the summed loss: beam search, then 2-opt/or-opt "
        "on the true sequential loss. FILE is a song table in any schema the catalog reads, or a text file "
        "of Spotify track ids/URIs/URLs (one per line) found in the catalog.")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--best-start", action="store_true", help="also choose the first song (default: keep it)")
    p.add_argument("--no-improve", action="store_true", help="skip the 2-opt/or-opt local search")
    add_engine_options(p)
    add_output_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from disco.export.formats import render

    settings = settings_from_args(args)
    disco = load_service(args)
    tracks = disco.read_track_list(args.file)
    print(tracks.summary(), file=sys.stderr)
    playlist = disco.reorder(tracks, settings, keep_first=not args.best_start, improve=not args.no_improve)
    write_output(render(tracks.catalog, playlist, args.format), args)
    return 0
