"""CLI subcommands, one module each (see :mod:`disco.cli`)."""
