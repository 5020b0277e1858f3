"""``python -m disco score FILE``: the loss of your songs in the order given, move by move."""

from __future__ import annotations

import sys
from pathlib import Path

from disco.cli.options import (add_engine_options, add_model_options, add_output_options, load_service,
                               settings_from_args, write_output)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "score", help="score the order of your songs (total loss and each move's terms)",
        description="Score the songs of FILE in the order given: the total loss and, per move, the distance to "
        "the network's predicted next song, the key and tempo terms, the arc term and the hard rules it "
        "breaks. FILE is read as by `reorder`; the options are the same, so a reordered file scores what "
        "`reorder` reported.")
    p.add_argument("file", type=Path, metavar="FILE")
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
    write_output(render(tracks.catalog, disco.score(tracks, settings), args.format), args)
    return 0
