"""The command line, ``disco ...`` / ``python -m disco ...``: one module per subcommand, for everything the
dashboard does."""
