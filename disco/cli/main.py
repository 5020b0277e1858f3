"""``python -m disco``: one subcommand per job, each in a module of :mod:`disco.cli`.

A command module exposes ``register(subparsers)``, which adds its parser and sets ``func(args) -> int`` as the
default (a command that hands the options it does not know to another program also sets ``passed_on=[]``, which
receives them). Errors a user can act on (:class:`~disco.errors.DiscoError`) become one clear line on stderr and
exit code 2, never a traceback. Heavy imports stay inside each command's ``run``.
"""

from __future__ import annotations

import argparse
import sys

from disco import __version__
from disco.cli import app, build, data, evaluate, library, reorder, score, spotify, train
from disco.errors import DiscoError

COMMANDS = (data, app, library, train, build, reorder, score, evaluate, spotify)  # order = order in --help


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disco",
        description="DISCO builds playlists with flow: it learns song order from real playlists "
        "and picks each next song by feature flow, key consonance and tempo.")
    parser.add_argument("--version", action="version", version=f"disco {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if not hasattr(args, "passed_on"):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.passed_on = unknown[1:] if unknown[0] == "--" else unknown
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(args.func(args) or 0)
    except DiscoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
