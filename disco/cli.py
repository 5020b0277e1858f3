"""``python -m disco``: one subcommand per job; each lives in ``disco.commands.<name>``.

A command module exposes ``register(subparsers)``, which adds its parser and sets
``func(args) -> int`` as the default. Errors a user can act on (:class:`DiscoError`)
become one clear line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from disco import __version__
from disco.errors import DiscoError

# Order = order in ``--help``. Heavy imports stay inside each command's ``func``.
COMMANDS = ("data", "train", "build", "reorder", "evaluate", "spotify")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m disco",
        description="DISCO builds playlists with flow: it learns song order from real playlists "
        "and picks each next song by feature flow, key consonance and tempo.",
    )
    parser.add_argument("--version", action="version", version=f"disco {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"disco.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"disco.commands.{name}":
                raise
            continue  # command not built yet
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
