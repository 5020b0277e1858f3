"""``python -m disco score FILE``: the loss of your songs in the order given, move by move."""

from __future__ import annotations

import sys

from disco.cli.options import (
    add_engine_options,
    add_model_options,
    add_output_options,
    add_song_file_arguments,
    load_service,
    settings_from_args,
    write_playlist,
)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "score", help="score the order of your songs (total loss and each move's terms)",
        description="Score the songs of FILE in the order given: the total loss and, per move, the distance to "
        "the network's predicted next song, the key and tempo terms, the arc term and the hard rules it "
        "breaks (--format json has every term). FILE is read as by `reorder`; the options are the same, so a "
        "reordered file scores what `reorder` reported.")
    add_song_file_arguments(p)
    add_engine_options(p)
    add_output_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    settings = settings_from_args(args)
    disco = load_service(args)
    tracks = disco.read_track_list(args.file, playlist=args.playlist)
    print(tracks.summary(), file=sys.stderr)
    playlist = disco.score(tracks, settings)
    line = f"total loss {playlist.total_loss:.3f} over {playlist.moves} moves"
    if playlist.broken_rules:
        line += (f"; {playlist.relaxed_moves} moves break a hard rule ({playlist.broken_rules} rules broken: "
                 f"objective with penalties {playlist.info.get('objective', float('nan')):.3f})")
    print(line, file=sys.stderr)
    write_playlist(args, tracks.catalog, playlist, name=args.playlist or f"DISCO {args.file.stem}",
                   inputs=[args.file])
    return 0
