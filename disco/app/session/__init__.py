"""What every page shares through the session: the settings record and its edits, where the songs come from
(the default catalog or an upload), uploaded files' limits, and the cached loading and computing."""
